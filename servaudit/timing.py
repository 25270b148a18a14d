"""When a reply counts for an inquiry: the response window, with room for clock skew.

A reply's arrival time is the mail server's clock; an inquiry's send time is
ours. The two may differ by seconds, and an instant auto-reply can carry a
server time just before our own record of the send. Such replies still
count, with a response time of zero rather than a negative one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

CLOCK_SKEW = timedelta(minutes=5)


def in_window(sent_at: datetime | None, arrived_at: datetime, window: timedelta) -> bool:
    return sent_at is not None and sent_at - CLOCK_SKEW <= arrived_at <= sent_at + window


def seconds_between(sent_at: datetime | None, arrived_at: datetime | None) -> float | None:
    if sent_at is None or arrived_at is None:
        return None
    return max(0.0, (arrived_at - sent_at).total_seconds())
