"""`servaudit run --distributed`: what the agenda says is due, composed and enqueued, each inquiry with
its job in one transaction.

The choice is the single-machine `run`'s (servaudit/agenda.py: schedule, limits, consent, dry run);
only the sending moves to the workers. Composing here fixes the exact bytes (Message-ID, reply
address) before the job exists, so whichever worker sends it sends what the store holds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from servaudit import channels as registry
from servaudit.agenda import DUE, PLANNED, select
from servaudit.audit_store import open_store
from servaudit.channels.base import Composed, ProbeContext
from servaudit.config import Audit
from servaudit.consent import refuse_simulated_clock
from servaudit.distributed.queue import BROWSER_QUEUE, MAIL_QUEUE, SEND_TASK, install_queue, store_url
from servaudit.engine import claim_fields, run_lock
from servaudit.errors import UsageError
from servaudit.plan import Inquiry
from servaudit.reminders import compose as compose_due
from servaudit.store import REFUSED
from servaudit.store.jobs import Job


@dataclass
class Dispatched:
    planned: int = 0
    already_done: int = 0
    not_yet: int = 0
    enqueued: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Due, but queued or claimed by another `run` meanwhile."""


def send_job(inquiry: Inquiry) -> Job:
    """One inquiry's job: browser channels on the queue whose concurrency is a worker's contexts."""
    queue = BROWSER_QUEUE if registry.probe(inquiry.channel).needs_browser else MAIL_QUEUE
    return Job(SEND_TASK, {"inquiry": inquiry.id}, queue, lock=inquiry.id, queueing_lock=inquiry.id)


def dispatch(
    audit: Audit,
    wave: int | None = None,
    channels: list[str] | None = None,
    only: Collection[str] | None = None,
) -> Dispatched:
    """Enqueue every inquiry due now (of ``only``, when a person confirmed those)."""
    refuse_simulated_clock(audit.config)
    url = store_url(audit)
    unknown = sorted(set(channels or ()) - set(registry.names()))
    if unknown:
        raise UsageError(f"unknown channel {', '.join(unknown)}; known: {', '.join(registry.names())}")
    with run_lock(audit.folder):
        store = open_store(audit)
        try:
            install_queue(store, url)
            agenda, todo, threads = select(audit, store, wave, channels, only)
            summary = Dispatched(
                planned=len(agenda.entries),
                already_done=len(agenda.entries) - len(agenda.having(PLANNED, DUE, REFUSED)),
                not_yet=len(agenda.having(PLANNED)),
                refused={entry.inquiry.id: entry.detail or "" for entry in agenda.having(REFUSED)},
            )
            context = ProbeContext(config=audit.config, evidence_dir=audit.folder / "evidence")
            sending = {inquiry.channel for inquiry in todo} | {item.inquiry.channel for item in threads}
            for name in sorted(sending):  # configuration problems surface before the first job
                registry.probe(name).ready(context)
            composers: list[tuple[Inquiry, Callable[[], Composed]]] = [
                (inquiry, functools.partial(registry.probe(inquiry.channel).compose, inquiry, context))
                for inquiry in todo
            ]
            composers += [(item.inquiry, functools.partial(compose_due, item, context)) for item in threads]
            for inquiry, compose in composers:
                if store.enqueue(claim_fields(inquiry, compose()), send_job(inquiry)):
                    summary.enqueued.append(inquiry.id)
                else:
                    summary.skipped.append(inquiry.id)
            return summary
        finally:
            store.close()
