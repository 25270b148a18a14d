"""audit.toml read without pydantic where the file is plain: the start of `servaudit status`.

Importing pydantic and building the audit models' validators is about half of what `status` costs
to start (issue 16, goal 6), and status reads little of the file: the language, time zone, store,
reply window, waves, and which company has which channel and scenario. ``light_audit`` reads a file
in which every key is one it knows and every value passes the rule the models apply to it (the same
function where a model calls one: host, address and web-address checks, secret references, time
zones, the store URL), and answers None at anything else: an unknown or rarer key (business hours,
the send window, limits, a form's field map, a chat's settings), a value of another type, a value a
rule refuses, a file it cannot read. The caller then loads the file with the models (config.py),
which report the problem with file, line and key as always. So a file is read here only where the
models accept it too, and every message about a bad file still comes from the models;
tests/test_config_light.py holds the two readings side by side. The rules both readings share
that need no pydantic are in config_rules.py.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from servaudit.addresses import ascii_address, ascii_host, web_address
from servaudit.config_rules import MAX_NETWORK_TIMEOUT, SLUG, audit_file, timezone_name
from servaudit.secrets import check_reference

CHANNELS: dict[str, Callable[[str], str]] = {"email": ascii_address, "form": web_address, "chat": web_address}
"""The registry's channels (servaudit.channels, in its order; a test keeps them in step), each with the
rule its company key passes, whose answer is the inquiries' target as the model keeps it: an address
in IDNA form, a form's or chat's page as written (the URL shorthand; a table of settings takes the
models' path). A channel not named here takes the models' path too."""


class LightWaves:
    def __init__(self, count: int) -> None:
        self.count = count


class LightInfo:
    """What status reads of ``[audit]``, with the models' defaults."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        self.language: str = table.get("language", "en")
        self.timezone: str = table.get("timezone", "UTC")
        self.window_days = float(table.get("window_days", 14))  # a float field turns 14 into 14.0
        self.store: str | None = table.get("store")
        waves = table.get("waves")
        self.waves = None if waves is None else LightWaves(waves.get("count", 1))


class LightCompany:
    def __init__(self, table: Mapping[str, Any]) -> None:
        self.channels = {name: target(table[name]) for name, target in CHANNELS.items() if name in table}
        scenarios = table.get("scenarios")
        self.scenarios: tuple[str, ...] | None = None if scenarios is None else tuple(scenarios)


class LightConfig:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.audit = LightInfo(data.get("audit", {}))
        self.scenarios: dict[str, Any] = dict(data["scenarios"])
        self.companies = {slug: LightCompany(table) for slug, table in data["companies"].items()}


class LightAudit:
    """An audit as status uses it: its folder, the file, and the light reading of it."""

    def __init__(self, folder: Path, config: LightConfig, path: Path) -> None:
        self.folder = folder
        self.config = config
        self.path = path


def light_audit(folder: Path) -> LightAudit | None:
    """The audit in ``folder`` read without the models, or None: then load it with them (config.Audit)."""
    path = audit_file(folder)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    config = light_config(data)
    return None if config is None else LightAudit(path.parent.resolve(), config, path)


def light_config(data: Mapping[str, Any]) -> LightConfig | None:
    """``data`` (a parsed audit file) read without the models, or None where it is not plain or not valid."""
    plain = _table(TOP, ("persona", "scenarios", "companies"), _known_scenarios)(data)
    return LightConfig(data) if plain else None


# Each check answers: do the models accept this value? False where they would not, or might not.

Check = Callable[[Any], bool]


def _text(
    shortest: int = 0, longest: int | None = None, *, one_line: bool = False, visible: bool = False
) -> Check:
    def check(value: Any) -> bool:
        return (
            type(value) is str
            and len(value) >= shortest
            and (longest is None or len(value) <= longest)
            and not (one_line and ("\r" in value or "\n" in value))
            # The models' pattern \S; Python's whitespace holds every character the regex calls one.
            and not (visible and not value.strip())
        )

    return check


def _number(low: float, high: float, *, above: bool = False, whole: bool = False) -> Check:
    """low ≤ value ≤ high (low < value with ``above``); a whole number where the field is an int.
    No bools or strings, though the models would convert some: those take the models' path."""

    def check(value: Any) -> bool:
        if not (type(value) is int or (type(value) is float and not whole and math.isfinite(value))):
            return False
        return (value > low if above else value >= low) and value <= high

    return check


def _one_of(*words: str) -> Check:
    return lambda value: type(value) is str and value in words


def _flag(value: Any) -> bool:
    return type(value) is bool


def _day(value: Any) -> bool:
    return type(value) is date  # a TOML date; a date-time is a datetime, left to the models


def _passes(rule: Callable[[str], object]) -> Check:
    """A text the rule takes; any exception is the models' to report."""

    def check(value: Any) -> bool:
        if type(value) is not str:
            return False
        try:
            rule(value)
        except Exception:
            return False
        return True

    return check


def _store_url(value: str) -> None:
    from servaudit.store import store_target  # the model checks the URL with the store's own parser

    store_target(value, Path("."))


def _texts(each: Check | None = None, fewest: int = 0) -> Check:
    def check(value: Any) -> bool:
        return (
            type(value) is list
            and len(value) >= fewest
            and all(type(item) is str and (each is None or each(item)) for item in value)
        )

    return check


def _table(keys: Mapping[str, Check], required: tuple[str, ...] = (), holds: Check | None = None) -> Check:
    """A TOML table of these keys only, the required ones present, each value checked, then ``holds``
    (what the model's own validator checks across keys)."""

    def check(value: Any) -> bool:
        return (
            type(value) is dict
            and all(key in value for key in required)
            and all(key in keys and keys[key](item) for key, item in value.items())
            and (holds is None or holds(value))
        )

    return check


def _named(entry: Check) -> Check:
    """``[scenarios.<name>]``, ``[companies.<slug>]``: at least one, each name a slug."""
    return lambda value: (
        type(value) is dict
        and len(value) > 0
        and all(re.match(SLUG, name) is not None and entry(item) for name, item in value.items())
    )


def _mailbox(value: Any) -> bool:
    kind = value.get("type") if type(value) is dict else None
    return type(kind) is str and kind in MAILBOXES and MAILBOXES[kind](value)


def _spread_fits(waves: Mapping[str, Any]) -> bool:
    return not (
        waves.get("count", 1) > 1
        and "spread_days" in waves
        and waves["spread_days"] > waves.get("every_days", 14)
    )


def _username_with_password(smtp: Mapping[str, Any]) -> bool:
    return ("username" in smtp) == ("password" in smtp)


def _known_scenarios(data: Mapping[str, Any]) -> bool:
    return all(
        name in data["scenarios"]
        for company in data["companies"].values()
        for name in company.get("scenarios", ())
    )


_HOST = _passes(ascii_host)
_ADDRESS = _passes(ascii_address)
_SECRET = _passes(check_reference)
_TIMEOUT = _number(0, MAX_NETWORK_TIMEOUT, above=True)
_PORT = _number(1, 65535, whole=True)
_SECURITY = _one_of("none", "starttls", "ssl")
_LANGUAGE = _one_of("de", "en")
_BODY = _text(1, 50_000)
_NAME = _text(1, 200, visible=True)

WAVES = _table(
    {
        "count": _number(1, 52, whole=True),
        "every_days": _number(1, 366, whole=True),
        "spread_days": _number(1, 366, whole=True),
        "start": _day,
    },
    holds=_spread_fits,
)
AUDIT = _table(
    {
        "name": _text(1, 500),
        "language": _LANGUAGE,
        "window_days": _number(0, 366, above=True),
        "machine_seconds": _number(0, 3600),
        "clock": _one_of("calendar", "business"),
        "timezone": _passes(timezone_name),
        "accessibility": _flag,
        "chromium": _text(),
        "store": _passes(_store_url),
        "waves": WAVES,
    }
)
PERSONA = _table(
    {"name": _NAME, "email": _ADDRESS, "phone": _text(), "plus_addressing": _flag}, ("name", "email")
)
SMTP = _table(
    {
        "host": _HOST,
        "port": _PORT,
        "security": _SECURITY,
        "username": _text(),
        "password": _SECRET,
        "timeout": _TIMEOUT,
        "ca_file": _text(),
    },
    ("host",),
    _username_with_password,
)
MAILBOXES = {
    "imap": _table(
        {
            "type": _one_of("imap"),
            "host": _HOST,
            "port": _PORT,
            "security": _SECURITY,
            "username": _text(),
            "password": _SECRET,
            "folder": _text(),
            "timeout": _TIMEOUT,
        },
        ("type", "host", "username", "password"),
    ),
    "maildir": _table({"type": _one_of("maildir"), "path": _text()}, ("type", "path")),
}
SCENARIO = _table(
    {
        "subject": _text(1, 250, one_line=True),
        "body": _BODY,
        "language": _LANGUAGE,
        "facts": _texts(),
        "followups": _texts(),
        "reminder": _table(
            {"after_business_hours": _number(0, 2000, above=True), "body": _BODY},
            ("after_business_hours", "body"),
        ),
        "followup": _table({"body": _BODY}, ("body",)),
    },
    ("subject", "body"),
)
COMPANY = _table(
    {
        "name": _NAME,
        "website": _text(),
        "domains": _texts(_HOST),
        "scenarios": _texts(fewest=1),
        **{name: _passes(rule) for name, rule in CHANNELS.items()},
    },
    ("name",),
)
TOP = {
    "audit": AUDIT,
    "persona": PERSONA,
    "smtp": SMTP,
    "mailbox": _mailbox,
    "scenarios": _named(SCENARIO),
    "companies": _named(COMPANY),
}
