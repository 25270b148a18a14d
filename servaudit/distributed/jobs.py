"""What a distributed job does: send one queued inquiry, collect the mailbox, recover a dead worker's jobs.

Sending is the single-machine path's (``engine.deliver``) after a claim that moves the inquiry from
``queued`` to ``sending`` with the limits checked inside the claim's transaction. Recovering decides by
the claim state only (docs/distributed.md): a job whose worker died before its claim is retried, one
that died after it leaves its inquiry ``uncertain``, never sent again by itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from servaudit import channels as registry
from servaudit.browser import open_browser
from servaudit.channels.base import Composed, ProbeContext
from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.consent import target_domain
from servaudit.distributed.dispatch import send_job
from servaudit.distributed.queue import SEND_TASK
from servaudit.engine import deliver
from servaudit.limits import decide, do_not_contact, spacing_until
from servaudit.plan import Inquiry
from servaudit.schedule import window_zone
from servaudit.store import PENDING, QUEUED, SENDING, Store
from servaudit.store.jobs import DONE, FAILED
from servaudit.store.study import SendRecord
from servaudit.timing import now

if TYPE_CHECKING:
    from playwright.async_api import Browser

UNCERTAIN_DETAIL = "the worker {worker} stopped (no heartbeat) while sending it; it may have gone out"


@dataclass
class WorkerState:
    """What the jobs of one worker process share: the audit, one store connection, one browser."""

    audit: Audit
    store: Store
    name: str
    stack: AsyncExitStack = field(default_factory=AsyncExitStack)
    browser: Browser | None = None
    opening: asyncio.Lock = field(default_factory=asyncio.Lock)

    def context(self) -> ProbeContext:
        return ProbeContext(
            config=self.audit.config, evidence_dir=self.audit.folder / "evidence", browser=self.browser
        )

    async def browser_context(self) -> ProbeContext:
        """The context with the worker's one Chromium, started by its first browser job."""
        async with self.opening:
            if self.browser is None:
                self.browser = await self.stack.enter_async_context(
                    open_browser(self.audit.config.audit.chromium)
                )
        return self.context()


def rebuilt(row: dict[str, Any]) -> Composed:
    """The queued inquiry as it was composed by `run --distributed`, from the store."""
    inquiry = Inquiry(
        **{name: row[name] for name in ("id", "company", "channel", "scenario", "wave", "target", "kind")},
        parent_id=row["parent_id"],
    )
    raw = row["sent_raw"]
    return Composed(
        inquiry=inquiry,
        subject=row["subject"] or "",
        body=row["body"] or "",
        sender=row["sender"] or "",
        reply_address=row["reply_address"],
        message_id=row["message_id"],
        raw=None if raw is None else bytes(raw),
    )


def admission(audit: Audit, inquiry: Inquiry):  # type: ignore[no-untyped-def]
    """The limits for one claim, over every send the store knows at that moment: wait for the domain's
    spacing (a time), refuse for do-not-contact or the monthly cap (a reason), or None: send."""
    config = audit.config
    blocked = do_not_contact(audit)

    def admit(history: Sequence[SendRecord]) -> datetime | str | None:
        moment = now()
        until = spacing_until(config, inquiry, history, moment)
        if until is not None:
            return until
        return decide(config, blocked, [inquiry], history, moment, window_zone(config))[inquiry.id]

    return admit


async def send(state: WorkerState, inquiry_id: str) -> str:
    """Send one queued inquiry; returns what happened, for the job's record."""
    store = state.store
    row = store.queued_inquiry(inquiry_id)
    if row is None or row["state"] != QUEUED:
        return f"nothing to send: {inquiry_id} is {row['state'] if row else 'unknown'}"
    composed = rebuilt(row)
    inquiry = composed.inquiry
    channel = registry.probe(inquiry.channel)
    try:
        context = await state.browser_context() if channel.needs_browser else state.context()
        channel.ready(context)
    except Exception as exc:
        # Before the claim nothing can have left: the inquiry is due again at the next run.
        store.give_back(inquiry_id, f"the worker {state.name} could not send it: {exc}")
        raise
    started = time.perf_counter()
    domain = target_domain(inquiry.target)
    claim = store.claim_queued(inquiry_id, state.name, domain, admission(state.audit, inquiry))
    # Kept in the job's record: how long a claim takes under the workers' common lock (bench_workers).
    claimed = f"claimed in {(time.perf_counter() - started) * 1000:.1f} ms"
    if claim.not_before is not None:
        store.defer(replace(send_job(inquiry), scheduled_at=claim.not_before))
        return f"held for the spacing of {domain} until {claim.not_before:%H:%M:%S} UTC"
    if claim.refused is not None:
        return f"refused: {claim.refused}"
    if claim.attempt is None:
        return f"not claimed: {inquiry_id} is {claim.state}"
    recorded, outcome = await deliver(state.audit, store, composed, claim.attempt, context)
    return f"{recorded} ({claimed}): {outcome.detail}"


async def collect_mailbox(state: WorkerState) -> str:
    """One collect, in a thread: it reads IMAP and writes with its own store connection, and the
    event loop keeps the chats, heartbeats and other jobs going meanwhile."""
    summary = await asyncio.to_thread(collect, state.audit)
    return f"{summary.downloaded} new messages, {summary.decided} decided"


async def recover(state: WorkerState, app: Any, stalled_after: float) -> str:
    """Jobs whose worker stopped beating: decided by the claim state of their inquiry."""
    store = state.store
    retried = uncertain = closed = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        detail = f"worker of job {job.id} stopped (no heartbeat for {stalled_after:g} s)"
        store.job_runs_abandoned(job.id, detail)
        inquiry_id = job.task_kwargs.get("inquiry") if job.task_name == SEND_TASK else None
        found = store.inquiry_state(inquiry_id) if inquiry_id else None
        if inquiry_id is None or found in (QUEUED, PENDING):
            # Nothing was claimed (or the channel said nothing left): running it again sends at most once.
            await app.job_manager.retry_job(job, retry_at=now())
            retried += 1
            continue
        if found == SENDING:
            store.mark_uncertain(inquiry_id, UNCERTAIN_DETAIL.format(worker=_claimer(store, inquiry_id)))
            uncertain += 1
        # Claimed: the inquiry's own state tells the rest; the job is over either way, never run again.
        await app.job_manager.finish_job(job, status=_status(found == SENDING), delete_job=False)
        closed += 1
    return f"{retried} retried, {uncertain} marked uncertain, {closed} closed"


def _claimer(store: Store, inquiry_id: str) -> str:
    attempts = [a for a in store.attempts(inquiry_id) if a.outcome == SENDING]
    detail = attempts[-1].detail if attempts else None
    return (detail or "").removeprefix("claimed by worker ") or "?"


def _status(failed: bool) -> Any:
    from procrastinate.jobs import Status

    return Status.FAILED if failed else Status.SUCCEEDED


def ended(outcome: BaseException | None) -> tuple[str, str | None]:
    """How a job run is recorded: done, or failed with the error."""
    return (DONE, None) if outcome is None else (FAILED, f"{type(outcome).__name__}: {outcome}")
