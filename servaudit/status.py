"""`servaudit status`: one row per inquiry with its state and what came back so far.

``status_rows`` is the machine-readable form (``--json``; stable English keys and
values); ``status_table`` is the same rows for a person, with headers, states and
durations in the audit's language through the report's message catalogue.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from servaudit.audit_store import open_store
from servaudit.english import duration, moment
from servaudit.i18n import Locale
from servaudit.labels import REFUSED, REJECTED
from servaudit.measure.facts import gather
from servaudit.schedule import inquiries as every_inquiry

if TYPE_CHECKING:  # the status table's audit is often read without pydantic (config_light.py)
    from servaudit.config import Audit
    from servaudit.config_light import LightAudit

COLUMNS = (
    "inquiry", "company", "channel", "state", "sent", "replies",
    "first_response", "first_human_answer", "latest",
)  # fmt: skip


def status_rows(audit: Audit | LightAudit) -> list[dict[str, Any]]:
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
        first_response = f.seconds_to(f.first_response)
        first_human = f.seconds_to(f.first_human)
        rows.append(
            {
                "inquiry": f.inquiry.id,
                "company": f.inquiry.company,
                "channel": f.inquiry.channel,
                "state": "bounced" if f.bounced else f.inquiry.state,
                "refused_because": f.inquiry.detail if f.inquiry.state == REFUSED else None,
                "outcome": f.inquiry.outcome,
                "sent": moment(f.inquiry.sent_at),
                "replies": len(f.replies),
                "first_response": duration(first_response),
                "first_human_answer": duration(first_human),
                "latest": last,
                "sent_at": f.inquiry.sent_at.isoformat() if f.inquiry.sent_at else None,
                "first_response_seconds": first_response,
                "first_human_answer_seconds": first_human,
            }
        )
    known = {r.id for r in records}
    for inquiry in every_inquiry(audit.config):
        if inquiry.id not in known:
            rows.append(
                {
                    "inquiry": inquiry.id,
                    "company": inquiry.company,
                    "channel": inquiry.channel,
                    "state": "planned",
                    "refused_because": None,
                    "outcome": None,
                    "sent": "–",
                    "replies": 0,
                    "first_response": "–",
                    "first_human_answer": "–",
                    "latest": "",
                    "sent_at": None,
                    "first_response_seconds": None,
                    "first_human_answer_seconds": None,
                }
            )
    return sorted(rows, key=lambda row: row["inquiry"])


def status_table(rows: list[dict[str, Any]], locale: Locale) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) for the terminal, in the locale's language: states, labels, channel names,
    dates and durations translated and formatted like the report does."""
    headers = [locale.t(f"status.{column}") for column in COLUMNS]
    table = []
    for row in rows:
        table.append(
            [
                row["inquiry"],
                row["company"],
                locale.t_channel(row["channel"]),
                _state(row, locale),
                _moment(row["sent_at"], locale),
                row["replies"],
                locale.duration(row["first_response_seconds"]),
                locale.duration(row["first_human_answer_seconds"]),
                locale.t_or(f"label.{row['latest']}", row["latest"]) if row["latest"] else "",
            ]
        )
    return headers, table


def _moment(text: str | None, locale: Locale) -> str:
    return locale.moment(datetime.fromisoformat(text) if text else None)


def _state(row: dict[str, Any], locale: Locale) -> str:
    state = row["state"]
    if state == "planned":
        return locale.t("status.planned")
    text = locale.t_or(f"state.{state}", state)
    # A refusal's kind (do-not-contact, cap, rate limit); `servaudit plan` shows the whole reason.
    if row.get("refused_because"):
        return f"{text} ({row['refused_because'].split(':')[0]})"
    # What stopped a probe before it sent (a CAPTCHA, an order form); the report shows the whole reason.
    if state == REJECTED and row.get("outcome"):
        return f"{text} ({locale.t_or('outcome.' + row['outcome'], row['outcome'])})"
    return text


WORKER_COLUMNS = ("worker", "queued", "running", "done", "failed")


def worker_rows(audit: Audit) -> list[dict[str, Any]]:
    """The distributed jobs per worker (`status --workers`): the waiting ones first, under worker None."""
    store = open_store(audit)
    try:
        url = audit.config.audit.store or ""
        table = store.jobs_per_worker(queue=url.partition(":")[0].lower() in ("postgresql", "postgres"))
    finally:
        store.close()
    return [
        {
            "worker": w.worker or None,
            "queued": w.queued,
            "running": w.running,
            "done": w.done,
            "failed": w.failed,
        }
        for w in table
    ]


def worker_table(rows: list[dict[str, Any]], locale: Locale) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) of `status --workers` in the locale's language; the queue's waiting jobs first."""
    headers = [locale.t(f"status.{column}") for column in WORKER_COLUMNS]
    counts = WORKER_COLUMNS[1:]
    table = [[row["worker"] or locale.t("status.queue"), *(row[c] for c in counts)] for row in rows]
    return headers, table
