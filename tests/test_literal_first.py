"""Patterns written to open with what a match starts with: the same matches as the patterns they stand for.

servaudit/replies/vocabulary.py searches each phrase with ``_search_pattern``, which moves the
pattern's leading look-behind behind its first literal so that the regular-expression engine can
skip to where that literal stands. Every phrase the shipped vocabularies hold (and a few made up
for the edges: anchored, opening with '*', with dots, with non-ASCII letters) must find the same
match, span for span, as ``_pattern`` in the labelled corpus's texts and in random texts made of
the phrases' own pieces and of the characters at word edges. The phone number pattern
(servaudit/replies/signals.py ``PHONE``) opens with the character a number starts with instead of
its look-behind, and must find what ``PHONE_PATTERN`` finds.
"""

from __future__ import annotations

import random
import re
from dataclasses import fields, is_dataclass

from servaudit import message as mail
from servaudit.replies.acknowledgement import AcknowledgementReader
from servaudit.replies.findings import FindingsVocabulary
from servaudit.replies.quality import _WEB, Fact, QualityVocabulary, _web, stock_facts
from servaudit.replies.reply_patterns import _HEADER_LINE, _SIGNATURE_LINE, line_starts
from servaudit.replies.signals import (
    _SENTENCE_END,
    _TICKET_TAG,
    PHONE,
    PHONE_PATTERN,
    SENTENCE_END,
    TICKET_TAG_PATTERN,
)
from servaudit.replies.vocabulary import Phrases, Vocabulary, _pattern, _search_pattern, fold
from tests.corpus import samples

MADE_UP = (
    "^sehr geehrte", "*formular", "wir * uns", "z.b. * an", "ä-straße", "über", "sale", "(ticket)",
    "€ 10", "re:", "i.a.", "ﬁle", "ǅemal",
)  # fmt: skip


def _phrase_lists(value: object) -> list[Phrases]:
    if isinstance(value, Phrases):
        return [value]
    if isinstance(value, dict):
        return [found for item in value.values() for found in _phrase_lists(item)]
    if is_dataclass(value) and not isinstance(value, type):
        return [found for f in fields(value) for found in _phrase_lists(getattr(value, f.name))]
    return []


def _all_phrases() -> list[str]:
    reader = AcknowledgementReader.load()
    holders = [Vocabulary.load(), QualityVocabulary.load(), FindingsVocabulary.load(), reader]
    holders += [Fact.parse(fact) for fact in stock_facts("tarifwechsel")]
    phrases = {p for holder in holders for found in _phrase_lists(holder) for p in found.phrases}
    return sorted(phrases | set(MADE_UP))


def _same(phrase: str, texts: list[str]) -> int:
    pattern, searched = re.compile(_pattern(phrase)), re.compile(_search_pattern(phrase))
    matched = 0
    for text in texts:
        expected = pattern.search(text)
        found = searched.search(text)
        assert (found and found.span()) == (expected and expected.span()), (phrase, text[:200])
        matched += expected is not None
    return matched


def _random_texts(seed: int, pieces: list[str], longest: int) -> list[str]:
    """20,000 texts of up to ``longest`` random pieces: the odd places a shortcut must agree at too."""
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, longest))) for _ in range(20_000)]


def _corpus_bodies() -> list[str]:
    return [mail.body_text(mail.parse(sample.path.read_bytes())) for sample in samples()]


def test_every_phrase_searched_literal_first_finds_what_its_pattern_finds() -> None:
    phrases = _all_phrases()
    assert len(phrases) > 300
    corpus: list[str] = []
    for sample in samples():
        message = mail.parse(sample.path.read_bytes())
        corpus += [fold(mail.body_text(message)[:5_000]), fold(mail.header(message, "Subject"))]
    rng = random.Random(6)
    edges = ["", " ", ".", "\n", "x", "_", "1", "ä", "-", "!", "ß", "é", "'"]
    matched = 0
    for phrase in phrases:
        pieces = [*(p for p in phrase.removeprefix("^").split("*") if p.strip()), *edges]
        texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(60)]
        matched += _same(phrase, texts)
    matched += sum(_same(phrase, corpus) for phrase in phrases)
    assert matched > 3_000


def test_a_phrase_without_a_word_edge_in_front_is_searched_as_it_is() -> None:
    for phrase in ("^sehr geehrte", "*formular", "(ticket)", "€ 10"):
        assert _search_pattern(phrase) == _pattern(phrase)
    assert _search_pattern("vielen dank").startswith("vielen")


def test_a_phone_number_searched_from_its_first_character_is_the_one_the_pattern_finds() -> None:
    pattern = re.compile(PHONE_PATTERN)
    pieces = [*"0123456789", *"+()/-.a_ \n٣", "+49 ", "(030) ", "Tel. "]
    texts = _random_texts(36, pieces, 30) + [body[:5_000] for body in _corpus_bodies()]
    found = 0
    for text in texts:
        expected = [m.span() for m in pattern.finditer(text)]
        assert [m.span() for m in PHONE.finditer(text)] == expected, text
        for start in range(0, len(text), 7):  # searched from inside a text: the look-behind still sees it
            got, wanted = PHONE.search(text, start), pattern.search(text, start)
            assert (got and got.span()) == (wanted and wanted.span()), (text, start)
        found += bool(expected)
    assert found > 5_000


def test_a_web_address_looked_for_only_where_one_can_stand_is_the_one_the_pattern_finds() -> None:
    pieces = [*"aw.:/@-_ \n", "www.", "WwW.", "http", "HTTPS", "://", "ſ", "\u212a", "x.de", "info", "é"]
    texts = _random_texts(41, pieces, 12)
    for body in (whole[:5_000] for whole in _corpus_bodies()):
        texts += [body, *body.split("\n\n")]  # whole texts and their paragraphs (signatures among them)
    found = 0
    for text in texts:
        expected = _WEB.search(text)
        got = _web(text)
        assert (got and got.span()) == (expected and expected.span()), text
        found += expected is not None
    assert found > 3_000


def test_sentences_end_where_the_sentence_end_pattern_says() -> None:
    pattern = re.compile(SENTENCE_END)
    pieces = [*".!?,a \n\t\r\x0b\x1c\x85\xa0\u2028", "Wir", " melden uns.", "z.B. ", "\n\n", "...", "! ?"]
    texts = _random_texts(155, pieces, 25) + [body[:5_000] for body in _corpus_bodies()]
    for text in texts:
        expected = [m.span() for m in pattern.finditer(text)]
        assert [m.span() for m in _SENTENCE_END.finditer(text)] == expected, text
        assert _SENTENCE_END.split(text) == pattern.split(text), text


def test_the_lines_found_from_newline_to_newline_are_the_ones_the_line_patterns_find() -> None:
    pieces = [
        *"\n> *-_a\r", "\n\n", ">> ", "> > ", "am ", "on ", "-----", "von:", "from:", "gesendet von",
        "mit freundlichen grüßen", "best regards", "thanks,", "grüß", "x",
    ]  # fmt: skip
    texts = _random_texts(56, pieces, 20) + [body.lower() for body in _corpus_bodies()]
    found = 0
    for pattern in (_SIGNATURE_LINE, _HEADER_LINE):
        for text in texts:
            expected = [m.start() for m in pattern.finditer(text)]
            assert list(line_starts(pattern, text)) == expected, (pattern.pattern, text)
            found += len(expected)
    assert found > 20_000


def test_a_ticket_tag_searched_from_its_first_character_is_the_one_the_pattern_finds() -> None:
    pattern = re.compile(TICKET_TAG_PATTERN)
    pieces = [*"[]#&_a1 \n", "123", "4567", "Ticket", "[Acme #17]", "[support-1]", "Re: "]
    texts = _random_texts(44, pieces, 12)
    for sample in samples():
        texts.append(mail.header(mail.parse(sample.path.read_bytes()), "Subject"))
    found = 0
    for text in texts:
        expected = [m.span() for m in pattern.finditer(text)]
        assert [m.span() for m in _TICKET_TAG.finditer(text)] == expected, text
        found += bool(expected)
    assert found > 5_000
