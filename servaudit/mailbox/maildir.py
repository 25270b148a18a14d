"""Read a local Maildir without changing it: new/ and cur/, oldest delivery first."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path

from servaudit.errors import InfrastructureError
from servaudit.mailbox.base import Cursor, IncomingMail

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# tmp/ holds deliveries still being written; they appear in new/ when complete.
_FOLDERS = ("new", "cur")


@dataclass(frozen=True)
class _Entry:
    unique: str
    path: Path
    mtime_ns: int

    @property
    def source(self) -> str:
        return f"maildir:{self.unique}"


class MaildirReader:
    """Yield the messages of one Maildir folder; the mailbox belongs to the persona, so read only.

    A message's source is its unique name (the file name before the ``:2,``
    info part), so a client that marks it read (renaming ``new/x`` to
    ``cur/x:2,S``) does not make it look new. Its arrival time is the file's
    mtime: the delivery time, which Dovecot also reports as INTERNALDATE.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()

    def __repr__(self) -> str:
        return f"MaildirReader({str(self.path)!r})"

    def fetch_new(
        self, cursor: Cursor, is_known: Callable[[str], bool]
    ) -> Iterator[tuple[IncomingMail, Cursor]]:
        # The store's is_known is the real position, so the cursor carries nothing.
        for entry in self._unknown_entries(is_known):
            raw = _read_message(entry, self.path)
            if raw is None:
                continue  # deleted since the listing
            yield IncomingMail(entry.source, raw, _utc_from_ns(entry.mtime_ns)), {}

    def check(self) -> None:
        self._check_folder()

    def close(self) -> None:
        """Nothing to release: every file is closed right after it is read."""

    def _unknown_entries(self, is_known: Callable[[str], bool]) -> list[_Entry]:
        self._check_folder()
        seen: set[str] = set()
        entries: list[_Entry] = []
        for folder in _FOLDERS:
            for name in self._list(folder):
                unique = _unique_name(name)
                # A message moved from new/ to cur/ while we listed shows up twice.
                if unique in seen or is_known(f"maildir:{unique}"):
                    seen.add(unique)
                    continue
                seen.add(unique)
                entry = _stat_entry(unique, self.path / folder / name, self.path)
                if entry is not None:
                    entries.append(entry)
        entries.sort(key=lambda e: (e.mtime_ns, e.unique))
        return entries

    def _check_folder(self) -> None:
        if not self.path.is_dir():
            raise InfrastructureError(
                f"Maildir {self.path} does not exist (expected a folder with new/ and cur/ inside)"
            )
        missing = [f"{name}/" for name in _FOLDERS if not (self.path / name).is_dir()]
        if missing:
            raise InfrastructureError(f"{self.path} is not a Maildir: {' and '.join(missing)} missing")

    def _list(self, folder: str) -> list[str]:
        try:
            with os.scandir(self.path / folder) as it:
                return [e.name for e in it if not e.name.startswith(".") and e.is_file()]
        except OSError as exc:
            raise InfrastructureError(f"cannot read Maildir {self.path}: {exc.strerror or exc}") from exc


def _unique_name(filename: str) -> str:
    # Maildir: "<unique>:2,<flags>"; only the part before the colon is stable.
    return filename.split(":", 1)[0]


def _stat_entry(unique: str, path: Path, root: Path) -> _Entry | None:
    """The entry for this file, following it if another client just renamed it."""
    for candidate in chain([path], _renamed(unique, root)):
        try:
            return _Entry(unique, candidate, candidate.stat().st_mtime_ns)
        except FileNotFoundError:
            continue
    return None


def _renamed(unique: str, root: Path) -> Iterator[Path]:
    """Where the file is now; lazy, because scanning the folders is only needed after a rename."""
    for folder in _FOLDERS:
        try:
            with os.scandir(root / folder) as it:
                found = [Path(e.path) for e in it if _unique_name(e.name) == unique]
        except OSError:
            continue
        yield from found


def _read_message(entry: _Entry, root: Path) -> bytes | None:
    for candidate in chain([entry.path], _renamed(entry.unique, root)):
        try:
            return candidate.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise InfrastructureError(f"cannot read {candidate}: {exc.strerror or exc}") from exc
    return None


def _utc_from_ns(ns: int) -> datetime:
    # Integer arithmetic: a float timestamp would lose the microseconds.
    return _EPOCH + timedelta(microseconds=ns // 1000)
