"""Collecting: new mail from the mailbox into the store, matched to inquiries and judged once.

A reader thread downloads ahead (large IMAP batches, bounded by bytes) while each new message is
parsed once and decided: matched, classified and scored, stamped with the judge's version (and,
while unmatched, with the generation of the inquiries it was compared with: see unmatched.py),
then stored byte for byte with its decision. A message whose bytes are stored already (by SHA-256)
is not judged again. A large download is judged by processes forked from this one
(collect_parallel.py), which hand back each message's decision encoded as its rows; this process
only writes them, in the order the mail came. Messages are committed in batches with their
decisions and the reader's cursor, so an interrupted collect resumes where it stopped and loses
nothing; when a chunk's rows cannot be written, each message is written again in a savepoint of
its own, so one that fails undoes only its own writes. Then every stored message whose decision
could have changed is decided again: a new classifier re-judges old messages and says how many
labels changed; new inquiries are tried on older unmatched messages that could be theirs; a
consultant's grade is never touched. A second collect with nothing new changes no row. A message
that cannot be parsed, matched or classified is marked unreadable with the reason, and collect
goes on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import ExitStack, closing
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from servaudit.audit_store import open_store
from servaudit.collect_parallel import Judged, Judging
from servaudit.config import Audit, ImapMailbox, MaildirMailbox
from servaudit.errors import ConfigError
from servaudit.judgement import QualityScore, ReplyJudgement
from servaudit.labels import HUMAN_WRITTEN
from servaudit.mailbox.base import Cursor, IncomingMail, MailboxReader
from servaudit.mailbox.prefetch import read_ahead
from servaudit.replies.scenarios import scenario_context
from servaudit.replies.versions import CLASSIFIER_VERSION, FINDINGS_VERSION, READ_FILES
from servaudit.replies.vocabulary import VOCABULARY_FILE
from servaudit.resources import find
from servaudit.secrets import resolve_secret
from servaudit.store import Decided, MessageRecord, Store
from servaudit.store.judgements import judgement_values
from servaudit.timing import seconds_between
from servaudit.unmatched import Claims, Generations

if TYPE_CHECKING:
    from email.message import Message

    from servaudit.replies.match import Match

# servaudit.message and replies.match (the e-mail parser, the matcher) are imported where a message
# is judged: a collect with no new mail and nothing to decide needs neither.

BATCH = 500
"""Messages written in one transaction: one sync of the store per batch, not per message. Each
chunk of judged messages is a savepoint inside it, written with a few statements; when that fails,
each message's decision gets a savepoint of its own, so one that fails undoes only its own writes."""

PARALLEL_AFTER = 50
"""New messages one collect judges itself before it hands the rest to judging processes (starting
them costs more than judging a few messages, and an hourly collect brings a few). Some 50 ms of
judging: until the judges start, one core judges while the other mostly waits for the download."""


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
        keeping = NewMail(audit, store, key, summary, on_message)
        try:
            known = store.known_sources()
            stream = read_ahead(reader.fetch_new(store.cursor(key), known.__contains__))
            # The batch is committed (or rolled back) first, then the reader thread is stopped.
            with closing(stream) as incoming_mail, closing(keeping.judging), keeping:
                for incoming, cursor in incoming_mail:
                    keeping.put(incoming, cursor)
                keeping.finish()
        finally:
            reader.close()
        judge = keeping.judge
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


class NewMail:
    """Keeps what a collect downloads: each message judged (here or in judging processes) unless
    its bytes are stored already, then stored with its decision in the order the mail came, in
    batches of BATCH messages committed with the reader's cursor after the last of them."""

    def __init__(
        self,
        audit: Audit,
        store: Store,
        key: str,
        summary: CollectSummary,
        on_message: Callable[[int], None] | None,
    ) -> None:
        self.audit, self.store, self.key, self.summary = audit, store, key, summary
        self.on_message = on_message
        self.judge: Judge | None = None
        self.judging: Judging[tuple[Cursor, str]] = Judging()
        """Each message given with its cursor and its SHA-256."""
        self.fresh = 0
        """Messages given to be judged (their bytes not stored before)."""
        self.digests: set[str] = set()
        """Of the messages given so far: a second copy in the same download is not judged."""
        self.batch = ExitStack()
        self.in_batch = 0
        self.cursor: Cursor | None = None
        """The reader's cursor after the last message stored."""

    def __enter__(self) -> NewMail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.batch.__exit__(*exc)  # type: ignore[arg-type]

    def put(self, incoming: IncomingMail, cursor: Cursor) -> None:
        digest = hashlib.sha256(incoming.raw).hexdigest()
        fresh = digest not in self.digests and not self.store.is_known_content(digest)
        self.digests.add(digest)
        if fresh:
            self.fresh += 1
            self.judge = self.judge or Judge(self.audit, self.store, self.summary)
            if self.fresh == PARALLEL_AFTER:
                self.judging.start(self.judge)
        for judged in self.judging.put(self.judge, incoming, fresh, (cursor, digest)):
            self._keep(judged)

    def finish(self) -> None:
        for judged in self.judging.finish():
            self._keep(judged)
        self._commit()

    def _commit(self) -> None:
        if self.cursor is not None:
            self.store.save_cursor(self.key, self.cursor)
        self.batch.close()  # commits the batch (its messages with their cursor)
        self.in_batch = 0

    def _keep(self, judged: list[Judged[tuple[Cursor, str]]]) -> None:
        """Store a chunk of judged messages, in order, with their decisions: in one go, or (when that
        fails) message by message, as ``Judge.decide`` stores one."""
        if self.in_batch >= BATCH:
            self._commit()
        if not self.in_batch:
            self.batch.enter_context(self.store.transaction())
        store, judge = self.store, self.judge
        if judge is not None:
            judge.generations.save(store)  # outside the chunk's savepoint: kept if it fails
        try:
            with store.transaction():
                kept = [self._add(incoming, digest, examined) for incoming, (_, digest), examined in judged]
                store.save_decided([(i, decided) for i, decided in kept if i is not None and decided])
        except Exception:  # one message's rows cannot be written: each decided alone, that one unreadable
            kept = [self._add(incoming, digest, found, alone=True) for incoming, (_, digest), found in judged]
        for (stored, decided), (incoming, (cursor, _), _) in zip(kept, judged, strict=True):
            self._count(stored, incoming, decided)
            self.cursor = cursor
        self.in_batch += len(judged)

    def _add(
        self, incoming: IncomingMail, digest: str, examined: Examined | None, alone: bool = False
    ) -> tuple[int | None, Decided | None]:
        """Store one message (its row id, None when it was stored before) with its decision's columns,
        or (``alone``) with its decision written in a savepoint of its own; and that decision."""
        if examined is None:  # not judged (stored before, the store will say): read for its row all the same
            headers, decided = _headers(incoming.raw), None
        else:
            headers, decided = (examined.message_id, examined.sender, examined.subject), examined.decided
        stored = self.store.add_message(
            incoming.source,
            incoming.raw,
            incoming.arrived_at,
            *headers,
            incoming.resolution,
            digest=digest,
            decided=None if alone else decided,
        )
        if stored is not None and decided is not None and alone:
            assert self.judge is not None
            decided = self.judge.write_alone(stored, decided)
        return stored, decided

    def _count(self, stored: int | None, incoming: IncomingMail, decided: Decided | None) -> None:
        summary = self.summary
        if stored is None:
            summary.duplicates += 1
        else:
            summary.downloaded += 1
        if stored is not None and decided is not None:
            if decided.unreadable is not None:
                summary.new.unreadable += 1
                why = f"message {stored} ({incoming.source}): {decided.unreadable}"
                summary.unreadable_reasons.append(why)
            else:
                summary.decided += 1
                label = decided.classification[0] if decided.classification else None
                _count(summary.new, decided.inquiry_id, label, None)
        if self.on_message:
            self.on_message(summary.downloaded)


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
    generations = Generations(store, store.inquiry_keys())
    if store.undecided_messages(version, *generations.current(version)):
        return False
    summary.judge = version
    matched, unmatched, unreadable, labels = store.message_totals()
    summary.totals = Counts(matched, unmatched, unreadable, labels)
    return True


def _headers(raw: bytes) -> tuple[str | None, str | None, str | None]:
    """(Message-ID, sender, subject) as a message's row keeps them."""
    from servaudit import message as mail

    return stored_headers(mail.parse_headers(raw))


def stored_headers(parsed: Message) -> tuple[str | None, str | None, str | None]:
    """(Message-ID, sender, subject) of a parsed message as its row keeps them."""
    from servaudit import message as mail

    return (
        mail.header(parsed, "Message-ID")[:998] or None,
        mail.sender(parsed)[:998] or None,
        mail.header(parsed, "Subject")[:998] or None,
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


class Judge:
    """What one collect decides messages with: the inquiries, the vocabularies and the judge's version."""

    def __init__(self, audit: Audit, store: Store, summary: CollectSummary) -> None:
        self.audit, self.store, self.summary = audit, store, summary
        # The judges are loaded only by a collect that has something to judge.
        from servaudit.replies.match import InquiryIndex
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
        from servaudit import message as mail
        from servaudit.replies.match import match

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

    def decide(self, record: MessageRecord) -> None:
        """Decide one stored message and count the result; one that cannot be judged is marked unreadable."""
        self.generations.save(self.store)  # outside the message's savepoint: kept if it fails
        summary = self.summary
        judged_before = record.version is not None and record.label is not None
        if judged_before:
            summary.rejudged += 1
        try:
            decision = self.judge(record)
            self._write(record, decision)
            label, inquiry_id = decision.label, decision.inquiry_id
        except Exception as exc:  # any message, however broken, must not stop a collect
            reason = unjudgeable(exc)
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

    def before_fork(self) -> None:
        """The language model (numpy and its arrays, ≈ 30 MiB), loaded and walked once before the
        judging processes fork: they share it instead of each loading its own, and this process,
        which judges the large messages itself, does not load it in the middle of one (a collect
        whose first messages' language was obvious would otherwise do so there)."""
        from servaudit.replies.language import identifier

        identifier().classify(_MODEL_WARMING)

    def examine(self, incoming: IncomingMail) -> Examined:
        """A new message's stored headers and its decision, encoded as its rows, writing nothing (a
        judging process may do this); one that cannot be judged is decided unreadable, with why."""
        from servaudit import message as mail

        parsed = mail.parse(incoming.raw)
        message_id, sender, subject = stored_headers(parsed)
        record = MessageRecord(
            id=0,  # not stored yet: its reading gets the row's id where it is stored
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
        try:
            decision = self.judge(record, parsed)
            found, quality = decision.found, decision.quality
            decided = Decided(
                decided=self.version if decision.inquiry_id else self.unmatched_key,
                inquiry_id=found.inquiry_id if found else None,
                match_method=found.method if found else None,
                classification=(decision.label, json.dumps(list(decision.reasons)), self.version),
                quality=None if quality is None else (quality.score, quality.answered, quality.to_json()),
                judgement=judgement_values(decision.reading),
            )
        except Exception as exc:  # any message, however broken, must not stop a collect
            decided = Decided(self.unmatched_key, unreadable=unjudgeable(exc))
        return Examined(message_id, sender, subject, decided)

    def write_alone(self, message_id: int, decided: Decided) -> Decided:
        """Write a stored message's decision in a savepoint of its own; when that fails, it is
        decided unreadable with the reason instead. What was written."""
        store = self.store
        try:
            with store.transaction():
                if decided.inquiry_id is not None:
                    store.set_match(message_id, decided.inquiry_id, decided.match_method)
                store.save_decided([(message_id, decided)])
                store.set_decided(message_id, decided.decided, decided.unreadable)
            return decided
        except Exception as exc:  # any message, however broken, must not stop a collect
            unreadable = Decided(self.unmatched_key, unreadable=unjudgeable(exc))
            with store.transaction():
                store.set_decided(message_id, unreadable.decided, unreadable.unreadable)
            return unreadable

    def judge(
        self, record: MessageRecord, parsed: Message | None = None, raw: bytes | None = None
    ) -> Decision:
        """Match, classify, score and read one message, writing nothing (a judging process may do this)."""
        from servaudit import message as mail
        from servaudit.replies.classify import Signals, classify_signals
        from servaudit.replies.match import match
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
        from servaudit import message as mail

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
class Examined:
    """A new message as a judge found it, before anything is stored: the headers its row keeps, and
    its decision as the rows will hold it."""

    message_id: str | None
    sender: str | None
    subject: str | None
    decided: Decided


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


_MODEL_WARMING = (
    "Sehr geehrte Frau Berger, vielen Dank für Ihre Nachricht zu Ihrem Vertrag und der letzten Rechnung. "
    "Thank you for your message about your contract, the delivery and the invoice; we will reply soon. "
) * 5
"""A text of both languages, walked by the language model before the judging processes fork."""


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
