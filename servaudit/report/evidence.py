"""The report's evidence folder: every mail sent and received, and the probes' files (screenshots).

A study's report holds tens of thousands of these, so they are written in one pass each: the
mail streamed from the store in one query (not one query per file), each file created once
(O_EXCL also tells a file recorded twice), and probe files hard-linked from the audit's
evidence/ when they still have the SHA-256 recorded at send time (a copy where the two folders
are on different file systems). A link is safe here: a verified evidence file is never changed
(a changed one is withheld), and removing an earlier report only unlinks its names.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from servaudit.evidence_bucket import Bucket
from servaudit.report import folder as report_folder
from servaudit.report.data import evidence_href, safe_name
from servaudit.store import EvidenceRecord, Store


def write_evidence(store: Store, folder: Path, audit_folder: Path, bucket: Bucket | None = None) -> list[str]:
    """Mail is written from the store's bytes; probe files are taken only when their SHA-256 still
    matches the store's, from the audit folder or else from the audit's bucket. Returns the
    evidence withheld (missing or changed)."""
    missing: list[tuple[EvidenceRecord, Path]] = []
    made: set[str] = set()
    for item in store.evidence():
        target = folder.parent / evidence_href(item.path)
        if str(target) in made:
            continue  # the same file recorded twice
        made.add(str(target))
        if str(target.parent) not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(str(target.parent))
        if not link_verified(audit_folder / item.path, target, item.sha256):
            missing.append((item, target))
    withheld = _from_bucket(bucket, missing) if bucket is not None else [item.path for item, _ in missing]
    base = str(folder) + os.sep
    for inquiry_id, raw in store.sent_raws():
        _write(f"{base}{safe_name(inquiry_id)}.sent.eml", raw)
    for message_id, raw in store.raw_messages_all():
        _write(f"{base}message-{message_id}.eml", raw)
    return withheld


def _from_bucket(bucket: Bucket, missing: list[tuple[EvidenceRecord, Path]]) -> list[str]:
    """Files not in this machine's evidence/ (sent from another one) from the bucket, each only
    with the SHA-256 recorded at send time; returns those still withheld."""
    found = bucket.download([item.path for item, _target in missing])
    withheld = []
    for item, target in missing:
        data = found.get(item.path)
        if data is None or item.sha256 is None or hashlib.sha256(data).hexdigest() != item.sha256:
            withheld.append(item.path)
            continue
        report_folder.write_bytes(target, data)
    return withheld


def _write(target: str, data: bytes) -> None:
    """A new file (never through a symlink: O_NOFOLLOW, O_EXCL), in the folder already made."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    handle = os.open(target, flags, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


def link_verified(source: Path, target: Path, sha256: str | None) -> bool:
    """Link (or copy) an evidence file only when it still has the SHA-256 recorded at send time."""
    try:
        handle = os.open(source, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    with os.fdopen(handle, "rb") as reader:
        data = reader.read()
        hashed = os.fstat(reader.fileno())
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        return False
    if sha256 is not None:
        try:
            os.link(source, target, follow_symlinks=False)
        except OSError:
            pass  # another file system, or links not allowed: copy the bytes just verified
        else:
            linked = os.stat(target, follow_symlinks=False)
            if (linked.st_dev, linked.st_ino) == (hashed.st_dev, hashed.st_ino):
                return True
            os.unlink(target)  # a symlink, or replaced since it was hashed: copy what was verified
    report_folder.write_bytes(target, data)
    return True
