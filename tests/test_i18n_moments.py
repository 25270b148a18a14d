"""servaudit/i18n.py formats moments as Babel does, though it remembers them per minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_percent

from servaudit.i18n import Locale


def babel(value: datetime, locale: Locale) -> str:
    pattern = locale.t("format.datetime")
    return format_datetime(value, pattern, tzinfo=ZoneInfo(locale.timezone), locale=locale.language)


def test_moments_are_babels_to_the_minute_across_a_dst_change() -> None:
    for language in ("de", "en"):
        locale = Locale(language, "Europe/Berlin")
        # The night clocks go back (25 Oct 2026): 02:00–03:00 local happens twice.
        start = datetime(2026, 10, 24, 23, 50, 17, tzinfo=UTC)
        moments = [start + timedelta(seconds=37 * n) for n in range(400)]
        assert [locale.moment(m) for m in moments] == [babel(m, locale) for m in moments]
        # Asked again (from the remembered texts): the same.
        assert [locale.moment(m) for m in reversed(moments)] == [babel(m, locale) for m in reversed(moments)]


def test_a_pattern_with_seconds_is_not_remembered_per_minute() -> None:
    locale = Locale("en", "UTC")
    locale.messages["format.datetime"] = "yyyy-MM-dd HH:mm:ss"
    first = datetime(2026, 11, 2, 9, 30, 5, tzinfo=UTC)
    assert locale.moment(first) == "2026-11-02 09:30:05"
    assert locale.moment(first + timedelta(seconds=20)) == "2026-11-02 09:30:25"


def test_seconds_in_a_quoted_literal_do_not_count() -> None:
    locale = Locale("en", "UTC")
    locale.messages["format.datetime"] = "yyyy-MM-dd HH:mm 'Uhr' 's'"
    first = datetime(2026, 11, 2, 9, 30, 5, tzinfo=UTC)
    assert locale.moment(first) == locale.moment(first + timedelta(seconds=20)) == "2026-11-02 09:30 Uhr s"


def test_durations_and_numbers_as_before() -> None:
    # Unit names are looked up once and Babel's locale parsed once; the texts are the same.
    locale = Locale("de", "UTC")
    for _ in range(2):
        assert [locale.duration(s) for s in (None, 5, 125, 7500, 200000)] == [
            "–",
            "5 Sek.",
            "2 Min. 5 Sek.",
            "2 Std. 5 Min.",
            "2 Tg. 7 Std.",
        ]
    assert locale.percent(0.5) == format_percent(0.5, locale="de")
    assert locale.number(1234.5) == "1.234,5"
    assert locale.integer(1234.4) == "1.234"


def test_an_instant_asked_again_in_another_zone_is_the_same_moment() -> None:
    # Remembered per instant: the same instant given in another zone shows as Babel shows it.
    locale = Locale("de", "Europe/Berlin")
    moment = datetime(2026, 10, 25, 0, 30, 5, tzinfo=UTC)
    for value in (
        moment,
        moment.astimezone(ZoneInfo("America/New_York")),
        moment,
        moment + timedelta(hours=1),
    ):
        assert locale.moment(value) == babel(value, locale)


def test_zero_is_remembered_with_its_sign() -> None:
    # 0.0 and -0.0 are one key to a dict, but a format may show the sign: each keeps its own text,
    # whichever is asked first.
    for language in ("de", "en"):
        for first, second in ((0.0, -0.0), (-0.0, 0.0)):
            locale = Locale(language, "UTC")
            for kind in ("percent", "number", "score", "p_value", "int", "duration"):
                for value in (first, second, first, second):
                    assert locale.format(kind, value) == Locale(language, "UTC")._format(kind, value)
