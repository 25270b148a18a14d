"""What one reply says, read once: decoded headers, the author's own new text, its language.

The classifier, the quality scorer and the acknowledgement reader all read a
message through one ``Signals`` object, so the message is decoded and split
once. servaudit knows what it sent, so text that only echoes the inquiry (a
receipt that repeats the customer's message, a form mailer listing the
submitted fields) is removed before anything counts as the author's own words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from functools import lru_cache
from itertools import islice
from typing import Any, Generic, TypeVar, overload

from mailparser_reply.constants import OUTLOOK_MAIL_SEPARATOR
from mailparser_reply.parser import EmailMessage, EmailReply

from servaudit import message as mail
from servaudit.replies import reply_patterns
from servaudit.replies.language import identifier, obvious
from servaudit.replies.vocabulary import Phrases, Vocabulary, fold, is_noreply, union

FAST_SECONDS = 60.0
"""No person reads an inquiry, writes an answer and sends it this fast."""
MAX_TEXT = 50_000
"""Characters of a body that are read: ten times the longest written answer, bounded for a 5 MB one."""

_SIGNATURE_CONTACT = re.compile(r"^\s*(tel|telefon|phone|hotline|fax|mobil|web|www|e-?mail)\b[^:\n]*:", re.I)
SENTENCE_END = r"(?<=[.!?])\s+|\n+"
"""Where a sentence ends: whitespace after '.', '!' or '?', or line breaks (what ``_SENTENCE_END`` finds)."""
_SENTENCE_END = re.compile(r"\s(?:(?<=[.!?]\s)\s*|(?<=\n)\n*)")
"""``SENTENCE_END`` as it is searched: the same matches, opening with the whitespace each of them
starts with, so that the engine skips to whitespace instead of trying a look-behind at every
character; the look-behinds reach back over that first character."""
WORD = re.compile(r"[\w€£$%]+(?:[-'’.,/][\w]+)*", re.UNICODE)
PHONE_PATTERN = r"(?<![\w.])\+?\(?\d[\d ()/-]{6,}\d(?![\w.])"
"""A phone number: what ``PHONE`` finds."""
PHONE = re.compile(
    r"[+(\d](?<![\w.][+(\d])(?:(?<=\+)\(?\d|(?<=\()\d|(?<=\d))[\d ()/-]{6,}\d(?![\w.])"
)
"""``PHONE_PATTERN`` as it is searched: the same matches, but opening with the character a number
starts with ('+', '(' or a digit) and not with a look-behind, so that the engine skips to such a
character instead of trying the pattern at every one. The look-behind moves behind that first
character and reaches back over it; what the pattern asks after an optional '+' and an optional
'(' it asks after the one it met (a '+' may still be followed by '(')."""
_REPLY_SUBJECT = re.compile(r"^\s*(re|aw|antw|wg|sv|fw|fwd)\s*(\[\d+\])?\s*:")
_FIELD_LINE = re.compile(r"^\s*[\w\- ./()]{1,40}:\s*(.*)$")
# "Jana Keller <jana@shop.example> added the comment:": who wrote what follows, not what was written.
_ATTRIBUTION = re.compile(r"^(?=.{0,160}$).*[\w.+-]+@[\w-]+\.[\w.-]+.*:\s*$")
_LEADING_SIGNATURE = re.compile(r"\A\s*-- ?\n.*?\n\s*\n", re.S)
TICKET_TAG_PATTERN = r"\[[^\]\n]{0,40}\d[^\]\n]{0,20}\]|(?<![\w&])#\s?\d{3,}\b"
"""A ticket reference in a subject: what ``_TICKET_TAG`` finds."""
_TICKET_TAG = re.compile(r"\[[^\]\n]{0,40}\d[^\]\n]{0,20}\]|#(?<![\w&]#)\s?\d{3,}\b")
"""``TICKET_TAG_PATTERN`` as it is searched: the same matches, both alternatives opening with their
character ('[' or '#'), the look-behind behind the '#' reaching back over it, so that the engine
skips to those characters instead of trying the look-behind at every one."""
_REPLY_LANGUAGES = ("de", "en")
_PATTERNS = EmailMessage(text="", languages=list(_REPLY_LANGUAGES))
"""mail-parser-reply's patterns for German and English, built once: the library builds its three
large patterns anew for every message read (they depend only on the languages)."""


_KNOWN_NORMALIZE = (
    reply_patterns.code_fingerprint(EmailMessage._normalize_text, OUTLOOK_MAIL_SEPARATOR)
    == reply_patterns.NORMALIZE_CODE
)


class _ReplyMessage(EmailMessage):
    """mail-parser-reply's message, reading with the patterns built once for the process."""

    def _normalize_text(self) -> None:
        if _KNOWN_NORMALIZE:  # the same text, without trying the separator pattern where it cannot match
            self.text = reply_patterns.normalized(self.text, OUTLOOK_MAIL_SEPARATOR)  # type: ignore[has-type]
        else:
            super()._normalize_text()

    @property
    def HEADER_REGEX(self) -> re.Pattern[str]:
        return _PATTERNS.HEADER_REGEX

    @property
    def DISCLAIMERS_REGEX(self) -> re.Pattern[str]:
        return _PATTERNS.DISCLAIMERS_REGEX

    @property
    def SIGNATURE_REGEX(self) -> re.Pattern[str]:
        return _PATTERNS.SIGNATURE_REGEX


_HEADER_WORDS = (
    "schrieb", "wrote:", "-----", "von:", "gesendet:", "an:", "betreff:", "datum:", "cc:",
    "organisation:", "from:", "sent:", "to:", "subject:", "date:", "organization:",
)  # fmt: skip
"""A literal each alternative of mail-parser-reply's HEADER_REGEX needs (lower case): a text with none
of them holds no quote header."""
_KNOWN_SIGNATURE = reply_patterns.fingerprint(_PATTERNS.SIGNATURE_REGEX) == reply_patterns.SIGNATURE_PATTERN
_KNOWN_HEADER = reply_patterns.fingerprint(_PATTERNS.HEADER_REGEX) == reply_patterns.HEADER_PATTERN
_KNOWN_DISCLAIMERS = (
    reply_patterns.fingerprint(_PATTERNS.DISCLAIMERS_REGEX) == reply_patterns.DISCLAIMERS_PATTERN
)


def _may_quote(text: str, lower: str) -> bool:
    """False only where mail-parser-reply's HEADER_REGEX cannot match: most replies quote nothing, and
    the pattern (anchored look-aheads at every line) costs more than the rest of the split.
    ``lower``: ``text.lower()``."""
    if not text.isascii() and any(c in text for c in mail.FOLDS_TO_ASCII):
        return True
    return any(map(lower.__contains__, _HEADER_WORDS))


def _headers(text: str, lower: str) -> Iterator[str]:
    """The quote headers in ``text`` as the library's ``findall`` lists them (each match's non-empty
    groups), found one after the other: the split stops at the first that ends a reply.
    ``lower``: ``text.lower()``."""
    if _may_quote(text, lower):
        for found in reply_patterns.headers(_PATTERNS.HEADER_REGEX, _KNOWN_HEADER, text, lower):
            yield from (group for group in found.groups() if group)


def _first_reply(body: str) -> tuple[str, str, bool]:
    """(text, signature, quoted) of the newest reply in ``body``, as mail-parser-reply's ``read`` gives
    them (its first reply's body and signatures; more than one reply: quoted), with signatures and
    disclaimers read for that reply only, not for each quoted one, headers searched only up to the
    first that ends a reply and not at all where none can stand, and signatures and disclaimers
    searched only where they can stand (servaudit/replies/reply_patterns.py)."""
    if _KNOWN_NORMALIZE:  # the message object only normalises the text: that is done without it
        text = reply_patterns.normalized(body, OUTLOOK_MAIL_SEPARATOR)
    else:
        text = _ReplyMessage(text=body, languages=list(_REPLY_LANGUAGES)).text
    whole = text.lower()
    # The library's loop: a segment ends where the next header starts; empty segments are skipped
    # but the last one is always kept.
    segments: list[tuple[str, str]] = []
    current, previous = 0, ""
    for header in _headers(text, whole):
        position = text.find(header, current + 1 if current > 0 else current)
        content, before = text[current:position], previous
        current = position if position >= 0 else 0
        previous = header
        if content.strip():
            segments.append((content, before))
            break  # the first reply is found; the rest only tells that there is more
    quoted = bool(segments)
    if not segments:
        segments.append((text[current:], previous))
    content, before = segments[0]
    # The library's _process_signatures_disclaimers, each pattern searched only where it can match.
    lower = whole if content is text else content.lower()
    disclaimers = reply_patterns.disclaimers(_PATTERNS.DISCLAIMERS_REGEX, _KNOWN_DISCLAIMERS, content, lower)
    signatures = reply_patterns.signature(_PATTERNS.SIGNATURE_REGEX, _KNOWN_SIGNATURE, content, lower)
    first = EmailReply(headers=before, content=content, signatures=signatures, disclaimers=disclaimers)
    return first.body, first.signatures or "", quoted


def _has_words(text: str, count: int) -> bool:
    """Whether ``text`` holds ``count`` words or more, read only as far as that."""
    return sum(1 for _ in islice(WORD.finditer(text), count)) == count


def sentences(text: str) -> list[str]:
    return [piece for piece in map(str.strip, _SENTENCE_END.split(text)) if piece]


def words_of(text: str) -> list[str]:
    return WORD.findall(text)


def _norm(text: str) -> str:
    """Words only, lower case: how echoed text is compared with what was sent. (Lower-casing the
    joined words is lower-casing each: a word's edges are no letters' context.)"""
    return " ".join(WORD.findall(text)).lower()


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
    return _split_reply(body, vocabulary.closings)


@lru_cache(maxsize=16)
def _split_reply(body: str, closings: tuple[str, ...]) -> ReplyParts:
    """Separate new text, signature and quote (mail-parser-reply, with servaudit's closings as a fallback).

    Top-posted replies keep what stands above the quote; a reply written below the quote
    (bottom-posting, as mutt and many Unix clients do) keeps what stands below it.
    Cached for the last few bodies: the classifier's signals and the reading for the report
    split the same body.
    """
    try:
        text, signature, quoted = _first_reply(body)
    except Exception:  # a reply parser must never stop a collect; fall back to the plain rules
        text, signature, quoted = body, "", False
    own = mail.new_text(text)
    quoted = quoted or own != text.strip()
    if not _has_words(own, 3):
        # Bottom-posted below the quote, or written under a signature put on top (mutt's sig_on_top).
        for other in (mail.text_below_quote(body), mail.new_text(_LEADING_SIGNATURE.sub("", body, count=1))):
            if _has_words(other, 3):
                own, signature, quoted = other, "", True
                break
    lines = own.splitlines()
    closing = _closing_set(closings)
    for index, line in enumerate(lines):
        bare = line.strip().lower().rstrip(",")
        if bare in closing or bare + "," in closing:
            signature = "\n".join(lines[index:]) + ("\n" + signature if signature else "")
            lines = lines[:index]
            break
    written = "\n".join(line for line in lines if not _SIGNATURE_CONTACT.match(line))
    return ReplyParts(written.strip(), signature.strip(), quoted)


@lru_cache(maxsize=8)
def _closing_set(closings: tuple[str, ...]) -> frozenset[str]:
    return frozenset(closings)


def after_relay(text: str, relayed: Phrases, folded: str | None = None) -> str:
    """The agent's words a helpdesk relays: what follows the line that announces them.
    ``folded``: ``fold(text)``, where the caller has it."""
    if not relayed.may_occur(fold(text) if folded is None else folded):  # most relay nothing: no line is read
        return text
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if fold(line) in relayed:
            rest = "\n".join(lines[index + 1 :]).strip()
            return rest or text
    return text


def _echoes(norm: str, sent: str) -> bool:
    """Whether a sentence (normalised) of four or more words stands in what was sent."""
    return len(norm.split()) >= 4 and f" {norm} " in sent


def strip_echo(
    text: str,
    sent: str,
    template: Phrases,
    lines_seen: dict[str, tuple[str | None, int]] | None = None,
    folded: str | None = None,
) -> tuple[str, int]:
    """``text`` without lines and sentences that repeat what was sent, and without template lines.

    ``sent`` is everything the inquiry put into the company's hands (its
    subject, text and the form's field values), normalised by ``_norm`` and
    padded with spaces so that only whole words match. A
    line counts as an echo when its words (three or more) stand in what was
    sent, or when it is a ``Label: value`` line whose value was sent.
    Returns the remaining text and how many lines or sentences were removed.
    ``lines_seen``: each line's verdict, kept by the caller for the same ``sent`` and ``template``
    (a message's new text and its whole body share their lines).
    ``folded``: ``fold(text)``, where the caller has it.
    """
    kept: list[str] = []
    removed = 0
    # A template line is a line of the text: only the phrases that can occur in the text are tried.
    templated = template.in_parts(fold(text) if folded is None else folded)
    if not sent:  # nothing can be an echo: only attribution and template lines go
        for line in text.splitlines():
            if _attribution(line) or (templated and WORD.search(line) and templated(fold(line))):
                removed += 1
            else:
                kept.append(line)
        return "\n".join(kept).strip(), removed
    words = _sent_words(sent)
    seen = {} if lines_seen is None else lines_seen
    for line in text.splitlines():
        verdict = seen.get(line)
        if verdict is None:  # a line's verdict is its own: ``templated`` only spares looking
            verdict = seen[line] = _echo_verdict(line, sent, words, templated)
        own, count = verdict
        removed += count
        if own is not None:
            kept.append(own)
    return "\n".join(kept).strip(), removed


@lru_cache(maxsize=64)
def _sent_text(sent: tuple[str, ...]) -> str:
    """What an inquiry sent, normalised and padded (see strip_echo): made once for the replies to it."""
    normalised = [_norm(s) for s in sent if s and s.strip()]
    return f" {' | '.join(normalised)} " if normalised else ""


@lru_cache(maxsize=16)
def _sent_words(sent: str) -> frozenset[str]:
    return frozenset(sent.split())


def _attribution(line: str) -> bool:
    return "@" in line and ":" in line and _ATTRIBUTION.match(line) is not None


def _echo_verdict(
    line: str, sent: str, sent_words: frozenset[str], templated: Callable[[str], bool] | None
) -> tuple[str | None, int]:
    """(what is kept of ``line``, None when all of it goes; lines or sentences removed).
    ``templated``: whether a folded line is a template line (None: no line is)."""
    norm = _norm(line)
    if not norm:  # no word: nothing sent, no template line, no attribution (an address has words)
        return line, 0
    words = norm.split()
    sent_here = sum(map(sent_words.__contains__, words))
    if not sent_here:  # what echoes has its words sent (a field's value is the line's last words)
        if _attribution(line) or (templated and templated(fold(line))):
            return None, 1
        return line, 0
    field_line = _FIELD_LINE.match(line) if ":" in line else None
    value = _norm(field_line.group(1)) if field_line else ""
    if (
        _attribution(line)
        or (len(words) >= 3 and f" {norm} " in sent)
        or (value and f" {value} " in sent)
        or (templated and templated(fold(line)))
    ):
        return None, 1
    # A sentence that echoes has four words or more, each of them sent.
    if sent_here < 4:
        return line, 0
    pieces = sentences(line)
    own = [s for s in pieces if not _echoes(_norm(s), sent)]
    return (" ".join(own) if len(own) != len(pieces) else line), len(pieces) - len(own)


LANGUAGE_SAMPLE = 1_000
"""Characters of the author's own text the language is told from: some 150 words. The model walks
the text byte by byte in Python, so a long answer's language costs its length; on the labelled
corpus the first 1,000 characters tell the same language as the first 5,000 for every message."""


def detect_language(text: str, fallback: str, words: list[str] | None = None) -> str:
    """``de`` or ``en`` by py3langid's n-gram model; ``fallback`` (the scenario's) for a few words.
    A text whose function words leave no doubt (language.obvious) is told without the model.
    ``words``: ``WORD.findall(text[:LANGUAGE_SAMPLE])``, where the caller has them."""
    sample = text[:LANGUAGE_SAMPLE]
    if words is None:
        words = WORD.findall(sample)
    if len(words) < 4 and not _has_words(text, 4):
        return fallback
    found = obvious(words)
    if found is not None:
        return found
    language, probability = identifier().classify(sample)
    return str(language) if probability >= 0.8 else fallback


_SHARED = (
    "subject_header", "subject", "ticket_tag", "sender", "body", "written", "written_folded", "mail_system",
    "noreply", "threaded", "unquoted", "unquoted_folded",
)  # fmt: skip
"""What Signals decodes from the message alone, whatever the inquiry sent (Signals.plain shares it)."""


_T = TypeVar("_T")


class _once(Generic[_T]):
    """``functools.cached_property`` without its lock: on Python 3.11 every first read of a cached
    property takes a lock, a Signals has some twenty of them, and one thread reads a Signals. The
    value is stored in the instance's ``__dict__``, where every later read finds it."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _once[_T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...
    def __get__(self, instance: object, owner: type | None = None) -> _once[_T] | _T:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass
class Signals:
    """Everything the classifier (and the quality scorer) reads from one message, decoded once."""

    message: Message
    vocabulary: Vocabulary
    seconds_after_inquiry: float | None = None
    sent: tuple[str, ...] = ()
    """What the inquiry sent (subject, text, form values): echoed text is not the author's."""
    language_hint: str = "de"
    """The scenario's language: used when the reply is too short to tell."""
    fast_seconds: float = FAST_SECONDS
    """Below this delay a reply counts as a machine's (the audit's ``machine_seconds``)."""
    _sent_norm: str = field(init=False, default="")
    _lines_seen: dict[str, tuple[str | None, int]] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )
    """strip_echo's verdict on each line read (the new text's lines are the body's)."""

    def __post_init__(self) -> None:
        self._sent_norm = _sent_text(tuple(self.sent)) if self.sent else ""

    def plain(self) -> Signals:
        """The same message read as the consultant sees it, without the inquiry's echo removed
        (what the report's reading uses): what was decoded and split is shared, not done again."""
        if not self.sent:
            return self
        seconds, hint, fast = self.seconds_after_inquiry, self.language_hint, self.fast_seconds
        other = Signals(self.message, self.vocabulary, seconds, (), hint, fast)
        for name in _SHARED:
            if name in self.__dict__:
                other.__dict__[name] = self.__dict__[name]
        return other

    @_once
    def subject_header(self) -> str:
        """The Subject as decoded (the subject, the ticket tag and the reference check read it)."""
        return mail.header(self.message, "Subject")

    @_once
    def subject(self) -> str:
        return fold(self.subject_header)[:2000]

    @_once
    def own_subject(self) -> str:
        """The subject without the inquiry's own subject, which replies repeat: only the rest is theirs."""
        subject = self.subject
        for sent in self.sent[:1]:
            if sent.strip():
                subject = subject.replace(fold(sent), " ")
        return subject

    @_once
    def ticket_tag(self) -> str | None:
        """A ticket reference in the subject (``[support-1]``, ``[Acme #17]``, ``#123456``)."""
        found = _TICKET_TAG.search(self.subject_header)
        return found.group(0) if found else None

    @_once
    def sender(self) -> str:
        return mail.sender(self.message)

    @_once
    def body(self) -> str:
        return mail.body_text(self.message, MAX_TEXT)  # only that much of a part is decoded

    @_once
    def unquoted(self) -> str:
        """The whole text without the quote it opens with (footers and all): what the report's
        reading (findings, acknowledgement traits) reads."""
        return mail.new_text(self.body) or self.body

    @_once
    def unquoted_folded(self) -> str:
        return fold(self.unquoted)

    @_once
    def written(self) -> ReplyParts:
        """The reply split into new text, signature and quote, before echoed text is removed."""
        return split_reply(self.body, self.vocabulary)

    @_once
    def written_folded(self) -> str:
        """The new text before echoed text is removed, folded: read for a relayed answer."""
        return fold(self.written.new_text)

    @_once
    def _own(self) -> tuple[str, int]:
        written = self.written.new_text
        text = after_relay(written, self.vocabulary.relayed_answer, self.written_folded)
        folded = self.written_folded if text == written else None  # what a helpdesk relays: folded anew
        return strip_echo(text, self._sent_norm, self.vocabulary.template_lines, self._lines_seen, folded)

    @_once
    def unechoed_body(self) -> str:
        """The whole text (footers included) without what repeats the inquiry: what promotions are read in."""
        return strip_echo(self.body, self._sent_norm, self.vocabulary.template_lines, self._lines_seen)[0]

    @_once
    def parts(self) -> ReplyParts:
        """The author's own text: echo of the inquiry and helpdesk template lines removed."""
        return ReplyParts(self._own[0], self.written.signature, self.written.quoted)

    @property
    def echoed(self) -> int:
        """Lines or sentences removed as an echo of the inquiry or a template line."""
        return self._own[1]

    @_once
    def new_sentences(self) -> list[str]:
        """The sentences of the author's own text."""
        return sentences(self.parts.new_text)

    @_once
    def text(self) -> str:
        """The new text, folded for phrase matching."""
        return fold(self.parts.new_text)

    @_once
    def language(self) -> str:
        text = self.parts.new_text
        if text and len(text) <= LANGUAGE_SAMPLE:  # the sample is the whole text: its words are known
            return detect_language(text, self.language_hint, self._new_words)
        return detect_language(text or self.body, self.language_hint)

    @_once
    def mail_system(self) -> str | None:
        """The mail-system word (mailer-daemon, postmaster, …) in the sender, if it is one."""
        from_header = fold(mail.header(self.message, "From"))
        return next((w for w in self.vocabulary.bounce_senders if w in self.sender or w in from_header), None)

    @_once
    def noreply(self) -> bool:
        return is_noreply(self.sender, self.vocabulary)

    @_once
    def threaded(self) -> bool:
        """Threaded to an earlier message or titled as an answer."""
        return bool(mail.referenced_ids(self.message)) or bool(_REPLY_SUBJECT.match(self.subject))

    @_once
    def fast(self) -> bool:
        return self.seconds_after_inquiry is not None and 0 <= self.seconds_after_inquiry < self.fast_seconds

    @_once
    def redirects(self) -> list[str]:
        """Sentences of the new text that send the customer to another channel (phone, branch, form, FAQ)."""
        v = self.vocabulary
        found: list[str] = []
        # A sentence's folded text is a stretch of the whole text's: only the phrases that can occur
        # in that are tried on a sentence, and where neither list has one, no sentence is a redirect.
        sends = union((v.requests, v.deflection_body)).in_parts(self.text)
        if sends is None:
            return found
        channels = v.channels.in_parts(self.text)
        for sentence, folded in self._folded_sentences:
            channel = (channels is not None and channels(folded)) or bool(PHONE.search(sentence))
            if channel and sends(folded):
                found.append(sentence)
        return found

    @_once
    def _folded_sentences(self) -> list[tuple[str, str]]:
        """Each sentence of the author's own text with its folded text: redirects and substance
        read both."""
        return [(sentence, fold(sentence)) for sentence in self.new_sentences]

    def substance(self, *formulas: Phrases) -> tuple[int, int]:
        """(sentences, words) of the new text that are not courtesy, a redirect or one of ``formulas``."""
        count = words = 0
        redirects = set(self.redirects)
        # Only the phrases that can occur in the whole text can occur in one of its sentences.
        formula = union((self.vocabulary.courtesy, *formulas)).in_parts(self.text)
        pairs = self._folded_sentences if formula else [(s, "") for s in self.new_sentences]
        for (sentence, folded), sentence_words in zip(pairs, self._sentence_words, strict=True):
            if sentence in redirects or (formula is not None and formula(folded)):
                continue
            found = len(sentence_words)
            if found >= 3:
                count += 1
                words += found
        return count, words

    @_once
    def own_words(self) -> int:
        """All words of the author's own text, formulas included: a short answer's size."""
        return len(self._new_words)

    @_once
    def _sentence_words(self) -> list[list[str]]:
        """The words of each sentence of the author's own text."""
        return [WORD.findall(sentence) for sentence in self.new_sentences]

    @_once
    def _new_words(self) -> list[str]:
        """The words of the author's own text: its size and, for most replies, its language sample.
        Those of its sentences one after the other: sentences end at whitespace, which no word holds."""
        return [word for words in self._sentence_words for word in words]
