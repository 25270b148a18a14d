"""What every mailbox reader yields: raw mail with the server's arrival time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class IncomingMail:
    """One message as the mailbox holds it.

    ``source`` is a key that is stable for this message in this mailbox
    (``imap:INBOX:<uidvalidity>:<uid>`` or ``maildir:<unique name>``), so the
    store can refuse a second copy. ``arrived_at`` is the server's time
    (IMAP INTERNALDATE, Maildir delivery time), timezone-aware UTC, never the
    moment we polled: the poll interval must not bias a response time.
    """

    source: str
    raw: bytes
    arrived_at: datetime
    resolution: float = 0.0
    """Seconds the server's time is uncertain by; ``arrived_at`` is then the middle of that span."""


Cursor = dict[str, Any]
"""JSON-serialisable reader position, kept in the store between collects."""


class MailboxReader(Protocol):
    def fetch_new(
        self, cursor: Cursor, is_known: Callable[[str], bool]
    ) -> Iterator[tuple[IncomingMail, Cursor]]:
        """Yield each mail not read before, with the cursor that is valid once it is stored.

        ``is_known(source)`` says whether the store already holds a message;
        such messages are not downloaded again. A second call with the last
        cursor and no new mail yields nothing and downloads no message body.
        Readers never change the mailbox (no flags set, nothing moved).
        """
        ...

    def check(self) -> None:
        """Raise InfrastructureError unless the mailbox can be opened (for `servaudit check`)."""
        ...

    def close(self) -> None: ...
