"""What kind of reply a message is: bounce, out-of-office, acknowledgement, deflection, marketing or human.

Signals are weighed together; no single header decides, because helpdesks
put `Precedence: bulk` (even `Auto-Submitted`) on human answers and send
acknowledgements without any auto-reply header. The phrases are data
(probes/vocabulary/replies.toml), not code. Every decision carries the
reasons that led to it: which header, which phrase, which structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import Message
from functools import cached_property
from pathlib import Path

from mailparser_reply import EmailReplyParser

from servaudit import message as mail
from servaudit.resources import load_toml

BOUNCE, AUTO_REPLY, ACKNOWLEDGEMENT, DEFLECTION, MARKETING, HUMAN = (
    "bounce",
    "auto_reply",
    "acknowledgement",
    "deflection",
    "marketing",
    "human",
)
OUT_OF_OFFICE = AUTO_REPLY
"""Out-of-office and vacation notes (and other personal auto-responders) share one label."""
BOT, SYSTEM = "bot", "system"
"""Chat transcripts: a bot's message (never human) and a system notice of the chat widget."""
LABELS = (BOUNCE, AUTO_REPLY, ACKNOWLEDGEMENT, DEFLECTION, MARKETING, HUMAN, BOT, SYSTEM)
EMAIL_LABELS = (BOUNCE, AUTO_REPLY, ACKNOWLEDGEMENT, DEFLECTION, MARKETING, HUMAN)
"""What the e-mail classifier can decide (and what a consultant can set for an e-mail)."""
HUMAN_WRITTEN = frozenset({HUMAN, DEFLECTION})
"""Labels written by a person. Only HUMAN counts as an answer; a deflection is a person saying 'call us'."""

FAST_SECONDS = 5.0
"""No person reads and answers an inquiry this fast."""
SUBSTANCE_WORDS = 20
"""Words of substance (not courtesy, not a recognised formula) above which a text answers something."""

_SIGNATURE_CONTACT = re.compile(r"^\s*(tel|telefon|phone|hotline|fax|mobil|web|www|e-?mail)\b[^:\n]*:", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[\w€£$%]+(?:[-'’.,/][\w]+)*", re.UNICODE)
_SMTP_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_SMTP_CODE = re.compile(r"(?<![\d.#])([45])\d\d(?=[ -][245]\.\d)")
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d ()/-]{6,}\d(?![\w.])")
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PARSER = EmailReplyParser(languages=["de", "en"])


@dataclass(frozen=True)
class BounceInfo:
    """What a bounce says: who could not be reached, and whether the mail system gave up."""

    recipients: tuple[str, ...]
    permanent: bool
    """True: delivery failed for good. False: a delay warning, the mail system still retries."""
    status: str | None = None
    """The enhanced status code (5.1.1) when the bounce states one."""


@dataclass(frozen=True)
class Classification:
    label: str
    reasons: tuple[str, ...]
    bounce: BounceInfo | None = None


def _compile(phrase: str) -> re.Pattern[str]:
    """A vocabulary phrase as a pattern: '*' spans a few words of one sentence, '^' anchors at the start."""
    anchored = phrase.startswith("^")
    text = phrase.removeprefix("^").lower()
    pattern = r"[^.!?\n]{0,60}?".join(re.escape(part.strip()) for part in text.split("*"))
    # Whole words at the edges so "sale" does not fire inside "wholesale".
    if text[:1].isalnum():
        pattern = r"(?<![\w])" + pattern
    if text[-1:].isalnum():
        pattern += r"(?![\w])"
    return re.compile(("^" if anchored else "") + pattern)


@dataclass(frozen=True)
class Phrases:
    """A list of vocabulary phrases, compiled once."""

    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def of(cls, phrases: tuple[str, ...]) -> Phrases:
        return cls(phrases, tuple(_compile(p) for p in phrases))

    def hits(self, text: str) -> list[str]:
        return [
            phrase
            for phrase, pattern in zip(self.phrases, self.patterns, strict=True)
            if pattern.search(text)
        ]

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and any(p.search(text) for p in self.patterns)


@dataclass(frozen=True)
class Vocabulary:
    automation_headers: tuple[str, ...]
    marketing_headers: tuple[str, ...]
    loop_headers: tuple[str, ...]
    bounce_senders: tuple[str, ...]
    bounce_subjects: Phrases
    bounce_body: Phrases
    auto_subjects: Phrases
    auto_body: Phrases
    ack_subjects: Phrases
    ack_receipt: Phrases
    ack_body: Phrases
    deflection_body: Phrases
    refusal_body: Phrases
    channel_info: Phrases
    channels: Phrases
    requests: Phrases
    marketing_subjects: Phrases
    marketing_body: Phrases
    noreply_senders: tuple[str, ...]
    courtesy: Phrases
    closings: tuple[str, ...]

    @classmethod
    def load(cls, audit_folder: Path | None = None) -> Vocabulary:
        data = load_toml("vocabulary/replies.toml", audit_folder)

        def words(section: str, key: str) -> tuple[str, ...]:
            return tuple(str(w).lower() for w in data.get(section, {}).get(key, ()))

        def phrases(section: str, key: str) -> Phrases:
            return Phrases.of(words(section, key))

        return cls(
            automation_headers=tuple(data.get("headers", {}).get("automation", ())),
            marketing_headers=tuple(data.get("headers", {}).get("marketing", ())),
            loop_headers=tuple(data.get("headers", {}).get("loop", ())),
            bounce_senders=words("bounce", "senders"),
            bounce_subjects=phrases("bounce", "subjects"),
            bounce_body=phrases("bounce", "body"),
            auto_subjects=phrases("auto_reply", "subjects"),
            auto_body=phrases("auto_reply", "body"),
            ack_subjects=phrases("acknowledgement", "subjects"),
            ack_receipt=phrases("acknowledgement", "receipt"),
            ack_body=phrases("acknowledgement", "body"),
            deflection_body=phrases("deflection", "body"),
            refusal_body=phrases("deflection", "refusal"),
            channel_info=phrases("deflection", "channel_info"),
            channels=phrases("deflection", "channels"),
            requests=phrases("deflection", "requests"),
            marketing_subjects=phrases("marketing", "subjects"),
            marketing_body=phrases("marketing", "body"),
            noreply_senders=words("noreply", "senders"),
            courtesy=phrases("courtesy", "body"),
            closings=words("signature", "closings"),
        )


def is_noreply(address: str, vocabulary: Vocabulary) -> bool:
    local = address.partition("@")[0].lower().replace("-", "").replace("_", "")
    return any(word.replace("-", "").replace("_", "") in local for word in vocabulary.noreply_senders)


def fold(text: str) -> str:
    """Lower case, whitespace folded to single spaces: how phrases are matched."""
    return " ".join(text.lower().split())


# -- the reply's parts ------------------------------------------------------


@dataclass(frozen=True)
class ReplyParts:
    """A reply's text split the way a reader sees it."""

    new_text: str
    """What the author wrote now, without quote, signature and legal footer."""
    signature: str
    """The closing formula and what follows it (name, role, contact data), quote removed."""
    quoted: bool
    """Whether the reply quotes an earlier message."""


def split_reply(body: str, vocabulary: Vocabulary) -> ReplyParts:
    """Separate new text, signature and quote (mail-parser-reply, with servaudit's closings as a fallback)."""
    try:
        parsed = _PARSER.read(body)
        first = parsed.replies[0] if parsed.replies else None
        text, signature = (first.body, first.signatures or "") if first else (body, "")
        quoted = len(parsed.replies) > 1
    except Exception:  # a reply parser must never stop a collect; fall back to the plain rules
        text, signature, quoted = body, "", False
    own = mail.new_text(text)
    quoted = quoted or own != text.strip()
    lines = own.splitlines()
    for index, line in enumerate(lines):
        bare = line.strip().lower().rstrip(",")
        if bare in vocabulary.closings or bare + "," in vocabulary.closings:
            signature = "\n".join(lines[index:]) + ("\n" + signature if signature else "")
            lines = lines[:index]
            break
    written = "\n".join(line for line in lines if not _SIGNATURE_CONTACT.match(line))
    return ReplyParts(written.strip(), signature.strip(), quoted)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


# -- signals ----------------------------------------------------------------


@dataclass
class Signals:
    """Everything the classifier (and the quality scorer) reads from one message, decoded once."""

    message: Message
    vocabulary: Vocabulary
    seconds_after_inquiry: float | None = None

    @cached_property
    def subject(self) -> str:
        return fold(mail.header(self.message, "Subject"))

    @cached_property
    def sender(self) -> str:
        return mail.sender(self.message)

    @cached_property
    def body(self) -> str:
        return mail.body_text(self.message)

    @cached_property
    def parts(self) -> ReplyParts:
        return split_reply(self.body, self.vocabulary)

    @cached_property
    def text(self) -> str:
        """The new text, folded for phrase matching."""
        return fold(self.parts.new_text)

    @cached_property
    def noreply(self) -> bool:
        return is_noreply(self.sender, self.vocabulary)

    @cached_property
    def is_reply(self) -> bool:
        """Threaded to an earlier message or titled as an answer."""
        return bool(mail.referenced_ids(self.message)) or bool(
            re.match(r"^\s*(re|aw|antw|wg|sv|fw|fwd)\s*(\[\d+\])?\s*:", self.subject)
        )

    @cached_property
    def fast(self) -> bool:
        return self.seconds_after_inquiry is not None and 0 <= self.seconds_after_inquiry < FAST_SECONDS

    def headers(self) -> tuple[list[str], list[str]]:
        return automation_headers(self.message, self.vocabulary)

    @cached_property
    def redirects(self) -> list[str]:
        """Sentences of the new text that send the customer to another channel (phone, branch, form, FAQ)."""
        v = self.vocabulary
        found = []
        for sentence in sentences(self.parts.new_text):
            folded = fold(sentence)
            channel = folded in v.channels or bool(_PHONE.search(sentence))
            if channel and (folded in v.requests or folded in v.deflection_body):
                found.append(sentence)
        return found

    def substance(self, *formulas: Phrases) -> tuple[int, int]:
        """(sentences, words) of the new text that are not courtesy, a redirect or one of ``formulas``."""
        count = words = 0
        redirects = set(self.redirects)
        for sentence in sentences(self.parts.new_text):
            folded = fold(sentence)
            if (
                sentence in redirects
                or folded in self.vocabulary.courtesy
                or any(folded in f for f in formulas)
            ):
                continue
            found = len(_WORD.findall(sentence))
            if found >= 3:
                count += 1
                words += found
        return count, words


def automation_headers(message: Message, vocabulary: Vocabulary) -> tuple[list[str], list[str]]:
    """(strong, weak) automation evidence from headers, as readable reasons. Values are RFC 2047-decoded."""
    strong, weak = [], []
    auto_submitted = mail.header(message, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        strong.append(f"Auto-Submitted: {auto_submitted}")
    for name in vocabulary.automation_headers:
        if message.get(name) is not None:
            value = mail.header(message, name)
            strong.append(f"{name}: {value}" if value else f"{name} present")
    precedence = mail.header(message, "Precedence").lower()
    if precedence == "auto_reply":
        strong.append("Precedence: auto_reply")
    elif precedence in ("bulk", "junk", "list"):
        weak.append(f"Precedence: {precedence} (also set by helpdesks on human answers)")
    suppress = mail.header(message, "X-Auto-Response-Suppress")
    if suppress:
        weak.append(f"X-Auto-Response-Suppress: {suppress} (set by Outlook and helpdesks on any mail)")
    for name in vocabulary.loop_headers:
        if message.get(name) is not None:
            weak.append(f"{name} present (a helpdesk's loop guard)")
    return strong, weak


# -- bounces ----------------------------------------------------------------


def _delivery_status(message: Message) -> list[dict[str, str]]:
    """Per-recipient fields of a DSN's message/delivery-status part(s)."""
    found: list[dict[str, str]] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks: list[Message] = (
            [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []
        )
        if not blocks:  # some MTAs' status parts do not parse into blocks
            text = payload if isinstance(payload, str) else ""
            blocks = [
                message_from_bytes(b.encode(), policy=email_policy.compat32) for b in text.split("\n\n")
            ]
        for block in blocks[1:] if len(blocks) > 1 else blocks:
            fields = {k.lower(): " ".join(str(v).split()) for k, v in block.items()}
            if "action" in fields or "final-recipient" in fields:
                found.append(fields)
    return found


def _flufl_failures(message: Message) -> tuple[set[str], set[str]]:
    """(temporary, permanent) failed recipients by flufl.bounce's detectors for MTA formats in the wild."""
    try:
        from flufl.bounce import all_failures

        # flufl.bounce reads compat32 messages.
        legacy = message_from_bytes(message.as_bytes(), policy=email_policy.compat32)
        temporary, permanent = all_failures(legacy)
    except Exception:  # a broken message or an unknown format: no opinion
        return set(), set()

    def text(values: frozenset[bytes]) -> set[str]:
        return {v.decode("utf-8", "replace").lower() for v in values}

    return text(temporary), text(permanent)


def bounce_evidence(signals: Signals) -> Classification | None:
    message, vocabulary = signals.message, signals.vocabulary
    report_type = str(message.get_param("report-type", header="content-type") or "").lower()
    if message.get_content_type() == "multipart/report" and report_type == "delivery-status":
        fields = _delivery_status(message)
        actions = {f.get("action", "").lower() for f in fields}
        if fields and actions <= {"delivered", "relayed", "expanded"}:
            return None  # a successful delivery report, not a bounce
        recipients = tuple(
            f.get("final-recipient", "").partition(";")[2].strip().lower()
            for f in fields
            if f.get("final-recipient")
        )
        statuses = [f.get("status", "") for f in fields]
        permanent = "failed" in actions or not fields
        reasons = ["multipart/report; report-type=delivery-status (a DSN)"]
        reasons += [f"Action: {a}" for a in sorted(actions) if a]
        reasons += [f"Status: {s}" for s in statuses if s]
        reasons.append(
            "the mail system gave up" if permanent else "a delay warning: the mail system still retries"
        )
        info = BounceInfo(recipients, permanent, statuses[0] if statuses else None)
        return Classification(BOUNCE, tuple(reasons), info)

    sender_hits = [
        s for s in vocabulary.bounce_senders if s in signals.sender or s in fold(mail.header(message, "From"))
    ]
    subject_hits = vocabulary.bounce_subjects.hits(signals.subject)
    body = fold(signals.body)
    body_hits = vocabulary.bounce_body.hits(body)
    evidence = len(sender_hits[:1]) + len(subject_hits[:1]) + len(body_hits[:1])
    if evidence < 2:
        return None
    temporary, permanent_set = _flufl_failures(message)
    reasons = []
    if sender_hits:
        reasons.append(f"sender {signals.sender or mail.header(message, 'From')} is a mail system")
    if subject_hits:
        reasons.append(f"subject says {subject_hits[0]!r}")
    if body_hits:
        reasons.append(f"text says {body_hits[0]!r}")
    status_match = _SMTP_STATUS.search(signals.body)
    code_match = _SMTP_CODE.search(signals.body)
    status = status_match.group(0) if status_match else None
    if temporary or permanent_set:
        reasons.append("failed recipients found by flufl.bounce")
        recipients = tuple(sorted(permanent_set | temporary))
        permanent = bool(permanent_set)
    else:
        own = set(mail.addresses(message, "To", "Cc", "From"))
        recipients = tuple(
            dict.fromkeys(a.lower() for a in _ADDRESS.findall(signals.body) if a.lower() not in own)
        )[:1]
        warning = "warning" in body or "still being retried" in body or "noch nicht zugestellt" in body
        permanent = not warning and not (code_match and code_match.group(1) == "4")
    if status:
        reasons.append(f"status {status}")
    reasons.append(
        "the mail system gave up" if permanent else "a delay warning: the mail system still retries"
    )
    return Classification(BOUNCE, tuple(reasons), BounceInfo(recipients, permanent, status))


# -- the decision -------------------------------------------------------------


def _quoted(kind: str, hits: list[str]) -> list[str]:
    return [f"{kind}: {hit!r}" for hit in hits]


def classify(
    message: Message, vocabulary: Vocabulary, seconds_after_inquiry: float | None = None
) -> Classification:
    return classify_signals(Signals(message, vocabulary, seconds_after_inquiry))


def classify_signals(s: Signals) -> Classification:
    bounce = bounce_evidence(s)
    if bounce is not None:
        return bounce
    v = s.vocabulary
    report_type = str(s.message.get_param("report-type", header="content-type") or "").lower()
    if s.message.get_content_type() == "multipart/report":
        return Classification(
            AUTO_REPLY, (f"multipart/report; report-type={report_type} (a machine's report)",)
        )

    strong, weak = s.headers()
    reasons = [*strong, *weak]
    automation = 1.5 if strong else 0.0
    if s.fast:
        automation += 1
        reasons.append(f"arrived {s.seconds_after_inquiry:.0f} s after the inquiry (too fast for a person)")
    if s.noreply:
        automation += 0.5
        reasons.append(f"sent from a no-reply address ({s.sender})")

    ooo_subject = v.auto_subjects.hits(s.subject)
    ooo_body = v.auto_body.hits(s.text)
    ack_subject = v.ack_subjects.hits(s.subject)
    ack_receipt = v.ack_receipt.hits(s.text)
    ack_support = v.ack_body.hits(s.text)
    marketing_headers = [h for h in v.marketing_headers if s.message.get(h) is not None]
    marketing_body = v.marketing_body.hits(fold(s.body))
    marketing_subject = v.marketing_subjects.hits(s.subject)
    # Words of the new text that no formula explains: the substance of an answer.
    formulas = (v.auto_body, v.ack_receipt, v.ack_body, v.deflection_body, v.refusal_body, v.channel_info)
    substance_sentences, substance_words = s.substance(*formulas)
    answers = substance_words >= SUBSTANCE_WORDS
    substance = f"{substance_words} words of its own in {substance_sentences} sentences"

    candidates: list[tuple[float, str, list[str]]] = []
    ooo_score = 2.0 * bool(ooo_subject) + min(len(ooo_body), 2)
    if ooo_score >= 2 or (ooo_score >= 1 and automation >= 1):
        candidates.append(
            (
                ooo_score + automation,
                AUTO_REPLY,
                [*_quoted("subject", ooo_subject), *_quoted("text", ooo_body)],
            )
        )
    ack_score = 2.0 * bool(ack_subject) + min(len(ack_receipt), 2) + 0.5 * min(len(ack_support), 2)
    if ack_subject or ack_receipt:
        strong_enough = ack_score >= 2 or automation >= 1
        if strong_enough and not (answers and substance_sentences >= 3):
            phrases = [
                *_quoted("subject", ack_subject),
                *_quoted("text", ack_receipt),
                *_quoted("text", ack_support),
            ]
            candidates.append((ack_score + automation, ACKNOWLEDGEMENT, phrases))
    bulk = mail.header(s.message, "Precedence").lower() in ("bulk", "list")
    marketing_score = (
        (1.5 * bool(marketing_headers) + min(len(marketing_body), 3) + 0.5 * bool(marketing_subject))
        + 0.5 * bulk
        + (0.5 if not s.is_reply else 0.0)
    )
    if marketing_score >= 3 and (marketing_headers or len(marketing_body) >= 2) and not s.is_reply:
        phrases = [
            *(f"header {h}" for h in marketing_headers),
            *_quoted("subject", marketing_subject),
            *_quoted("text", marketing_body),
            "not a reply to anything",
        ]
        candidates.append((marketing_score, MARKETING, phrases))
    if candidates:
        _, label, phrases = max(candidates, key=lambda c: c[0])
        return Classification(label, (*reasons, *phrases, f"{substance}"))

    deflection = [*v.deflection_body.hits(s.text), *v.refusal_body.hits(s.text)]
    deflection += [
        f"redirect: {sentence[:80]!r}"
        for sentence in s.redirects
        if not v.deflection_body.hits(fold(sentence))
    ]
    if deflection and not answers:
        return Classification(
            DEFLECTION, (*reasons, *(f"sends elsewhere: {p!r}" for p in deflection), f"only {substance}")
        )
    if strong and not answers:
        return Classification(AUTO_REPLY, (*reasons, f"automated by its headers; only {substance}"))
    human = [f"written text: {substance}"]
    if strong:
        human.insert(0, "headers say automated, but the text is a written answer")
    if deflection:
        human.append("mentions another channel, but answers too")
    if s.parts.quoted:
        human.append("quotes the earlier message")
    return Classification(HUMAN, (*reasons, *human))


def written_text(body: str, vocabulary: Vocabulary) -> str:
    """What the author wrote for this reply: no quote, nothing from the closing formula on."""
    return split_reply(body, vocabulary).new_text
