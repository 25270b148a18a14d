"""MaildirReader on real Maildir folders, and on one that Dovecot serves at the same time."""

from __future__ import annotations

import json
import mailbox
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from imapclient import IMAPClient

import servaudit.mailbox.maildir as maildir_module
from servaudit.errors import EXIT_INFRASTRUCTURE, InfrastructureError
from servaudit.mailbox.base import Cursor, IncomingMail
from servaudit.mailbox.maildir import MaildirReader
from servaudit.sandbox.imap import DovecotServer

Deliver = Callable[..., Path]
MakeMessage = Callable[..., bytes]

PAST = datetime(2024, 3, 1, 9, 15, 30, 123_456, tzinfo=UTC)


def never_known(source: str) -> bool:
    return False


def collect(
    reader: MaildirReader, cursor: Cursor | None = None, is_known: Callable[[str], bool] = never_known
) -> tuple[list[IncomingMail], Cursor]:
    mails: list[IncomingMail] = []
    cursor = cursor if cursor is not None else {}
    for mail, next_cursor in reader.fetch_new(cursor, is_known):
        mails.append(mail)
        cursor = next_cursor
    return mails, cursor


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    path = tmp_path / "Maildir"
    mailbox.Maildir(path, create=True)
    return path


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and mtime: proof that reading changed nothing."""
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
    }


def test_reads_new_and_cur_in_arrival_order_with_exact_bytes_and_times(
    maildir: Path, deliver: Deliver, make_message: MakeMessage
) -> None:
    late, early = make_message("Late"), make_message("Early")
    late_path = deliver(maildir, late, PAST + timedelta(hours=3))
    deliver(maildir, early, PAST)
    # Already read by the persona's mail client: lives in cur/ with flags.
    os.rename(late_path, maildir / "cur" / f"{late_path.name}:2,S")

    mails, cursor = collect(MaildirReader(maildir))

    assert [m.raw for m in mails] == [early, late]
    assert [m.arrived_at for m in mails] == [PAST, PAST + timedelta(hours=3)]
    assert all(m.arrived_at.tzinfo == UTC for m in mails)
    assert mails[1].source == f"maildir:{late_path.name}"
    assert json.loads(json.dumps(cursor)) == cursor


def test_reading_changes_nothing(maildir: Path, deliver: Deliver, make_message: MakeMessage) -> None:
    deliver(maildir, make_message("One"), PAST)
    deliver(maildir, make_message("Two"), PAST)
    before = snapshot(maildir)

    collect(MaildirReader(maildir))

    assert snapshot(maildir) == before


def test_flag_change_by_another_client_is_not_a_new_message(
    maildir: Path, deliver: Deliver, make_message: MakeMessage
) -> None:
    path = deliver(maildir, make_message("Answered"), PAST)
    (first,), _ = collect(MaildirReader(maildir))
    os.rename(path, maildir / "cur" / f"{path.name}:2,RS")

    (again,), _ = collect(MaildirReader(maildir))

    assert again.source == first.source
    assert again.raw == first.raw
    assert again.arrived_at == first.arrived_at


def test_known_sources_are_skipped_without_reading_the_file(
    maildir: Path, deliver: Deliver, make_message: MakeMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = deliver(maildir, make_message("Stored already"), PAST)
    fresh = deliver(maildir, make_message("Fresh"), PAST + timedelta(seconds=1))
    opened: list[str] = []
    real_read = maildir_module._read_message

    def spy(entry: maildir_module._Entry, root: Path) -> bytes | None:
        opened.append(entry.path.name)
        return real_read(entry, root)

    monkeypatch.setattr(maildir_module, "_read_message", spy)

    mails, _ = collect(MaildirReader(maildir), {}, lambda source: source == f"maildir:{known.name}")

    assert [m.source for m in mails] == [f"maildir:{fresh.name}"]
    assert opened == [fresh.name]


def test_ignores_tmp_and_dot_files(maildir: Path, make_message: MakeMessage) -> None:
    (maildir / "tmp" / "1700000000.half-written.host").write_bytes(make_message("Partial"))
    (maildir / "new" / ".hidden").write_bytes(b"not a message")

    assert collect(MaildirReader(maildir))[0] == []


def test_odd_bytes_come_back_unchanged(maildir: Path, deliver: Deliver) -> None:
    raw = (
        b"Subject: caf\xe9 \xff\xfe\n"  # bare LF line ends, 8-bit junk in a header
        b"Content-Type: multipart/mixed; boundary=x\r\n"
        b"\r\n"
        b"--x\r\nno closing boundary, a NUL \x00 and a lone CR \r here"
    )
    deliver(maildir, raw, PAST)

    (mail,), _ = collect(MaildirReader(maildir))

    assert mail.raw == raw


def test_missing_folder_is_an_infrastructure_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "Maildir"

    with pytest.raises(InfrastructureError) as caught:
        collect(MaildirReader(missing))

    assert f"Maildir {missing} does not exist" in str(caught.value)
    assert caught.value.exit_code == EXIT_INFRASTRUCTURE


def test_folder_without_new_and_cur_is_not_a_maildir(tmp_path: Path) -> None:
    with pytest.raises(InfrastructureError, match="is not a Maildir: new/ and cur/ missing"):
        collect(MaildirReader(tmp_path))


def test_empty_maildir_yields_nothing(maildir: Path) -> None:
    assert collect(MaildirReader(maildir)) == ([], {})


@pytest.mark.imap
def test_dovecot_marking_a_message_read_keeps_its_source(
    dovecot: DovecotServer, deliver: Deliver, make_message: MakeMessage
) -> None:
    raw = make_message("Read in the webmail")
    deliver(dovecot.maildir, raw, PAST)
    (first,), _ = collect(MaildirReader(dovecot.maildir))

    client = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=5)
    client.login(dovecot.username, dovecot.password)
    client.select_folder("INBOX")
    client.add_flags([1], [b"\\Seen"])
    client.logout()
    renamed = list((dovecot.maildir / "cur").iterdir())

    mails, _ = collect(MaildirReader(dovecot.maildir), {}, lambda source: source == first.source)
    (again,), _ = collect(MaildirReader(dovecot.maildir))

    assert [p.name.split(":")[1] for p in renamed] == ["2,S"]
    assert mails == []
    assert (again.source, again.raw) == (first.source, raw)
    # Dovecot keeps the delivery time when it moves the file, so does the reader.
    assert again.arrived_at == first.arrived_at == PAST
