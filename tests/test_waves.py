"""Longitudinal figures against hand-checked values: Fisher's exact and log-rank tests (values from
R / scipy.stats), the Kaplan–Meier median, waves compared per company, answers by send time, and the
gate rule on a significant drop."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from servaudit.gate import run_gate
from servaudit.labels import HUMAN
from servaudit.measure.compare import fisher_exact, logrank
from servaudit.measure.facts import InquiryFacts, gather
from servaudit.measure.stats import km_median
from servaudit.measure.waves import Sent, compare_waves, longitudinal
from servaudit.store import InquiryRecord, MessageRecord
from tests.test_metrics import HOUR, context, inquiry, reply

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY_10 = datetime(2026, 12, 1, 10, tzinfo=BERLIN)


def test_fisher_exact_two_sided_matches_r_and_scipy() -> None:
    assert fisher_exact(6, 0, 0, 6) == pytest.approx(0.0021645021645)
    assert fisher_exact(3, 1, 1, 3) == pytest.approx(0.4857142857143)
    assert fisher_exact(7, 3, 2, 8) == pytest.approx(0.0697785186949)
    assert fisher_exact(0, 0, 3, 3) == 1.0  # an empty group: nothing to compare


def test_logrank_matches_scipy() -> None:
    first = [(t, True) for t in (1, 2, 3, 5, 8)] + [(10, False)] * 2
    second = [(t, True) for t in (4, 6, 9, 12, 15, 20)] + [(30, False)]
    result = logrank(first, second)
    assert result.p_value == pytest.approx(0.17324813211773)  # scipy.stats.logrank: statistic 1.36184 = √χ²
    assert result.statistic == pytest.approx(1.3618408008708**2)
    assert result.second_slower  # the second sample was answered later
    assert not logrank([(5, False)], [(6, False)]).tested


def test_kaplan_meier_median_censors_and_is_none_below_half() -> None:
    assert km_median([(1, True), (2, True), (3, True)]) == 2
    # Censored at 1.5: the remaining two carry the curve; half is reached at 3, not 2.
    assert km_median([(1, True), (1.5, False), (3, True), (4, True)]) == 3
    assert km_median([(1, True), (9, False), (9, False)]) is None


def _study(worse_from_wave2: bool) -> list[InquiryFacts]:
    """acme: six inquiries per wave, answered in 1 h in wave 1; in wave 2 after 3 days (or 1 h)."""
    inquiries: list[InquiryRecord] = []
    messages: list[MessageRecord] = []
    for wave in (1, 2):
        for n in range(6):
            sent = (TUESDAY_10 + timedelta(days=14 * (wave - 1) + n)).astimezone(UTC)
            record = dataclasses.replace(inquiry(f"w{wave}-{n}", sent), wave=wave)
            inquiries.append(record)
            delay = 72 * HOUR if worse_from_wave2 and wave == 2 else HOUR
            messages.append(reply(len(messages) + 1, record.id, sent + timedelta(seconds=delay), HUMAN))
    return gather(inquiries, messages, timedelta(days=14))


def test_a_company_that_got_worse_is_marked_and_fails_the_gate() -> None:
    facts = _study(worse_from_wave2=True)
    now = TUESDAY_10 + timedelta(days=60)
    section = longitudinal(facts, context(now), ["acme"], BERLIN)
    acme = section["companies"]["acme"]
    assert section["waves"] == [1, 2]
    assert acme["waves"]["1"]["within_24h"]["count"] == 6 and acme["waves"]["1"]["delivered"] == 6
    assert acme["waves"]["2"]["within_24h"]["count"] == 0
    assert acme["waves"]["1"]["median_first_human_response_seconds"] == HOUR
    assert acme["waves"]["2"]["median_first_human_response_seconds"] == 72 * HOUR
    [change] = acme["changes"]
    assert change["change_in_share"] == -1.0
    assert change["share_p"] == pytest.approx(0.0021645021645)
    assert change["logrank_p"] < 0.05 and change["worse"] and change["significant"]
    assert section["worse"] == ["acme"]
    data = {"companies": {"acme": {"overall": {"delivered": 12}, "channels": {}}}, "waves": section}
    [result] = run_gate(["all.wave_drop == 0"], data)
    assert result.status == "fail" and result.value == 1


def test_no_change_is_not_marked_and_passes_the_gate() -> None:
    section = longitudinal(
        _study(worse_from_wave2=False), context(TUESDAY_10 + timedelta(days=60)), ["acme"], BERLIN
    )
    [change] = section["companies"]["acme"]["changes"]
    assert change["share_p"] == 1.0 and not change["worse"] and not change["significant"]
    assert section["worse"] == []
    data = {"companies": {"acme": {"overall": {"delivered": 12}, "channels": {}}}, "waves": section}
    assert run_gate(["all.wave_drop == 0"], data)[0].status == "pass"


def test_answers_equally_fast_tie_in_the_logrank_whatever_the_sub_second_noise() -> None:
    """A company answering at 10:00 the next morning or within two hours, as its timetable says: the
    same delays measured a fraction of a second apart (send time after the SMTP transaction, arrival
    to the second) give the same test as the exact ones."""
    exact: tuple[list[float], list[float]] = ([2, 2, 16, 16], [2, 16, 16, 16])
    noisy = (
        [2 - 0.94 / HOUR, 2 - 0.45 / HOUR, 16 - 0.55 / HOUR, 16],
        [2, 16 - 0.05 / HOUR, 16, 16 - 0.9 / HOUR],
    )

    def change(hours: tuple[list[float], list[float]]) -> dict[str, Any]:
        sent = [
            Sent("acme", "email", wave, TUESDAY_10, (h * HOUR, True))
            for wave, group in ((1, hours[0]), (2, hours[1]))
            for h in group
        ]
        [found] = compare_waves(sent, [1, 2])["changes"]
        return found

    assert change(noisy)["logrank_p"] == pytest.approx(change(exact)["logrank_p"])
    assert change(exact)["logrank_p"] == pytest.approx(
        logrank([(h * HOUR, True) for h in exact[0]], [(h * HOUR, True) for h in exact[1]]).p_value
    )
    assert not change(noisy)["worse"]


def test_answers_by_send_weekday_and_hour_band_in_the_audit_time_zone() -> None:
    facts = _study(worse_from_wave2=True)
    table = longitudinal(facts, context(TUESDAY_10 + timedelta(days=60)), ["acme"], BERLIN)["send_time"]
    # Wave 1 Tue–Sun answered within 1 h, wave 2 on the same weekdays after 3 days.
    for day in ("tue", "wed", "thu", "fri", "sat", "sun"):
        assert (table["weekday"][day]["count"], table["weekday"][day]["of"]) == (1, 2)
    assert table["weekday"]["mon"]["of"] == 0
    assert table["hour_band"]["08-12"]["of"] == 12  # 10:00 in Berlin (09:00 UTC)
    assert table["hour_band"]["08-12"]["low"] is not None
