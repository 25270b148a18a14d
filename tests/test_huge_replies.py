"""A huge reply is judged by what is read of it: a 5 MB body gets the class its first 50 kB get.

Time is the bench's business (bench/bench_classify.py prints the 5 MB cases); this pins that
the cap on what is read (servaudit.replies.signals.MAX_TEXT, the HTML limit of
servaudit.message) changes no decision.
"""

from __future__ import annotations

import pytest

from servaudit import message as mail
from servaudit.replies.classify import Vocabulary, classify
from servaudit.replies.signals import MAX_TEXT

VOCABULARY = Vocabulary.load()
HEAD = "From: Jana Wolff <jana@shop.example>\r\nSubject: AW: Frage zu meinem Tarif\r\nIn-Reply-To: <q@x>\r\n"
HTML_HEAD = HEAD + "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
ANSWER = (
    "Guten Tag Frau Schmidt,\n\nein Wechsel in den Tarif Smart ist jederzeit möglich und kostet nichts. "
    "Ich habe Ihnen die Unterlagen vorbereitet.\n\nMit freundlichen Grüßen\nJana Wolff\n\n"
)
ABSENT = "Vielen Dank für Ihre Nachricht. Ich bin bis zum 14. Juli nicht im Büro.\n\n"
AUTOMATIC = "Auto-Submitted: auto-replied\r\n"

SHAPES = {
    "one line": lambda n: "x" * n,
    "sentences": lambda n: "Ja, das geht. " * (n // 14),
    "quoted lines": lambda n: "> Ihre Frage von gestern, noch einmal zitiert.\n" * (n // 48),
    "a long answer": lambda n: ANSWER * (n // len(ANSWER)),
}


OPENINGS = [("", ANSWER), (AUTOMATIC, ABSENT)]


def _label(raw: str) -> str:
    return classify(mail.parse(raw.encode()), VOCABULARY, 7200.0).label


def test_the_openings_are_told_apart() -> None:
    assert [_label(f"{HEAD}{extra}\r\n{text}") for extra, text in OPENINGS] == ["human", "auto_reply"]


@pytest.mark.parametrize(("extra", "opening"), OPENINGS, ids=["answer", "absence"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_5_mb_reply_is_judged_as_its_first_50_kb(extra: str, opening: str, shape: str) -> None:
    body = opening + SHAPES[shape](5_000_000)
    assert _label(f"{HEAD}{extra}\r\n{body}") == _label(f"{HEAD}{extra}\r\n{body[:MAX_TEXT]}")


@pytest.mark.parametrize(("extra", "opening"), OPENINGS, ids=["answer", "absence"])
def test_a_5_mb_html_reply_is_judged_as_its_start(extra: str, opening: str) -> None:
    paragraph = "<p>" + opening.replace("\n\n", "</p><p>") + "</p>\n"
    filler = "<p>Ja, das geht. Viele Grüße</p>\n" * (5_000_000 // 34)
    html = f"<html><body>{paragraph}{filler}</body></html>"
    start = f"<html><body>{paragraph}{filler[:MAX_TEXT]}</body></html>"
    assert _label(f"{HTML_HEAD}{extra}\r\n{html}") == _label(f"{HTML_HEAD}{extra}\r\n{start}")
