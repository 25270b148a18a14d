"""Where the shipped data lives (probes/, report_templates/) and how an audit folder overrides it.

In a checkout (or an editable install) the folders sit at the top of the
repository; a wheel carries them as servaudit/_data/. A folder of the same
name next to an audit file takes precedence, file by file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from servaudit.errors import ConfigError

_PACKAGE = Path(__file__).resolve().parent


def shipped(folder: str) -> Path:
    for candidate in (_PACKAGE / "_data" / folder, _PACKAGE.parent / folder):
        if candidate.is_dir():
            return candidate
    raise ConfigError(f"servaudit's data folder {folder}/ is missing; reinstall servaudit")


def search_path(folder: str, audit_folder: Path | None = None) -> list[Path]:
    """The folders to look in, the audit's own first."""
    own = [audit_folder / folder] if audit_folder is not None and (audit_folder / folder).is_dir() else []
    return [*own, shipped(folder)]


def find(relative: str, folder: str = "probes", audit_folder: Path | None = None) -> Path:
    for base in search_path(folder, audit_folder):
        if (base / relative).is_file():
            return base / relative
    raise ConfigError(
        f"{folder}/{relative} not found (looked in {', '.join(map(str, search_path(folder, audit_folder)))})"
    )


def load_toml(relative: str, audit_folder: Path | None = None) -> dict[str, Any]:
    path = find(relative, "probes", audit_folder)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
