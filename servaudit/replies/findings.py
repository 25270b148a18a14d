"""The findings of one reply, read once when it is judged: promise, refusal of the channel, hygiene.

- the promised reply time (servaudit/replies/promise.py) and the ticket or reference it gives
  (quality.py's reference check, so an acknowledgement and an answer are judged by one rule);
- an automatic reply that refuses the channel ("this address is not monitored"): phrases are data,
  probes/vocabulary/findings.toml, matched with the ``Phrases`` type of replies/vocabulary.py;
- support-mail hygiene (servaudit/replies/hygiene.py): no-reply sender, a differing Reply-To,
  SPF/DKIM/DMARC results the mailbox recorded, tracking pixels, tracked links;
- an answer in another language than the inquiry, or in German with informal address (du) to a
  formal inquiry (the quality check ``formal_address`` decides what is informal).

Stored with the judgement (servaudit/replies/reading.py, judge version); counted by
servaudit/measure/findings.py. Which findings count for which class of reply is measure's
decision: this module reads every reply the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from servaudit import message as mail
from servaudit.judgement import MailFindings
from servaudit.replies import hygiene
from servaudit.replies.promise import read_promise
from servaudit.replies.quality import QualityVocabulary, check_reference, distinct_words, informal_words
from servaudit.replies.signals import Signals
from servaudit.replies.versions import FINDINGS_FILE as FINDINGS_FILE
from servaudit.replies.vocabulary import Phrases
from servaudit.resources import load_toml

_REFERENCE = re.compile(r"'(.+)'$")


@dataclass(frozen=True)
class FindingsVocabulary:
    refuses_channel: Phrases
    pixel_hosts: tuple[str, ...]
    redirect_hosts: tuple[str, ...]
    click_parameters: frozenset[str]

    @classmethod
    def load(cls, audit_folder: Path | None = None) -> FindingsVocabulary:
        data = load_toml(FINDINGS_FILE, audit_folder)
        tracking = data.get("tracking", {})

        def words(key: str) -> tuple[str, ...]:
            return tuple(str(w).lower() for w in tracking.get(key, ()))

        refusals = tuple(str(p).lower() for p in data.get("refuses_channel", {}).get("phrases", ()))
        return cls(
            refuses_channel=Phrases.of(refusals),
            pixel_hosts=words("pixel_hosts"),
            redirect_hosts=words("redirect_hosts"),
            click_parameters=frozenset(words("click_parameters")),
        )


def written_on(signals: Signals) -> date:
    """The day a reply was written (its Date header), for promised dates without a year."""
    try:
        moment = mail.date(signals.message)
    except (TypeError, ValueError, IndexError):
        return datetime.now(UTC).date()
    return moment.date()


def _written_once(signals: Signals) -> Callable[[], date]:
    """What tells the day a reply was written, reading its Date at the first question only (most
    replies promise no date; functools.cache over a partial cost more to build than this)."""
    kept: list[date] = []

    def told() -> date:
        if not kept:
            kept.append(written_on(signals))
        return kept[0]

    return told


def read_findings(
    signals: Signals,
    vocabulary: FindingsVocabulary,
    quality: QualityVocabulary,
    inquiry_language: str | None,
    reply_language: str | None = None,
) -> MailFindings:
    """Everything ``MailFindings`` holds for one reply; ``inquiry_language`` None: not matched.
    ``reply_language`` is the language the classifier detected for a reply with content (collect
    passes it: detecting it again would double the cost); None: language and register not read."""
    own, text = signals.unquoted, signals.unquoted_folded
    reference = check_reference(signals, quality)
    ticket = None
    if reference.passed:
        found = _REFERENCE.search(reference.rule)
        ticket = found.group(1) if found else None
    refusals = vocabulary.refuses_channel.hits(text)
    images, links = hygiene.tags(signals.message)
    language = None
    informal: tuple[str, ...] = ()
    if inquiry_language is not None and reply_language is not None:
        detected = reply_language
        language = detected if detected != inquiry_language else None
        if inquiry_language == "de" and detected == "de":
            # The words the quality check ``formal_address`` fails a reply for (only those are read
            # here: its formal words and salutation decide nothing a finding holds).
            informal = tuple(informal_words(distinct_words(own), quality))
    return MailFindings(
        promise=read_promise(text, _written_once(signals)),  # the Date read only if needed
        ticket=ticket,
        refuses_channel=refusals[0] if refusals else None,
        noreply_sender=signals.noreply,
        reply_to=hygiene.reply_to(signals.message),
        authentication=hygiene.authentication(signals.message),
        tracking_pixels=hygiene.tracking_pixels(images, vocabulary.pixel_hosts),
        tracked_links=hygiene.tracked_links(
            links, own, vocabulary.redirect_hosts, vocabulary.click_parameters
        ),
        language=language,
        informal=informal,
    )
