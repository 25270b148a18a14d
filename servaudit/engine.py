"""Sending: plan → claim in the store → probe → record the outcome, once per inquiry.

The engine is the only writer of inquiry state. Its order of operations is
the safety argument: compose, commit the claim, send, commit the outcome.
"""

from __future__ import annotations

import asyncio
import fcntl
import functools
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from servaudit import channels as registry
from servaudit import message as mail
from servaudit.agenda import DUE, PLANNED, select
from servaudit.browser import open_browser
from servaudit.channels.base import Composed, Outcome, ProbeContext
from servaudit.config import Audit
from servaudit.consent import refuse_simulated_clock
from servaudit.earlier_sends import earlier_sends, journal_leftovers
from servaudit.errors import InfrastructureError, UsageError
from servaudit.labels import HUMAN_WRITTEN
from servaudit.plan import Inquiry
from servaudit.rejudge import store_chat
from servaudit.reminders import Due, record_session_reminder
from servaudit.reminders import compose as compose_due
from servaudit.replies.classify import Signals
from servaudit.replies.quality import scenario_context, score_quality
from servaudit.replies.reading import ReplyReader
from servaudit.store import PENDING, REFUSED, RUN_JUDGED, UNCERTAIN, Store, store_target

DEFAULT_PARALLEL = 4
"""Inquiries under way at once; each browser probe holds a page (a chat up to its wait limit)."""

STATE_FOR_STATUS = {"sent": "sent", "rejected": "rejected", "not_sent": PENDING, "uncertain": "uncertain"}


@dataclass
class RunSummary:
    planned: int = 0
    already_done: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    interrupted: list[str] = field(default_factory=list)
    reminders: int = 0
    """Reminders and follow-ups due in this run (their outcomes count in ``outcomes``)."""
    messages: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    """Inquiry id → why the limits stopped it this run (recorded in the store as refused)."""
    not_yet: int = 0
    """Inquiries whose planned time has not come."""


@contextmanager
def run_lock(folder: Path) -> Iterator[None]:
    """One `run` per audit at a time: two runs could otherwise judge each other's claims as crashed."""
    path = folder / ".servaudit-run.lock"
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                f"another `servaudit run` is working on {folder}; wait for it to finish"
            ) from None
        yield


def run(
    audit: Audit,
    wave: int | None = None,
    channels: list[str] | None = None,
    on_progress: Callable[[Inquiry, str, str], None] | None = None,
    parallel: int = DEFAULT_PARALLEL,
    ignore_earlier_sends: bool = False,
    only: Collection[str] | None = None,
) -> RunSummary:
    """Send every inquiry due now once, ``parallel`` at a time; ``only``: of these ids (what a person
    confirmed), none else. Raises InfrastructureError when our own relay or browser fails (after the
    inquiries already under way have been recorded), UsageError when the store knows no sends but the
    folder shows earlier ones (unless told to ignore them) or the clock is simulated outside the sandbox."""
    if parallel < 1:
        raise UsageError("--parallel must be at least 1")
    refuse_simulated_clock(audit.config)
    unknown = sorted(set(channels or ()) - set(registry.names()))
    if unknown:
        raise UsageError(f"unknown channel {', '.join(unknown)}; known: {', '.join(registry.names())}")
    with run_lock(audit.folder):
        target = store_target(audit.config.audit.store, audit.folder)
        leftovers = journal_leftovers(target) if isinstance(target, Path) else []
        store = Store(target)
        try:
            if not store.hold_run_lock():
                raise UsageError(
                    f"another `servaudit run` is working on {store.where}; wait for it to finish"
                )
            if store.postgres is not None and store.queue_installed():
                # Its start marks every claim still `sending` as crashed: the workers' sends under way.
                raise UsageError(
                    f"{store.where} holds a job queue: this study is sent by `servaudit worker`;"
                    " enqueue with `servaudit run --distributed` (docs/distributed.md)"
                )
            if store.is_empty() and not ignore_earlier_sends:
                _refuse_a_forgotten_audit(store, leftovers + earlier_sends(audit))
            return asyncio.run(_run(audit, store, wave, channels, on_progress, parallel, only))
        finally:
            store.close()


def _refuse_a_forgotten_audit(store: Store, signs: list[str]) -> None:
    if signs:
        raise UsageError(
            f"{store.where} knows of no inquiry, but this audit folder shows earlier sends: "
            f"{'; '.join(signs)}. Sending now would send them again: restore the store from a copy, "
            "or run with --ignore-earlier-sends if these are not from this audit"
        )


async def _send_all(
    audit: Audit,
    store: Store,
    todo: list[Inquiry],
    context: ProbeContext,
    summary: RunSummary,
    on_progress: Callable[[Inquiry, str, str], None] | None,
    parallel: int,
    composers: Mapping[str, Callable[[], Composed]] | None = None,
) -> None:
    """Send ``parallel`` inquiries at a time: a chat may wait ten minutes for an agent, and an
    audit of many companies must not wait for each in turn."""
    slots = asyncio.Semaphore(parallel)
    failures: list[str] = []

    async def send_in_turn(inquiry: Inquiry) -> None:
        async with slots:
            if failures:  # our own relay or browser broke: claim nothing more
                return
            compose = (composers or {}).get(inquiry.id)
            failure = await _send_one(audit, store, inquiry, context, summary, on_progress, compose)
            if failure:
                failures.append(failure)

    # return_exceptions: one send's crash must not cancel the others, whose outcome would then be
    # recorded as uncertain although their relay had accepted them.
    results = await asyncio.gather(*(send_in_turn(inquiry) for inquiry in todo), return_exceptions=True)
    crashed = [result for result in results if isinstance(result, BaseException)]
    if crashed:
        raise crashed[0]
    if failures:
        raise InfrastructureError(
            f"{failures[0]}. Nothing was sent for the inquiries it concerns; they and the remaining "
            "inquiries stay due: run `servaudit run` again once it works"
        )


def claim_fields(inquiry: Inquiry, composed: Composed) -> dict[str, object]:
    """The columns a claim (or a distributed enqueue) stores: the inquiry and exactly what will be sent."""
    return {
        "id": inquiry.id,
        "company": inquiry.company,
        "channel": inquiry.channel,
        "scenario": inquiry.scenario,
        "wave": inquiry.wave,
        "target": inquiry.target,
        "sender": composed.sender,
        "reply_address": composed.reply_address,
        "subject": composed.subject,
        "body": composed.body,
        "message_id": composed.message_id,
        "sent_raw": composed.raw,
        "kind": inquiry.kind,
        "parent_id": inquiry.parent_id,
    }


async def _send_one(
    audit: Audit,
    store: Store,
    inquiry: Inquiry,
    context: ProbeContext,
    summary: RunSummary,
    on_progress: Callable[[Inquiry, str, str], None] | None,
    compose: Callable[[], Composed] | None = None,
) -> str | None:
    """Compose, claim, send, record one inquiry; returns the failure of our own infrastructure, if any."""
    channel = registry.probe(inquiry.channel)
    composed = compose() if compose else channel.compose(inquiry, context)
    attempt = store.claim(claim_fields(inquiry, composed))
    if attempt is None:  # claimed meanwhile by someone else
        return None
    state, outcome = await deliver(audit, store, composed, attempt, context)
    summary.outcomes[state] += 1
    if on_progress:
        on_progress(inquiry, state, outcome.detail)
    return outcome.detail if outcome.infrastructure_failed else None


async def deliver(
    audit: Audit, store: Store, composed: Composed, attempt: int, context: ProbeContext
) -> tuple[str, Outcome]:
    """Send a claimed inquiry through its channel and record the outcome: the one sending code of
    `run` and of a distributed worker. Returns the state recorded and the channel's outcome."""
    inquiry = composed.inquiry
    channel = registry.probe(inquiry.channel)
    try:
        outcome = await channel.send(composed, context)
    except BaseException as exc:
        # Whatever broke, the send may have started: record that honestly, then let it surface.
        store.finish(inquiry.id, attempt, UNCERTAIN, f"interrupted during the send: {exc!r}", None)
        raise
    state = STATE_FOR_STATUS[outcome.status]
    evidence = [
        (e.kind, _relative(e.path, audit.folder), e.caption, _sha256(e.path)) for e in outcome.evidence
    ]
    store.finish(inquiry.id, attempt, state, outcome.detail, outcome.delivered_at, outcome.outcome, evidence)
    await _to_bucket(audit, outcome, evidence)
    if outcome.reminded_at:
        record_session_reminder(store, inquiry, composed, outcome.reminded_at)
    if outcome.replies:
        _store_replies(audit, store, inquiry, outcome)
    transcript = next((relative for kind, relative, _caption, _sha in evidence if kind == "transcript"), None)
    if transcript is not None:
        # Judged once: the chat's summary and lines are read now, so the report reads no evidence file.
        store_chat(audit, store, inquiry.id, inquiry.company, inquiry.channel, transcript)
    checked = next((e.path for e in outcome.evidence if e.kind == "accessibility"), None)
    if checked is not None:
        _store_accessibility(store, inquiry, checked)
    return state, outcome


async def _to_bucket(audit: Audit, outcome: Outcome, evidence: list[tuple[str, str, str, str]]) -> None:
    """Copy the send's evidence files to the audit's bucket, once the send is recorded: the report
    on another machine takes them from there. A bucket that fails loses nothing (the files stay in
    evidence/ here) and stops no send; it is said on stderr."""
    bucket = audit.config.audit.bucket
    if bucket is None:
        return
    files = [
        (item.path, relative)
        for item, (_kind, relative, _caption, _sha) in zip(outcome.evidence, evidence, strict=True)
        if item.path.is_file() and not Path(relative).is_absolute()
    ]
    try:
        await asyncio.to_thread(bucket.upload, files)
    except InfrastructureError as exc:
        logging.getLogger(__name__).warning("%s", exc)


def _store_replies(audit: Audit, store: Store, inquiry: Inquiry, outcome: Outcome) -> None:
    """Answers given in the channel (a chat's) become reply rows, matched, labelled by the channel and
    scored: metrics count them like e-mails."""
    record = next((r for r in store.inquiries() if r.id == inquiry.id), None)
    reader = ReplyReader(audit)
    vocabulary = reader.vocabulary
    language, _ = scenario_context(audit, inquiry.scenario)
    with store.transaction():
        for row in outcome.replies:
            stored = store.add_message(row.source, row.raw, row.arrived_at, None, row.from_name, None)
            if stored is not None:
                store.set_match(stored, inquiry.id, inquiry.channel)
                store.set_classification(stored, row.label, list(row.reasons))
                store.set_decided(stored, RUN_JUDGED)
                parsed = mail.parse(row.raw)
                if row.label not in HUMAN_WRITTEN:
                    store.set_judgement(reader.read(stored, parsed, record))
                    continue
                # A person's chat answer is graded against the scenario's facts like an e-mail's, and
                # its language and register compared with the inquiry's (findings) like an e-mail's.
                signals = Signals(parsed, vocabulary, None, outcome.said, language)
                store.set_judgement(reader.read(stored, parsed, record, signals.language))
                score_quality(audit, store, stored, signals, row.label, record)


def _store_accessibility(store: Store, inquiry: Inquiry, path: Path) -> None:
    """Kept now, read from the probe's file, so the report reads the store and no evidence file."""
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # the check is best effort; the send it rode along with is recorded already
    with store.transaction():
        store.set_accessibility(inquiry.id, inquiry.channel, result)


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        # A probe named a file it did not write: no digest matches "", so a file appearing there
        # later is never copied into a report as this inquiry's evidence.
        return ""


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(path)


async def _run(
    audit: Audit,
    store: Store,
    wave: int | None,
    channels: list[str] | None,
    on_progress: Callable[[Inquiry, str, str], None] | None,
    parallel: int,
    only: Collection[str] | None,
) -> RunSummary:
    summary = RunSummary()
    summary.interrupted = store.mark_interrupted_sends()
    agenda, todo, threads = select(audit, store, wave, channels, only)
    summary.planned = len(agenda.entries)
    summary.already_done = len(agenda.entries) - len(agenda.having(PLANNED, DUE, REFUSED))
    summary.not_yet = len(agenda.having(PLANNED))
    summary.refused = {entry.inquiry.id: entry.detail or "" for entry in agenda.having(REFUSED)}
    context = ProbeContext(config=audit.config, evidence_dir=audit.folder / "evidence")
    # Configuration problems surface before the first claim, so they cannot strand an inquiry.
    sending = {inquiry.channel for inquiry in todo} | {item.inquiry.channel for item in threads}
    needed = {registry.probe(name) for name in sending}
    for channel in sorted(needed, key=lambda c: c.name):
        channel.ready(context)
    if any(channel.needs_browser for channel in needed):
        # Started before the first claim: a missing browser must not strand an inquiry either.
        async with open_browser(audit.config.audit.chromium) as browser:
            browsing = replace(context, browser=browser)
            await _send_all(audit, store, todo, browsing, summary, on_progress, parallel)
            await _send_threads(audit, store, threads, browsing, summary, on_progress, parallel)
    else:
        await _send_all(audit, store, todo, context, summary, on_progress, parallel)
        await _send_threads(audit, store, threads, context, summary, on_progress, parallel)
    return summary


async def _send_threads(
    audit: Audit,
    store: Store,
    threads: list[Due],
    context: ProbeContext,
    summary: RunSummary,
    on_progress: Callable[[Inquiry, str, str], None] | None,
    parallel: int,
) -> None:
    """Reminders and follow-ups (servaudit/reminders.py): claimed and sent like planned inquiries."""
    composers = {item.inquiry.id: functools.partial(compose_due, item, context) for item in threads}
    todo = [item.inquiry for item in threads]
    summary.reminders += len(todo)
    await _send_all(audit, store, todo, context, summary, on_progress, parallel, composers)
