"""ImapReader against a real, private Dovecot on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from imapclient import IMAPClient

from servaudit.errors import EXIT_INFRASTRUCTURE, InfrastructureError
from servaudit.mailbox.base import Cursor, IncomingMail
from servaudit.mailbox.imap import ImapReader, Security
from servaudit.sandbox.imap import DovecotServer

Deliver = Callable[..., Path]
MakeMessage = Callable[..., bytes]

pytestmark = pytest.mark.imap

USER = "persona@example.test"
PASSWORD = "an0ther: secret"
PAST = datetime(2024, 3, 1, 9, 15, 30, 250_000, tzinfo=UTC)


def never_known(source: str) -> bool:
    return False


def reader_for(
    server: DovecotServer, security: Security = "none", folder: str = "INBOX", batch_size: int = 50
) -> ImapReader:
    return ImapReader(
        server.host,
        server.port,
        security,
        server.username,
        server.password,
        folder,
        timeout=5.0,
        batch_size=batch_size,
    )


def collect(
    reader: ImapReader, cursor: Cursor, is_known: Callable[[str], bool] = never_known
) -> tuple[list[IncomingMail], Cursor]:
    mails: list[IncomingMail] = []
    for mail, next_cursor in reader.fetch_new(cursor, is_known):
        mails.append(mail)
        cursor = next_cursor
    return mails, cursor


@contextmanager
def other_client(server: DovecotServer, folder: str = "INBOX") -> Iterator[IMAPClient]:
    """A second, independent IMAP session, to look at the mailbox the way another mail client would."""
    client = IMAPClient(server.host, server.port, ssl=False, timeout=5)
    client.normalise_times = False
    client.login(server.username, server.password)
    client.select_folder(folder, readonly=True)
    try:
        yield client
    finally:
        client.logout()


@pytest.fixture
def reader(dovecot: DovecotServer) -> Iterator[ImapReader]:
    with reader_for(dovecot) as imap_reader:
        yield imap_reader


def test_fetches_exact_bytes_with_internaldate_as_arrival(
    dovecot: DovecotServer, reader: ImapReader, deliver: Deliver, make_message: MakeMessage
) -> None:
    first, second = make_message("Order 1"), make_message("Order 2")
    deliver(dovecot.maildir, first, PAST)
    deliver(dovecot.maildir, second, PAST + timedelta(hours=2))

    mails, cursor = collect(reader, {})

    assert [m.raw for m in mails] == [first, second]
    with other_client(dovecot) as client:
        uidvalidity = client.folder_status("INBOX", ["UIDVALIDITY"])[b"UIDVALIDITY"]
        dates = {uid: d[b"INTERNALDATE"] for uid, d in client.fetch([1, 2], ["INTERNALDATE"]).items()}
    assert [m.source for m in mails] == [f"imap:INBOX:{uidvalidity}:1", f"imap:INBOX:{uidvalidity}:2"]
    # INTERNALDATE has whole seconds: the reader takes the middle of that second, and says so.
    half = timedelta(seconds=0.5)
    assert [m.arrived_at for m in mails] == [dates[1] + half, dates[2] + half]
    assert {m.resolution for m in mails} == {1.0}
    for mail, mtime in zip(mails, [PAST, PAST + timedelta(hours=2)], strict=True):
        assert mail.arrived_at.tzinfo is not None
        assert mail.arrived_at.utcoffset() == timedelta(0)
        assert abs(mail.arrived_at - mtime) < timedelta(seconds=1)
    assert cursor == {"uidvalidity": uidvalidity, "last_uid": 2}
    assert json.loads(json.dumps(cursor)) == cursor
    assert reader.bodies_downloaded == 2


def test_each_yield_carries_the_cursor_for_that_message(
    dovecot: DovecotServer, reader: ImapReader, deliver: Deliver, make_message: MakeMessage
) -> None:
    for n in range(3):
        deliver(dovecot.maildir, make_message(f"Reply {n}"), PAST + timedelta(minutes=n))

    cursors = [cursor for _mail, cursor in reader.fetch_new({}, never_known)]

    assert [c["last_uid"] for c in cursors] == [1, 2, 3]


def test_second_fetch_downloads_nothing_and_then_only_the_new_message(
    dovecot: DovecotServer, reader: ImapReader, deliver: Deliver, make_message: MakeMessage
) -> None:
    deliver(dovecot.maildir, make_message("First"), PAST)
    deliver(dovecot.maildir, make_message("Second"), PAST)
    _, cursor = collect(reader, {})

    again, same_cursor = collect(reader, cursor)

    assert again == []
    assert same_cursor == cursor
    assert reader.bodies_downloaded == 2

    third = make_message("Third")
    deliver(dovecot.maildir, third, PAST + timedelta(days=1))
    new, cursor = collect(reader, cursor)

    assert [m.raw for m in new] == [third]
    assert cursor["last_uid"] == 3
    assert reader.bodies_downloaded == 3


def test_nothing_new_is_told_by_uidnext_without_a_search(
    dovecot: DovecotServer, reader: ImapReader, deliver: Deliver, make_message: MakeMessage
) -> None:
    # EXAMINE's UIDNEXT is above every UID in the folder: at the cursor's UID + 1, nothing is new.
    deliver(dovecot.maildir, make_message("First"), PAST)
    _, cursor = collect(reader, {})
    searches = reader.searches

    again, _ = collect(reader, cursor)

    assert again == []
    assert reader.searches == searches
    second = make_message("Second")
    deliver(dovecot.maildir, second, PAST)
    new, cursor = collect(reader, cursor)
    assert [m.raw for m in new] == [second]
    assert reader.searches == searches + 1
    assert cursor["last_uid"] == 2


def test_a_fresh_reader_resumes_from_a_stored_cursor(
    dovecot: DovecotServer, reader: ImapReader, deliver: Deliver, make_message: MakeMessage
) -> None:
    deliver(dovecot.maildir, make_message("Old"), PAST)
    _, cursor = collect(reader, {})
    reader.close()
    deliver(dovecot.maildir, make_message("New"), PAST)

    with reader_for(dovecot) as later:
        mails, _ = collect(later, json.loads(json.dumps(cursor)))

    assert [m.source.rsplit(":", 1)[1] for m in mails] == ["2"]
    assert later.bodies_downloaded == 1


def test_known_sources_are_not_downloaded(
    dovecot: DovecotServer, reader: ImapReader, deliver: Deliver, make_message: MakeMessage
) -> None:
    for n in range(3):
        deliver(dovecot.maildir, make_message(f"Reply {n}"), PAST)
    asked: list[str] = []

    def first_two_known(source: str) -> bool:
        asked.append(source)
        return source.endswith((":1", ":2"))

    mails, cursor = collect(reader, {}, first_two_known)

    assert [m.source.rsplit(":", 1)[1] for m in mails] == ["3"]
    assert len(asked) == 3
    assert reader.bodies_downloaded == 1
    assert cursor["last_uid"] == 3


def test_batches_keep_uid_order(dovecot: DovecotServer, deliver: Deliver, make_message: MakeMessage) -> None:
    raws = [make_message(f"Reply {n}") for n in range(7)]
    for n, raw in enumerate(raws):
        deliver(dovecot.maildir, raw, PAST + timedelta(seconds=n))

    with reader_for(dovecot, batch_size=3) as small_batches:
        mails, cursor = collect(small_batches, {}, lambda source: source.endswith(":4"))

    assert [m.raw for m in mails] == raws[:3] + raws[4:]
    assert cursor["last_uid"] == 7
    assert small_batches.bodies_downloaded == 6


def test_batches_are_sized_by_the_largest_message_seen(
    dovecot: DovecotServer, deliver: Deliver, make_message: MakeMessage
) -> None:
    # The first batch is small (sizes unknown); then as many as fit batch_bytes at the largest so far.
    raws = [make_message(f"Reply {n}", "x" * 4000) for n in range(30)]
    for n, raw in enumerate(raws):
        deliver(dovecot.maildir, raw, PAST + timedelta(seconds=n))
    reader = ImapReader(
        dovecot.host, dovecot.port, "none", dovecot.username, dovecot.password, batch_bytes=3 * 4500
    )
    with reader:
        mails, cursor = collect(reader, {})

    assert [m.raw for m in mails] == raws
    assert cursor["last_uid"] == 30
    largest = max(len(m.raw) for m in mails)
    per_batch = (3 * 4500) // largest
    assert per_batch in (2, 3)
    # 20 in the first batch, the other 10 in batches of per_batch.
    assert reader.fetches == 1 + -(-10 // per_batch)


def test_never_sets_seen(
    dovecot: DovecotServer, reader: ImapReader, deliver: Deliver, make_message: MakeMessage
) -> None:
    deliver(dovecot.maildir, make_message("Unread"), PAST)
    collect(reader, {})

    with other_client(dovecot) as client:
        flags = client.get_flags([1])[1]

    assert b"\\Seen" not in flags


def test_uidvalidity_change_starts_over(
    dovecot: DovecotServer, reader: ImapReader, deliver: Deliver, make_message: MakeMessage
) -> None:
    raws = [make_message("Before"), make_message("Also before")]
    for raw in raws:
        deliver(dovecot.maildir, raw, PAST)
    _, cursor = collect(reader, {})
    # What a restore from backup or a server migration does: the UID list is rebuilt.
    for path in dovecot.maildir.glob("dovecot*index*"):
        path.unlink()
    (dovecot.maildir / "dovecot-uidlist").unlink()

    mails, new_cursor = collect(reader, cursor)

    assert [m.raw for m in mails] == raws
    assert new_cursor["uidvalidity"] != cursor["uidvalidity"]
    assert new_cursor["last_uid"] == 2
    assert mails[0].source == f"imap:INBOX:{new_cursor['uidvalidity']}:1"


def test_cursor_without_uidvalidity_starts_from_the_first_uid(
    dovecot: DovecotServer, reader: ImapReader, deliver: Deliver, make_message: MakeMessage
) -> None:
    deliver(dovecot.maildir, make_message("Only"), PAST)

    mails, _ = collect(reader, {"last_uid": 99})

    assert len(mails) == 1


def test_reads_another_folder_and_names_it_in_the_source(
    dovecot: DovecotServer, deliver: Deliver, make_message: MakeMessage
) -> None:
    with other_client(dovecot) as client:
        client.create_folder("Replies")
    raw = make_message("Filed by a rule")
    deliver(dovecot.maildir / ".Replies", raw, PAST)

    with reader_for(dovecot, folder="Replies") as replies:
        mails, _ = collect(replies, {})

    assert [m.raw for m in mails] == [raw]
    assert mails[0].source.startswith("imap:Replies:")


def test_broken_mime_comes_back_byte_for_byte(
    dovecot: DovecotServer, reader: ImapReader, deliver: Deliver
) -> None:
    raw = (
        b"From: =?utf-8?B?bm90IGNsb3NlZA\r\n"
        b"Subject: caf\xe9 \xff\xfe latin-1 and junk bytes\r\n"
        b"this line is not a header\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never-closed"\r\n'
        b"\r\n"
        b"--never-closed\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n"
        b"!!! this is not base64 !!!\r\n"
        b"--never-closed\r\n"
        b"Content-Type: text/html\r\n"
        b"\r\n"
        b"<p>no closing boundary and no final line end"
    )
    deliver(dovecot.maildir, raw, PAST)

    mails, _ = collect(reader, {})

    assert [m.raw for m in mails] == [raw]


def test_timezone_of_the_server_does_not_shift_arrival(
    tmp_path: Path, deliver: Deliver, monkeypatch: pytest.MonkeyPatch, make_message: MakeMessage
) -> None:
    # A half-hour offset on both sides: a naive or local-time conversion would be off by 5.5 h.
    monkeypatch.setenv("TZ", "IST-5:30")
    time.tzset()
    try:
        server = DovecotServer(tmp_path / "Maildir", USER, PASSWORD, workdir=tmp_path / "dovecot")
        with server, reader_for(server) as imap_reader:
            deliver(server.maildir, make_message("Namaste"), PAST)
            with other_client(server) as client:
                internaldate = client.fetch([1], ["INTERNALDATE"])[1][b"INTERNALDATE"]
            mails, _ = collect(imap_reader, {})
    finally:
        monkeypatch.undo()
        time.tzset()

    assert internaldate.utcoffset() == timedelta(hours=5, minutes=30)
    assert mails[0].arrived_at == PAST.replace(microsecond=0) + timedelta(seconds=0.5)
    assert mails[0].arrived_at.tzinfo == UTC


def test_reconnects_after_close(
    dovecot: DovecotServer, reader: ImapReader, deliver: Deliver, make_message: MakeMessage
) -> None:
    deliver(dovecot.maildir, make_message("One"), PAST)
    _, cursor = collect(reader, {})
    reader.close()
    reader.close()
    deliver(dovecot.maildir, make_message("Two"), PAST)

    mails, _ = collect(reader, cursor)

    assert len(mails) == 1


def test_connects_only_when_iterated() -> None:
    lazy = ImapReader("127.0.0.1", _closed_port(), "none", USER, PASSWORD, timeout=2)

    pending = lazy.fetch_new({}, never_known)

    with pytest.raises(InfrastructureError):
        next(pending)


# --- failures: clear messages, exit code 3, never the password ------------------------------


def assert_clear_failure(error: InfrastructureError, password: str, *fragments: str) -> None:
    text = str(error)
    for fragment in fragments:
        assert fragment in text
    assert password not in text
    assert password.split(":")[0] not in text
    assert error.exit_code == EXIT_INFRASTRUCTURE


def test_wrong_password(dovecot: DovecotServer) -> None:
    wrong = dovecot.password + "x"
    reader = ImapReader(dovecot.host, dovecot.port, "none", dovecot.username, wrong, timeout=5)

    with pytest.raises(InfrastructureError) as caught:
        collect(reader, {})

    assert_clear_failure(
        caught.value, wrong, f"IMAP login failed for {dovecot.username}", f"127.0.0.1:{dovecot.port}"
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_port() -> None:
    port = _closed_port()
    reader = ImapReader("127.0.0.1", port, "none", USER, PASSWORD, timeout=2)

    with pytest.raises(InfrastructureError) as caught:
        collect(reader, {})

    assert_clear_failure(caught.value, PASSWORD, f"cannot reach IMAP server 127.0.0.1:{port}", "refused")


def test_silent_server_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        reader = ImapReader("127.0.0.1", port, "none", USER, PASSWORD, timeout=0.3)
        started = time.monotonic()

        with pytest.raises(InfrastructureError) as caught:
            collect(reader, {})

    assert time.monotonic() - started < 3
    assert_clear_failure(
        caught.value, PASSWORD, f"cannot reach IMAP server 127.0.0.1:{port}", "no answer within 0.3 s"
    )


def test_tls_against_a_plaintext_port(dovecot: DovecotServer) -> None:
    reader = reader_for(dovecot, security="ssl")

    with pytest.raises(InfrastructureError) as caught:
        collect(reader, {})

    assert_clear_failure(
        caught.value, dovecot.password, f"cannot reach IMAP server 127.0.0.1:{dovecot.port}", "TLS"
    )


def test_starttls_not_offered(dovecot: DovecotServer) -> None:
    reader = reader_for(dovecot, security="starttls")

    with pytest.raises(InfrastructureError) as caught:
        collect(reader, {})

    assert_clear_failure(
        caught.value, dovecot.password, f"cannot reach IMAP server 127.0.0.1:{dovecot.port}", "STARTTLS"
    )


def test_missing_folder(dovecot: DovecotServer) -> None:
    reader = reader_for(dovecot, folder="Antworten")

    with pytest.raises(InfrastructureError) as caught:
        collect(reader, {})

    assert_clear_failure(caught.value, dovecot.password, "'Antworten'", "does not exist", dovecot.username)


def test_repr_does_not_show_the_password(dovecot: DovecotServer) -> None:
    assert dovecot.password not in repr(reader_for(dovecot))
    assert dovecot.password not in repr(dovecot)
