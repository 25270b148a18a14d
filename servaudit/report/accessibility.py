"""Accessibility in the report: the probes' checks (servaudit/measure/accessibility.py) merged into a
group's findings, and the view of the failed WCAG criteria per channel for a company's page.

Added only in an audit whose probes were checked (``[audit] accessibility``): an audit without the
check keeps its report.json as it was, and its findings table shows no accessibility rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from servaudit.i18n import Locale
from servaudit.measure.accessibility import accessibility_figures
from servaudit.measure.facts import InquiryFacts


def with_accessibility(
    findings: dict[str, Any],
    facts: Sequence[InquiryFacts],
    checks: Mapping[str, Mapping[str, Any]],
    screenshots: Mapping[str, str],
) -> dict[str, Any]:
    """``findings`` (report/findings.py findings_data) with the accessibility findings added, per group
    and per channel; each evidence item links the screenshot marking what failed (inquiry id → the
    screenshot's place in the report)."""
    if not checks:
        return findings  # the audit checked nothing: its report stays as it was
    # Where the audit checked others but not this group (e-mail only), zeros keep the index's
    # findings table one column per finding for every company.
    figures = accessibility_figures(facts, checks)
    for item in figures["evidence"]:
        item["screenshot"] = screenshots.get(item["inquiry_id"])
        item["evidence"] = item["screenshot"] or item.get("url") or ""
    findings["counts"].update(figures["counts"])
    findings["total"] += sum(figures["counts"].values())
    findings["evidence"].extend(figures.pop("evidence"))
    findings["accessibility"] = figures
    findings["measured"] = findings["measured"] or bool(figures["checked"])
    for channel, per in findings["channels"].items():
        mine = accessibility_figures([f for f in facts if f.inquiry.channel == channel], checks)
        per["counts"].update(mine["counts"])
        per["total"] += sum(mine["counts"].values())
    return findings


@dataclass(frozen=True)
class CriterionRow:
    criterion: str
    channel: str
    rules: str
    elements: str
    url: str


def accessibility_rows(findings: dict[str, Any] | None, locale: Locale) -> tuple[CriterionRow, ...]:
    """The failed WCAG criteria of one company, per channel, with the failing elements' selectors."""
    figures = (findings or {}).get("accessibility") or {}
    return tuple(
        CriterionRow(
            criterion=entry["criterion"],
            channel=locale.t_channel(entry["channel"]),
            rules=", ".join(entry["rules"]),
            elements="; ".join(node["target"] for node in entry["nodes"][:3]),
            url=entry["url"],
        )
        for entry in figures.get("criteria", ())
    )


def probe_detail(item: dict[str, Any], locale: Locale) -> str | None:
    """An accessibility finding's detail in the report's language; None for a reply's finding."""
    if item.get("barrier"):
        return locale.t(f"accessibility.barrier_{item['barrier']}", element=item.get("element") or "")
    if item.get("criterion"):
        named = locale.t("accessibility.criterion_name", criterion=item["criterion"])
        return f"{named}: " + "; ".join(node["target"] for node in item.get("nodes", ())[:3])
    return None
