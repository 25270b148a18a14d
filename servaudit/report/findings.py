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
from servaudit.judgement import MailFindings
from servaudit.measure.facts import InquiryFacts
from servaudit.measure.findings import FINDINGS, findings_figures
from servaudit.report.accessibility import probe_detail


def findings_data(
    facts: Sequence[InquiryFacts],
    channels: Sequence[str],
    mail_findings: Mapping[int, MailFindings],
    week: BusinessWeek,
    now: datetime,
    window: timedelta,
) -> dict[str, Any]:
    """A group's findings with their evidence, and per channel the same figures without evidence."""
    data = findings_figures(facts, mail_findings, week, now, window)
    per_channel = {}
    for channel in channels:
        mine = [f for f in facts if f.inquiry.channel == channel]
        if mine:
            figures = findings_figures(mine, mail_findings, week, now, window)
            figures.pop("evidence")
            per_channel[channel] = figures
    data["channels"] = per_channel
    data["measured"] = bool(data["promises"]["made"] or data["replies_checked"])
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
        if key in data["counts"]  # accessibility only where it was checked (report/accessibility.py)
    )
    evidence = tuple(
        EvidenceItem(
            title=locale.t(f"findings.{item['finding']}"),
            inquiry_id=item["inquiry_id"],
            channel=locale.t_channel(item["channel"]),
            detail=probe_detail(item, locale) or item["detail"],
            href=_evidence_href(item, root),
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
    )


def _evidence_href(item: dict[str, Any], root: str) -> str:
    """A reply's finding links its message; a probe's (accessibility) its screenshot or its page."""
    if item.get("message_id") is not None:
        return f"{root}evidence/message-{item['message_id']}.eml"
    return f"{root}{item['screenshot']}" if item.get("screenshot") else ""


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
    if not any((c.get("findings") or {}).get("accessibility") for c in companies.values()):
        for key in [k for k, f in FINDINGS.items() if f.kind == "accessibility"]:
            del counts[key]  # not checked in this audit (report/accessibility.py): no zeros it never measured
    companies_with = sum(1 for c in companies.values() if (c.get("findings") or {}).get("total"))
    return {
        "measured": measured,
        "counts": counts,
        "promises": promises,
        "companies_with_findings": companies_with,
    }
