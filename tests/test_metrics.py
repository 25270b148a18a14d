"""Metrics against hand-computed values: rates with Wilson intervals, percentiles, censoring,
business hours over weekends, holidays and daylight-saving changes, and the composite score."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from servaudit.businesshours import BusinessWeek
from servaudit.config import Scoring
from servaudit.errors import ConfigError
from servaudit.measure.facts import gather
from servaudit.measure.figures import MeasureContext, figures, reachability_status
from servaudit.measure.scoring import Weights, channel_components, company_score, speed_points
from servaudit.measure.stats import answered_curve, percentile, share_at, wilson
from servaudit.store import REJECTED, SENT, InquiryRecord, MessageRecord

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
HOUR = 3600.0
BERLIN = ZoneInfo("Europe/Berlin")


def inquiry(
    name: str, sent: datetime | None = T0, state: str = SENT, channel: str = "email"
) -> InquiryRecord:
    return InquiryRecord(
        id=name,
        company="acme",
        channel=channel,
        scenario="s",
        wave=1,
        target="t",
        state=state,
        sender=None,
        reply_address=None,
        subject=None,
        body=None,
        message_id=None,
        created_at=T0,
        sent_at=sent,
        detail=None,
    )


def reply(
    number: int, inquiry_id: str, arrived: datetime, label: str, manual: str | None = None
) -> MessageRecord:
    return MessageRecord(
        id=number,
        source=f"m{number}",
        arrived_at=arrived,
        header_message_id=None,
        from_addr=None,
        subject=None,
        inquiry_id=inquiry_id,
        match_method="thread",
        label=label,
        reasons=(),
        manual_label=manual,
        manual_comment=None,
    )


def context(now: datetime = T0 + timedelta(days=30), week: BusinessWeek | None = None) -> MeasureContext:
    return MeasureContext(now=now, window=timedelta(days=14), week=week)


# -- statistics --------------------------------------------------------------------------


def test_wilson_interval_matches_the_textbook_values() -> None:
    # Newcombe (1998) / any table: 8 of 10 → 0.4902–0.9433; 0 of 10 → 0–0.2775; 10 of 10 → 0.7225–1.
    low, high = wilson(8, 10) or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    low, high = wilson(0, 10) or (0, 0)
    assert (low, round(high, 4)) == (0.0, 0.2775)
    low, high = wilson(10, 10) or (0, 0)
    assert round(low, 4) == 0.7225 and high == pytest.approx(1.0)
    assert wilson(0, 0) is None


def test_p90_interpolates_between_ranks() -> None:
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == pytest.approx(9.1)
    assert percentile([5], 0.9) == 5
    assert percentile([], 0.9) is None


def test_answered_curve_censors_instead_of_counting_zeros() -> None:
    # Answers at 1 h and 3 h; one inquiry watched for 2 h only (window still open), one never answered.
    curve = answered_curve([(1 * HOUR, True), (3 * HOUR, True), (2 * HOUR, False), (14 * 86400, False)])
    # t=1h: 1 of 4 at risk → S=0.75. t=3h: at risk are the 3 h answer and the 14 d one → S=0.75·0.5.
    assert curve == [(0.0, 0.0), (HOUR, 0.25), (3 * HOUR, 0.625)]
    assert share_at(curve, 2 * HOUR) == 0.25
    assert share_at(curve, 10 * 86400) == 0.625  # naive "answered / all" would say 0.5


# -- figures over the store's facts -----------------------------------------------------


def test_figures_by_hand() -> None:
    inquiries = [inquiry(f"q{i}") for i in range(5)] + [inquiry("refused", state=REJECTED)]
    messages = [
        reply(1, "q0", T0 + timedelta(minutes=10), "human"),
        reply(2, "q1", T0 + timedelta(seconds=2), "acknowledgement"),
        reply(3, "q1", T0 + timedelta(hours=30), "human"),
        reply(4, "q2", T0 + timedelta(seconds=1), "auto_reply"),
        reply(5, "q3", T0 + timedelta(seconds=30), "bounce"),
        reply(6, "q4", T0 + timedelta(days=20), "human"),  # after the 14-day window: does not count
        reply(7, "q2", T0 + timedelta(hours=2), "deflection", manual="human"),  # a consultant's grade wins
    ]
    f = figures(gather(inquiries, messages, timedelta(days=14)), context())
    assert (f.inquiries, f.sent, f.rejected, f.bounced, f.delivered) == (6, 5, 1, 1, 4)
    assert (f.responded, f.human_responded) == (3, 3)
    assert f.human_response_rate == 0.75
    low, high = wilson(3, 4) or (0, 0)
    assert (f.human_response_rate_low, f.human_response_rate_high) == (low, high)
    # First human answers: 10 min, 30 h, 2 h → median 2 h, mean (600+108000+7200)/3, p90 by interpolation.
    assert f.median_first_human_response_seconds == 2 * HOUR
    assert f.mean_first_human_response_seconds == pytest.approx((600 + 108000 + 7200) / 3)
    assert f.p90_first_human_response_seconds == pytest.approx(7200 + 0.8 * (108000 - 7200))
    assert (f.fastest_first_human_response_seconds, f.slowest_first_human_response_seconds) == (600, 108000)
    assert f.median_first_response_seconds == 2  # any response: 10 min, 2 s, 1 s
    assert f.answered_within["1h"] == {"count": 1, "share_of_delivered": 0.25, "share_of_answered": 1 / 3}
    assert f.answered_within["24h"]["count"] == 2
    assert f.acknowledged_without_human == 0
    assert f.censored == 1  # q4: watched for the whole window, no answer inside it
    assert f.answered_curve[-1][1] == pytest.approx(0.75)


def test_an_inquiry_in_several_groups_is_measured_once_with_the_same_figures() -> None:
    # A report measures each inquiry for its channel, its company, the channel's total and the
    # summary: on one context the clock is asked once per delivered inquiry, and every group's
    # figures are those of a context of its own.
    inquiries = [inquiry(f"q{i}", channel=("email", "form")[i % 2]) for i in range(6)]
    answers: list[tuple[str, timedelta, str]] = [
        ("q0", timedelta(minutes=10), "human"),
        ("q1", timedelta(seconds=2), "acknowledgement"),
        ("q1", timedelta(hours=30), "human"),
        ("q2", timedelta(seconds=1), "auto_reply"),
        ("q3", timedelta(hours=3), "deflection"),
        ("q4", timedelta(seconds=40), "bot"),
    ]
    messages = [reply(n, name, T0 + after, label) for n, (name, after, label) in enumerate(answers, 1)]
    facts = gather(inquiries, messages, timedelta(days=14))
    groups = [facts, [f for f in facts if f.inquiry.channel == "email"], facts[1::2], facts[:1], facts]
    shared = context()
    asked: list[datetime] = []
    clock = shared.clock

    def counted(start: datetime, end: datetime) -> float:
        asked.append(start)
        return clock(start, end)

    object.__setattr__(shared, "clock", counted)
    measured = [figures(group, shared).as_dict() for group in groups]
    assert measured == [figures(group, context()).as_dict() for group in groups]
    # Per delivered inquiry: its first response, first human answer and censoring time, once.
    assert len(asked) == sum((f.first_response is not None) + (f.first_human is not None) + 1 for f in facts)
    assert measured[0]["deflected"] == 1 and measured[0]["bot_only"] == 1


def test_bot_and_system_messages_never_count_as_a_human_answer() -> None:
    inquiries = [inquiry("chat1", channel="chat"), inquiry("chat2", channel="chat")]
    messages = [
        reply(1, "chat1", T0 + timedelta(seconds=1), "system"),  # "an agent will be with you shortly"
        reply(2, "chat2", T0 + timedelta(seconds=2), "system"),
        reply(3, "chat2", T0 + timedelta(seconds=3), "bot"),
        reply(4, "chat2", T0 + timedelta(seconds=95), "human"),
    ]
    f = figures(gather(inquiries, messages, timedelta(days=14)), context())
    assert f.responded == 1  # a system notice is no response at all; the bot is one
    assert f.median_first_response_seconds == 3
    assert f.human_responded == 1 and f.median_first_human_response_seconds == 95
    solo = figures(gather(inquiries[:1], messages[:1], timedelta(days=14)), context())
    assert (solo.responded, solo.human_responded) == (0, 0)


def test_open_window_is_censored_at_now_not_at_the_window_end() -> None:
    now = T0 + timedelta(hours=5)
    f = figures(
        gather(
            [inquiry("a"), inquiry("b")],
            [reply(1, "a", T0 + timedelta(hours=1), "human")],
            timedelta(days=14),
        ),
        context(now),
    )
    assert f.window_open == 1
    assert f.answered_curve == [(0.0, 0.0), (HOUR, 0.5)]


# -- business hours ---------------------------------------------------------------------

WEEK = BusinessWeek(timezone="Europe/Berlin", holidays="DE-BY")


def berlin(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_a_reply_over_the_weekend_counts_only_opening_hours() -> None:
    # Fri 2026-11-06 16:00 → Mon 09:30: one hour on Friday, half an hour on Monday.
    assert WEEK.seconds(berlin(2026, 11, 6, 16, 0), berlin(2026, 11, 9, 9, 30)) == 1.5 * HOUR
    assert WEEK.working_days_between(berlin(2026, 11, 6, 16, 0), berlin(2026, 11, 9, 9, 30)) == 1
    # Sent on Saturday: the clock starts Monday 09:00; answered Monday 11:00 is the same working day.
    assert WEEK.seconds(berlin(2026, 11, 7, 12, 0), berlin(2026, 11, 9, 11, 0)) == 2 * HOUR
    assert WEEK.working_days_between(berlin(2026, 11, 7, 12, 0), berlin(2026, 11, 9, 11, 0)) == 0


def test_a_public_holiday_is_not_a_working_day() -> None:
    # Christmas 2026: Thu 24 (a working day), Fri 25 and Sat 26 holidays, Sun; Mon 28 is next.
    assert WEEK.holiday_name(datetime(2026, 12, 25).date())
    assert WEEK.seconds(berlin(2026, 12, 24, 16, 0), berlin(2026, 12, 28, 10, 0)) == 2 * HOUR
    # Bavaria's Epiphany (6 Jan) is a holiday there and not in Berlin's state.
    assert WEEK.seconds(berlin(2027, 1, 5, 16, 0), berlin(2027, 1, 7, 10, 0)) == 2 * HOUR
    berlin_state = BusinessWeek(timezone="Europe/Berlin", holidays="DE-BE")
    assert berlin_state.seconds(berlin(2027, 1, 5, 16, 0), berlin(2027, 1, 7, 10, 0)) == 10 * HOUR


def test_daylight_saving_change_keeps_opening_hours_local() -> None:
    # Clocks go forward on Sun 2026-03-29. Fri 16:00 CET → Mon 10:00 CEST: 1 h + 1 h of business.
    start, end = berlin(2026, 3, 27, 16, 0), berlin(2026, 3, 30, 10, 0)
    assert WEEK.seconds(start, end) == 2 * HOUR
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == (
        2 * 24 + 18 - 1
    ) * HOUR  # calendar: 65 h, not 66 h
    # A round-the-clock week across the change: Sat 00:00 → Mon 00:00 local is 47 real hours.
    always = BusinessWeek(
        days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        opens=time(0),
        closes=None,
        timezone="Europe/Berlin",
    )
    assert always.seconds(berlin(2026, 3, 28, 0, 0), berlin(2026, 3, 30, 0, 0)) == 47 * HOUR
    # And back in October: Sat → Mon spans 49 hours.
    assert always.seconds(berlin(2026, 10, 24, 0, 0), berlin(2026, 10, 26, 0, 0)) == 49 * HOUR


def test_figures_on_the_business_clock() -> None:
    sent = berlin(2026, 11, 6, 16, 0).astimezone(UTC)  # Friday afternoon
    facts = gather(
        [inquiry("a", sent)],
        [reply(1, "a", berlin(2026, 11, 9, 9, 30).astimezone(UTC), "human")],
        timedelta(days=14),
    )
    calendar = figures(facts, context())
    business = figures(facts, context(week=WEEK))
    assert calendar.median_first_human_response_seconds == (2 * 24 + 17.5) * HOUR
    assert business.median_first_human_response_seconds == 1.5 * HOUR
    assert business.answered_within_working_days["same"]["count"] == 0
    assert business.answered_within_working_days["next"]["count"] == 1


def test_bad_business_settings_are_refused_with_a_sentence() -> None:
    with pytest.raises(ConfigError, match="time zone 'Mars/Olympus' is unknown"):
        BusinessWeek(timezone="Mars/Olympus")
    with pytest.raises(ConfigError, match="holiday region 'XX-YY' is unknown"):
        BusinessWeek(holidays="XX-YY")


# -- reachability and the composite score ------------------------------------------------


def test_reachability_status() -> None:
    facts = gather([inquiry("a"), inquiry("b", state=REJECTED)], [], timedelta(days=14))
    assert reachability_status(facts, offered=True) == "working"
    assert reachability_status(facts[1:], offered=True) == "failed"
    assert reachability_status([], offered=True) == "offered"
    assert reachability_status([], offered=False) == "missing"


def test_composite_score_by_hand() -> None:
    facts = gather(
        [inquiry("a"), inquiry("b")], [reply(1, "a", T0 + timedelta(hours=3), "human")], timedelta(days=14)
    )
    figs = figures(facts, context())
    parts = channel_components(facts, figs, "working", context())
    # Reachability 100; response 50; speed: (80 for ≤4 h + 0 for none) / 2 = 40; quality not scored.
    assert parts == {"reachability": 100.0, "response": 50.0, "speed": 40.0, "quality": None}
    balanced = Weights.from_config(Scoring())
    score = company_score({"email": parts}, balanced)
    assert score.value == pytest.approx((20 * 100 + 30 * 50 + 30 * 40) / 80)  # 58.75
    assert score.passed is False  # pass mark 60
    disq = Weights.from_config(Scoring(preset="disq"))
    mixed = company_score({"email": parts, "chat": {**parts, "response": 100.0}}, disq)
    chat = (20 * 100 + 30 * 100 + 30 * 40) / 80
    assert mixed.value == pytest.approx((20 * 58.75 + 15 * chat) / 35)
    assert [speed_points(s) for s in (None, 3600, 3601, 86400, 8 * 86400)] == [0, 100, 80, 60, 0]


def test_figures_handed_over_uncopied_are_what_dataclasses_asdict_gives() -> None:
    """as_dict(fresh=False), what the report's data takes, holds what as_dict() and asdict give (the
    curve's points as lists); only the copies of the nested dicts are left out."""
    inquiries = [inquiry(f"q{i}") for i in range(3)]
    messages = [
        reply(1, "q0", T0 + timedelta(minutes=10), "human"),
        reply(2, "q1", T0 + timedelta(seconds=2), "acknowledgement"),
    ]
    found = figures(gather(inquiries, messages, timedelta(days=14)), context())
    handed = found.as_dict(fresh=False)
    assert handed == found.as_dict()
    by_asdict = asdict(found)
    assert {k: v for k, v in handed.items() if k != "answered_curve"} == {
        k: v for k, v in by_asdict.items() if k != "answered_curve"
    }
    assert handed["answered_curve"] == [list(point) for point in by_asdict["answered_curve"]]
    assert handed["answered_within"] is found.answered_within
    assert found.as_dict()["answered_within"] is not found.answered_within
    assert handed["answered_curve"] and all(type(point) is list for point in handed["answered_curve"])
