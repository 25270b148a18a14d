"""The report's "Findings" section: report.json's ``findings`` per company, and its view per page.

Data first (``findings_data``, from servaudit/measure/findings.py over what judging stored), then a
view in one language (``findings_view``) that the template ``findings.html`` only lays out. The
section is shown only where something was measured: a promise read, or a reply checked.
An indication of legal risk is worded as an indication with the norm cited, and marked as not legal
advice (the catalogue's ``findings.*`` texts); agents' names never appear, only message links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from servaudit.businesshours import BusinessWeek
from servaudit.i18n import Locale
from servaudit.judgement import ChatObservation, MailFindings
from servaudit.measure.facts import InquiryFacts
from servaudit.measure.findings import FINDINGS, findings_figures


def findings_data(
    facts: Sequence[InquiryFacts],
    channels: Sequence[str],
    mail_findings: Mapping[int, MailFindings],
    week: BusinessWeek,
    now: datetime,
    window: timedelta,
    chats: Mapping[str, ChatObservation] | None = None,
    transcripts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A group's findings with their evidence, and per channel the same figures without evidence.

    ``transcripts``: inquiry id → its transcript's place in the report (a chat finding's evidence);
    every evidence item names its file under ``evidence`` (a reply's .eml, else the transcript)."""
    data = findings_figures(facts, mail_findings, week, now, window, chats)
    for item in data["evidence"]:
        message = item["message_id"]
        item["evidence"] = (
            f"evidence/message-{message}.eml"
            if message is not None
            else (transcripts or {}).get(item["inquiry_id"], "")
        )
    per_channel = {}
    for channel in channels:
        mine = [f for f in facts if f.inquiry.channel == channel]
        if mine:
            figures = findings_figures(mine, mail_findings, week, now, window, chats)
            figures.pop("evidence")
            per_channel[channel] = figures
    data["channels"] = per_channel
    data["measured"] = bool(data["promises"]["made"] or data["replies_checked"] or data["chats_checked"])
    return data


@dataclass(frozen=True)
class FindingRow:
    key: str
    title: str
    count: int
    kind: str
    norm: str | None


@dataclass(frozen=True)
class EvidenceItem:
    title: str
    inquiry_id: str
    channel: str
    detail: str
    href: str
    transcript: bool
    """The evidence is the chat's transcript, not a message."""


@dataclass(frozen=True)
class FindingsView:
    measured: bool
    made: int
    kept: int
    broken: int
    pending: int
    never_answered: str
    total: int
    """Findings of every kind together: the index lists only companies with some."""
    rows: tuple[FindingRow, ...]
    evidence: tuple[EvidenceItem, ...]
    chats: bool = False
    """Chats were read: the section explains the chat findings (AI Act Art. 50)."""


def findings_view(data: dict[str, Any] | None, locale: Locale, root: str) -> FindingsView | None:
    """The section's view of one company's (or the audit's) findings; None when nothing was measured.
    ``root`` leads from the page to the report's folder (evidence/message-N.eml lives there)."""
    if not data or not data.get("measured"):
        return None
    promises = data["promises"]
    never = data["acknowledged_never_answered"]
    rows = tuple(
        FindingRow(
            key,
            locale.t(f"findings.{key}"),
            int(data["counts"][key]),
            f.kind,
            locale.t(f"findings.norm_{key}") if f.norm else None,
        )
        for key, f in FINDINGS.items()
    )
    evidence = tuple(
        EvidenceItem(
            title=locale.t(f"findings.{item['finding']}"),
            inquiry_id=item["inquiry_id"],
            channel=locale.t_channel(item["channel"]),
            detail=item["detail"],
            href=f"{root}{item['evidence']}",
            transcript=item["message_id"] is None,
        )
        for item in data.get("evidence", ())
    )
    return FindingsView(
        measured=True,
        made=promises["made"],
        kept=promises["kept"],
        broken=promises["broken"],
        pending=promises["pending"],
        never_answered=f"{never['count']}/{never['of']}" if never["of"] else "–",
        total=int(data["total"]),
        rows=rows,
        evidence=evidence,
        chats=bool(data.get("chats_checked")),
    )


def summary_findings(companies: dict[str, Any]) -> dict[str, Any]:
    """The audit's findings: each company's counts summed (evidence stays with the companies)."""
    counts = dict.fromkeys(FINDINGS, 0)
    promises = dict.fromkeys(("made", "kept", "broken", "pending"), 0)
    measured = False
    for company in companies.values():
        found = company.get("findings") or {}
        measured = measured or bool(found.get("measured"))
        for key in counts:
            counts[key] += int(found.get("counts", {}).get(key, 0))
        for key in promises:
            promises[key] += int(found.get("promises", {}).get(key, 0))
    companies_with = sum(1 for c in companies.values() if (c.get("findings") or {}).get("total"))
    return {
        "measured": measured,
        "counts": counts,
        "promises": promises,
        "companies_with_findings": companies_with,
    }
