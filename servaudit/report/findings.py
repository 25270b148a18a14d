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
from servaudit.measure.legal import HUMAN_CHANNELS, IMPRINT_MISSING, SITE_FINDINGS, site_findings
from servaudit.report.accessibility import probe_detail


def findings_data(
    facts: Sequence[InquiryFacts],
    channels: Sequence[str],
    mail_findings: Mapping[int, MailFindings],
    week: BusinessWeek,
    now: datetime,
    window: timedelta,
    chats: Mapping[str, ChatObservation] | None = None,
    transcripts: Mapping[str, str] | None = None,
    discovery: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A group's findings with their evidence, and per channel the same figures without evidence;
    with the company's stored ``discovery``, also what its site shows (``site``).

    ``transcripts``: inquiry id → its transcript's place in the report (a chat finding's evidence);
    every evidence item names its file under ``evidence`` (a reply's .eml, else the transcript; for
    a site finding, the page's address)."""
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
    site = site_findings(discovery)
    if site is not None:
        # A company not discovered gets no site keys at all: 0 would say "looked, found nothing".
        data["counts"].update(site.pop("counts"))
        data["evidence"] += [{**item, "evidence": item.get("page", "")} for item in site.pop("evidence")]
        data["total"] = sum(data["counts"].values())
        data["site"] = site
    data["measured"] = bool(
        data["promises"]["made"] or data["replies_checked"] or data["chats_checked"] or site is not None
    )
    return data


@dataclass(frozen=True)
class FindingRow:
    key: str
    title: str
    count: int | None
    """None: not looked for (a site finding of a company that was not discovered)."""
    kind: str
    norm: str | None


@dataclass(frozen=True)
class EvidenceItem:
    title: str
    inquiry_id: str
    channel: str
    detail: str
    href: str
    link: str
    """What the link says: the message (.eml), the chat's transcript, or the site's page it was read on."""
    screenshot: str = ""
    """The page rendered as discover saw it (its copy in the report's evidence), when it took one."""
    external: bool = False
    """The link leads to the company's site, not into the report's folder."""


@dataclass(frozen=True)
class SiteView:
    """What discovery read on the company's site: the legal notice, the cancellation button, clicks."""

    url: str
    pages_read: int
    imprint: str
    cancellation_button: str
    clicks: tuple[tuple[str, str], ...]
    """(channel, clicks from the home page or "–"), the fewest first in the list's own row."""
    first: str


@dataclass(frozen=True)
class FindingsView:
    measured: bool
    mail_measured: bool
    """A promise or a reply was read (the promises line and the replies' rows show only then)."""
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
    site: SiteView | None = None


_READ_FROM_REPLIES = frozenset(
    key for key, f in FINDINGS.items() if key not in SITE_FINDINGS and f.kind != "accessibility"
)
"""Findings read from replies and chats: no count ("–") where none were read."""


def _clicks(depth: int | None, locale: Locale) -> str:
    if depth is None:
        return "–"
    if depth <= 1:
        return locale.t("findings.site_home" if depth == 0 else "findings.site_click")
    return locale.t("findings.site_clicks", n=depth)


def site_view(site: dict[str, Any] | None, locale: Locale) -> SiteView | None:
    if site is None:
        return None
    imprint, button, clicks = site["imprint"], site["cancellation_button"], site["clicks"]
    if not imprint["found"]:
        imprint_text = locale.t("findings.site_imprint_none")
    elif not imprint["read"]:
        imprint_text = locale.t("findings.site_imprint_unread", clicks=_clicks(imprint["depth"], locale))
    elif imprint["emails"]:
        imprint_text = locale.t(
            "findings.site_imprint_email",
            clicks=_clicks(imprint["depth"], locale),
            emails=", ".join(imprint["emails"]),
        )
    else:
        imprint_text = locale.t("findings.site_imprint_no_email", clicks=_clicks(imprint["depth"], locale))
    if button["found"]:
        button_text = locale.t(
            "findings.site_button_found", text=button["text"], clicks=_clicks(button["depth"], locale)
        )
    elif site["contract_signs"]:
        button_text = locale.t("findings.site_button_missing", signs=", ".join(site["contract_signs"][:5]))
    else:
        button_text = locale.t("findings.site_button_no_signs")
    first = clicks["first"]
    return SiteView(
        url=str(site["url"] or ""),
        pages_read=int(site["pages_read"]),
        imprint=imprint_text,
        cancellation_button=button_text,
        clicks=tuple((locale.t_channel(c), _clicks(clicks[c], locale)) for c in HUMAN_CHANNELS),
        first=_clicks(first, locale)
        + (
            f" ({', '.join(locale.t_channel(c) for c in clicks['first_channels'])})"
            if first is not None
            else ""
        ),
    )


def _evidence_item(item: dict[str, Any], locale: Locale, root: str, pages_read: int) -> EvidenceItem:
    title = locale.t(f"findings.{item['finding']}")
    if item.get("page") is not None and item.get("message_id") is None:  # read on the company's site
        detail = item["detail"].strip()
        if item["finding"] == IMPRINT_MISSING:
            detail = locale.t("findings.site_imprint_missing_detail", pages=pages_read)
        from servaudit.report.data import evidence_href  # data.py imports this module

        shot = item.get("screenshot")
        return EvidenceItem(
            title,
            "",
            locale.t("findings.website"),
            detail,
            item["page"],
            locale.t("findings.page"),
            f"{root}{evidence_href(shot)}" if shot else "",
            external=True,
        )
    if FINDINGS[item["finding"]].kind == "accessibility":  # a probe's check: its marked screenshot
        shot = item.get("screenshot")
        return EvidenceItem(
            title=title,
            inquiry_id=item["inquiry_id"],
            channel=locale.t_channel(item["channel"]),
            detail=probe_detail(item, locale) or item["detail"],
            href=f"{root}{shot}" if shot else "",
            link=locale.t("findings.screenshot"),
        )
    return EvidenceItem(
        title=title,
        inquiry_id=item["inquiry_id"],
        channel=locale.t_channel(item["channel"]),
        detail=item["detail"],
        href=f"{root}{item['evidence']}",
        link=locale.t("findings.message" if item["message_id"] is not None else "findings.transcript"),
    )


def findings_view(
    data: dict[str, Any] | None, locale: Locale, root: str, site_columns: bool = False
) -> FindingsView | None:
    """The section's view of one company's (or the audit's) findings; None when nothing was measured.
    ``root`` leads from the page to the report's folder (evidence/message-N.eml lives there);
    ``site_columns``: some company of the report was discovered, so the site findings have rows."""
    if not data or not data.get("measured"):
        return None
    promises = data["promises"]
    never = data["acknowledged_never_answered"]
    counts = data["counts"]
    # A finding not looked for has no count ("–"), not 0: replies when none were read, a site when
    # the company was not discovered.
    mail_measured = bool(promises["made"] or data.get("replies_checked"))
    replies_read = mail_measured or bool(data.get("chats_checked"))
    rows = tuple(
        FindingRow(
            key,
            locale.t(f"findings.{key}"),
            int(counts[key]) if key in counts and (replies_read or key not in _READ_FROM_REPLIES) else None,
            f.kind,
            locale.t(f"findings.norm_{key}") if f.norm else None,
        )
        for key, f in FINDINGS.items()
        # Site rows once some company was discovered ("–" for the others); accessibility rows only
        # where the audit checked (report/accessibility.py puts zeros for every company then).
        if (key in SITE_FINDINGS and site_columns)
        or (f.kind == "accessibility" and key in counts)
        or key in _READ_FROM_REPLIES
    )
    site = data.get("site")
    pages_read = int(site["pages_read"]) if site else 0
    evidence = tuple(_evidence_item(item, locale, root, pages_read) for item in data.get("evidence", ()))
    return FindingsView(
        measured=True,
        mail_measured=mail_measured,
        made=promises["made"],
        kept=promises["kept"],
        broken=promises["broken"],
        pending=promises["pending"],
        never_answered=f"{never['count']}/{never['of']}" if never["of"] else "–",
        total=int(data["total"]),
        rows=rows,
        evidence=evidence,
        chats=bool(data.get("chats_checked")),
        site=site_view(site, locale),
    )


def summary_findings(companies: dict[str, Any]) -> dict[str, Any]:
    """The audit's findings: each company's counts summed (evidence stays with the companies); the
    site findings only when some company was discovered."""
    discovered = sum(1 for c in companies.values() if (c.get("findings") or {}).get("site") is not None)
    counts = {key: 0 for key in FINDINGS if discovered or key not in SITE_FINDINGS}
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
    summary = {
        "measured": measured,
        "counts": counts,
        "promises": promises,
        "companies_with_findings": companies_with,
    }
    if discovered:
        summary["companies_discovered"] = discovered
    return summary
