"""One pass builds a message's signals: what is shared or remembered gives what reading afresh gives.

The classifier's Signals are handed to the report's reading (Signals.plain), phrase lists share
one Aho–Corasick scan per text (servaudit/replies/lexicon.py), and a quality score is written to
JSON without dataclasses.asdict. Work is skipped only where its result cannot change: a language
told by function words without the model, the quote split without a header search where no quote
header can stand, the Date parsed as received, mail-parser-reply's patterns and the reference
pattern searched only from where they can match, headers found by name in an index. Each is
checked against the slower way on the labelled corpus, the pattern shortcuts on random texts too.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from mailparser_reply.parser import EmailMessage

from servaudit import message as mail
from servaudit.replies.acknowledgement import AcknowledgementReader
from servaudit.replies.classify import Signals, classify_signals
from servaudit.replies.findings import FindingsVocabulary
from servaudit.replies.language import cache_file, identifier, obvious
from servaudit.replies.lexicon import LEXICON
from servaudit.replies.quality import Fact, score_reply, stock_facts
from servaudit.replies.reading import read_message
from servaudit.replies.signals import LANGUAGE_SAMPLE, WORD, _first_reply, _ReplyMessage
from servaudit.replies.vocabulary import Phrases, fold, union
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


def _corpus_texts() -> list[str]:
    """Every corpus reply's own text and whole body, as the classifier reads them."""
    vocabulary = AcknowledgementReader.load().replies
    texts = []
    for sample in samples():
        signals = Signals(mail.parse(sample.path.read_bytes()), vocabulary, sample.seconds, sample.sent)
        texts += [signals.parts.new_text, signals.body]
    return texts


def test_an_obvious_language_is_the_one_the_model_tells() -> None:
    from servaudit.replies.language import FUNCTION_WORDS

    assert not FUNCTION_WORDS["de"] & FUNCTION_WORDS["en"]  # a word counts for one language only
    decided = 0
    for text in _corpus_texts():
        words = WORD.findall(text[:LANGUAGE_SAMPLE])
        found = obvious(words)
        if found is None or len(words) < 4:
            continue
        language, probability = identifier().classify(text[:LANGUAGE_SAMPLE])
        assert (language, probability >= 0.8) == (found, True), text[:200]
        decided += 1
    assert decided > 350  # the shortcut is taken for most replies, not a corner case
    assert obvious(["Sehr", "geehrte", "Frau", "Schmidt,", "das", "geht", "nicht"]) == "de"
    assert obvious(["Dear", "Anna,", "thank", "you", "for", "your", "message"]) == "en"
    mixed = "Thank you, vielen Dank und the best"
    assert obvious(mixed.split()) is None  # the model decides
    nouns = (
        "Tarif please Rechnung Wechseldatum thank Vertrag Kündigung Kundennummer for Zähler Abschlag"
        " Termin Monat Preis Leistung Rückruf Bestätigung"
    )
    assert obvious(nouns.split()) is None  # English words, but too few to make the text English


def test_the_automaton_mapped_from_the_cache_gives_the_packages_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    package = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    package.set_languages(["de", "en"])
    built = identifier.__wrapped__()  # builds the cache
    moves = cache_file().with_suffix(".nextmove")
    assert isinstance(built.tk_nextmove, memoryview) and moves.stat().st_size > 30_000_000
    again = identifier.__wrapped__()  # maps it
    damaged = moves.with_name("damaged")
    damaged.write_bytes(moves.read_bytes()[:1000])
    damaged.replace(moves)  # a damaged cache is built again, not read (replaced whole, as it is written)
    repaired = identifier.__wrapped__()
    assert moves.stat().st_size > 30_000_000
    for text in _corpus_texts()[::7]:
        expected = package.classify(text[:LANGUAGE_SAMPLE])
        for model in (built, again, repaired):
            language, probability = model.classify(text[:LANGUAGE_SAMPLE])
            assert language == expected[0] and abs(probability - expected[1]) < 1e-6


def test_the_model_walked_a_word_at_a_time_scores_what_the_package_scores() -> None:
    import random

    import numpy as np
    from py3langid import langid

    from servaudit.replies.language import visit_counts

    model = identifier()
    assert type(model).__name__ == "WordWalking"  # the installed package's walk is the one repeated
    pieces = ["der", "Tarif", "the", "tariff", " ", "  ", "über", "Grüße", "😀", "\n", ".", "ſ", "a", "x y"]
    rng = random.Random(16)
    texts = [text[:LANGUAGE_SAMPLE] for text in _corpus_texts()]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))) for _ in range(3_000)]
    steps: dict[object, object] = {}
    for text in texts:
        encoded = model._encode(text)
        expected = langid.visit_counts(model.tk_nextmove, model._rowbase, model.tk_output, encoded)
        for remembered in (steps, {}):
            found = visit_counts(model.tk_nextmove, model._rowbase, model.tk_output, encoded, remembered)
            assert (found and list(found.items())) == (expected and list(expected.items())), text
        package = langid.LanguageIdentifier._raw_score(model, encoded)
        assert np.array_equal(model._raw_score(encoded), package), text
    assert len(steps) > 1_000


def test_the_words_of_a_texts_sentences_are_the_words_of_the_text() -> None:
    import random

    from servaudit.replies.signals import sentences

    pieces = ["Ja", "das", "geht", ".", "!", "?", " ", "  ", "\n", "\n\n", "\t", "e-mail", "z.B.", "3,50"]
    rng = random.Random(16)
    texts = _corpus_texts()
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(5_000)]
    for text in texts:
        assert WORD.findall(text) == [word for sentence in sentences(text) for word in WORD.findall(sentence)]


def test_a_list_asked_about_parts_of_a_text_answers_as_asking_each_part() -> None:
    import random

    first = Phrases.of(("wir * uns", "^sehr geehrte", "reply above this line"))
    second = Phrases.of(("ticket", "bitte * an", "uns"))
    phrases = union((first, second))
    assert union((first, second)) is phrases  # made once
    assert set(phrases.phrases) == {*first.phrases, *second.phrases}
    pieces = [
        "wir", "uns", "melden", "sehr geehrte", "Sehr  Geehrte", "reply above", "this line", "ticket",
        "tickets", "bitte", "an", "rufen sie", ".", "!", "\n", "\n\n", " ", "\t", "\u2028", "ΑΣ", "ς",
    ]  # fmt: skip
    rng = random.Random(16)
    found = 0
    for _ in range(3_000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        test = phrases.in_parts(fold(text))
        for part in (*text.splitlines(), *text.split(".")):
            expected = fold(part) in first or fold(part) in second
            assert (fold(part) in phrases) == expected
            assert (test is not None and test(fold(part))) == expected, (text, part)
            assert phrases.holds(fold(part), LEXICON.found(fold(part))) == expected
            found += expected
    assert found > 500


def test_the_text_is_normalised_as_mail_parser_reply_normalises_it() -> None:
    import random

    from servaudit.replies.signals import _KNOWN_NORMALIZE

    assert _KNOWN_NORMALIZE  # the installed library's method
    pieces = [
        "a", "Text", " ", "\t", "\n", "\n\n", "\r\n", "\r", "\xa0", "\u2028", "\x1c", "_" * 32, "-" * 32,
        "_-" * 17, "_", "-", " " + "_" * 40, "\n\n\n",
    ]  # fmt: skip
    rng = random.Random(16)
    texts = [mail.body_text(mail.parse(raw)) for raw in _corpus_and()]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(20_000)]
    changed = 0
    for text in texts:
        expected = EmailMessage(text=text, languages=["de", "en"]).text
        assert _ReplyMessage(text=text, languages=["de", "en"]).text == expected, repr(text)
        changed += "\n\n" + "_" * 32 in text and expected != text
    assert changed > 100


def test_the_first_reply_is_the_one_mail_parser_reply_reads() -> None:
    bodies = [mail.body_text(mail.parse(s.path.read_bytes())) for s in samples()]
    bodies += [
        "Ja, das geht.\n\nAm 1. Dezember schrieb Anna Schmidt <a@b.example>:\n> Geht das?",
        "Yes.\n\nOn Mon, 1 Dec 2026 Anna wrote:\n> Is it possible?",
        "\nVon: a@b.example\nGesendet: Montag\nAn: c@d.example\nBetreff: Frage\n\nalt",
        "Top\n-----Original Message-----\nFrom: x\nSent: y\nTo: z\nSubject: q\n\nold",
        "Antwort oben\n\nFroM: x\nTO: y\n\nalt",
        "Hallo\n\n- eins\n- zwei\n\nLiebe Grüße\nJana\n-- \nFirma",
        "Text\n\nWichtiger Hinweis: Diese E-Mail ist vertraulich.\n\nBest regards,\nBob",
        # A long s, which IGNORECASE matches with an s:
        "Antwort\n\nVon: Hans\nAn: Lena\nDies ſchrieb jemand:\n> alt",
        "",
        "Mit freundlichen Grüßen\nIhr Team",
    ]
    quoted = 0
    for body in bodies:
        library = EmailMessage(text=body, languages=["de", "en"]).read()  # the library's own, unchanged
        first = library.replies[0]
        expected = (first.body, first.signatures or "", len(library.replies) > 1)
        assert _first_reply(body) == expected, body[:200]
        quoted += expected[2]
    assert quoted >= 10


def _corpus_and(*odd: bytes) -> list[bytes]:
    """Every corpus message's bytes, and some odd ones."""
    return [*(s.path.read_bytes() for s in samples()), *odd]


def test_the_date_read_as_received_is_the_date_the_header_registry_reads() -> None:
    from email.utils import parsedate_to_datetime

    odd = (
        b"Subject: no date\r\n\r\nx",
        b"Date: yesterday\r\n\r\nx",
        b"Date: Mon,\r\n 7 Dec 2026\r\n 09:00:00 +0100\r\n\r\nx",
        b"Date: 7 Dec 26 23:30 -0000\r\n\r\nx",
        b"Date: \r\n\r\nx",
    )
    for raw in _corpus_and(*odd):
        message = mail.parse(raw)
        try:
            expected: object = parsedate_to_datetime(mail.header(message, "Date")).date()
        except (TypeError, ValueError, IndexError) as error:
            expected = type(error)
        try:
            found: object = mail.date(message).date()
        except (TypeError, ValueError, IndexError) as error:
            found = type(error)
        assert found == expected, raw[:200]


def test_headers_read_alone_are_the_headers_of_the_whole_message() -> None:
    odd = (
        b"Subject: a\r\nFrom: b@c.example\r\n\r\nbody\r\n",
        b"Subject: a\rFrom: b@c.example\r\rbody",
        b"Subject: a\nFrom: b@c.example\n\rbody",
        b"Subject: a\n folded\nNot a header line\nFrom: b@c.example\n\nbody",
        b"From nobody Mon Dec 7 2026\nSubject: a\n\nbody",
        b"Subject: only headers, no body",
        b"",
    )
    for raw in _corpus_and(*odd):
        whole, alone = mail.parse(raw), mail.parse_headers(raw)
        assert alone.items() == whole.items(), raw[:200]
        for name in ("From", "Subject", "Message-ID", "Date"):
            assert mail.header(alone, name) == mail.header(whole, name)
        assert mail.sender(alone) == mail.sender(whole)


def test_an_indexed_message_answers_as_a_message_does_and_after_each_change() -> None:
    from email import message_from_bytes
    from email.message import Message

    from servaudit.indexed_message import IndexedMessage

    names = ("From", "subject", "CONTENT-TYPE", "X-Loop", "Received", "Auto-Submitted", "nope")
    odd = (
        b"Subject: a\r\nSUBJECT: b\r\nsubject: c\r\n\r\nx",
        b"Content-Type: multipart/mixed\r\n\r\n--x\r\n",
        b"",
    )

    def same(plain: Message, indexed: Message) -> None:
        assert indexed.items() == plain.items()
        for name in names:
            assert indexed.get(name) == plain.get(name)
            assert indexed.get(name, "failobj") == plain.get(name, "failobj")
            assert (name in indexed) == (name in plain)
        assert indexed.get_content_type() == plain.get_content_type()
        assert indexed.get_params() == plain.get_params()

    for raw in _corpus_and(*odd):
        plain, indexed = message_from_bytes(raw), message_from_bytes(raw, IndexedMessage)
        same(plain, indexed)
        for message in (plain, indexed):
            message["X-Loop"] = "added"
        same(plain, indexed)
        for message in (plain, indexed):
            del message["subject"]
            message.add_header("Subject", "again")
        same(plain, indexed)
        for message in (plain, indexed):
            if "Content-Type" in message:
                message.replace_header("content-type", "text/plain; charset=latin-1")
        same(plain, indexed)
        for message in (plain, indexed):
            message.set_param("format", "flowed")
            message.set_type("multipart/mixed")
            message.set_boundary("changed")
        same(plain, indexed)


def test_the_reference_tried_where_one_can_start_is_the_pattern_searchs() -> None:
    import random

    from servaudit.replies.quality import QualityVocabulary, _first_reference, _reference_pattern

    words = QualityVocabulary.load().reference_words
    pattern = _reference_pattern(words)
    pieces = [
        *"aAbiIkKnorT#[] -:0123456789\n.&_",
        "ſ",
        "ı",
        "İ",
        "\u212a",
        "ß",
        *words,
        "Ticket",
        "REF",
        "Nr. ",
    ]
    rng = random.Random(16)
    texts = [mail.body_text(mail.parse(raw)) for raw in _corpus_and()]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(20_000)]
    found = 0
    for text in texts:
        expected = pattern.search(text)
        match = _first_reference(pattern, words, text)
        assert (match and (match.span(), match.group(0))) == (
            expected and (expected.span(), expected.group(0))
        )
        found += expected is not None
    assert found > 2_000


def test_signature_disclaimer_and_quote_header_shortcuts_find_what_the_patterns_find() -> None:
    import random

    from servaudit.replies import reply_patterns
    from servaudit.replies.signals import _KNOWN_DISCLAIMERS, _KNOWN_HEADER, _KNOWN_SIGNATURE, _PATTERNS

    assert _KNOWN_SIGNATURE and _KNOWN_DISCLAIMERS and _KNOWN_HEADER  # the installed library's patterns
    pieces = [
        "-- \n", "- a", "-x", "> ", ">", ">> ", "Liebe Grüße", "liebe Frau", "Beste Grüße", "GRÜSSE",
        "Gruss", "Mit freundlichen Grüßen", "Mit freundlichen Grüßen / Best regards,", "Best regards",
        "Best,", "best", "Thanks,", "thank you,", "All the best", "Regards,", "KIND REGARDS",
        "Sent from my iPhone", "Gesendet von meinem", "Get Outlook for iOS", "\n", "\n\n", " ", "\t",
        "_" * 32, "-" * 33, "text", "ſ", "ı", "İ", "\u212a", "Disclaimer:", "mail", "E-Mail", "Hinweis:",
        "Confidential Notice:", "Am 1. Jan schrieb X:", "On Mon, Bob wrote:", "WROTE:",
        "--- Ursprüngliche Nachricht ---", "-- Original Message --", "Von: a", "FROM: c", ":", "\xa0",
        "-----Original Message-----", "Am 1.12. um 9:00 schrieb Anna <a@b.example>:", "On Mon, Anna wrote:",
        "*Von:* x", "Gesendet: y", "An: z", "Betreff: q", "Datum: d", "Cc: c", "Sent: s", "To: t",
        "Subject: u", "Date: v", "Organization: o", "** From: p", "Am", "On",
    ]  # fmt: skip
    rng = random.Random(16)
    texts = [mail.body_text(mail.parse(raw)) for raw in _corpus_and()]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(20_000)]
    signature, disclaimer, quote = _PATTERNS.SIGNATURE_REGEX, _PATTERNS.DISCLAIMERS_REGEX, mail._QUOTE_HEADER
    counts = [0, 0, 0]
    for text in texts:
        for body in (text, _ReplyMessage(text=text, languages=["de", "en"]).text):
            expected = signature.search(body)
            matched = expected.group() if expected else ""
            lower = body.lower()
            assert reply_patterns.signature(signature, True, body) == matched
            assert reply_patterns.signature(signature, True, body, lower) == matched
            assert reply_patterns.disclaimers(disclaimer, True, body) == disclaimer.findall(body)
            assert reply_patterns.disclaimers(disclaimer, True, body, lower) == disclaimer.findall(body)
            header = quote.search(body)
            shortcut = mail._quote_header(body)
            assert (shortcut and shortcut.span()) == (header and header.span())
            headers = [m.groups() for m in _PATTERNS.HEADER_REGEX.finditer(body)]
            spans = [m.span() for m in _PATTERNS.HEADER_REGEX.finditer(body)]
            for found in (
                list(reply_patterns.headers(_PATTERNS.HEADER_REGEX, True, body)),
                list(reply_patterns.headers(_PATTERNS.HEADER_REGEX, True, body, lower)),
            ):
                assert [m.groups() for m in found] == headers and [m.span() for m in found] == spans
            counts = [
                counts[0] + bool(expected),
                counts[1] + bool(disclaimer.findall(body)),
                counts[2] + bool(header),
            ]
    assert min(counts) > 200
