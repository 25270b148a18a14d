"""Answer quality of one reply: the scenario's facts plus the form checks of mystery-shopping studies.

A reply scores 0–100. Every point comes from a named check whose rule (and
what was found) is one readable sentence, so a consultant can see why a reply
got its score and override it with `servaudit grade`. Phrases are data
(probes/vocabulary/quality.toml); facts come from the audit's scenario or, when
it lists none, from the stock scenario of the same name (probes/scenarios/).

Fact format (in `facts = [...]` of a scenario): "what the answer states: phrase | phrase | …".
The fact counts as answered when the reply's own text (quote removed) contains
any of the phrases; "*" spans a few words. Without phrases after a colon, the
fact's own words are used, and the check says so.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ahocorasick

from servaudit import message as mail
from servaudit.judgement import Answered as Answered
from servaudit.judgement import Check as Check
from servaudit.judgement import QualityScore as QualityScore
from servaudit.labels import UNKNOWN
from servaudit.replies.classify import (
    ACKNOWLEDGEMENT,
    DEFLECTION,
    HUMAN,
    Phrases,
    Signals,
    Vocabulary,
    fold,
    sentences,
)
from servaudit.replies.scenarios import scenario_context as scenario_context
from servaudit.replies.scenarios import stock_facts as stock_facts
from servaudit.replies.scenarios import stock_scenario as stock_scenario
from servaudit.replies.signals import PHONE
from servaudit.resources import load_toml

if TYPE_CHECKING:
    from servaudit.config import Audit
    from servaudit.store import InquiryRecord, Store

SCORED_LABELS = frozenset({HUMAN, DEFLECTION, ACKNOWLEDGEMENT, UNKNOWN})
"""Replies with content to judge; bounces, out-of-office notes and marketing get no score."""

POINTS = {
    "facts": 40,
    "greeting_by_name": 10,
    "formal_address": 5,
    "named_agent": 10,
    "signature_contact": 5,
    "next_step": 10,
    "noreply_sender": 5,
    "reference_number": 5,
    "unneeded_data_request": 5,
    "redirected": 5,
}
"""Weights of the checks; they add up to 100."""


@dataclass(frozen=True)
class Fact:
    name: str
    phrases: Phrases
    from_own_words: bool

    @classmethod
    def parse(cls, text: str) -> Fact:
        return _parse_fact(text)

    @classmethod
    def _parse(cls, text: str) -> Fact:
        name, sep, alternatives = text.partition(":")
        options = tuple(p.strip().lower() for p in alternatives.split("|") if p.strip()) if sep else ()
        if options:
            return cls(name.strip(), Phrases.of(options), False)
        # No phrases given: the description's longer words, each of which the reply must contain.
        words = tuple(w for w in re.findall(r"\w+", text.lower()) if len(w) >= 5)
        return cls(text.strip(), Phrases.of(words), True)

    def stated_in(self, text: str) -> bool:
        """Whether folded reply text states the fact: any of its phrases, or every one of its own
        words when it lists no phrases."""
        hits = self.phrases.hits(text)
        return bool(hits) and (not self.from_own_words or len(hits) == len(self.phrases.phrases))


@lru_cache(maxsize=64)
def _facts(facts: tuple[str, ...]) -> tuple[Fact, ...]:
    """A scenario's facts, parsed once for the replies scored against them."""
    return tuple(Fact.parse(f) for f in facts)


@lru_cache(maxsize=512)
def _parse_fact(text: str) -> Fact:
    """A scenario's facts are the same for every reply: compiled once, not per reply scored."""
    return Fact._parse(text)


@dataclass(frozen=True)
class QualityVocabulary:
    openings: tuple[str, ...]
    informal: frozenset[str]
    formal: frozenset[str]
    next_step: Phrases
    reference_words: tuple[str, ...]
    data_requests: Phrases
    data_items: dict[str, Phrases]
    not_a_person: frozenset[str]

    @classmethod
    def load(cls, audit_folder: Path | None = None) -> QualityVocabulary:
        data = load_toml("vocabulary/quality.toml", audit_folder)

        def words(section: str, key: str) -> tuple[str, ...]:
            return tuple(str(w) for w in data.get(section, {}).get(key, ()))

        items = data.get("data_request", {}).get("items", {})
        return cls(
            openings=tuple(w.lower() for w in words("greeting", "openings")),
            informal=frozenset(w.lower() for w in words("formal_address", "informal")),
            formal=frozenset(words("formal_address", "formal")),
            next_step=Phrases.of(tuple(w.lower() for w in words("next_step", "phrases"))),
            reference_words=tuple(w.lower() for w in words("reference", "words")),
            data_requests=Phrases.of(tuple(w.lower() for w in words("data_request", "requests"))),
            data_items={k: Phrases.of(tuple(str(p).lower() for p in v)) for k, v in items.items()},
            not_a_person=frozenset(w.lower() for w in words("named_agent", "not_a_person")),
        )


# -- the checks -------------------------------------------------------------


def _check(name: str, passed: bool, rule: str) -> Check:
    return Check(name, passed, POINTS[name] if passed else 0, rule)


def check_facts(text: str, facts: tuple[Fact, ...]) -> tuple[Answered, Check]:
    if not facts:
        return "not", _check("facts", False, "the scenario lists no facts, so no answer can be confirmed")
    found: list[str] = []
    missing: list[str] = []
    for fact in facts:
        if fact.from_own_words:
            (found if fact.stated_in(text) else missing).append(f"{fact.name!r} (by its own words)")
        else:
            hits = fact.phrases.hits(text)
            (found if hits else missing).append(f"{fact.name!r} ({hits[0]!r})" if hits else repr(fact.name))
    answered: Answered = "fully" if not missing else "partly" if found else "not"
    points = round(POINTS["facts"] * len(found) / len(facts))
    rule = f"states {len(found)} of {len(facts)} facts"
    rule += f"; found: {', '.join(found)}" if found else ""
    rule += f"; missing: {', '.join(missing)}" if missing else ""
    return answered, Check("facts", bool(found), points, rule)


@lru_cache(maxsize=8)
def _name_patterns(persona_name: str) -> tuple[re.Pattern[str], ...]:
    """The persona's names as whole words (lower case), compiled once per persona."""
    names = [n.lower() for n in persona_name.split() if len(n) > 1]
    return tuple(re.compile(rf"(?<!\w){re.escape(n)}(?!\w)") for n in names)


def check_greeting(text: str, persona_name: str, vocabulary: QualityVocabulary) -> Check:
    # Helpdesk markers ("##- Please type your reply above this line -##") come before the greeting.
    kept = (line.strip() for line in text.splitlines() if line.strip() and not line.startswith("##"))
    lines = list(islice(kept, 2))  # the first two such lines: the rest of the text is not read
    names = _name_patterns(persona_name)
    for line in lines:
        folded = line.lower()
        opening = next((o for o in vocabulary.openings if folded.startswith(o)), None)
        if opening and any(name.search(folded) for name in names):
            return _check("greeting_by_name", True, f"greets the persona by name: {line[:60]!r}")
    first = lines[0][:60] if lines else ""
    return _check("greeting_by_name", False, f"no greeting with {persona_name!r}; opens with {first!r}")


_WORDS = re.compile(r"\w+")
_SALUTATION = re.compile(r"\b(Frau|Herr|Herrn)\s+\w+")


def informal_words(words: set[str], vocabulary: QualityVocabulary) -> list[str]:
    """The informal forms of address (du, dich, …) among a text's words, sorted. Each distinct word
    is lower-cased once: a text repeats most of its words."""
    informal = vocabulary.informal
    if informal.isdisjoint(map(str.lower, words)):  # most texts: told without a loop in Python
        return []
    return sorted(w for w in words if w.lower() in informal)


def distinct_words(text: str) -> set[str]:
    return set(_WORDS.findall(text))


def check_formal(text: str, language: str, vocabulary: QualityVocabulary) -> Check:
    if language != "de":
        return _check(
            "formal_address", True, "written in English, which has no formal/informal address: counted as met"
        )
    words = distinct_words(text)
    informal = informal_words(words, vocabulary)
    if informal:
        return _check("formal_address", False, f"addresses the reader informally ({', '.join(informal)})")
    formal = sorted(words & vocabulary.formal)
    if formal:
        return _check("formal_address", True, f"addresses the reader formally ({', '.join(formal[:3])})")
    salutation = _SALUTATION.search(text)
    if salutation:
        return _check("formal_address", True, f"no 'du', and addresses the reader as {salutation.group(0)!r}")
    return _check("formal_address", False, "addresses the reader neither as 'Sie' nor as 'du'")


_ON_BEHALF = re.compile(r"^(i\.\s*a\.|i\.\s*v\.|pp\.?)\s+", re.I)


def _person_line(line: str, vocabulary: QualityVocabulary, domain: str) -> bool:
    if len(line.split()) > 5:  # the on-behalf prefix spans two words at most: four or more remain
        return False
    words = _ON_BEHALF.sub("", line.strip()).split()
    if not 1 <= len(words) <= 3:
        return False
    # Most lines fail this first (a word in lower case, a digit, a team's word): asked before the domain.
    if not all(
        w[:1].isupper()
        and w.replace("-", "").replace("'", "").isalpha()
        and w.lower() not in vocabulary.not_a_person
        for w in words
    ):
        return False
    # A word of the sender's domain is the company's name, not a person's.
    plain = domain.replace("-", "").replace(".", "")
    return not any(len(w) > 3 and _ascii(w.lower()) in plain for w in words)


def _ascii(text: str) -> str:
    return text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")


def check_named_agent(signals: Signals, vocabulary: QualityVocabulary) -> Check:
    candidates = list(islice((line for line in signals.parts.signature.splitlines() if line.strip()), 6))
    # The last four lines that are not blank, read from the end.
    tail = list(islice((line for line in reversed(signals.parts.new_text.splitlines()) if line.strip()), 4))
    tail.reverse()
    domain = signals.sender.rpartition("@")[2]
    for line in [*candidates, *tail]:
        if _person_line(line, vocabulary, domain):
            return _check("named_agent", True, f"signed by a person: {line.strip()!r}")
    return _check("named_agent", False, "no person's name in the closing (only a team, or nothing)")


_WEB = re.compile(r"(?i)\b(www\.[\w.-]+|https?://\S+|[\w.+-]+@[\w-]+\.[\w.-]+)")


def _web(text: str) -> re.Match[str] | None:
    """``_WEB.search(text)``, not searched where none of its alternatives can match: each needs
    'www.' (any case), '://' or '@'. A text with a character IGNORECASE pairs with an ASCII letter
    that ``str.lower`` leaves (ſ, K, ı, İ) is searched."""
    possible = "@" in text or "://" in text or "www." in text.lower()
    if not possible and (text.isascii() or not any(c in text for c in mail.FOLDS_TO_ASCII)):
        return None
    return _WEB.search(text)


def check_signature_contact(signals: Signals) -> Check:
    signature = signals.parts.signature
    phone = PHONE.search(signature)
    web = None if phone else _web(signature)  # a phone number is what is shown where both stand
    found = phone.group(0) if phone else web.group(0) if web else None
    if found:
        return _check("signature_contact", True, f"signature gives contact data ({found.strip()!r})")
    return _check("signature_contact", False, "no phone number, web or e-mail address in the signature")


def check_next_step(text: str, vocabulary: QualityVocabulary, folded: str | None = None) -> Check:
    """``folded``: ``fold(text)`` where the caller has it."""
    hits = vocabulary.next_step.hits(fold(text) if folded is None else folded)
    if hits:
        return _check("next_step", True, f"names a next step ({hits[0]!r})")
    return _check("next_step", False, "says nothing about what happens next or what the customer can do")


def check_noreply(signals: Signals) -> Check:
    if signals.noreply:
        return _check("noreply_sender", False, f"sent from a no-reply address ({signals.sender})")
    return _check("noreply_sender", True, f"one can answer the sender ({signals.sender or 'unknown'})")


def reference_pattern(vocabulary: QualityVocabulary) -> re.Pattern[str]:
    return _reference_pattern(vocabulary.reference_words)


@lru_cache(maxsize=8)
def _reference_pattern(reference_words: tuple[str, ...]) -> re.Pattern[str]:
    """A ticket, case or reference number: ``[support-1]``, ``[#123456]``, ``#123456``,
    ``Ticket#2026…``, ``Vorgangsnummer 4711``, ``case no. AB-12345``."""
    words = "|".join(re.escape(w) for w in reference_words)
    return re.compile(
        r"(?i)\[\s*#\s*\d[\w-]*\s*\]"
        r"|\[\s*[a-z][\w.]*(?:[-#]|\s*#\s*)\d[\w-]*\s*\]"
        r"|(?<![\w&])#\s?\d{4,}\b"
        rf"|(?<!\w)(?:{words})[\w]*\s*(?:nr\.?|no\.?|number|nummer|id)?"
        r"\s*[:#(]?\s*#?([A-Z]{0,4}-?\d[\w-]{3,})"
    )


def _first_reference(
    pattern: re.Pattern[str], reference_words: tuple[str, ...], text: str
) -> re.Match[str] | None:
    """``pattern.search(text)``, tried only where a match can start: every alternative of the
    reference pattern starts with '[', '#' or a reference word, and most replies hold none of them
    or a few (the pattern tried at every character cost a quarter of a quality score). Where
    case-insensitive matching could pair a word with a character ``str.lower`` does not map to it
    (ſ, K, ı, İ), or lower-casing moves positions, the pattern searches the text itself."""
    starts = _reference_starts(reference_words)
    lower = text.lower()
    if (
        starts is None
        or len(lower) != len(text)
        or (not text.isascii() and any(c in text for c in mail.FOLDS_TO_ASCII))
    ):
        return pattern.search(text)
    for start in sorted({end - length + 1 for end, length in starts.iter(lower)}):
        match = pattern.match(text, start)  # look-behinds still see the text before ``start``
        if match:
            return match
    return None


@lru_cache(maxsize=8)
def _reference_starts(reference_words: tuple[str, ...]) -> ahocorasick.Automaton | None:
    """Where a reference can start in lower-cased text (every '[', '#' and reference word, overlapping
    ones too), found by one scan in C; None for an empty or non-ASCII word (the shortcut above then
    does not apply)."""
    if not all(word and word.isascii() for word in reference_words):
        return None
    automaton = ahocorasick.Automaton()
    for literal in ("[", "#", *reference_words):
        automaton.add_word(literal, len(literal))
    automaton.make_automaton()
    return automaton


def check_reference(signals: Signals, vocabulary: QualityVocabulary) -> Check:
    return _check_reference(vocabulary.reference_words, signals.subject_header, signals.body)


@lru_cache(maxsize=16)
def _check_reference(reference_words: tuple[str, ...], subject: str, body: str) -> Check:
    """Cached for the last few messages: the quality score and the acknowledgement reading both ask."""
    pattern = _reference_pattern(reference_words)
    for where, text in (("subject", subject), ("text", body)):
        match = _first_reference(pattern, reference_words, text)
        if match:
            return _check(
                "reference_number", True, f"gives a reference in the {where}: {match.group(0).strip()!r}"
            )
    return _check("reference_number", False, "gives no ticket, case or reference number")


def check_data_request(text: str, vocabulary: QualityVocabulary, folded: str | None = None) -> Check:
    """``folded``: ``fold(text)`` where the caller has it."""
    asked: list[str] = []
    whole = fold(text) if folded is None else folded
    # A sentence's folded text is a stretch of the whole text's: no request there, none in a sentence;
    # and a sentence asks for data only where an item is named too (almost every reply says "bitte",
    # few name a customer number or an IBAN).
    requests = vocabulary.data_requests.may_occur(whole) and any(
        items.may_occur(whole) for items in vocabulary.data_items.values()
    )
    for sentence in sentences(text) if requests else ():
        folded = fold(sentence)
        if folded not in vocabulary.data_requests:
            continue
        asked += [
            f"{item.replace('_', ' ')} ({phrases.hits(folded)[0]!r})"
            for item, phrases in vocabulary.data_items.items()
            if folded in phrases
        ]
    if asked:
        return _check(
            "unneeded_data_request", False, f"asks for data the question did not need: {', '.join(asked)}"
        )
    return _check(
        "unneeded_data_request", True, "asks for no customer number, date of birth, address or bank details"
    )


def check_redirect(signals: Signals) -> Check:
    redirects = signals.redirects
    phrases = [
        *signals.vocabulary.deflection_body.hits(signals.text),
        *signals.vocabulary.refusal_body.hits(signals.text),
    ]
    if redirects or phrases:
        shown = repr(redirects[0][:80]) if redirects else repr(phrases[0])
        return _check("redirected", False, f"sends the customer to another channel: {shown}")
    return _check("redirected", True, "answers in the channel asked, sends nowhere else")


def score_reply(
    signals: Signals,
    label: str,
    persona_name: str,
    language: str,
    facts: tuple[str, ...],
    vocabulary: QualityVocabulary,
) -> QualityScore | None:
    """The quality score of one reply; None for classes without an answer (bounce, out-of-office, ads)."""
    if label not in SCORED_LABELS:
        return None
    text, folded = signals.parts.new_text, signals.text  # signals.text is fold(text), made once
    answered, facts_check = check_facts(folded, _facts(tuple(facts)))
    checks = (
        facts_check,
        check_greeting(text, persona_name, vocabulary),
        check_formal(text, signals.language, vocabulary),
        check_named_agent(signals, vocabulary),
        check_signature_contact(signals),
        check_next_step(text, vocabulary, folded),
        check_noreply(signals),
        check_reference(signals, vocabulary),
        check_data_request(text, vocabulary, folded),
        check_redirect(signals),
    )
    return QualityScore(sum(c.points for c in checks), answered, checks)


@lru_cache(maxsize=8)
def _vocabulary(audit_folder: Path | None) -> QualityVocabulary:
    return QualityVocabulary.load(audit_folder)


def score_quality(
    audit: Audit,
    store: Store,
    message_id: int,
    signals: Signals,
    label: str,
    inquiry: InquiryRecord | None,
    context: tuple[str, tuple[str, ...]] | None = None,
) -> QualityScore | None:
    """Score one reply, read once into ``signals`` by whoever judged it, and keep the result (or
    remove a stale one) in the store. ``context``: the inquiry's scenario_context, if known."""
    context = context or scenario_context(audit, inquiry.scenario if inquiry else None)
    result = quality_of(audit, signals, label, context)
    save_quality(store, message_id, result)
    return result


def quality_of(
    audit: Audit, signals: Signals, label: str, context: tuple[str, tuple[str, ...]]
) -> QualityScore | None:
    """The quality score of one reply with its scenario's (language, facts), nothing stored."""
    language, facts = context
    return score_reply(signals, label, audit.config.persona.name, language, facts, _vocabulary(audit.folder))


def save_quality(store: Store, message_id: int, result: QualityScore | None) -> None:
    """Keep a reply's score, or remove a stale one when it gets none."""
    if result is None:
        store.set_quality(message_id, None, None, None)
    else:
        store.set_quality(message_id, result.score, result.answered, result.to_json())


def load_quality(store: Store) -> dict[int, QualityScore]:
    """Automatic quality scores by message row id."""
    return {message_id: QualityScore.from_json(text) for message_id, text in store.quality_rows()}


def as_dict(score: QualityScore) -> dict[str, Any]:
    return asdict(score)


def inspect(
    raw: bytes,
    vocabulary: Vocabulary,
    quality_vocabulary: QualityVocabulary,
    persona_name: str,
    language: str,
    facts: tuple[str, ...],
    seconds: float | None = None,
) -> dict[str, Any]:
    """Class, reasons and quality checks of one raw message, as `servaudit classify` prints them."""
    from servaudit.replies.classify import classify_signals

    signals = Signals(mail.parse(raw), vocabulary, seconds, (), language)
    result = classify_signals(signals)
    quality = score_reply(signals, result.label, persona_name, language, facts, quality_vocabulary)
    return {
        "label": result.label,
        "reasons": list(result.reasons),
        "bounce": asdict(result.bounce) if result.bounce else None,
        "quality": asdict(quality) if quality else None,
    }
