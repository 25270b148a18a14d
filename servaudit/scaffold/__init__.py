"""`servaudit init`: a commented audit file to start from."""

from __future__ import annotations

from pathlib import Path

from servaudit.config import AUDIT_FILE
from servaudit.errors import UsageError

TEMPLATE = Path(__file__).with_name("audit.toml")


def init(folder: Path, force: bool = False) -> Path:
    target = folder / AUDIT_FILE
    if target.exists() and not force:
        raise UsageError(f"{target} exists already; pass --force to overwrite it")
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    return target
