"""Collecting: new mail from the mailbox into the store, matched to inquiries and judged once.

A reader thread downloads ahead (large IMAP batches, bounded by bytes) while each message is
parsed once, stored byte for byte, and decided: matched, classified and scored, stamped with the
judge's version (and, while unmatched, with the generation of the inquiries it was compared with:
see unmatched.py). A large download is judged by processes forked from this one (Judging), which
hand back each decision; this process stores them in the order the mail came. Messages are
committed in batches with their decisions and the reader's cursor, so an interrupted collect
resumes where it stopped and loses nothing; each message's decision is a savepoint, so one that
fails undoes only its own writes. Then every stored message
whose decision could have changed is decided again: a new classifier re-judges old messages and
says how many labels changed; new inquiries are tried on older unmatched messages that could be
theirs; a consultant's grade is never touched. A second collect with nothing new changes no row.
A message that cannot be parsed, matched or classified is marked unreadable with the reason, and
collect goes on.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import asdict, dataclass, field
from email.message import Message
from typing import Any

from servaudit import message as mail
from servaudit.audit_store import open_store
from servaudit.config import Audit, ImapMailbox, MaildirMailbox
from servaudit.errors import ConfigError
from servaudit.judgement import QualityScore, ReplyJudgement
from servaudit.labels import HUMAN_WRITTEN
from servaudit.mailbox.base import IncomingMail, MailboxReader
from servaudit.mailbox.prefetch import read_ahead
from servaudit.replies.match import InquiryIndex, Match, match
from servaudit.replies.scenarios import scenario_context
from servaudit.replies.versions import CLASSIFIER_VERSION, FINDINGS_VERSION, READ_FILES
from servaudit.replies.vocabulary import VOCABULARY_FILE
from servaudit.resources import find
from servaudit.secrets import resolve_secret
from servaudit.store import MessageRecord, Store
from servaudit.timing import seconds_between
from servaudit.unmatched import Claims, Generations

BATCH = 500
"""Messages written in one transaction: one sync of the store per batch, not per message. Each
message's decision is a savepoint inside it, so one that fails undoes only its own writes."""


@dataclass
class Counts:
    matched: int = 0
    unmatched: int = 0
    unreadable: int = 0
    labels: dict[str, int] = field(default_factory=dict)


@dataclass
class CollectSummary:
    downloaded: int = 0
    duplicates: int = 0
    decided: int = 0
    """Messages (new or re-judged) decided in this run."""
    rejudged: int = 0
    """Stored messages judged again because the classifier or the inquiries changed."""
    labels_changed: int = 0
    """Of the re-judged ones, how many got another class."""
    judge: str = ""
    new: Counts = field(default_factory=Counts)
    """What this run decided."""
    totals: Counts = field(default_factory=Counts)
    """The whole store after this run."""
    unreadable_reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def open_reader(audit: Audit) -> tuple[str, MailboxReader]:
    """The mailbox reader and a stable key for its cursor."""
    box = audit.config.mailbox
    if box is None:
        raise ConfigError(f"{audit.path}: no [mailbox] section: collect needs to know where replies arrive")
    if isinstance(box, MaildirMailbox):
        from servaudit.mailbox.maildir import MaildirReader

        path = audit.resolve(box.path)
        return f"maildir:{path}", MaildirReader(path)
    assert isinstance(box, ImapMailbox)
    from servaudit.mailbox.imap import ImapReader

    password = resolve_secret(box.password, "mailbox.password")
    reader = ImapReader(box.host, box.port, box.security, box.username, password, box.folder, box.timeout)
    return f"imap:{box.username}@{box.host}:{box.port}/{box.folder}", reader


def collect(audit: Audit, on_message: Callable[[int], None] | None = None) -> CollectSummary:
    summary = CollectSummary()
    store = open_store(audit)
    try:
        key, reader = open_reader(audit)
        judge: Judge | None = None
        try:
            known = store.known_sources()
            stream = read_ahead(reader.fetch_new(store.cursor(key), known.__contains__))
            judging = Judging()
            # The batch is committed (or rolled back) first, then the reader thread is stopped.
            with closing(stream) as incoming_mail, closing(judging), ExitStack() as batch:
                last = None
                for count, (incoming, cursor) in enumerate(incoming_mail):
                    if count % BATCH == 0:
                        judging.drain()  # a batch's decisions are committed with its messages
                        if last is not None:
                            store.save_cursor(key, last)
                        batch.close()  # commits the batch before (its messages with their cursor)
                        batch.enter_context(store.transaction())
                    # Judged elsewhere, a message needs only the headers the store keeps here.
                    parsed = (
                        mail.parse_headers(incoming.raw) if judging.parallel else mail.parse(incoming.raw)
                    )
                    record = _store(store, incoming, parsed)
                    last = cursor
                    if record is None:
                        summary.duplicates += 1
                    else:
                        summary.downloaded += 1
                        judge = judge or Judge(audit, store, summary)
                        if summary.downloaded == PARALLEL_AFTER:
                            judging.start(judge)
                        judging.decide(judge, record, parsed, incoming.raw)
                    if on_message:
                        on_message(summary.downloaded)
                judging.drain()
                if last is not None:
                    store.save_cursor(key, last)
        finally:
            reader.close()
        if judge is None and nothing_to_decide(audit, store, summary):
            return summary
        judge = decide(audit, store, summary, judge)
        inputs = judging_inputs(audit)
        if store.known_judge_version(inputs) != judge.version:
            with store.transaction():
                store.save_judge_version(inputs, judge.version)
    finally:
        store.close()
    return summary


def judging_inputs(audit: Audit) -> str:
    """A digest of what the judge version is made of (classifier version, vocabulary files, the
    audit's machine_seconds and scenario facts), read without compiling any vocabulary."""
    digest = hashlib.sha256(
        f"{CLASSIFIER_VERSION}|{FINDINGS_VERSION}|{audit.config.audit.machine_seconds!r}".encode()
    )
    for relative in (VOCABULARY_FILE, *READ_FILES):
        digest.update(find(relative, "probes", audit.folder).read_bytes())
    for name in sorted(audit.config.scenarios):
        digest.update(f"{name}:{scenario_context(audit, name)!r}\n".encode())
    return digest.hexdigest()


def nothing_to_decide(audit: Audit, store: Store, summary: CollectSummary) -> bool:
    """True (with the totals counted) when no stored message waits for a decision, told by the
    judge version this collect's inputs gave last time: then no vocabulary is compiled at all."""
    version = store.known_judge_version(judging_inputs(audit))
    if version is None:
        return False
    generations = Generations(store, store.inquiries())
    if store.undecided_messages(version, *generations.current(version)):
        return False
    summary.judge = version
    matched, unmatched, unreadable, labels = store.message_totals()
    summary.totals = Counts(matched, unmatched, unreadable, labels)
    return True


def _store(store: Store, incoming: IncomingMail, parsed: Message) -> MessageRecord | None:
    """Keep a downloaded message; its record (not yet decided), None when it is already stored."""
    message_id = mail.header(parsed, "Message-ID")[:998] or None
    sender = mail.sender(parsed)[:998] or None
    subject = mail.header(parsed, "Subject")[:998] or None
    stored = store.add_message(
        incoming.source, incoming.raw, incoming.arrived_at, message_id, sender, subject, incoming.resolution
    )
    if stored is None:
        return None
    return MessageRecord(
        id=stored,
        source=incoming.source,
        arrived_at=incoming.arrived_at,
        header_message_id=message_id,
        from_addr=sender,
        subject=subject,
        inquiry_id=None,
        match_method=None,
        label=None,
        reasons=(),
        manual_label=None,
        manual_comment=None,
        arrival_resolution=incoming.resolution,
    )


def decide(audit: Audit, store: Store, summary: CollectSummary, judge: Judge | None = None) -> Judge:
    """Match, classify and score every message whose decision could have changed since it was made;
    an unmatched one only against the inquiries changed since it was compared."""
    judge = judge or Judge(audit, store, summary)
    claims: dict[frozenset[str], Claims] = {}
    with ExitStack() as batch:
        current = judge.generations.current(judge.version)
        for count, record in enumerate(store.undecided_messages(judge.version, *current)):
            if count % BATCH == 0:
                batch.close()  # commits the batch before
                batch.enter_context(store.transaction())
            changed = judge.generations.changed_since(record, judge.version)
            if changed is None:
                judge.decide(record)
                continue
            key = frozenset(changed)
            if key not in claims:
                claims[key] = Claims(changed, judge.by_id, judge.generations.companies, audit.config)
            judge.retry(record, claims[key])
    matched, unmatched, unreadable, labels = store.message_totals()
    summary.totals = Counts(matched, unmatched, unreadable, labels)
    return judge


PARALLEL_AFTER = 200
"""New messages one collect judges itself before it hands the rest to judging processes (starting
them costs more than judging a few messages, and an hourly collect brings a few)."""
JUDGES = min(2, os.cpu_count() or 1)
"""Judging processes: as many as the machine has cores, two at most (the target machine's size)."""
AHEAD = 8
"""Messages handed to each judging process before the oldest decision is waited for: enough to
keep it busy, few enough that the raw mail held for them stays small."""

_JUDGE: Judge | None = None
"""The judge a judging process inherits when it is forked (vocabularies loaded, inquiries indexed)."""


def _judge_elsewhere(record: MessageRecord, raw: bytes) -> Decision | str:
    """Judge one message in a judging process: its decision, or why it could not be judged."""
    assert _JUDGE is not None
    try:
        return _JUDGE.judge(record, raw=raw)
    except Exception as exc:  # told to the collect, which marks the message unreadable
        return unjudgeable(exc)


class Judging:
    """Where a collect's new messages are judged: here, one after another, or (a large download) in
    judging processes forked from this one, which judge them while this process downloads and
    stores; decisions are stored here in the order the messages came, each exactly once."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque[tuple[Judge, MessageRecord, Future[Decision | str]]] = deque()

    @property
    def parallel(self) -> bool:
        return self.pool is not None

    def start(self, judge: Judge) -> None:
        global _JUDGE
        if JUDGES < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return
        _JUDGE = judge
        self.pool = ProcessPoolExecutor(JUDGES, mp_context=multiprocessing.get_context("fork"))

    def decide(self, judge: Judge, record: MessageRecord, parsed: Message, raw: bytes) -> None:
        """Decide a message here or hand it to a judging process. ``parsed``: as ``parallel`` asked
        for it (the headers only while processes judge)."""
        if self.pool is None:
            judge.decide(record, parsed)
            return
        try:
            future = self.pool.submit(_judge_elsewhere, record, raw)
        except Exception:  # the judging processes have gone: what they were given, then this, here
            self.drain()
            self.close(failed=True)
            judge.decide(record, mail.parse(raw))
            return
        self.pending.append((judge, record, future))
        while len(self.pending) > AHEAD * JUDGES:
            self._store_oldest()

    def drain(self) -> None:
        while self.pending:
            self._store_oldest()

    def _store_oldest(self) -> None:
        judge, record, future = self.pending.popleft()
        try:
            judged: Decision | str | None = future.result()
        except Exception:  # a judging process died: this collect judges the rest itself
            judged = None
            self.close(failed=True)
        judge.decide(record, None, judged)

    def close(self, failed: bool = False) -> None:
        """Stop the judging processes; after a failure without waiting for them (what they were
        given is judged here)."""
        global _JUDGE
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=not failed, cancel_futures=True)
        _JUDGE = None


class Judge:
    """What one collect decides messages with: the inquiries, the vocabularies and the judge's version."""

    def __init__(self, audit: Audit, store: Store, summary: CollectSummary) -> None:
        self.audit, self.store, self.summary = audit, store, summary
        # The judges are loaded only by a collect that has something to judge.
        from servaudit.replies.reading import ReplyReader

        self.reader = ReplyReader(audit)
        self.vocabulary = self.reader.vocabulary
        self.version = self.reader.version
        inquiries = store.inquiries()
        self.generations = Generations(store, inquiries)
        self.unmatched_key = self.generations.key(self.version)
        self.by_id = {i.id: i for i in inquiries}
        self.index = InquiryIndex(inquiries, audit.config)
        self.contexts: dict[str | None, tuple[str, tuple[str, ...]]] = {}
        summary.judge = self.version

    def context(self, scenario: str | None) -> tuple[str, tuple[str, ...]]:
        """(language, facts) of a scenario, looked up once per collect (a stock scenario is a file)."""
        if scenario not in self.contexts:
            self.contexts[scenario] = scenario_context(self.audit, scenario)
        return self.contexts[scenario]

    def retry(self, record: MessageRecord, claims: Claims) -> None:
        """An unmatched message compared again, after the inquiries changed: decided in full if one
        of them now claims it, else only stamped with the new generation (its class stands)."""
        self.generations.save(self.store)
        raw = self.store.raw_message(record.id)
        if claims.possible(record, raw):
            try:
                found = match(mail.parse(raw), record.arrived_at, self.index, record.arrival_resolution)
                claimed = found is not None
            except Exception:  # decide() says why, and marks it unreadable
                claimed = True
            if claimed:
                self.decide(record)
                return
        self.store.set_decided(record.id, self.unmatched_key, record.unreadable)

    def decide(
        self, record: MessageRecord, parsed: Message | None = None, judged: Decision | str | None = None
    ) -> None:
        """Decide one message and count the result; a message that cannot be judged is marked unreadable.
        ``judged``: the message's decision made elsewhere (a judging process), or why it failed there."""
        self.generations.save(self.store)  # outside the message's savepoint: kept if it fails
        summary = self.summary
        judged_before = record.version is not None and record.label is not None
        if judged_before:
            summary.rejudged += 1
        try:
            decision = self.judge(record, parsed) if judged is None else judged
            if isinstance(decision, str):
                raise _Unjudgeable(decision)
            self._write(record, decision)
            label, inquiry_id = decision.label, decision.inquiry_id
        except Exception as exc:  # any message, however broken, must not stop a collect
            reason = str(exc) if isinstance(exc, _Unjudgeable) else unjudgeable(exc)
            with self.store.transaction():
                decided = self.unmatched_key if record.inquiry_id is None else self.version
                self.store.set_decided(record.id, decided, reason)
            summary.new.unreadable += 1
            summary.unreadable_reasons.append(f"message {record.id} ({record.source}): {reason}")
            return
        summary.decided += 1
        if judged_before and record.label != label:
            summary.labels_changed += 1
        _count(summary.new, inquiry_id, label, None)

    def judge(
        self, record: MessageRecord, parsed: Message | None = None, raw: bytes | None = None
    ) -> Decision:
        """Match, classify, score and read one message, writing nothing (a judging process may do this)."""
        from servaudit.replies.classify import Signals, classify_signals
        from servaudit.replies.quality import SCORED_LABELS, quality_of

        audit = self.audit
        if parsed is None:
            parsed = mail.parse(raw if raw is not None else self.store.raw_message(record.id))
        inquiry_id = record.inquiry_id
        found = None
        if inquiry_id is None:
            found = match(parsed, record.arrived_at, self.index, record.arrival_resolution)
        if found is not None:
            inquiry_id = found.inquiry_id
        inquiry = self.by_id.get(inquiry_id) if inquiry_id else None
        seconds = seconds_between(inquiry.sent_at, record.arrived_at) if inquiry else None
        context = self.context(inquiry.scenario if inquiry else None)
        language = context[0]
        persona = audit.config.persona
        asked = (inquiry.subject or "", inquiry.body or "") if inquiry else ()
        sent = (persona.name, persona.email, *asked)
        machine_seconds = audit.config.audit.machine_seconds
        signals = Signals(parsed, self.vocabulary, seconds, sent, language, machine_seconds)
        result = classify_signals(signals)
        quality = quality_of(audit, signals, result.label, context)
        # The reply's language as the quality score read it (a reply with content), not detected twice.
        written_in = signals.language if result.label in SCORED_LABELS else None
        reading = self.reader.read(record.id, parsed, inquiry, written_in, signals)
        return Decision(result.label, result.reasons, inquiry_id, found, quality, reading)

    def _write(self, record: MessageRecord, decision: Decision) -> None:
        from servaudit.replies.quality import save_quality

        store = self.store
        # One message's match, class, score and decision stamp are stored together or not at all.
        with store.transaction():
            if decision.found is not None:
                store.set_match(record.id, decision.found.inquiry_id, decision.found.method)
            store.set_classification(record.id, decision.label, list(decision.reasons), version=self.version)
            save_quality(store, record.id, decision.quality)
            store.set_judgement(decision.reading)
            store.set_decided(record.id, self.version if decision.inquiry_id else self.unmatched_key)

    def read(self, record: MessageRecord) -> None:
        """Store the reading of a reply whose class stands (a chat turn judged during a run)."""
        inquiry = self.by_id.get(record.inquiry_id) if record.inquiry_id else None
        parsed = mail.parse(self.store.raw_message(record.id))
        written_in = None
        if inquiry is not None and (record.manual_label or record.label) in HUMAN_WRITTEN:
            from servaudit.replies.classify import Signals  # loaded only where a message is judged
            # A person's chat turn: its language and register are compared as an e-mail answer's.
            language = self.context(inquiry.scenario)[0]
            written_in = Signals(parsed, self.vocabulary, None, (), language).language
        self.store.set_judgement(self.reader.read(record.id, parsed, inquiry, written_in))


@dataclass(frozen=True)
class Decision:
    """What judging one message found, before anything is stored."""

    label: str
    reasons: tuple[str, ...]
    inquiry_id: str | None
    found: Match | None
    """The inquiry it was matched to now (None: matched before, or not at all)."""
    quality: QualityScore | None
    reading: ReplyJudgement


class _Unjudgeable(Exception):
    """A judging process could not judge a message; the text says why, as ``unjudgeable`` gave it."""


def unjudgeable(exc: BaseException) -> str:
    """Why a message could not be judged, as stored beside it."""
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _count(counts: Counts, inquiry_id: str | None, label: str | None, unreadable: str | None) -> None:
    if unreadable:
        counts.unreadable += 1
        return
    if inquiry_id:
        counts.matched += 1
    else:
        counts.unmatched += 1
    if label:
        counts.labels[label] = counts.labels.get(label, 0) + 1


def _labels(counts: Counts) -> str:
    return ", ".join(f"{n} {label}" for label, n in sorted(counts.labels.items())) or "none"


def collect_report(summary: CollectSummary) -> str:
    """What a collect did, in a few lines for the terminal."""
    new, totals = summary.new, summary.totals
    lines = [
        f"{summary.downloaded} new messages; decided now: {new.matched} matched, {new.unmatched} unmatched"
        f" ({_labels(new)})",
        f"in total {totals.matched} matched, {totals.unmatched} unmatched; classes: {_labels(totals)}",
    ]
    if summary.rejudged:
        lines.append(
            f"re-judged {summary.rejudged} stored messages with classifier {summary.judge}: "
            f"{summary.labels_changed} classes changed (consultants' grades untouched)"
        )
    pending = totals.labels.get("unknown", 0)
    if pending:
        lines.append(f"{pending} replies are unknown to the classifier: see servaudit grade --pending")
    for reason in summary.unreadable_reasons:
        lines.append(f"warning: unreadable, kept as received: {reason}")
    return "\n".join(lines)
