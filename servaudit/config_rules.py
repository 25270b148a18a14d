"""The audit file's rules that need no pydantic, shared by the models (config.py, config_types.py,
config_study.py) and the light reading `servaudit status` makes of a plain file (config_light.py):
where the file is, what a slug is, the network timeout's bound, what a time zone is."""

from __future__ import annotations

import zoneinfo
from pathlib import Path

AUDIT_FILE = "audit.toml"
SLUG = r"^[a-z0-9][a-z0-9_-]*$"
MAX_NETWORK_TIMEOUT = 600
"""Seconds: a relay or mailbox that needs longer is down, and a run must not hang on it."""


def timezone_name(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'{value!r} is not a time zone (e.g. "Europe/Berlin" or "UTC")') from None
    return value


def audit_file(folder: Path) -> Path:
    """The audit file of ``folder``, or ``folder`` itself when it is one (any name ending in .toml)."""
    return folder if folder.suffix == ".toml" and not folder.is_dir() else folder / AUDIT_FILE
