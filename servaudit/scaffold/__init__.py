"""`servaudit init`: a commented audit file to start from."""

from __future__ import annotations

from pathlib import Path

from servaudit.config_rules import AUDIT_FILE
from servaudit.errors import UsageError

LANGUAGES = ("de", "en")


def template(language: str) -> Path:
    """The scaffold whose comments (and report language) are ``language``; both show the same keys."""
    if language not in LANGUAGES:
        raise UsageError(f"--lang must be {' or '.join(LANGUAGES)}, not {language!r}")
    return Path(__file__).with_name(f"audit.{language}.toml")


def init(folder: Path, force: bool = False, language: str = "de") -> Path:
    source = template(language)
    target = folder / AUDIT_FILE
    if target.exists() and not force:
        raise UsageError(f"{target} exists already; pass --force to overwrite it")
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return target
