"""The reading's shortcuts (quality, findings, bounces) give what the slower way gives, on random texts.

Work is skipped only where its result cannot change: a data request looked for only where an item
is named, the informal address read without the rest of the formal-address check, the stated facts
read in the classifier's folded text where removing the echo removed nothing, a closing line of
many words not read as a name, an acknowledgement trait asked whether a phrase stands rather than
which. Each is checked against the way it replaced, on the labelled corpus and on random texts
built from the words that decide.
"""

from __future__ import annotations

import random

from servaudit import message as mail
from servaudit.replies.acknowledgement import AcknowledgementReader
from servaudit.replies.classify import Signals, fold, sentences
from servaudit.replies.findings import FindingsVocabulary, read_findings
from servaudit.replies.quality import QualityVocabulary, check_data_request, check_formal
from servaudit.replies.reading import _plain_folded
from tests.corpus import samples


def _data_request_rule(text: str, vocabulary: QualityVocabulary) -> str:
    """check_data_request's rule as it read every sentence of a reply with a request word."""
    asked: list[str] = []
    requests = vocabulary.data_requests.may_occur(fold(text))
    for sentence in sentences(text) if requests else ():
        folded = fold(sentence)
        if folded not in vocabulary.data_requests:
            continue
        asked += [
            f"{item.replace('_', ' ')} ({phrases.hits(folded)[0]!r})"
            for item, phrases in vocabulary.data_items.items()
            if folded in phrases
        ]
    return ", ".join(asked)


def _texts(pieces: list[str], seed: int, count: int, longest: int) -> list[str]:
    rng = random.Random(seed)
    corpus = [mail.body_text(mail.parse(sample.path.read_bytes())) for sample in samples()]
    gaps = ["", " ", " ", " ", ". ", "\n"]
    texts = [
        "".join(rng.choice(pieces) + rng.choice(gaps) for _ in range(rng.randint(0, longest)))
        for _ in range(count)
    ]
    return corpus + texts


def test_a_data_request_looked_for_only_where_an_item_is_named_is_the_one_every_sentence_gives() -> None:
    vocabulary = QualityVocabulary.load()
    items = [phrase for phrases in vocabulary.data_items.values() for phrase in phrases.phrases]
    pieces = [
        *vocabulary.data_requests.phrases, *items,
        "Bitte", "BITTE ", "Ihre IBAN", "Kunden-nummer", "kunden nummer", "ſ", "İ", "ı", "\u212a", "ß",
        ". ", "? ", "!\n", "\n", "\n\n", " ", ".", ",", "wort", "text", "und", "\xa0",
    ]  # fmt: skip
    asked = 0
    for text in _texts(pieces, 16, 20_000, 12):
        check = check_data_request(text, vocabulary)
        expected = _data_request_rule(text, vocabulary)
        assert check.passed == (not expected), text
        if expected:
            assert check.rule.endswith(expected), text
            asked += 1
        assert check_data_request(text, vocabulary, fold(text)) == check
    assert asked > 3_000


def test_the_informal_address_of_the_findings_is_the_formal_address_checks() -> None:
    reader = AcknowledgementReader.load()
    vocabulary, findings = reader.quality, FindingsVocabulary.load()
    pieces = [
        *vocabulary.informal, *vocabulary.formal, "Du", "DU", "Dich", "dIr", "du-", "_du", "du_", "dü",
        "Frau Schmidt", "Herr", "ſ", "İ", "ı", "\u212a", "ß", " ", "\n", ", ", ".", "(", ")", "x", "1",
    ]  # fmt: skip
    informal = 0
    for text in _texts(pieces, 17, 20_000, 10):
        check = check_formal(text, "de", vocabulary)
        words: tuple[str, ...] = ()
        if not check.passed and "(" in check.rule:
            words = tuple(w.strip() for w in check.rule.rsplit("(", 1)[1].rstrip(")").split(","))
        message = mail.parse(b"From: a@shop.example\r\n\r\n")
        signals = Signals(message, reader.replies)
        signals.__dict__["unquoted"], signals.__dict__["unquoted_folded"] = text, fold(text)
        assert read_findings(signals, findings, vocabulary, "de", "de").informal == words, text
        informal += bool(words)
    assert informal > 5_000


def test_the_facts_read_in_the_classifiers_text_where_no_echo_went_are_those_of_the_plain_text() -> None:
    reader = AcknowledgementReader.load()
    sent = ("Frage zu meinem Tarif", "Guten Tag, kann ich meinen Tarif zum nächsten Monat wechseln? Danke.")
    lines = [
        "Guten Tag, kann ich meinen Tarif zum nächsten Monat wechseln?", "Frage zu meinem Tarif",
        "Nachricht: kann ich meinen Tarif zum nächsten Monat wechseln?", "Betreff: Frage zu meinem Tarif",
        "Jana Keller <jana@shop.example> added the comment:", "Please type your reply above this line",
        "##- Bitte antworten Sie oberhalb dieser Linie -##", "Sent from my iPhone",
        "Ja, das geht zum Monatsende.", "Der Wechsel ist kostenlos.", "Tarif wechseln geht online.",
        "Guten Tag. Kann ich meinen Tarif zum nächsten Monat wechseln? Ja.", "", "> zitiert",
        "Mit freundlichen Grüßen", "Anna", "Tel.: 0301234567", "Am 1.12. schrieb Anna <a@b.example>:",
        "Ihr Kundenservice",
    ]  # fmt: skip
    rng = random.Random(18)
    bodies = [mail.body_text(mail.parse(sample.path.read_bytes())) for sample in samples()]
    bodies += ["\n".join(rng.choice(lines) for _ in range(rng.randint(0, 9))) for _ in range(3_000)]
    shortcut = 0
    head = "From: a@shop.example\r\nSubject: AW: Frage\r\nContent-Type: text/plain; charset=utf-8\r\n"
    for body in bodies:
        raw = f"{head}\r\n{body}".encode()
        classified = Signals(mail.parse(raw), reader.replies, 3600.0, sent)
        classified.parts  # noqa: B018 - the classifier has split the message, as collect's judging has
        expected = fold(Signals(mail.parse(raw), reader.replies).parts.new_text)
        assert _plain_folded(classified, classified.plain()) == expected, body
        shortcut += classified.echoed == 0
    assert 500 < shortcut < len(bodies) - 500


def test_a_closing_line_of_many_words_is_no_persons_name_as_the_full_check_finds() -> None:
    from servaudit.replies.quality import _ON_BEHALF, _ascii, _person_line

    vocabulary = QualityVocabulary.load()

    def full(line: str, domain: str) -> bool:
        """_person_line as it was, without its word-count shortcut."""
        words = _ON_BEHALF.sub("", line.strip()).split()
        if not 1 <= len(words) <= 3:
            return False
        plain = domain.replace("-", "").replace(".", "")
        if any(len(w) > 3 and _ascii(w.lower()) in plain for w in words):
            return False
        return all(
            w[:1].isupper()
            and w.replace("-", "").replace("'", "").isalpha()
            and w.lower() not in vocabulary.not_a_person
            for w in words
        )

    pieces = [
        "i. a.", "i.A.", "I. V.", "i.  v.", "pp.", "PP", "pp", "Anna", "Jana", "Keller", "von", "Team",
        "Shop", "GmbH", "-", "O'Neil", "Müller-Lüdenscheidt", "1", "Tel.", " ", "  ", "\t", "\xa0", "\u2003",
        "\x1c", "\n",
    ]  # fmt: skip
    rng = random.Random(19)
    named = long = 0
    for _ in range(20_000):
        gaps = ["", " ", " ", "\xa0"]
        line = "".join(rng.choice(pieces) + rng.choice(gaps) for _ in range(rng.randint(0, 9)))
        for domain in ("shop.example", "anna-keller.example"):
            assert _person_line(line, vocabulary, domain) == full(line, domain), repr(line)
            named += full(line, domain)
        long += len(line.split()) > 5
    assert named > 1_000 and long > 1_000


def test_an_acknowledgement_trait_is_whether_its_phrases_hit() -> None:
    reader = AcknowledgementReader.load()
    lists = (reader.acknowledgement.response_time, reader.acknowledgement.alternatives)
    found = 0
    for sample in samples():
        text = Signals(mail.parse(sample.path.read_bytes()), reader.replies).unquoted_folded
        for phrases in lists:
            assert (text in phrases) == bool(phrases.hits(text)), sample.name
            found += text in phrases
    assert found > 50
