"""The sandbox's ground truth: one JSON line per event (a reply sent, a chat answer shown, a refusal), so
tests and benchmarks can compare what servaudit measured with what really happened.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from servaudit.sandbox.behaviours import Inbound
from servaudit.sandbox.findings_fleet import FINDINGS_TRUTH
from servaudit.sandbox.fleet import SandboxCompany

log = logging.getLogger(__name__)

Record = dict[str, Any]
Listener = Callable[[Record], None]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


class GroundTruth:
    """Appends one JSON line per event to a file; thread-safe, each line on disk at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def write(self, record: Record) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
            listeners = list(self._listeners)
        # Outside the lock: a slow listener (a terminal) must not hold up other writers.
        for listener in listeners:
            try:
                listener(record)
            except Exception:
                log.exception("sandbox ground-truth listener failed")


def truth_record(
    company: SandboxCompany,
    kind: str,
    inquiry: Inbound | None,
    received_at: datetime,
    *,
    to: str,
    reply_message_id: str | None = None,
    delivered_at: datetime | None = None,
    maildir_file: str | None = None,
    expected_at: datetime | None = None,
) -> Record:
    return {
        "company": company.slug,
        "behaviour": company.behaviour,
        "kind": kind,
        "inquiry_message_id": inquiry.message_id if inquiry else None,
        "inquiry_subject": inquiry.subject if inquiry else None,
        "inquiry_received_at": _iso(received_at),
        "reply_message_id": reply_message_id,
        "delivered_at": _iso(delivered_at),
        "maildir_file": maildir_file,
        # Living in time (a simulated clock): when the company's timetable says the reply arrives.
        "expected_at": _iso(expected_at),
        "to": to,
        "in_reply_to": inquiry.in_reply_to if inquiry else None,
        "findings": sorted(FINDINGS_TRUTH.get(company.behaviour, ())),
    }
