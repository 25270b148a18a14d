"""Whole messages by UID FETCH, read straight off an IMAPClient's connection.

imapclient reads a FETCH response through imaplib (which files every line and literal away as an
untagged response) and then tokenises it byte by byte with its own lexer: for whole messages that
is most of the download's CPU, twice what the message bytes cost to receive. Here the command is
sent on the same connection and its answer read line by line, each message's body as one literal:
only the few bytes around it (``* 7 FETCH (UID 9 INTERNALDATE "…" BODY[] {1234}``) are looked at.

Anything else a server may send is passed by: untagged responses of other kinds, unsolicited FETCH
responses without a body (flag changes), whatever literals they carry. A body sent another way than
as a literal (a quoted string or NIL, which RFC 3501 allows) is not read here: its UID is returned
as ``unread``, for the caller to fetch through imapclient's own parser.
"""

from __future__ import annotations

import imaplib
import re
from dataclasses import dataclass, field
from datetime import datetime

from imapclient import IMAPClient
from imapclient.datetime_util import parse_to_datetime
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

_LITERAL = re.compile(rb"\{(\d+)\}\r?\n?$")
_FETCH = re.compile(rb"\* \d+ FETCH \(", re.IGNORECASE)
_UID = re.compile(rb"[( ]UID (\d+)", re.IGNORECASE)
_DATE = re.compile(rb'[( ]INTERNALDATE "([^"]*)"', re.IGNORECASE)
_BODY = re.compile(rb"[( ]BODY\[\] ", re.IGNORECASE)
_BODY_LITERAL = re.compile(rb"[( ]BODY\[\] \{\d+\}\r?\n?$", re.IGNORECASE)
"""The end of the text before a literal that is a message's body."""


@dataclass
class Fetched:
    """What one UID FETCH brought: each message's bytes and INTERNALDATE by UID, and the UIDs whose
    body came in a form not read here."""

    bodies: dict[int, tuple[bytes, datetime | None]] = field(default_factory=dict)
    """UID → (bytes, INTERNALDATE); the date None when the server's could not be read (as imapclient
    gives it: the reader says so)."""
    unread: list[int] = field(default_factory=list)


def fetch_bodies(client: IMAPClient, uids: list[int]) -> Fetched:
    """``UID FETCH uids (BODY.PEEK[] INTERNALDATE)`` on ``client``'s selected folder (PEEK: no
    \\Seen flag is set). Raises IMAPClientError when the server refuses, IMAPClientAbortError (or an
    OSError) when the connection is lost: as imapclient's own fetch does."""
    imap = client._imap  # imapclient's imaplib connection: its documented send/readline/read
    tag = imap._new_tag()  # as imapclient's own raw commands take one
    try:
        wanted = ",".join(map(str, uids)).encode()
        imap.send(tag + b" UID FETCH " + wanted + b" (BODY.PEEK[] INTERNALDATE)\r\n")
        fetched = Fetched()
        while True:
            texts, literals = _response(imap)
            first = texts[0]
            if first.startswith(tag + b" "):
                status = first[len(tag) + 1 :].split(None, 1)
                if not status or status[0].upper() != b"OK":
                    raise IMAPClientError(f"fetch failed: {first.decode('ascii', 'replace').strip()}")
                return fetched
            if _FETCH.match(first):
                _take(texts, literals, fetched)
    finally:
        imap.tagged_commands.pop(tag, None)


def _response(imap: imaplib.IMAP4) -> tuple[list[bytes], list[bytes]]:
    """One response: its text pieces and the literals between them (text, literal, text, …)."""
    texts: list[bytes] = []
    literals: list[bytes] = []
    while True:
        line = imap.readline()
        if not line:
            raise IMAPClientAbortError("the server closed the connection during a FETCH")
        texts.append(line)
        found = _LITERAL.search(line)
        if found is None:
            return texts, literals
        size = int(found.group(1))
        literal = imap.read(size)
        if len(literal) != size:
            raise IMAPClientAbortError("the server closed the connection inside a message")
        literals.append(literal)


def _take(texts: list[bytes], literals: list[bytes], fetched: Fetched) -> None:
    """Keep the message of one FETCH response, if it carries a body."""
    # The literals' places are marked, so nothing inside a message is ever read as an item.
    joined = b"\0".join(texts)
    uid = _UID.search(joined)
    if uid is None:
        return  # a flag change or another unsolicited FETCH response, not one of ours
    number = int(uid.group(1))
    body = None
    for before, literal in zip(texts, literals, strict=False):
        if _BODY_LITERAL.search(before):
            body = literal
    date = _DATE.search(joined)
    if body is None or date is None:
        if _BODY.search(joined):
            fetched.unread.append(number)  # a body, but quoted or NIL: imapclient reads it
        return
    try:
        arrived: datetime | None = parse_to_datetime(date.group(1), normalise=False)
    except ValueError:
        arrived = None
    fetched.bodies[number] = (body, arrived)
