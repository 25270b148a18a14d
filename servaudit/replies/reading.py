"""Reading a judged message for the report: its excerpt, the facts it states, its acknowledgement traits.

Done once, in the same transaction as the message's class (collect's Judge; the engine
for a chat turn), and stored with the judge version (servaudit.judgement.ReplyJudgement).
The version covers what the reading depends on beyond the classifier's vocabulary: the
acknowledgement and quality vocabularies and the audit's scenario facts, so changing any of
them makes collect (or the report's refresh) read stored messages again.
"""

from __future__ import annotations

import hashlib
from email.message import Message
from typing import TYPE_CHECKING

from servaudit import message as mail
from servaudit.judgement import EXCERPT_CHARS, AcknowledgementTraits, MailFindings, ReplyJudgement
from servaudit.replies.acknowledgement import AcknowledgementReader
from servaudit.replies.classify import Signals, Vocabulary, fold, judge_version
from servaudit.replies.findings import FindingsVocabulary, read_findings
from servaudit.replies.quality import Fact, scenario_context
from servaudit.replies.versions import FINDINGS_VERSION as FINDINGS_VERSION
from servaudit.replies.versions import READ_FILES as READ_FILES
from servaudit.resources import find

if TYPE_CHECKING:
    from servaudit.config import Audit
    from servaudit.store import InquiryRecord


def excerpt(message: Message) -> str:
    """What the report shows of a reply: its new text (quote removed), else the whole body, shortened.
    Read from the start of the text that decides it (the classifier's), not from all of a long one."""
    return mail.new_text_head(message, EXCERPT_CHARS)


class ReplyReader:
    """The vocabularies and scenario facts of one audit, loaded once per collect or chat."""

    def __init__(self, audit: Audit) -> None:
        self.audit = audit
        self.acknowledgement = AcknowledgementReader.load(audit.folder)
        self.findings = FindingsVocabulary.load(audit.folder)
        self.vocabulary: Vocabulary = self.acknowledgement.replies
        self._facts: dict[str, tuple[Fact, ...]] = {}
        self._languages: dict[str, str] = {}
        digest = hashlib.sha256(f"findings {FINDINGS_VERSION}\n".encode())
        for relative in READ_FILES:
            digest.update(find(relative, "probes", audit.folder).read_bytes())
        for name in sorted(audit.config.scenarios):
            digest.update(f"{name}:{scenario_context(audit, name)[1]!r}\n".encode())
        self.fingerprint = digest.hexdigest()[:8]

    @property
    def version(self) -> str:
        """The judge version a message's class and reading are stamped with."""
        return judge_version(self.vocabulary, self.audit.config.audit.machine_seconds, self.fingerprint)

    def facts(self, scenario: str) -> tuple[Fact, ...]:
        if scenario not in self._facts:
            self._facts[scenario] = tuple(Fact.parse(t) for t in scenario_context(self.audit, scenario)[1])
        return self._facts[scenario]

    def language(self, scenario: str) -> str:
        """The scenario's language, looked up once (a stock scenario is searched for on disk)."""
        if scenario not in self._languages:
            self._languages[scenario] = scenario_context(self.audit, scenario)[0]
        return self._languages[scenario]

    def read(
        self,
        message_id: int,
        message: Message,
        inquiry: InquiryRecord | None,
        reply_language: str | None = None,
        signals: Signals | None = None,
    ) -> ReplyJudgement:
        """One message's reading. The text is read without the inquiry's echo removed, as the
        consultant sees it; stated facts only for a matched message whose scenario lists facts.
        ``signals``: what the classifier read from the message (shared, not decoded again)."""
        facts = self.facts(inquiry.scenario) if inquiry is not None else ()
        language = self.language(inquiry.scenario) if inquiry is not None else None
        text, stated, traits, findings = read_message(
            message, self.acknowledgement, facts, self.findings, language, reply_language, signals
        )
        return ReplyJudgement(
            message_id=message_id,
            version=self.version,
            excerpt=text,
            stated=stated,
            acknowledgement=traits,
            findings=findings,
        )


def _plain_folded(classified: Signals, plain: Signals) -> str:
    """The folded new text of ``plain`` (the message without the inquiry's echo removed), taken from
    the classifier's ``classified`` where that removed nothing: removing the echo drops every line
    the plain reading drops (attribution and template lines) and more, so where it dropped none the
    two texts are one, and the classifier's is split and folded already."""
    if plain is classified or ("parts" in classified.__dict__ and classified.echoed == 0):
        return classified.text
    return fold(plain.parts.new_text)


def read_message(
    message: Message,
    reader: AcknowledgementReader,
    facts: tuple[Fact, ...],
    findings: FindingsVocabulary | None = None,
    language: str | None = None,
    reply_language: str | None = None,
    classified: Signals | None = None,
) -> tuple[str, frozenset[str] | None, AcknowledgementTraits, MailFindings]:
    """(excerpt, stated facts or None without facts, acknowledgement traits, findings) of one parsed
    message; ``language`` is its inquiry's (None: not matched), ``reply_language`` the classifier's
    reading of the reply's (None: not compared); findings empty without a vocabulary.

    ``classified``: the classifier's reading of the same message with the same vocabulary; its
    decoded headers, text and split are shared (one pass builds a message's signals)."""
    same = (
        classified is not None and classified.message is message and classified.vocabulary is reader.replies
    )
    signals = (
        classified.plain()
        if classified is not None and same
        else Signals(message, reader.replies, language_hint=language or "de")
    )
    stated = None
    if facts:
        text = (
            _plain_folded(classified, signals)
            if same and classified is not None
            else fold(signals.parts.new_text)
        )
        stated = frozenset(fact.name for fact in facts if fact.stated_in(text))
    found = (
        MailFindings()
        if findings is None
        else read_findings(signals, findings, reader.quality, language, reply_language)
    )
    return excerpt(message), stated, reader.read(signals), found
