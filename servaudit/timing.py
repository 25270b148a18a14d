"""When a reply counts for an inquiry, and how long it took: unbiased at the mailbox's resolution.

A reply's arrival time is the mail server's clock, an inquiry's send time is
ours. IMAP's INTERNALDATE has whole seconds (truncated): the mailbox reader
stores the middle of that second and its resolution, so a response time is
off by at most half the resolution either way, never systematically short.

A reply cannot answer an inquiry before it was sent. What arrived earlier
is not its response, with two allowances, both documented figures:

- ``SEND_SKEW`` (1 s): the SMTP transaction. The clock starts when the
  relay accepted the inquiry; an auto-responder at the company may have
  answered while our relay was still confirming.
- ``THREAD_SKEW`` (2 s): a reply that names the inquiry's Message-ID is
  certainly an answer to it, so a slightly earlier arrival is the two
  clocks' difference.

Instant replies inside those allowances get a response time of 0.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

SIMULATED_CLOCK = "SERVAUDIT_NOW"
"""An ISO 8601 instant (with offset): the clock reads it when the process starts and runs on from there.

For the sandbox and tests only (a two-wave study on a simulated calendar, with no real waiting);
`run` refuses it against anything but the sandbox."""


def _offset() -> timedelta:
    value = os.environ.get(SIMULATED_CLOCK)
    if not value:
        return timedelta(0)
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        raise SystemExit(
            f"{SIMULATED_CLOCK}={value!r} is not an ISO 8601 time (e.g. 2026-12-07T09:00:00+01:00)"
        ) from None
    if start.tzinfo is None:
        raise SystemExit(f"{SIMULATED_CLOCK}={value!r} needs a UTC offset (e.g. 2026-12-07T09:00:00+01:00)")
    return start - datetime.now(UTC)


_OFFSET = _offset()


def simulated() -> bool:
    """Whether the clock is the simulated one (``SERVAUDIT_NOW``)."""
    return bool(os.environ.get(SIMULATED_CLOCK))


def now() -> datetime:
    """The one clock every timestamp servaudit records comes from (UTC)."""
    return datetime.now(UTC) + _OFFSET


SEND_SKEW = timedelta(seconds=1)
THREAD_SKEW = timedelta(seconds=2)


def in_window(
    sent_at: datetime | None,
    arrived_at: datetime,
    window: timedelta,
    resolution: float = 0.0,
    threaded: bool = False,
) -> bool:
    """Whether a reply that arrived at ``arrived_at`` (± resolution/2) can be the inquiry's response."""
    if sent_at is None:
        return False
    latest = arrived_at + timedelta(seconds=resolution / 2)
    allowed = max(SEND_SKEW, THREAD_SKEW) if threaded else SEND_SKEW
    return sent_at - allowed <= latest and arrived_at <= sent_at + window


def seconds_between(sent_at: datetime | None, arrived_at: datetime | None) -> float | None:
    if sent_at is None or arrived_at is None:
        return None
    return max(0.0, (arrived_at - sent_at).total_seconds())
