"""A chat's verdict: outcome, detail, reply rows and the way to a human from one decision (no browser)."""

from __future__ import annotations

import pytest

from servaudit.channels.chat.judge import ChatVocabulary, judge
from servaudit.channels.chat.transcript import TranscriptMessage, reply_rows
from servaudit.channels.chat.verdict import Observation, decide
from servaudit.labels import Author

VOCABULARY = ChatVocabulary.load()


def said(side: str, text: str, at: int) -> TranscriptMessage:
    j = judge(side, text, (), VOCABULARY)
    return TranscriptMessage(j.author, text, at, None, j.label, j.reasons)  # type: ignore[arg-type]


def verdict_of(*messages: TranscriptMessage) -> tuple[str, str, list[str | None]]:
    v = decide(Observation(messages, 180), VOCABULARY)
    return v.outcome, v.detail, [m.label for m in v.replies]


def test_unattributed_messages_are_never_a_human_answer() -> None:
    outcome, detail, labels = verdict_of(
        said("visitor", "Kann ich den Tarif wechseln?", 0),
        TranscriptMessage(
            Author.UNATTRIBUTED, "Kann ich den Tarif wechseln?", 100, None, "unknown", ("looks like us",)
        ),
    )
    assert outcome == "unattributed" and labels == ["unknown"]
    assert "could not be told (looks like us)" in detail and "human" not in detail


def test_outcome_detail_and_rows_agree_for_a_bot_then_a_person() -> None:
    messages = (
        said("company", "Hallo! Wie können wir helfen?", -500),
        said("visitor", "Kann ich den Tarif wechseln?", 0),
        said("company", "Ich bin der digitale Assistent. Ich verbinde Sie mit einem Mitarbeiter.", 300),
        said("company", "Guten Tag, hier ist Jana. Ja, zum Monatsende.", 4_200),
    )
    v = decide(Observation(messages, 180), VOCABULARY)
    assert v.outcome == "human" and v.first_human_seconds == 4.2
    assert "first human reply after 4.2 s" in v.detail
    assert [m.label for m in v.replies] == ["bot", "human"], "the greeting before the question is no reply"
    rows = reply_rows("x.chat.s.w1", messages)
    assert [r.label for r in rows] == [m.label for m in v.replies]
    assert v.path.disclosed and v.path.disclosure_turn == 1 and v.path.human_after_turns == 1
    assert "a bot took part and said so in its message 1" in v.detail


def test_the_way_to_a_human_who_had_to_be_asked_for() -> None:
    demand = "Ich bin der digitale Assistent. Bitte nennen Sie mir Ihre Kundennummer und Ihr Geburtsdatum."
    messages = (
        said("visitor", "Kann ich den Tarif wechseln?", 0),
        said("company", demand, 200),
        said("visitor", "Die habe ich nicht.", 5_000),
        said("company", demand, 5_200),
        said("visitor", "Ich möchte bitte mit einem Mitarbeiter sprechen.", 9_000),
        said("company", "Hier ist Jana. Ja, der Wechsel geht zum Monatsende.", 30_000),
    )
    v = decide(Observation(messages, 180), VOCABULARY)
    path = v.path
    assert path.disclosed and path.disclosure_turn == 1 and path.bot_loops == 1
    assert path.asked_for_human and path.asked_turn == 3
    assert path.human_after_turns == 3 and path.human_after_seconds == 30.0
    assert path.data_before_help == ("kundennummer", "geburtsdatum")
    assert "asked for a person (message 3)" in v.detail


def test_a_bot_that_loops_and_never_says_it_is_one() -> None:
    loop = "Das habe ich nicht verstanden. Bitte formulieren Sie Ihre Frage neu."
    v = decide(
        Observation(
            (said("visitor", "Frage", 0), said("company", loop, 100), said("visitor", "Noch mal", 2_000),
             said("company", loop, 2_100)),
            180,
        ),
        VOCABULARY,
    )  # fmt: skip
    assert v.outcome == "bot_only" and v.path.bot_loops == 1 and not v.path.disclosed
    assert "never said it is automated" in v.detail and "repeated itself 1 time(s)" in v.detail


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Bitte rufen Sie uns unter 0800 123 an.", "deflection"),
        ("I'm a bot and could not understand that.", "bot"),
        ("Ein Mitarbeiter wird sich gleich um Sie kümmern.", "bot"),
        ("Ja, das geht zum Monatsende ohne Gebühr.", "human"),
    ],
)
def test_chat_text_is_judged_with_the_email_vocabulary(text: str, label: str) -> None:
    assert judge("company", text, (), VOCABULARY).label == label


def test_no_visitor_message_means_no_answer_and_no_rows() -> None:
    v = decide(Observation((said("company", "Hallo!", 0),), 60), VOCABULARY)
    assert (v.outcome, v.replies) == ("no_answer", ())


def test_a_bots_plain_question_stays_the_bots_until_a_person_takes_over() -> None:
    from servaudit.channels.chat.judge import after_bot

    messages = [
        said("visitor", "Kann ich den Tarif wechseln?", 0),
        said("company", "Ich bin der digitale Assistent.", 200),
        said("company", "Bitte nennen Sie mir Ihre Kundennummer.", 400),
        said("visitor", "Ich möchte bitte mit einem Mitarbeiter sprechen.", 3_000),
        said("company", "Guten Tag, hier ist Jana. Ja, das geht zum Monatsende.", 9_000),
    ]
    assert [m.label for m in messages[1:] if m.author != "visitor"] == ["bot", "human", "human"]
    judged = after_bot(messages, VOCABULARY)
    assert [m.label for m in judged if m.author != "visitor"] == ["bot", "bot", "human"]
    assert "no person took over" in judged[2].reasons[-1] and "takes over" in judged[4].reasons[-1]
    v = decide(Observation(tuple(judged), 180), VOCABULARY)
    assert v.outcome == "human" and v.first_human_seconds == 9.0 and v.path.human_after_turns == 2


def test_a_bot_that_sends_the_customer_to_the_phone_is_a_redirect() -> None:
    v = decide(
        Observation(
            (
                said("visitor", "Frage", 0),
                said("company", "Ich bin ein Bot. Bitte rufen Sie uns unter 0800 1 an.", 50),
            ),
            60,
        ),
        VOCABULARY,
    )
    assert v.outcome == "redirected" and "the bot sent the customer" in v.detail
