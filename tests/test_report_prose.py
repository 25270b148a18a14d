"""The judges' English sentences, read back as catalogue forms (servaudit/report/prose.py).

What the real judges write about the whole reply corpus (mail from real third-party systems and
the hand-written samples) and about chats is recognised by a form: a German report shows it in
German, never as the placeholder for an unknown detail; the English forms give back the very
sentence the judge wrote, so an English report reads as before.
"""

from __future__ import annotations

import re

import pytest

from servaudit import message as mail
from servaudit.channels.chat.judge import after_bot
from servaudit.channels.chat.transcript import TranscriptMessage
from servaudit.channels.chat.verdict import Observation, decide
from servaudit.i18n import Locale, load_catalogue
from servaudit.labels import Author
from servaudit.replies.classify import Signals, Vocabulary
from servaudit.replies.quality import QualityVocabulary, score_reply, stock_facts
from servaudit.report.prose import Prose
from tests.corpus import classify_sample, samples
from tests.test_chat_verdict import VOCABULARY as CHAT_VOCABULARY
from tests.test_chat_verdict import said


def corpus_sentences() -> list[str]:
    """Every reason and quality rule the judges write about the corpus."""
    vocabulary, quality = Vocabulary.load(), QualityVocabulary.load()
    facts = stock_facts("tarifwechsel")
    found: list[str] = []
    for sample in samples():
        result = classify_sample(sample, vocabulary)
        found += result.reasons
        signals = Signals(
            mail.parse(sample.path.read_bytes()),
            vocabulary,
            sample.seconds,
            sample.sent,
            sample.language,
            sample.fast_seconds,
        )
        score = score_reply(signals, result.label, "Anna Schmidt", sample.language, facts, quality)
        found += [check.rule for check in score.checks] if score else []
    return found


def chat(*lines: tuple[str, str, int]) -> tuple[TranscriptMessage, ...]:
    return tuple(said(side, text, at) for side, text, at in lines)


def chat_sentences() -> list[str]:
    """Verdicts and reasons of chats: a bot then a person, loops, demands, silence, a deflection."""
    demand = "I'm the virtual assistant. Please give me your customer number and your date of birth."
    loop = "Das habe ich nicht verstanden. Bitte formulieren Sie Ihre Frage neu."
    question = "Kann ich den Tarif wechseln?"
    stranger = TranscriptMessage(
        Author.UNATTRIBUTED,
        question,
        100,
        None,
        "unknown",
        ("outside the message list the probe's own message is in (<div> beside <li>)",),
    )
    chats = [
        (said("visitor", question, 0), stranger),
        chat(
            ("company", "Hallo! Wie können wir helfen?", -500),
            ("visitor", question, 0),
            ("company", "Ich bin der digitale Assistent. Ich verbinde Sie mit einem Mitarbeiter.", 300),
            ("company", "Guten Tag, hier ist Jana. Ja, zum Monatsende.", 4_200),
        ),
        chat(
            ("visitor", "Can I change my plan?", 0),
            ("company", demand, 200),
            ("visitor", "I don't have them.", 5_000),
            ("company", demand, 5_200),
            ("visitor", "I would like to speak to an agent, please.", 9_000),
            ("company", "Hello, this is Sam. Yes, from the end of the month.", 30_000),
        ),
        chat(("visitor", "Frage", 0), ("company", loop, 100), ("visitor", "Noch mal", 2_000)),
        chat(("visitor", "Frage", 0), ("company", "Bitte rufen Sie uns unter 0800 123 an.", 100)),
        chat(("visitor", "Frage", 0)),
        tuple(
            after_bot(
                list(
                    chat(
                        ("visitor", question, 0),
                        ("company", "Ich bin der digitale Assistent.", 200),
                        ("company", "Bitte nennen Sie mir Ihre Kundennummer.", 400),
                        ("visitor", "Ich möchte bitte mit einem Mitarbeiter sprechen.", 3_000),
                        ("company", "Guten Tag, hier ist Jana. Ja, das geht zum Monatsende.", 9_000),
                    )
                ),
                CHAT_VOCABULARY,
            )
        ),
    ]
    found: list[str] = []
    for messages in chats:
        verdict = decide(Observation(tuple(messages), 180), CHAT_VOCABULARY)
        found += [verdict.detail, *(reason for m in messages for reason in m.reasons)]
    return found


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    return sorted(set(corpus_sentences() + chat_sentences()))


def test_every_sentence_the_judges_write_is_read_in_german(sentences: list[str]) -> None:
    german = Prose(Locale("de"))
    unknown = [text for text in sentences if not german.known(text)]
    assert len(sentences) > 500
    assert not unknown, unknown[:20]


AGENT_WORDS = ("greets the persona by name: ", "opens with ", "signed by a person: ", "written by ")
"""Forms whose quote is an agent's own words (a signature, an opening line, a chat display name):
the report shows "(see the message)" in their place, never the words (no agent names in tables)."""


def test_the_english_forms_give_back_what_the_judge_wrote(sentences: list[str]) -> None:
    english = Prose(Locale("en"))
    hidden = re.compile("(" + "|".join(map(re.escape, AGENT_WORDS)) + r")(?:'.*'|\".*\")$")
    changed = [
        (text, english(text))
        for text in sentences
        if english(text) != hidden.sub(r"\1(see the message)", text)
    ]
    assert not changed, changed[:10]
    assert any(english(text) != text for text in sentences), "the corpus holds agents' words"


def test_numbers_follow_the_locale_and_data_stays_as_it_was() -> None:
    german = Prose(Locale("de"))
    assert german("first human reply after 3.4 s") == "erste Antwort eines Menschen nach 3,4 Sek."
    assert german("greets the persona by name: 'Guten Tag Anna Schmidt,'") == (
        "begrüßt die Persona mit Namen: (siehe Nachricht)"
    )
    assert german("no greeting with 'Anna Schmidt'; opens with 'Hallo, hier ist Lisa'") == (
        "keine Anrede mit 'Anna Schmidt'; beginnt mit (siehe Nachricht)"
    )
    assert german("weak human evidence: a reply in the inquiry's thread (RFC 5322 section 3.6.4)") == (
        "schwaches Indiz für einen Menschen: eine Antwort im Thread der Anfrage (RFC 5322, Abschnitt 3.6.4)"
    )


def test_a_form_submissions_status_and_its_redirects_are_read_in_german() -> None:
    german = Prose(Locale("de"))
    said = german(
        "POST http://127.0.0.1:8080/kontakt → HTTP 303 → 200; redirected to http://127.0.0.1:8080/danke"
    )
    assert "303 → 200" in said and "http://127.0.0.1:8080/danke" in said
    assert said != german("an unknown English sentence nobody wrote")


def test_an_unknown_sentence_is_never_half_translated() -> None:
    assert Prose(Locale("de"))("the moon was full") == load_catalogue("de")["prose.other"]
    assert Prose(Locale("en"))("the moon was full") == "the moon was full"
    # A known form whose prose part is unknown is unknown as a whole.
    assert Prose(Locale("de"))("a written answer: the moon was full") == load_catalogue("de")["prose.other"]


def test_both_catalogues_have_the_same_forms_with_the_same_parts() -> None:
    english, german = load_catalogue("en"), load_catalogue("de")
    forms = [key for key in english if key.startswith("prose.")]
    for key in forms:
        assert set(re.findall(r"\{(\w+)\}", english[key])) == set(re.findall(r"\{(\w+)\}", german[key])), key
