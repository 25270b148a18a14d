"""The chat, acknowledgement, other-channel, consistency and accuracy figures against hand-computed values,
and what the gathering step reads from texts (acknowledgement phrases, scenario facts)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest

from servaudit.i18n import Locale
from servaudit.judgement import AcknowledgementTraits, ChatObservation
from servaudit.measure.chat import chat_online, chat_online_by_time, no_human_within
from servaudit.measure.consistency import consistency
from servaudit.measure.facts import gather
from servaudit.measure.figures import MeasureContext, figures
from servaudit.measure.stats import wilson
from servaudit.replies.acknowledgement import AcknowledgementReader
from servaudit.replies.classify import fold
from servaudit.replies.quality import Fact, QualityScore
from servaudit.status import status_table
from servaudit.store import REJECTED, InquiryRecord
from tests.test_metrics import T0, inquiry, reply

WINDOW = timedelta(days=14)


def context(**kwargs: object) -> MeasureContext:
    return MeasureContext(now=T0 + timedelta(days=30), window=WINDOW, **kwargs)  # type: ignore[arg-type]


def chat(name: str, outcome: str, sent: datetime | None = T0, state: str = "sent") -> InquiryRecord:
    return replace(inquiry(name, sent, state, channel="chat"), outcome=outcome)


# -- chat ----------------------------------------------------------------------------------


def test_no_human_within_five_minutes_is_undecided_when_the_probe_stopped_earlier() -> None:
    assert no_human_within(ChatObservation(60, 90, 4)) is False
    assert no_human_within(ChatObservation(300, 310, 4)) is False  # exactly 5 min is within
    assert no_human_within(ChatObservation(301, 400, 4)) is True
    assert no_human_within(ChatObservation(None, 20, 2, waited_seconds=600)) is True
    assert no_human_within(ChatObservation(None, 20, 2, waited_seconds=120)) is None
    assert no_human_within(ChatObservation(None, 20, 2)) is None


def test_chat_figures_by_hand() -> None:
    records = [
        chat("a", "human"),
        chat("b", "human"),
        chat("c", "bot_only"),
        chat("d", "no_answer"),
        chat("e", "offline", None, REJECTED),
        chat("f", "no_widget", None, REJECTED),
        chat("g", "page_unreachable", None, "not_sent"),
    ]
    chats = {
        "a": ChatObservation(60, 200, 4, 600),
        "b": ChatObservation(400, 500, 6, 600),
        "c": ChatObservation(None, 30, 3, 600),
        "d": ChatObservation(None, 10, 1, 120),
    }
    f = figures(gather(records, [], WINDOW), context(chats=chats))
    assert f.chats == 4
    # a within, b late, c never (watched 10 min), d undecided (watched 2 min): 2 of 3.
    assert f.chat_no_human_5min["count"] == 2 and f.chat_no_human_5min["of"] == 3
    assert f.chat_no_human_5min["share"] == pytest.approx(2 / 3)
    assert f.median_chat_duration_seconds == pytest.approx((30 + 200) / 2)
    assert f.mean_chat_duration_seconds == pytest.approx(185)
    assert f.median_chat_messages == pytest.approx(3.5) and f.mean_chat_messages == pytest.approx(3.5)
    # Online: a, b, c, d; not online: offline, no_widget; the unreachable page tells nothing.
    assert (f.chat_online["count"], f.chat_online["of"]) == (4, 6)
    assert f.chat_online["low"] == pytest.approx(wilson(4, 6)[0])  # type: ignore[index]


def test_chat_online_by_weekday_and_hour_in_the_audit_time_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    monday_nine = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    saturday_late = datetime(2026, 11, 7, 22, 30, tzinfo=UTC)  # 23:30 in Berlin, still Saturday
    sunday_early = datetime(2026, 11, 7, 23, 30, tzinfo=UTC)  # 00:30 in Berlin: Sunday
    records = [
        chat("a", "human", monday_nine),
        replace(chat("b", "offline", None, REJECTED), created_at=monday_nine + timedelta(minutes=20)),
        replace(chat("c", "offline", None, REJECTED), created_at=saturday_late),
        chat("d", "bot_only", sunday_early),
        replace(inquiry("e", monday_nine), outcome="human"),  # an e-mail never counts as a chat attempt
    ]
    found = chat_online_by_time(gather(records, [], WINDOW), berlin)
    assert found["weekday"]["mon"] == {"count": 1, "of": 2, "share": 0.5, **_ci(1, 2)}
    assert (found["weekday"]["sat"]["count"], found["weekday"]["sat"]["of"]) == (0, 1)
    assert (found["weekday"]["sun"]["count"], found["weekday"]["sun"]["of"]) == (1, 1)
    assert found["weekday"]["tue"] == {"count": 0, "of": 0, "share": None, "low": None, "high": None}
    assert (found["hour"]["9"]["count"], found["hour"]["9"]["of"]) == (1, 2)
    assert (found["hour"]["23"]["of"], found["hour"]["0"]["of"]) == (1, 1)
    assert sum(v["of"] for v in found["hour"].values()) == 4
    assert chat_online(gather(records, [], WINDOW))["of"] == 4


def _ci(part: int, whole: int) -> dict[str, float]:
    low, high = wilson(part, whole)  # type: ignore[misc]
    return {"low": low, "high": high}


# -- acknowledgements and other channels -------------------------------------------------------


def test_acknowledgement_shares_are_over_the_acknowledged_inquiries() -> None:
    records = [inquiry(n) for n in ("a", "b", "c", "d")]
    messages = [
        reply(1, "a", T0 + timedelta(seconds=5), "acknowledgement"),
        reply(2, "a", T0 + timedelta(hours=3), "human"),
        reply(3, "b", T0 + timedelta(seconds=5), "acknowledgement"),
        reply(4, "c", T0 + timedelta(seconds=5), "acknowledgement"),
        reply(5, "c", T0 + timedelta(seconds=9), "acknowledgement"),  # a second one: not examined
        reply(6, "d", T0 + timedelta(hours=1), "human"),
    ]
    traits = {
        1: AcknowledgementTraits(response_time=True, reference_number=True, alternatives=False),
        3: AcknowledgementTraits(response_time=True, reference_number=False, alternatives=True),
        5: AcknowledgementTraits(response_time=True, reference_number=True, alternatives=True),
    }  # 4 (c's first) was not examined: it counts as offering nothing
    f = figures(gather(records, messages, WINDOW), context(acknowledgements=traits))
    assert f.acknowledged == 3 and f.acknowledgement_rate == pytest.approx(0.75)
    parts = {key: (value["count"], value["of"]) for key, value in f.acknowledgements.items()}
    assert parts == {
        "states_response_time": (2, 3),
        "reference_number": (1, 3),
        "offers_alternatives": (1, 3),
        "without_human": (2, 3),  # b and c never got a person's answer
    }


def test_answered_in_another_channel_counts_deflections_and_redirected_chats() -> None:
    records = [
        inquiry("mail"),
        replace(inquiry("form", channel="form"), outcome="submitted"),
        chat("chat", "redirected"),
        chat("bot", "bot_only"),
    ]
    messages = [
        reply(1, "mail", T0 + timedelta(hours=2), "deflection"),
        reply(2, "form", T0 + timedelta(hours=2), "human"),
        reply(3, "chat", T0 + timedelta(seconds=4), "bot"),  # the bot sent the visitor elsewhere
        reply(4, "bot", T0 + timedelta(seconds=4), "bot"),
    ]
    f = figures(gather(records, messages, WINDOW), context())
    assert f.answered_elsewhere == 2 and f.answered_elsewhere_rate == pytest.approx(0.5)
    assert f.deflected == 1  # the older count stays what it was


def test_acknowledgement_texts_in_german_and_english() -> None:
    reader = AcknowledgementReader.load()
    german = (
        "Subject: Ihre Anfrage ist eingegangen [Ticket #48213]\r\nFrom: service@shop.example\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Guten Tag,\r\nvielen Dank, Ihre Nachricht ist bei uns eingegangen. Wir antworten in der Regel "
        "innerhalb von 48 Stunden.\r\nIn dringenden Fällen rufen Sie uns an: 0800 123 456.\r\n"
    ).encode()
    english = (
        b"Subject: We received your request\r\nFrom: help@shop.example\r\n\r\n"
        b"Thanks, we have received your message and will get back to you.\r\n"
    )
    faq = (
        b"Subject: Request received\r\nFrom: help@shop.example\r\n\r\n"
        b"We have received your email. Our team will reply within 2 working days. "
        b"In the meantime, you may find an answer in our FAQ.\r\nReference: CASE-20391\r\n"
    )
    assert reader.traits(message_from_bytes(german)) == AcknowledgementTraits(True, True, True)
    assert reader.traits(message_from_bytes(english)) == AcknowledgementTraits(False, False, False)
    assert reader.traits(message_from_bytes(faq)) == AcknowledgementTraits(True, True, True)


# -- consistency and accuracy ---------------------------------------------------------------


def test_consistency_compares_the_facts_of_first_human_answers_per_channel() -> None:
    def asked(name: str, company: str, channel: str, scenario: str = "s") -> InquiryRecord:
        return replace(inquiry(name, channel=channel), company=company, scenario=scenario)

    records = [
        asked("a-mail", "acme", "email"),
        asked("a-form", "acme", "form"),
        asked("a-form2", "acme", "form"),
        asked("b-mail", "beta", "email"),
        asked("b-chat", "beta", "chat"),
        asked("c-mail", "gamma", "email"),  # one channel only: nothing to compare
        asked("d-mail", "delta", "email"),
        asked("d-form", "delta", "form"),  # no fact check for its answer: left out
    ]
    hour = timedelta(hours=1)
    messages = [
        reply(1, "a-mail", T0 + hour, "human"),
        reply(2, "a-form", T0 + 5 * hour, "human"),
        reply(3, "a-form2", T0 + 2 * hour, "human"),  # the earlier form answer is the one compared
        reply(4, "b-mail", T0 + hour, "human"),
        reply(5, "b-chat", T0 + hour, "human"),
        reply(6, "c-mail", T0 + hour, "human"),
        reply(7, "d-mail", T0 + hour, "human"),
        reply(8, "d-form", T0 + hour, "human"),
    ]
    stated = {
        1: frozenset({"price", "date"}),
        2: frozenset({"price"}),
        3: frozenset({"date", "price"}),
        4: frozenset({"price"}),
        5: frozenset(),
        6: frozenset({"price"}),
        7: frozenset({"price"}),
    }
    found = consistency(gather(records, messages, WINDOW), stated)
    assert (found["count"], found["of"], found["inconsistent"]) == (1, 2, 1)
    assert found["share"] == 0.5
    assert found["cases"] == [
        {"company": "acme", "scenario": "s", "consistent": True,
         "channels": {"email": ["date", "price"], "form": ["date", "price"]}},
        {"company": "beta", "scenario": "s", "consistent": False,
         "channels": {"chat": [], "email": ["price"]}},
    ]  # fmt: skip
    assert consistency([], {})["share"] is None


def test_accuracy_is_correct_answers_over_questions_asked() -> None:
    records = [inquiry(n) for n in ("a", "b", "c", "d", "e")]
    records[4] = replace(records[4], state=REJECTED)  # never asked
    messages = [
        reply(1, "a", T0 + timedelta(hours=1), "human"),
        reply(2, "b", T0 + timedelta(hours=1), "human"),
        reply(3, "c", T0 + timedelta(hours=1), "acknowledgement"),
    ]
    quality = {1: QualityScore(90, "fully", ()), 2: QualityScore(50, "partly", ())}
    f = figures(gather(records, messages, WINDOW), context(quality=quality))
    assert f.accuracy_rate == pytest.approx(1 / 4)  # a of a, b, c, d
    assert (f.accuracy_rate_low, f.accuracy_rate_high) == pytest.approx(wilson(1, 4))
    assert figures(gather(records, messages, WINDOW), context()).accuracy_rate is None


def test_a_fact_is_stated_by_the_quality_rule() -> None:
    by_phrase = Fact.parse("whether a change is possible: möglich | possible")
    by_words = Fact.parse("the cancellation deadline applies")
    assert by_phrase.stated_in(fold("Ja, das ist MÖGLICH."))
    assert not by_phrase.stated_in(fold("Leider nein."))
    assert by_words.stated_in(fold("The cancellation deadline applies to your contract."))
    assert not by_words.stated_in(fold("The cancellation is free."))  # every own word is needed


def test_wilson_ends_are_exact() -> None:
    assert wilson(0, 3)[0] == 0.0  # type: ignore[index]
    assert wilson(3, 3)[1] == 1.0  # type: ignore[index]


# -- status in the audit's language ---------------------------------------------------------


def test_status_table_speaks_german() -> None:
    row = {
        "inquiry": "acme.email.s.w1", "company": "acme", "channel": "email", "state": "sent",
        "sent": "x", "replies": 1, "first_response": "x", "first_human_answer": "x", "latest": "human",
        "sent_at": "2026-07-01T12:00:00+00:00", "first_response_seconds": 7500.0,
        "first_human_answer_seconds": None,
    }  # fmt: skip
    planned = {**row, "state": "planned", "sent_at": None, "latest": "", "first_response_seconds": None}
    headers, table = status_table([row, planned], Locale("de", "Europe/Berlin"))
    assert headers[3] == "Status" and headers[7] == "erste Antwort eines Menschen"
    assert table[0][2:] == [
        "E-Mail",
        "gesendet",
        "01.07.2026 14:00",
        1,
        "2 Std. 5 Min.",
        "–",
        "persönliche Antwort",
    ]
    assert table[1][3:5] == ["geplant", "–"]
    english = status_table([row], Locale("en"))
    assert english[1][0][3] == "sent" and english[1][0][6] == "2 h 5 min"
