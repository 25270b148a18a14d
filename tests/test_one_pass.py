"""One pass builds a message's signals: what is shared or remembered gives what reading afresh gives.

The classifier's Signals are handed to the report's reading (Signals.plain), phrase lists share
one Aho–Corasick scan per text (servaudit/replies/lexicon.py), and a quality score is written to
JSON without dataclasses.asdict. Each is checked against the slower way on the labelled corpus.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from servaudit import message as mail
from servaudit.replies.acknowledgement import AcknowledgementReader
from servaudit.replies.classify import Signals, classify_signals
from servaudit.replies.findings import FindingsVocabulary
from servaudit.replies.lexicon import LEXICON
from servaudit.replies.quality import Fact, score_reply, stock_facts
from servaudit.replies.reading import read_message
from servaudit.replies.vocabulary import Phrases
from tests.corpus import samples


def test_reading_with_the_classifiers_signals_equals_reading_afresh() -> None:
    reader = AcknowledgementReader.load()
    findings = FindingsVocabulary.load()
    facts = tuple(Fact.parse(f) for f in stock_facts("tarifwechsel"))
    compared = 0
    for sample in samples():
        raw = sample.path.read_bytes()
        message = mail.parse(raw)
        signals = Signals(message, reader.replies, sample.seconds, sample.sent, sample.language)
        classify_signals(signals)  # fills what the classifier decodes, as collect does
        said = signals.language  # the reply's language as the classifier read it, as collect passes it
        shared = read_message(message, reader, facts, findings, sample.language, said, signals)
        alone = read_message(mail.parse(raw), reader, facts, findings, sample.language, said)
        assert shared == alone, sample.name
        plain, afresh = signals.plain(), Signals(mail.parse(raw), reader.replies)
        seen = (plain.parts, plain.text, plain.subject, plain.sender)
        assert seen == (afresh.parts, afresh.text, afresh.subject, afresh.sender), sample.name
        compared += 1
    assert compared > 400


def test_a_phrase_list_made_after_a_scan_finds_its_new_words_in_that_text() -> None:
    text = "wir melden uns mit dem quokka-formular bei ihnen"
    assert "wir melden uns" in Phrases.of(("wir melden uns",))
    assert LEXICON.found(text)  # scanned and remembered before the new word exists
    late = Phrases.of(("quokka-formular",))
    assert late.hits(text) == ["quokka-formular"]
    assert "nur ein anderer satz" not in late


def test_a_phrase_needs_each_of_its_parts_in_order() -> None:
    phrases = Phrases.of(("wir * uns", "^sehr geehrte"))
    assert phrases.hits("wir melden uns") == ["wir * uns"]
    assert phrases.hits("uns melden wir") == []
    assert phrases.hits("sehr geehrte frau schmidt") == ["^sehr geehrte"]
    assert phrases.hits("hallo, sehr geehrte frau") == []


def test_quality_json_is_what_asdict_gives() -> None:
    reader = AcknowledgementReader.load()
    facts = stock_facts("tarifwechsel")
    scored = 0
    for sample in samples():
        signals = Signals(mail.parse(sample.path.read_bytes()), reader.replies, sample.seconds, sample.sent)
        label = classify_signals(signals).label
        result = score_reply(signals, label, "Anna Schmidt", "de", facts, reader.quality)
        if result is not None:
            assert result.to_json() == json.dumps(asdict(result), ensure_ascii=False)
            scored += 1
    assert scored > 100
