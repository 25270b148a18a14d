"""What an automatic acknowledgement offers: an expected response time, a reference number, alternatives.

Phrases are data (probes/vocabulary/acknowledgement.toml). The reference number
is servaudit/replies/quality.py's reference check, so an acknowledgement and an answer
are judged by the same rule. It runs when a message is judged (servaudit/replies/reading.py);
the traits are stored and servaudit.measure.acknowledgements counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from servaudit.judgement import AcknowledgementTraits
from servaudit.replies.classify import Phrases, Signals, Vocabulary
from servaudit.replies.quality import QualityVocabulary, check_reference
from servaudit.resources import load_toml


@dataclass(frozen=True)
class AcknowledgementVocabulary:
    response_time: Phrases
    alternatives: Phrases

    @classmethod
    def load(cls, audit_folder: Path | None = None) -> AcknowledgementVocabulary:
        data = load_toml("vocabulary/acknowledgement.toml", audit_folder)

        def phrases(section: str) -> Phrases:
            return Phrases.of(tuple(str(p).lower() for p in data.get(section, {}).get("phrases", ())))

        return cls(response_time=phrases("response_time"), alternatives=phrases("alternatives"))


@dataclass(frozen=True)
class AcknowledgementReader:
    """The three vocabularies an acknowledgement is read with, loaded once per report."""

    replies: Vocabulary
    quality: QualityVocabulary
    acknowledgement: AcknowledgementVocabulary

    @classmethod
    def load(cls, audit_folder: Path | None = None) -> AcknowledgementReader:
        return cls(
            Vocabulary.load(audit_folder),
            QualityVocabulary.load(audit_folder),
            AcknowledgementVocabulary.load(audit_folder),
        )

    def traits(self, message: Message) -> AcknowledgementTraits:
        return self.read(Signals(message, self.replies))

    def read(self, signals: Signals) -> AcknowledgementTraits:
        """The traits of a message read into plain ``Signals`` (no inquiry echo removed)."""
        # The whole text without the quote: alternatives often stand below the closing formula.
        # Whether a phrase stands, not which: ``in`` stops at the first that matches.
        text = signals.unquoted_folded
        return AcknowledgementTraits(
            response_time=text in self.acknowledgement.response_time,
            reference_number=check_reference(signals, self.quality).passed,
            alternatives=text in self.acknowledgement.alternatives,
        )
