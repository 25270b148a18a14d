"""Accessibility of a group's contact channels (pure): what the probes' checks found, as findings.

Reads the checks the engine stored per inquiry (servaudit/channels/accessibility.py writes them):
axe-core's WCAG A/AA violations with the success criteria their tags name, the keyboard-only walk,
and whether a CAPTCHA was the only way through a form. Counted per group (a company, or a company's
channel) as findings of kind ``accessibility`` (servaudit/measure/findings.py FINDINGS):

- ``wcag_failed``: the distinct WCAG success criteria axe-core found failed (the same criterion on
  a form and a chat counts once per channel);
- ``keyboard_barrier``: probes whose keyboard-only walk was stopped (an unreachable control, a trap);
- ``captcha_only``: forms a CAPTCHA guards with no other way through for the probe.

Automated checks cover only part of WCAG: a group without findings is not thereby accessible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from servaudit.measure.facts import InquiryFacts

ACCESSIBILITY = ("wcag_failed", "keyboard_barrier", "captcha_only")
"""The accessibility findings' keys, as FINDINGS knows them."""


def _criterion_key(criterion: str) -> tuple[int, ...]:
    return tuple(int(part) for part in criterion.split("."))


def accessibility_figures(
    facts: Sequence[InquiryFacts], checks: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The accessibility findings of ``facts``' probes that were checked, with one evidence item each."""
    evidence: list[dict[str, Any]] = []
    failed: dict[tuple[str, str], dict[str, Any]] = {}
    barriers = captcha = checked = 0
    for f in facts:
        check = checks.get(f.inquiry.id)
        if check is None:
            continue
        checked += 1
        channel = f.inquiry.channel
        for scan in check.get("scans", ()):
            for violation in scan.get("violations", ()):
                for criterion in violation.get("criteria", ()):
                    entry = failed.setdefault(
                        (channel, criterion),
                        {"criterion": criterion, "channel": channel, "rules": [], "inquiry_id": f.inquiry.id,
                         "url": scan.get("url", ""), "nodes": []},
                    )  # fmt: skip
                    if violation["rule"] not in entry["rules"]:
                        entry["rules"].append(violation["rule"])
                        entry["nodes"].extend(violation.get("nodes", ())[:2])
        walk = check.get("keyboard") or {}
        if walk and not walk.get("passed", True):
            barriers += 1
            item = _item("keyboard_barrier", f, check, str(walk.get("barrier") or ""))
            evidence.append({**item, "barrier": walk.get("code"), "element": walk.get("element") or ""})
        if check.get("captcha_only"):
            captcha += 1
            evidence.append(_item("captcha_only", f, check, ""))
    criteria = sorted(failed.values(), key=lambda e: (e["channel"], _criterion_key(e["criterion"])))
    for entry in criteria:
        nodes = "; ".join(node["target"] for node in entry["nodes"][:3])
        detail = f"WCAG {entry['criterion']} ({', '.join(entry['rules'])}): {nodes}"
        evidence.append(
            {"finding": "wcag_failed", "inquiry_id": entry["inquiry_id"], "channel": entry["channel"],
             "message_id": None, "detail": detail, "url": entry["url"], "criterion": entry["criterion"],
             "nodes": entry["nodes"]}
        )  # fmt: skip
    return {
        "checked": checked,
        "criteria": [
            {k: entry[k] for k in ("criterion", "channel", "rules", "url", "nodes")} for entry in criteria
        ],
        "counts": {"wcag_failed": len(criteria), "keyboard_barrier": barriers, "captcha_only": captcha},
        "evidence": evidence,
    }


def _item(key: str, f: InquiryFacts, check: Mapping[str, Any], detail: str) -> dict[str, Any]:
    return {
        "finding": key,
        "inquiry_id": f.inquiry.id,
        "channel": f.inquiry.channel,
        "message_id": None,
        "detail": detail,
        "url": check.get("url", ""),
    }
