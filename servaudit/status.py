"""`servaudit status`: one row per inquiry with its state and what came back so far."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from servaudit.config import Audit
from servaudit.engine import open_store
from servaudit.metrics import gather
from servaudit.plan import planned
from servaudit.report import duration, moment


def status_rows(audit: Audit) -> list[dict[str, Any]]:
    store = open_store(audit)
    try:
        records = store.inquiries()
        window = timedelta(days=audit.config.audit.window_days)
        facts = gather(records, store.messages(), window)
    finally:
        store.close()
    rows = []
    for f in facts:
        last = f.replies[-1].label if f.replies else ""
        rows.append(
            {
                "inquiry": f.inquiry.id,
                "company": f.inquiry.company,
                "channel": f.inquiry.channel,
                "state": "bounced" if f.bounced else f.inquiry.state,
                "sent": moment(f.inquiry.sent_at),
                "replies": len(f.replies),
                "first_response": duration(f.seconds_to(f.first_response)),
                "first_human_answer": duration(f.seconds_to(f.first_human)),
                "latest": last,
            }
        )
    known = {r.id for r in records}
    for inquiry in planned(audit.config):
        if inquiry.id not in known:
            rows.append(
                {
                    "inquiry": inquiry.id,
                    "company": inquiry.company,
                    "channel": inquiry.channel,
                    "state": "planned",
                    "sent": "–",
                    "replies": 0,
                    "first_response": "–",
                    "first_human_answer": "–",
                    "latest": "",
                }
            )
    return sorted(rows, key=lambda row: row["inquiry"])
