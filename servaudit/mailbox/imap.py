"""Read the auditor's mailbox over IMAP: read-only, incremental by UIDVALIDITY/UID, no body twice."""

from __future__ import annotations

import base64
import contextlib
import logging
import socket
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Literal, get_args

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from servaudit.errors import InfrastructureError, UsageError
from servaudit.mailbox.base import Cursor, IncomingMail
from servaudit.mailbox.imap_fetch import fetch_bodies
from servaudit.secrets import register_secret, scrub

log = logging.getLogger(__name__)

Security = Literal["none", "starttls", "ssl"]
# What a dropped or unreachable server raises; protocol-level refusals are IMAPClientError.
_NETWORK_ERRORS = (OSError, IMAPClientAbortError)


class ImapReader:
    """Fetch new messages from one IMAP folder without changing the mailbox.

    The folder is opened with EXAMINE and bodies are fetched with BODY.PEEK[],
    so no \\Seen flag is ever set. The cursor is ``{"uidvalidity", "last_uid"}``;
    when UIDVALIDITY changes, every UID is new again and ``is_known`` (the
    store's content check) keeps that from duplicating anything.
    """

    def __init__(
        self,
        host: str,
        port: int,
        security: Security,
        username: str,
        password: str,
        folder: str = "INBOX",
        timeout: float = 30.0,
        *,
        batch_size: int = 500,
        batch_bytes: int = 4 * 1024 * 1024,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in get_args(Security):
            raise UsageError(f"IMAP security must be one of none, starttls, ssl, not {security!r}")
        if batch_size < 1:
            raise UsageError("IMAP batch size must be at least 1")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self._password = password
        register_secret(password)
        self.folder = folder
        self.timeout = timeout
        self.batch_size = batch_size
        self.batch_bytes = batch_bytes
        """One UID FETCH asks for at most ``batch_size`` messages, and for no more than ``batch_bytes``
        if each were as large as the largest seen so far: few round trips, bounded memory."""
        self._ssl_context = ssl_context
        self._client: IMAPClient | None = None
        self._uid_next: int | None = None
        """UIDNEXT as the folder's last EXAMINE reported it (None: the server did not say)."""
        self.bodies_downloaded = 0
        """How many message bodies this reader has downloaded (tests prove incrementality with it)."""
        self.fetches = 0
        """How many UID FETCH commands for bodies it has sent (tests see the batches with it)."""
        self.searches = 0
        """How many UID SEARCH commands for new mail it has sent (none when UIDNEXT says nothing is new)."""

    def __repr__(self) -> str:
        return f"ImapReader({self.username}@{self._where}/{self.folder}, security={self.security})"

    def __enter__(self) -> ImapReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    def fetch_new(
        self, cursor: Cursor, is_known: Callable[[str], bool]
    ) -> Iterator[tuple[IncomingMail, Cursor]]:
        client, uidvalidity = self._open_folder()
        last_uid = _resume_after(cursor, uidvalidity)
        found = [] if self._nothing_after(last_uid) else self._uids_after(client, last_uid)
        log.debug("IMAP %s/%s: %d UIDs after %d", self._where, self.folder, len(found), last_uid)
        uids = [uid for uid in found if not is_known(self._source(uidvalidity, uid))]
        # Batches as large as batch_bytes allows for the largest message seen so far: few round
        # trips for a mailbox of small mail, bounded memory for one of large mail.
        count, largest, done = min(self.batch_size, FIRST_BATCH), 0, 0
        while done < len(uids):
            batch = uids[done : done + count]
            done += len(batch)
            for mail, next_cursor in self._fetch_batch(client, uidvalidity, batch):
                largest = max(largest, len(mail.raw))
                yield mail, next_cursor
            count = max(1, min(self.batch_size, self.batch_bytes // max(largest, 1)))

    def check(self) -> None:
        """Log in and open the folder read-only, downloading nothing."""
        self._open_folder()

    def count_replies_to(self, domain: str) -> int:
        """Messages whose In-Reply-To or References name a Message-ID of ``domain`` (searched by the
        server, nothing downloaded): how `run` tells a forgotten audit from a new one."""
        client, _ = self._open_folder()
        found: set[int] = set()
        for header in ("In-Reply-To", "References"):
            with self._network("searching for replies"):
                found.update(client.search(["HEADER", header, f"@{domain}>"]))
        return len(found)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # the connection is being dropped either way
            _shutdown_quietly(client)

    # --- connection -------------------------------------------------------

    def _open_folder(self) -> tuple[IMAPClient, int]:
        """A connection with the folder freshly examined, and its UIDVALIDITY."""
        if self._client is not None:
            # A kept connection may have been idled out, or the mailbox rebuilt under
            # it (Dovecot: "Mailbox was deleted under us"): one retry on a fresh one.
            try:
                return self._client, self._examine(self._client)
            except InfrastructureError:
                log.info("IMAP %s: reconnecting after a failure on the kept connection", self._where)
                self.close()
        client = self._connection()
        return client, self._examine(client)

    def _connection(self) -> IMAPClient:
        if self._client is None:
            client = self._connect()
            self._login(client)
            self._client = client
        return self._client

    def _connect(self) -> IMAPClient:
        # A TLS context only where TLS is spoken: loading the system's CAs costs some 25 ms of CPU.
        context = None if self.security == "none" else self._ssl_context or ssl.create_default_context()
        try:
            client = IMAPClient(
                self.host,
                port=self.port,
                ssl=self.security == "ssl",
                ssl_context=context if self.security == "ssl" else None,
                timeout=self.timeout,
            )
        except (*_NETWORK_ERRORS, IMAPClientError) as exc:
            raise self._unreachable(exc) from exc
        # Aware datetimes with the server's offset, not naive local time.
        client.normalise_times = False
        if self.security == "starttls":
            assert context is not None
            self._starttls(client, context)
        return client

    def _starttls(self, client: IMAPClient, context: ssl.SSLContext) -> None:
        try:
            client.starttls(context)
        except _NETWORK_ERRORS as exc:
            _shutdown_quietly(client)
            raise self._unreachable(exc) from exc
        except IMAPClientError as exc:
            _shutdown_quietly(client)
            raise InfrastructureError(
                f"cannot reach IMAP server {self._where}: STARTTLS refused: {_server_text(exc)}"
            ) from exc

    def _login(self, client: IMAPClient) -> None:
        try:
            self._authenticate(client)
        except _NETWORK_ERRORS as exc:
            _shutdown_quietly(client)
            raise self._unreachable(exc) from exc
        except InfrastructureError:
            _shutdown_quietly(client)
            raise
        except (LoginError, IMAPClientError) as exc:
            _shutdown_quietly(client)
            raise InfrastructureError(
                f"IMAP login failed for {self.username} at {self._where}: {self._scrub(_server_text(exc))}"
            ) from exc

    def _authenticate(self, client: IMAPClient) -> None:
        """Log in with the credentials as UTF-8: AUTHENTICATE PLAIN when offered (imaplib's LOGIN
        encodes them as ASCII and failed, quoting the password, on an umlaut)."""
        if self.username.isascii() and self._password.isascii() and not _offers_plain(client):
            client.login(self.username, self._password)
            return
        if not _offers_plain(client):
            raise InfrastructureError(
                f"IMAP server {self._where} offers no AUTHENTICATE PLAIN, the only way to send a "
                "password with non-ASCII characters; use an ASCII password for this mailbox"
            )
        payload = f"\0{self.username}\0{self._password}".encode()
        register_secret(base64.b64encode(payload).decode("ascii"))
        client.plain_login(self.username, self._password)

    def _unreachable(self, exc: BaseException) -> InfrastructureError:
        reason = self._scrub(_network_reason(exc, self.timeout))
        return InfrastructureError(f"cannot reach IMAP server {self._where}: {reason}")

    def _scrub(self, text: str) -> str:
        # Defence in depth: no server or library text may echo the password to the user.
        return scrub(text.replace(self._password, "***") if self._password else text)

    @contextlib.contextmanager
    def _network(
        self, doing: str, refused: Callable[[IMAPClientError], InfrastructureError] | None = None
    ) -> Iterator[None]:
        """Turn a dropped connection or a refused command into an InfrastructureError.

        After a dropped connection the next fetch reconnects.
        """
        try:
            yield
        except _NETWORK_ERRORS as exc:
            client, self._client = self._client, None
            if client is not None:
                _shutdown_quietly(client)
            reason = self._scrub(_network_reason(exc, self.timeout))
            raise InfrastructureError(f"lost the IMAP server {self._where} while {doing}: {reason}") from exc
        except IMAPClientError as exc:
            if refused is not None:
                raise refused(exc) from exc
            raise InfrastructureError(
                f"IMAP server {self._where} refused {doing}: {self._scrub(_server_text(exc))}"
            ) from exc

    # --- reading ----------------------------------------------------------

    def _examine(self, client: IMAPClient) -> int:
        # Re-opened on every fetch so a long-lived reader sees new mail and UIDVALIDITY changes.
        with self._network(f"opening folder {self.folder!r}", refused=self._folder_error):
            info = client.select_folder(self.folder, readonly=True)
        uidvalidity = info.get(b"UIDVALIDITY")
        uid_next = info.get(b"UIDNEXT")
        self._uid_next = int(uid_next) if isinstance(uid_next, int) else None
        if uidvalidity is None:
            raise InfrastructureError(
                f"IMAP server {self._where} reported no UIDVALIDITY for folder {self.folder!r}"
            )
        return int(uidvalidity)

    def _folder_error(self, exc: IMAPClientError) -> InfrastructureError:
        text = self._scrub(_server_text(exc))
        if "NONEXISTENT" in text.upper() or "doesn't exist" in text:
            what = "does not exist"
        else:
            what = "cannot be opened"
        return InfrastructureError(
            f"IMAP folder {self.folder!r} {what} for {self.username} at {self._where} (server said: {text})"
        )

    def _nothing_after(self, last_uid: int) -> bool:
        """Whether the folder surely holds no UID above ``last_uid``, told by EXAMINE's UIDNEXT: every
        UID is below it (RFC 3501, 2.3.1.1), so a collect with no new mail sends no SEARCH."""
        return self._uid_next is not None and self._uid_next <= last_uid + 1

    def _uids_after(self, client: IMAPClient, last_uid: int) -> list[int]:
        self.searches += 1
        with self._network("searching for new mail"):
            found = client.search(["UID", f"{last_uid + 1}:*"])
        # "n:*" also matches the highest UID when that is below n.
        return sorted(uid for uid in found if uid > last_uid)

    def _fetch_batch(
        self, client: IMAPClient, uidvalidity: int, uids: list[int]
    ) -> Iterator[tuple[IncomingMail, Cursor]]:
        with self._network("downloading mail"):
            fetched = fetch_bodies(client, uids)
            if fetched.unread:  # bodies sent in a form the lean reader leaves to imapclient
                response = client.fetch(fetched.unread, ["BODY.PEEK[]", "INTERNALDATE"])
                for uid, data in response.items():
                    if data.get(b"BODY[]") is not None and uid in fetched.unread:
                        fetched.bodies[uid] = (data[b"BODY[]"], data.get(b"INTERNALDATE"))
        self.fetches += 1
        bodies = fetched.bodies
        for uid in uids:
            raw, internaldate = bodies.pop(uid, (None, None))  # handed on and let go, not held
            if raw is None:
                continue  # expunged since the search
            self.bodies_downloaded += 1
            # INTERNALDATE is truncated to the second: the middle of that second is unbiased.
            arrived = _as_utc(internaldate) + timedelta(seconds=INTERNALDATE_RESOLUTION / 2)
            mail = IncomingMail(self._source(uidvalidity, uid), raw, arrived, INTERNALDATE_RESOLUTION)
            yield mail, {"uidvalidity": uidvalidity, "last_uid": uid}

    def _source(self, uidvalidity: int, uid: int) -> str:
        return f"imap:{self.folder}:{uidvalidity}:{uid}"


FIRST_BATCH = 20
"""Messages in the first UID FETCH, before the size of any message is known."""
INTERNALDATE_RESOLUTION = 1.0
"""IMAP's INTERNALDATE (RFC 3501) has whole seconds."""


def _offers_plain(client: IMAPClient) -> bool:
    return b"AUTH=PLAIN" in client.capabilities()


def _resume_after(cursor: Cursor, uidvalidity: int) -> int:
    """The last UID already read, or 0 to start over when the cursor is for another UIDVALIDITY."""
    if cursor.get("uidvalidity") != uidvalidity:
        return 0
    last_uid = cursor.get("last_uid", 0)
    return last_uid if isinstance(last_uid, int) and last_uid > 0 else 0


def _as_utc(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise InfrastructureError(f"IMAP server sent an unreadable INTERNALDATE: {value!r}")
    # INTERNALDATE always carries a zone; a naive value could only be UTC.
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _network_reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running and the port right?)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not accepted ({exc.verify_message or exc.reason})"
    if isinstance(exc, ssl.SSLError):
        hint = " (the port does not speak TLS: try security starttls or none)"
        return f"TLS failed: {exc.reason or exc}" + (hint if exc.reason == "WRONG_VERSION_NUMBER" else "")
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _server_text(exc) or type(exc).__name__


def _server_text(exc: BaseException) -> str:
    text = str(exc)
    # imaplib passes server replies as bytes, so str() shows "b'...'".
    for quote in ("'", '"'):
        if text.startswith(f"b{quote}") and text.endswith(quote):
            return text[2:-1]
    return text


def _shutdown_quietly(client: IMAPClient) -> None:
    # Already closed or broken: nothing left to release.
    with contextlib.suppress(Exception):
        client.shutdown()
