"""`servaudit plan`, `run --dry-run` and the consent prompt: the agenda as a person and a program read it.

A dry run opens the store only if it exists and writes nothing (not even a study's seed: before the
first `run` or `plan` its times are provisional, and it says so).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from servaudit import channels as registry
from servaudit.agenda import DUE, Agenda, build
from servaudit.channels.base import ProbeContext
from servaudit.config import Audit
from servaudit.earlier_sends import journal_leftovers
from servaudit.labels import REFUSED
from servaudit.reminders import compose as compose_in_thread
from servaudit.store import Store, exists, store_target
from servaudit.timing import now

PLAN_COLUMNS = ("company", "inquiry", "wave", "planned", "stratum", "state", "detail")
SEND_COLUMNS = ("planned", "channel", "recipient", "subject", "inquiry")


def preview(audit: Audit, wave: int | None, channels: list[str] | None, begin: bool) -> Agenda:
    """The agenda now; ``begin`` keeps a new study's seed (and creates the store), else nothing is written."""
    target = store_target(audit.config.audit.store, audit.folder)
    if not exists(target) and (not begin or (isinstance(target, Path) and journal_leftovers(target))):
        # A journal without its store is left for `run` to find and refuse (opening would take it).
        return build(audit, None, now(), wave, channels)
    store = Store(target)
    try:
        return build(audit, store, now(), wave, channels, begin=begin)
    finally:
        store.close()


def local_time(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return "now"
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M")


def sending(audit: Audit, agenda: Agenda) -> list[dict[str, Any]]:
    """What `run` would send now: recipient, subject, channel and planned time, as the probe composes it."""
    context = ProbeContext(config=audit.config, evidence_dir=audit.folder / "evidence")
    threads = {item.inquiry.id: item for item in agenda.threads}
    rows = []
    for entry in agenda.having(DUE):
        thread = threads.get(entry.inquiry.id)
        composed = (
            compose_in_thread(thread, context)
            if thread is not None
            else registry.probe(entry.inquiry.channel).compose(entry.inquiry, context)
        )
        rows.append(
            {
                "inquiry": entry.inquiry.id,
                "channel": entry.inquiry.channel,
                "recipient": entry.inquiry.target,
                "subject": composed.subject,
                "planned_at": entry.at.astimezone(ZoneInfo(agenda.zone)).isoformat() if entry.at else None,
                "planned": local_time(entry.at, agenda.zone),
            }
        )
    return rows


def refusals(agenda: Agenda) -> list[dict[str, str]]:
    return [{"inquiry": e.inquiry.id, "reason": e.detail or ""} for e in agenda.having(REFUSED)]


def send_table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [[row[column] for column in SEND_COLUMNS] for row in rows]


def plan_json(agenda: Agenda) -> dict[str, Any]:
    """`plan --json`: per company its inquiries in time order, with planned time (window's zone) and state."""
    companies: dict[str, list[dict[str, Any]]] = {}
    for entry in agenda.entries:
        companies.setdefault(entry.inquiry.company, []).append(entry.as_dict(agenda.zone))
    return {
        "now": agenda.now.isoformat(),
        "timezone": agenda.zone,
        "sandbox": agenda.sandbox,
        "study": None
        if agenda.study is None
        else {"started_at": agenda.study.started_at.isoformat(), "provisional": agenda.provisional},
        "companies": [{"company": name, "inquiries": rows} for name, rows in sorted(companies.items())],
    }


def plan_table(agenda: Agenda) -> list[list[Any]]:
    rows = sorted(agenda.entries, key=lambda e: (e.inquiry.company, e.at or agenda.now, e.inquiry.id))
    return [
        [
            e.inquiry.company,
            e.inquiry.id,
            e.inquiry.wave,
            local_time(e.at, agenda.zone),
            e.stratum or "",
            e.state,
            (e.detail or "")[:90],
        ]
        for e in rows
    ]
