"""The report's output folder: only ever a servaudit report, written afresh, never through a symlink.

A report used to be written over whatever the folder held, so an earlier report's
``message-N.eml`` (evidence of another audit) stayed linked, and a symlink planted in the folder
was written through. Now a folder is taken only when it is empty, missing, or holds a servaudit
report (its manifest lists every file it wrote); that earlier report is removed first, so every
file in the folder afterwards comes from this report.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from servaudit.errors import OutputError
from servaudit.report import jsontext

MANIFEST = ".servaudit-report.json"
FORMAT = 1


def prepare(out: Path) -> None:
    """Make ``out`` an empty folder for a new report, or refuse with one sentence."""
    if out.is_symlink():
        raise OutputError(
            f"{out} is a symbolic link; a report is not written through links: give a real folder"
        )
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder; give --out a folder for the report")
    if out.is_dir() and any(out.iterdir()):
        _remove_earlier_report(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        # Written first: a report that stops half-way is still recognised (and removed) as ours.
        (out / MANIFEST).write_text(json.dumps({"format": FORMAT, "complete": False, "files": []}))
    except OSError as exc:
        raise OutputError(f"cannot write the report into {out}: {exc.strerror or exc}") from None


def finish(out: Path) -> list[str]:
    """Record every file the report wrote (the folder was empty before it started)."""
    # os.walk reads each folder's entries with their types (no stat per file: a study's report
    # holds tens of thousands of files); a link to a folder is listed, not followed, as rglob did.
    # The relative path is worked out once per folder, not per file (os.path.relpath of each of a
    # study's 26,000 files was 0.09 s, after every page was written).
    files = []
    for folder, _folders, names in os.walk(out):
        inside = os.path.relpath(folder, out)
        prefix = "" if inside == os.curdir else inside + os.sep
        files += [prefix + name for name in names if name != MANIFEST]
    files.sort()
    (out / MANIFEST).write_text(json.dumps({"format": FORMAT, "complete": True, "files": files}, indent=1))
    return files


def _remove_earlier_report(out: Path) -> None:
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        listed = set(manifest["files"]) if manifest.get("complete") else None
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputError(
            f"{out} is not empty and holds no servaudit report; give --out an empty or new folder"
        ) from None
    present = [p for p in out.rglob("*") if p.name != MANIFEST and (p.is_symlink() or not p.is_dir())]
    foreign = [
        str(p.relative_to(out))
        for p in present
        if listed is not None and str(p.relative_to(out)) not in listed
    ]
    if foreign:
        raise OutputError(
            f"{out} holds an earlier report and files it did not write ({', '.join(sorted(foreign)[:3])}); "
            "give --out an empty or new folder"
        )
    for path in present:
        path.unlink()  # a symlink is removed itself, never followed
    for folder in sorted((p for p in out.rglob("*") if p.is_dir() and not p.is_symlink()), reverse=True):
        folder.rmdir()
    (out / MANIFEST).unlink()


def _create(target: Path) -> int:
    """A new file's descriptor; refuses to follow a symlink at the target (O_NOFOLLOW, O_EXCL)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    target.parent.mkdir(parents=True, exist_ok=True)
    return os.open(target, flags, 0o644)


def write_bytes(target: Path, data: bytes) -> None:
    """Write a new file; refuses to follow a symlink at the target (O_NOFOLLOW, O_EXCL)."""
    with os.fdopen(_create(target), "wb") as handle:
        handle.write(data)


def write_json(target: Path, data: Any) -> None:
    """Write ``data`` as indented JSON (and a final newline) into a new file, like write_bytes, piece
    by piece: a study's report.json is tens of megabytes, never held whole in memory. The text is
    json.dump's with indent=2, made in C where jsontext can (else by json itself)."""
    with os.fdopen(_create(target), "wb") as handle:
        try:
            for piece in jsontext.pieces(data):
                handle.write(piece)
        except jsontext.Refused:
            handle.seek(0)
            handle.truncate()
            for chunk in json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(data):
                handle.write(chunk.encode("utf-8"))
        handle.write(b"\n")
