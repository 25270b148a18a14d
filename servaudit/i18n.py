"""The report's language: a message catalogue per language and locale-aware number, date and duration formats.

Fixed texts live in report_templates/messages/<lang>.toml (an audit folder
may override them like any template), never in templates or code. Numbers,
percentages and dates are formatted by Babel from the CLDR data, so German
gets decimal commas and "80 %"; durations read like a person writes them
("2 h 5 min", "2 Std. 5 Min.") with unit names from the catalogue.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from math import copysign
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from servaudit.errors import ConfigError
from servaudit.resources import search_path

if TYPE_CHECKING:
    from babel import Locale as BabelLocale

LANGUAGES = ("en", "de")
MISSING = "–"


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def load_catalogue(language: str, audit_folder: Path | None = None) -> dict[str, str]:
    """The messages of a language; an audit folder's own file overrides single keys."""
    if language not in LANGUAGES:
        raise ConfigError(f"language {language!r} is not available; choose one of {', '.join(LANGUAGES)}")
    messages: dict[str, str] = {}
    folders = search_path("report_templates", audit_folder)
    for base in reversed(folders):
        path = base / "messages" / f"{language}.toml"
        if path.is_file():
            try:
                messages.update(_shipped(path) if base == folders[-1] else _read(path))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"{path}: {exc}") from None
    return messages


def _read(path: Path) -> dict[str, str]:
    return _flatten(tomllib.loads(path.read_text(encoding="utf-8")))


@cache
def _shipped(path: Path) -> dict[str, str]:
    """A shipped catalogue, read once per process (callers copy from it, never change it): `status`
    reads the English one twice, for its English durations and for its table (tomllib: ~7 ms each).
    An audit folder's own file is read every time."""
    return _read(path)


_QUOTED = re.compile("'[^']*'")
_FINER_THAN_MINUTES = re.compile("[sSA]")
"""CLDR pattern letters of seconds and their fractions (outside quoted literals)."""


@cache
def _to_the_minute(pattern: str) -> bool:
    """Whether a date-time pattern shows nothing finer than minutes."""
    return not _FINER_THAN_MINUTES.search(_QUOTED.sub("", pattern))


@cache
def _babel_locale(language: str) -> BabelLocale:
    """Babel's locale object, parsed once (given as a string, Babel parses it on every call).
    Babel is imported where a number or date is formatted: `servaudit status` formats none."""
    from babel import Locale as BabelLocale

    return BabelLocale.parse(language)


@dataclass
class Locale:
    """Texts and formats of one language; templates get it as ``t`` (texts) and via view objects."""

    language: str = "en"
    timezone: str = "UTC"
    audit_folder: Path | None = None
    messages: dict[str, str] = field(default_factory=dict)
    _formatted: dict[tuple[Any, ...], str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _moments: dict[datetime, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _instants: dict[datetime, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _units: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.messages:
            self.messages = load_catalogue(self.language, self.audit_folder)

    def t(self, key: str, **values: Any) -> str:
        """The message for a key, with {placeholders} filled; a missing key is a loud error."""
        try:
            text = self.messages[key]
        except KeyError:
            raise ConfigError(f"message {key!r} is missing from the {self.language} catalogue") from None
        return text.format(**values) if values else text

    def t_channel(self, name: str) -> str:
        """A channel's display name; a channel the catalogue does not know shows its own name."""
        return self.messages.get(f"channel.{name}", name)

    def t_or(self, key: str, default: str) -> str:
        """For open vocabularies (labels, states, outcomes from other modules): the word itself if unknown."""
        return self.messages.get(key, default)

    # -- formats -------------------------------------------------------------

    def duration(self, seconds: float | None) -> str:
        """'2 h 5 min', '45 s', '3 d 4 h' (German: '2 Std. 5 Min.'); '–' for no value."""
        if seconds is None:
            return MISSING
        unit = self._units
        if not unit:  # looked up once: a study's pages show some ten thousand durations
            unit.update({name: self.t(f"unit.{name}") for name in ("s", "min", "h", "d")})
        seconds = max(0.0, seconds)
        if seconds < 60:
            return f"{seconds:.0f} {unit['s']}"
        minutes = int(seconds // 60)
        if minutes < 60:
            if minutes < 10 and int(seconds % 60):
                return f"{minutes} {unit['min']} {int(seconds % 60)} {unit['s']}"
            return f"{minutes} {unit['min']}"
        hours, minutes = divmod(minutes, 60)
        if hours < 24:
            return f"{hours} {unit['h']} {minutes} {unit['min']}" if minutes else f"{hours} {unit['h']}"
        days, hours = divmod(hours, 24)
        return f"{days} {unit['d']} {hours} {unit['h']}" if hours else f"{days} {unit['d']}"

    def percent(self, value: float | None) -> str:
        from babel.numbers import format_percent

        return MISSING if value is None else format_percent(value, locale=self._babel)

    def integer(self, value: float | None) -> str:
        from babel.numbers import format_decimal

        return MISSING if value is None else format_decimal(round(value), locale=self._babel)

    def number(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return MISSING
        from babel.numbers import format_decimal

        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return format_decimal(value, pattern, locale=self._babel)

    def moment(self, value: datetime | None) -> str:
        """A point in time in the audit's zone, by the catalogue's pattern. Remembered per instant, and
        per minute when the pattern shows none finer (a study's pages show some hundred thousand)."""
        if value is None:
            return MISSING
        # An instant shown before (a reply's arrival is also its inquiry's timeline step; an
        # inquiry's sending shows twice): its text, without the conversion. Aware moments only:
        # equal ones are the same instant, so the same text whatever their zone.
        if value.tzinfo is not None and (known := self._instants.get(value)) is not None:
            return known
        from babel.dates import format_datetime

        zone = ZoneInfo(self.timezone)
        pattern = self.t("format.datetime")
        if value.tzinfo is None:
            return format_datetime(value, pattern, tzinfo=zone, locale=self.language)
        if not _to_the_minute(pattern):
            text = format_datetime(value, pattern, tzinfo=zone, locale=self.language)
        else:
            local = value.astimezone(zone)
            # Equal keys are the same instant to the minute, so the same text: a moment of a DST
            # change's repeated hour is another instant (another offset), never mistaken for its twin.
            key = local.replace(second=0, microsecond=0)
            found = self._moments.get(key)
            if found is None:
                found = self._moments[key] = format_datetime(local, pattern, tzinfo=zone, locale=self._babel)
            text = found
        self._instants[value] = text
        return text

    @property
    def _babel(self) -> BabelLocale:
        return _babel_locale(self.language)

    def text(self, value: Any) -> str:
        return MISSING if value is None or value == "" else str(value)

    def format(self, kind: str, value: Any) -> str:
        """Format a figure by its kind: percent, duration, int, score, number, text.

        Remembered per (kind, value): a study's pages show the same few thousand values
        hundreds of thousands of times, and CLDR formatting is the slow part."""
        key: tuple[Any, ...] = (kind, type(value), value)  # True is 1 to a dict, but formats differently
        if value == 0 and isinstance(value, float):
            # -0.0 is 0.0 to a dict, but may format with a sign: its sign is part of the key. (Zero
            # was once never remembered: a study's 0 % were 20,000 of its 21,000 CLDR formattings.)
            key = (kind, float, value, copysign(1.0, value))
        try:
            return self._formatted[key]
        except KeyError:
            text = self._formatted[key] = self._format(kind, value)
            return text
        except TypeError:  # an unhashable value (a list shown as text)
            return self._format(kind, value)

    def _format(self, kind: str, value: Any) -> str:
        if kind == "percent":
            return self.percent(value)
        if kind == "duration":
            return self.duration(value)
        if kind == "int":
            return self.integer(value)
        if kind == "score":
            return self.number(value, 0)
        if kind == "number":
            return self.number(value, 1)
        if kind == "p_value":  # a significance test's p: three decimals, tiny ones as "< 0.001"
            if value is not None and value < 0.001:
                return "< " + self.number(0.001, 3)
            return self.number(value, 3)
        return self.text(value)
