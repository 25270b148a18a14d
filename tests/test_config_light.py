"""The light reading of audit.toml (servaudit/config_light.py) beside the models' (config.py).

`servaudit status` reads a plain audit file without pydantic. It may decline any file (the models then
read it), but a file it reads must be one the models accept, read the same; and every bad file must
still get the models' message, word for word.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servaudit import channels
from servaudit.config import AuditConfig
from servaudit.config_light import CHANNELS, light_audit, light_config
from servaudit.scaffold import init

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "config"
BAD = sorted(DATA.glob("bad_*.toml"))

RICH: dict[str, Any] = {
    "audit": {
        "name": "Audit",
        "language": "de",
        "window_days": 14,
        "machine_seconds": 60.5,
        "clock": "calendar",
        "timezone": "Europe/Berlin",
        "accessibility": False,
        "chromium": "/usr/bin/chromium",
        "store": "sqlite:///results.sqlite",
        "waves": {"count": 2, "every_days": 14, "spread_days": 7, "start": date(2027, 1, 11)},
    },
    "persona": {"name": "Anna Schmidt", "email": "anna@example.net", "phone": "+49", "plus_addressing": True},
    "smtp": {
        "host": "smtp.example.net",
        "port": 587,
        "security": "starttls",
        "username": "anna",
        "password": "env:SMTP_PASSWORD",
        "timeout": 60,
        "ca_file": "ca.pem",
    },
    "mailbox": {
        "type": "imap",
        "host": "imap.example.net",
        "port": 993,
        "security": "ssl",
        "username": "anna",
        "password": "keyring:mail:anna",
        "folder": "INBOX",
        "timeout": 30.5,
    },
    "scenarios": {
        "tarif": {
            "subject": "Frage zu meinem Tarif",
            "body": "Guten Tag, {name}",
            "language": "de",
            "facts": ["Wechsel möglich: jederzeit"],
            "followups": ["Danke"],
            "reminder": {"after_business_hours": 24, "body": "Haben Sie meine Frage erhalten?"},
            "followup": {"body": "Gilt das auch online?"},
        },
        "delivery": {"subject": "Delivery", "body": "Hello"},
    },
    "companies": {
        "nordwind": {
            "name": "Nordwind",
            "website": "https://nordwind.example",
            "domains": ["nordwind.zendesk.example", "bäckerei.example"],
            "scenarios": ["tarif"],
            "email": "service@bäckerei-müller.example",
            "form": "https://nordwind.example/kontakt",
            "chat": "https://nordwind.example:8443/",
        },
        "acme": {"name": "ACME", "email": "support@acme.example"},
    },
}


def models_reading(data: dict[str, Any]) -> tuple[Any, ...] | None:
    """What status reads, from the models; None where they refuse the file."""
    try:
        config = AuditConfig.model_validate(copy.deepcopy(data))
    except Exception:
        return None
    return None if config.reference_errors() else reading(config)


def reading(config: Any) -> tuple[Any, ...]:
    info = config.audit
    return (
        info.language,
        info.timezone,
        info.window_days,
        info.store,
        info.waves.count if info.waves else None,
        list(config.scenarios),
        {slug: (company.channels, company.scenarios) for slug, company in config.companies.items()},
    )


def light_reading(data: dict[str, Any]) -> tuple[Any, ...] | None:
    config = light_config(copy.deepcopy(data))
    return None if config is None else reading(config)


def test_the_light_reading_knows_the_registrys_channels_in_its_order() -> None:
    assert channels.names() == tuple(CHANNELS)


def test_plain_files_are_read_light_and_as_the_models_read_them(tmp_path: Path) -> None:
    files = [DATA / "good.toml", init(tmp_path / "de", language="de"), init(tmp_path / "en", language="en")]
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert light_reading(data) is not None, path
        assert light_reading(data) == models_reading(data), path
    assert light_reading(RICH) is not None
    assert light_reading(RICH) == models_reading(RICH)
    audit = light_audit(tmp_path / "de")
    assert audit is not None and audit.folder == (tmp_path / "de").resolve()
    assert audit.path == tmp_path / "de" / "audit.toml"


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_no_bad_file_is_read_light(path: Path) -> None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError:
        assert light_audit(path) is None
        return
    assert models_reading(data) is None and light_reading(data) is None


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_status_of_a_bad_file_says_what_the_models_say(path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "status", "-a", path.name],
        capture_output=True,
        text=True,
        cwd=DATA,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this working tree's servaudit
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"servaudit: {path.with_suffix('.expected').read_text().strip()}\n"


PATHS = [(section,) for section in RICH] + [
    (section, key, *rest)
    for section, table in RICH.items()
    for key, value in table.items()
    for rest in ([()] + [(inner,) for inner in value] if isinstance(value, dict) else [()])
]
"""Every table of RICH and every key in it, two or three tables deep."""

EDGES: tuple[Any, ...] = (
    "", " ", "\u2003", "x", "a\nb", "a\rb", "de", "en", "fr", "imap", "maildir", "calendar", "UTC",
    "Mars/Olympus", "../etc", "env:OK", "env:1BAD", "keyring:s:u", "secret", "https://ok.example/x",
    "http://", "ftp://x.example", "https://a..example", "smtp..example", "bäckerei.example", "[::1]",
    "10.0.0.1", "user@example", "user@ex ample.com", "ü@example.com", "tarif", "nope", "sqlite:x.db",
    "postgresql://u:pw@h/db", "mysql://h/db", "24:00", "a" * 201, "a" * 251, "a" * 501, "b" * 50_001, 0, 1,
    -1, 2, 7, 15, 52, 53, 366, 367, 600, 601, 2000, 2001, 3600, 3601, 65535, 65536, 0.0, 0.5, 599.9, 1e309,
    float("nan"), True, False, [], ["tarif"], ["nope"], ["a.example"], ["a..b"], [1], {},
    {"url": "https://x.example"}, {"type": "imap"}, date(2027, 1, 1), datetime(2027, 1, 1),
)  # fmt: skip
"""Values at and beyond the models' bounds, of every TOML type."""
VALUES = st.sampled_from(EDGES)


def put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    table = data
    for key in path[:-1]:
        if not isinstance(table.get(key), dict):
            return
        table = table[key]
    if value is None:
        table.pop(path[-1], None)
    else:
        table[path[-1]] = value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(PATHS),
            st.one_of(VALUES, st.none(), st.just("unknown")),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_a_file_read_light_is_one_the_models_accept_and_read_alike(
    changes: list[tuple[tuple[str, ...], Any]],
) -> None:
    data = copy.deepcopy(RICH)
    for path, value in changes:
        if value == "unknown":  # a key no model knows, beside the chosen one
            put(data, (*path[:-1], "colour"), "blue")
        else:
            put(data, path, value)
    light = light_reading(data)
    if light is not None:
        assert light == models_reading(data)


def test_every_edge_value_at_every_key_alone_is_read_light_only_where_the_models_agree() -> None:
    # Exhaustive for one change: a bound or key the models tighten and this file does not shows here.
    read_light = 0
    for path in PATHS:
        for value in (*EDGES, None):
            data = copy.deepcopy(RICH)
            put(data, path, value)
            light = light_reading(data)
            if light is not None:
                read_light += 1
                assert light == models_reading(data), (path, value)
    assert read_light > len(PATHS)  # the light reading is not merely declining everything
