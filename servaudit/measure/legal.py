"""Reachability-law indications from what `servaudit discover` found on a company's site (pure).

Reads one stored discovery result (the JSON of servaudit/discover/model.py, kept by
``servaudit discover -a``) and gives, per finding of servaudit/measure/findings.py's registry, whether
the site shows it and the evidence (the page, what it says there). Each is an indication of a risk
under the norm the registry names, never a verdict and not legal advice:

- imprint_missing: no legal-notice page and no link to one on the pages read (§ 5 (1) DDG);
- imprint_without_email: the legal notice was read and names no e-mail address (§ 5 (1) Nr. 2 DDG);
  an address shown only as an image is not read, so the report says "found none", not "has none";
- costly_hotline: a 0180x/0900 number offered where the page speaks of customers, contracts, bills
  or support (§ 312a (5) BGB, since 13 Jun 2014: calls about an existing contract at the basic rate);
- costly_hotline_listed: such a number with nothing around it saying what it is for: a weaker
  indication (it may be an order line, which § 312a (5) does not reach);
- stale_odr_link: a link to (or the written address of) the EU ODR platform, closed on 20 Jul 2025
  (Regulation (EU) 2024/3228);
- cancellation_button_missing: the site shows signs of continuing contracts (subscriptions, tariffs,
  terms) and no contract-cancellation button was found (§ 312k BGB, since 1 Jul 2022); without such
  signs absence says nothing and is not counted.

Each counts once per company (a site shows it or not); the evidence lists every place. Beside them,
the clicks from the home page to each human contact channel discovery found (e-mail address, form,
chat, phone) and the fewest of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servaudit.discover.model import LIST_KEYS, min_depth

IMPRINT_MISSING = "imprint_missing"
IMPRINT_WITHOUT_EMAIL = "imprint_without_email"
COSTLY_HOTLINE = "costly_hotline"
COSTLY_HOTLINE_LISTED = "costly_hotline_listed"
STALE_ODR_LINK = "stale_odr_link"
CANCELLATION_BUTTON_MISSING = "cancellation_button_missing"
SITE_FINDINGS = (
    IMPRINT_MISSING,
    IMPRINT_WITHOUT_EMAIL,
    COSTLY_HOTLINE,
    COSTLY_HOTLINE_LISTED,
    STALE_ODR_LINK,
    CANCELLATION_BUTTON_MISSING,
)
"""The findings read from a site rather than from replies: counted only for a discovered company."""
HUMAN_CHANNELS = ("email", "form", "chat", "phone")
"""Ways to reach a person that discovery finds, in the order a tie is named."""
WEBSITE = "website"
"""The evidence's channel for what was read on the site."""


def _items(discovery: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    return [h for h in discovery.get("legal", ()) if h.get("kind") == kind]


def _evidence(key: str, item: Mapping[str, Any], detail: str = "") -> dict[str, Any]:
    found = {
        "finding": key,
        "inquiry_id": "",
        "channel": WEBSITE,
        "message_id": None,
        "page": item.get("page", ""),
        "detail": detail or str(item.get("snippet", "")),
    }
    if item.get("screenshot"):  # the rendered page, when discover rendered it for the audit
        found["screenshot"] = item["screenshot"]
    return found


def clicks(discovery: Mapping[str, Any]) -> dict[str, Any]:
    """Clicks from the home page to each human contact channel found (None: not found), and the fewest."""
    per_channel = {c: min_depth(discovery.get(LIST_KEYS[c], ())) for c in HUMAN_CHANNELS}
    found = {c: d for c, d in per_channel.items() if d is not None}
    first = min(found.values()) if found else None
    return {
        **per_channel,
        "first": first,
        "first_channels": [c for c, d in found.items() if d == first],
    }


def _hotlines(discovery: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each 0180x/0900 number once, in its strongest context (contract before listed before sales)."""
    rank = {"contract": 0, "listed": 1, "sales": 2}
    best: dict[str, dict[str, Any]] = {}
    for item in _items(discovery, "costly_hotline"):
        context, _, tariff = str(item.get("detail", "")).partition(" ")
        entry = {
            "number": item.get("target", ""),
            "tariff": tariff,
            "context": context,
            "page": item.get("page", ""),
            "depth": item.get("depth"),
            "snippet": item.get("snippet", ""),
            "screenshot": item.get("screenshot", ""),
        }
        known = best.get(entry["number"])
        if known is None or rank.get(context, 3) < rank.get(known["context"], 3):
            best[entry["number"]] = entry
    return list(best.values())


def site_findings(discovery: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The site's indications, counts (0 or 1 each) and evidence; None when the company was not
    discovered. A site that could not be read gives no indication (nothing was looked at)."""
    if discovery is None:
        return None
    readable = not discovery.get("error")
    imprints = _items(discovery, "imprint")
    imprint_links = _items(discovery, "imprint_link")
    buttons = _items(discovery, "cancel_button")
    signs = _items(discovery, "contract_sign")
    odr = _items(discovery, "odr_link")
    hotlines = _hotlines(discovery)
    evidence: list[dict[str, Any]] = []
    if readable and not imprints and not imprint_links:
        home = {"page": discovery.get("final_url") or discovery.get("url", "")}
        evidence.append(_evidence(IMPRINT_MISSING, home, " "))  # the report words it: not found on N pages
    if imprints and not any(i.get("detail") for i in imprints):
        evidence += [_evidence(IMPRINT_WITHOUT_EMAIL, i) for i in imprints]
    for hotline in hotlines:
        key = {"contract": COSTLY_HOTLINE, "listed": COSTLY_HOTLINE_LISTED}.get(hotline["context"])
        if key is not None:
            evidence.append(_evidence(key, hotline))
    evidence += [_evidence(STALE_ODR_LINK, i) for i in odr]
    if readable and signs and not buttons:
        sign = signs[0]
        evidence.append(
            _evidence(CANCELLATION_BUTTON_MISSING, sign, f"{sign.get('detail')}: {sign.get('snippet')}")
        )
    shown = {e["finding"] for e in evidence}
    first_imprint = min(imprints, key=lambda i: i.get("depth", 0)) if imprints else None
    return {
        "url": discovery.get("final_url") or discovery.get("url"),
        "discovered_at": discovery.get("discovered_at"),
        "pages_read": discovery.get("pages_crawled", 0),
        "readable": readable,
        "imprint": {
            "found": bool(imprints or imprint_links),
            "read": first_imprint is not None,
            "page": (first_imprint or {}).get("page")
            or (imprint_links[0]["target"] if imprint_links else None),
            "depth": min_depth(imprints or imprint_links),
            "emails": [a for i in imprints for a in str(i.get("detail", "")).split(", ") if a],
        },
        "hotlines": hotlines,
        "odr_links": sorted({str(i.get("target", "")) for i in odr}),
        "cancellation_button": {
            "found": bool(buttons),
            "text": buttons[0].get("snippet") if buttons else None,
            "page": buttons[0].get("page") if buttons else None,
            "depth": min_depth(buttons),
        },
        "contract_signs": [str(s.get("detail")) for s in signs],
        "clicks": clicks(discovery),
        "counts": {key: int(key in shown) for key in SITE_FINDINGS},
        "evidence": evidence,
    }
