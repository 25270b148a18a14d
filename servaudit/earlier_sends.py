"""Signs in an audit folder that inquiries were sent before, for a store that knows of none.

The store is what keeps `run` from sending twice. When it is new, empty or 0 bytes (deleted,
truncated, a CI cache evicted or restored from the wrong key) while the folder shows that a run
sent before, sending would repeat every inquiry: `run` refuses and names what it found.
"""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from pathlib import Path

from servaudit.config import Audit, ImapMailbox, MaildirMailbox
from servaudit.errors import ServauditError

HEADER_BYTES = 64 * 1024
MAX_MESSAGES_READ = 5000
"""A mailbox is read only this far: one reply to an earlier inquiry is enough to know."""


def journal_leftovers(store_path: Path) -> list[str]:
    """A journal next to the store; looked at before the store is opened (opening may remove it)."""
    found = []
    for suffix in ("-wal", "-journal"):
        leftover = store_path.with_name(store_path.name + suffix)
        if leftover.exists() and leftover.stat().st_size > 0:
            found.append(f"{leftover.name} (a store's journal without its store)")
    return found


def earlier_sends(audit: Audit) -> list[str]:
    """What in the audit folder shows that inquiries left before (empty when nothing does)."""
    found = []
    evidence = audit.folder / "evidence"
    files = [p for p in evidence.rglob("*") if p.is_file()] if evidence.is_dir() else []
    if files:
        found.append(f"{len(files)} evidence files in {evidence}")
    replies = _replies_to_the_persona(audit)
    if replies:
        found.append(f"{replies} replies to earlier inquiries in the mailbox")
    return found


def _replies_to_the_persona(audit: Audit) -> int:
    """Messages in a Maildir mailbox that answer a message sent by the persona's domain.

    servaudit's Message-IDs end in the persona's domain, and a plus-addressed reply address is made
    per inquiry, so such a reference cannot come from mail the mailbox had before the audit.
    """
    box = audit.config.mailbox
    if isinstance(box, ImapMailbox):
        return _imap_replies(audit)
    if not isinstance(box, MaildirMailbox):
        return 0
    persona = audit.config.persona.email
    local, _, domain = persona.rpartition("@")
    ours = re.compile(
        rf"@{re.escape(domain)}>|{re.escape(local)}\+[a-z0-9]+@{re.escape(domain)}".encode(), re.IGNORECASE
    )
    root = audit.resolve(box.path)
    count = 0
    paths = [p for sub in ("new", "cur") if (root / sub).is_dir() for p in (root / sub).iterdir()]
    for path in paths[:MAX_MESSAGES_READ]:
        try:
            with path.open("rb") as handle:
                head = handle.read(HEADER_BYTES)
        except OSError:
            continue
        headers = BytesHeaderParser().parsebytes(head)
        refs = " ".join(
            str(headers.get(name, "")) for name in ("In-Reply-To", "References", "To", "Delivered-To")
        )
        if ours.search(refs.encode("utf-8", "replace")):
            count += 1
    return count


def _imap_replies(audit: Audit) -> int:
    """Asked of the server; a mailbox that cannot be reached does not stop a run (it needs only its
    relay), so this sign is then simply missing."""
    from servaudit.collect import open_reader
    from servaudit.mailbox.imap import ImapReader

    try:
        _, reader = open_reader(audit)
    except ServauditError:
        return 0
    try:
        assert isinstance(reader, ImapReader)
        return reader.count_replies_to(audit.config.persona.email.rpartition("@")[2])
    except ServauditError:
        return 0
    finally:
        reader.close()
