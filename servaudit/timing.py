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

from datetime import UTC, datetime, timedelta


def now() -> datetime:
    """The one clock every timestamp servaudit records comes from (UTC)."""
    return datetime.now(UTC)


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
