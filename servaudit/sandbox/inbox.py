"""The sandbox's mailbox over real IMAP: the Maildir its companies deliver into, served by a private Dovecot.

With it, the demo and a sandbox session read replies the way a real audit does: over IMAP,
incremental by UID, with the server's INTERNALDATE as arrival time. The password travels as the
product's usual secret reference (``env:SERVAUDIT_SANDBOX_IMAP_PASSWORD``): the audit file names
the variable, never the value, so neither the store nor the report can hold it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from secrets import token_urlsafe

from servaudit.errors import InfrastructureError
from servaudit.sandbox.imap import INSTALL_HINT, DovecotServer, dovecot_binary

PASSWORD_VARIABLE = "SERVAUDIT_SANDBOX_IMAP_PASSWORD"
USERNAME = "anna.schmidt"
"""The persona's mailbox login (the persona of the demo audit is Anna Schmidt)."""


@dataclass(frozen=True)
class ImapInbox:
    """Where an audit finds the sandbox's mailbox over IMAP; the password only as a reference."""

    host: str
    port: int
    username: str = USERNAME
    password_ref: str = f"env:{PASSWORD_VARIABLE}"

    @classmethod
    def of(cls, server: DovecotServer) -> ImapInbox:
        return cls(server.host, server.port, server.username)


def sandbox_password() -> tuple[str, bool]:
    """The mailbox password from the environment, and whether it was made up just now.

    A made-up one is put into this process's environment, so the audit's ``env:`` reference
    resolves here (the demo) and in the children it starts.
    """
    value = os.environ.get(PASSWORD_VARIABLE)
    if value:
        return value, False
    value = token_urlsafe(18)
    os.environ[PASSWORD_VARIABLE] = value
    return value, True


def serve_inbox(maildir: Path, port: int = 0, host: str = "127.0.0.1") -> DovecotServer:
    """A started Dovecot serving ``maildir`` as the persona's INBOX (InfrastructureError if it cannot)."""
    password, _ = sandbox_password()
    return DovecotServer(Path(maildir), USERNAME, password, host=host, port=port).start()


def try_serve_inbox(
    maildir: Path, *, binary: str | Path | None = None
) -> tuple[DovecotServer | None, str | None]:
    """Dovecot serving ``maildir``, or None and one line saying why the Maildir is read directly instead.

    The demo must work on a machine without Dovecot, so its absence (or a Dovecot that will not
    start) is a note, not an error.
    """
    found = dovecot_binary(binary)
    if found is None:
        return None, f"replies are read from the Maildir, not over IMAP: {INSTALL_HINT}"
    password, _ = sandbox_password()
    server = DovecotServer(Path(maildir), USERNAME, password, binary=found)
    try:
        return server.start(), None
    except InfrastructureError as error:
        first_line = str(error).splitlines()[0]
        return None, f"replies are read from the Maildir, not over IMAP: {first_line}"
