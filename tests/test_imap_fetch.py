"""The lean UID FETCH reader against a scripted IMAP server on 127.0.0.1 that answers the way RFC 3501
allows but Dovecot does not: items in another order, unsolicited responses in between, a body that
looks like IMAP, a body as a quoted string or NIL. Each answer is also read by imapclient's own
parser, which must find the same messages (the lean reader is a faster way to the same result)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from servaudit.errors import InfrastructureError
from servaudit.mailbox.imap import ImapReader
from servaudit.mailbox.imap_fetch import fetch_bodies

TRICKY = b"From: a@b.example\r\nSubject: UID 99 INTERNALDATE\r\n\r\n* 3 FETCH (UID 7 BODY[] {5}\r\nhello)\r\n"
PLAIN = b"From: c@d.example\r\nSubject: plain\r\n\r\nJust text.\r\n"
DATE = b'"07-Mar-2024 09:15:30 +0100"'
SECRET = "scripted-imap-secret"
"""The readers register their password to be masked in every message: one no other test's text holds."""


def literal(data: bytes) -> bytes:
    return b"{%d}\r\n" % len(data) + data


FETCHES: dict[str, list[bytes]] = {
    "reordered": [
        b"* 2 EXISTS\r\n",
        b"* 1 FETCH (BODY[] " + literal(TRICKY) + b" UID 11 INTERNALDATE " + DATE + b")\r\n",
        b"* 5 FETCH (FLAGS (\\Seen) UID 40)\r\n",  # unsolicited: someone read another message
        b"* 2 FETCH (UID 12 INTERNALDATE " + DATE + b" BODY[] " + literal(PLAIN) + b")\r\n",
    ],
    # A quoted string holds no line break: only a tiny "message" can come this way.
    "quoted": [b"* 1 FETCH (UID 11 INTERNALDATE " + DATE + b' BODY[] "a \\"tiny\\" one")\r\n'],
    "nil": [b"* 1 FETCH (UID 11 INTERNALDATE " + DATE + b" BODY[] NIL)\r\n"],
    "bad date": [b'* 1 FETCH (UID 11 INTERNALDATE "yesterday" BODY[] ' + literal(PLAIN) + b")\r\n"],
}


class ScriptedServer:
    """Just enough IMAP for imapclient to log in and examine INBOX; a UID FETCH gets ``answer``."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.answer: list[bytes] = []
        self.status = b"OK done"
        self.hang_up_in_literal = False
        self.commands: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection, connection.makefile("rb") as lines:
                connection.sendall(b"* OK [CAPABILITY IMAP4rev1] scripted\r\n")
                for line in lines:
                    if not self._answer(connection, line):
                        break

    def _answer(self, connection: socket.socket, line: bytes) -> bool:
        tag, command = line.rstrip(b"\r\n").split(b" ", 1)
        self.commands.append(command.strip())
        word = command.split(b" ", 2)[:2]
        if word[0].upper() == b"CAPABILITY":
            connection.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
        elif word[0].upper() in (b"EXAMINE", b"SELECT"):
            examined = b"* 2 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n"
            connection.sendall(examined + tag + b" OK [READ-ONLY] done\r\n")
        elif word == [b"UID", b"SEARCH"]:
            connection.sendall(b"* SEARCH 11 12\r\n" + tag + b" OK done\r\n")
        elif word == [b"UID", b"FETCH"]:
            if self.hang_up_in_literal:
                connection.sendall(b"* 1 FETCH (UID 11 BODY[] {500}\r\nonly a part")
                return False
            connection.sendall(b"".join(self.answer) + tag + b" " + self.status + b"\r\n")
        elif word[0].upper() == b"LOGOUT":
            connection.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n")
            return False
        else:  # LOGIN and anything else
            connection.sendall(tag + b" OK done\r\n")
        return True

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    yield scripted
    scripted.close()


@contextmanager
def client_of(server: ScriptedServer) -> Iterator[IMAPClient]:
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=5)
    client.normalise_times = False
    client.login("user", SECRET)
    client.select_folder("INBOX", readonly=True)
    try:
        yield client
    finally:
        client.logout()


def as_imapclient_reads(client: IMAPClient, uids: list[int]) -> dict[int, tuple[bytes, datetime]]:
    found = client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"])
    return {
        uid: (data[b"BODY[]"], data[b"INTERNALDATE"])
        for uid, data in found.items()
        if uid in uids and data.get(b"BODY[]") is not None
    }


def test_reads_what_imapclient_reads_whatever_the_order_and_the_bodies_look_like(
    server: ScriptedServer,
) -> None:
    server.answer = FETCHES["reordered"]
    with client_of(server) as client:
        fetched = fetch_bodies(client, [11, 12])
        by_imapclient = as_imapclient_reads(client, [11, 12])
        # The connection is in step afterwards: another command gets its own answer.
        assert client.search(["UID", "1:*"]) == [11, 12]
    assert fetched.bodies == by_imapclient
    assert fetched.bodies[11] == (TRICKY, datetime(2024, 3, 7, 8, 15, 30, tzinfo=UTC))
    assert fetched.bodies[11][1].utcoffset() == timedelta(hours=1)
    assert fetched.unread == []
    assert b"UID FETCH 11,12 (BODY.PEEK[] INTERNALDATE)" in server.commands


@pytest.mark.parametrize("form", ["quoted", "nil"])
def test_a_body_not_sent_as_a_literal_is_left_to_imapclient(server: ScriptedServer, form: str) -> None:
    server.answer = FETCHES[form]
    with client_of(server) as client:
        fetched = fetch_bodies(client, [11])
    assert fetched.bodies == {}
    assert fetched.unread == [11]


def test_the_reader_takes_a_quoted_body_from_imapclient_and_skips_a_nil_one(server: ScriptedServer) -> None:
    server.answer = FETCHES["quoted"]
    reader = ImapReader("127.0.0.1", server.port, "none", "user", SECRET, timeout=5)
    try:
        mails = [mail for mail, _ in reader.fetch_new({}, lambda source: source.endswith(":12"))]
        assert [mail.raw for mail in mails] == [b'a "tiny" one']
        assert mails[0].source == "imap:INBOX:7:11"
        assert mails[0].arrived_at == datetime(2024, 3, 7, 8, 15, 30, 500_000, tzinfo=UTC)
        server.answer = FETCHES["nil"]  # expunged between the search and the fetch: nothing to read
        assert list(reader.fetch_new({}, lambda source: source.endswith(":12"))) == []
    finally:
        reader.close()


def test_a_refused_fetch_raises_as_imapclient_does(server: ScriptedServer) -> None:
    server.status = b"NO [SERVERBUG] Internal error"
    with client_of(server) as client, pytest.raises(IMAPClientError, match="SERVERBUG"):
        fetch_bodies(client, [11])


def test_a_connection_lost_inside_a_message_is_an_abort(server: ScriptedServer) -> None:
    server.hang_up_in_literal = True
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=5)
    client.login("user", SECRET)
    client.select_folder("INBOX", readonly=True)
    with pytest.raises(IMAPClientAbortError):
        fetch_bodies(client, [11])
    client.shutdown()


def test_the_reader_says_the_server_was_lost(server: ScriptedServer) -> None:
    server.hang_up_in_literal = True
    reader = ImapReader("127.0.0.1", server.port, "none", "user", SECRET, timeout=5)
    lost = r"lost the IMAP server 127\.0\.0\.1:\d+ while downloading mail"
    with pytest.raises(InfrastructureError, match=lost):
        list(reader.fetch_new({}, lambda source: False))
    reader.close()


def test_an_unreadable_internaldate_is_a_clear_error(server: ScriptedServer) -> None:
    server.answer = FETCHES["bad date"]
    reader = ImapReader("127.0.0.1", server.port, "none", "user", SECRET, timeout=5)
    with pytest.raises(InfrastructureError, match="unreadable INTERNALDATE"):
        list(reader.fetch_new({}, lambda source: False))
    reader.close()
