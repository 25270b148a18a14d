"""The reachability matrix: per company and channel, offered / working / failed / missing, with depth.

"Offered" and the click depth come from `servaudit discover -a` (kept in the
store) or from the channels the audit file lists; "working" and "failed" come
from the inquiries (figures.reachability_status: delivered = working; refused,
bounced or failed = failed). Without a discovery, a channel the audit does not
list is "unknown", not "missing": nobody looked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, cast

from servaudit import channels as registry
from servaudit.config import Audit
from servaudit.discover.model import LIST_KEYS, min_depth
from servaudit.measure.facts import InquiryFacts, gather
from servaudit.measure.figures import reachability_status
from servaudit.store import REJECTED, SENT, Store

Status = Literal["working", "offered", "missing", "failed", "unknown"]
UNPROBED = ("phone", "social", "help")
"""Contact points discovery finds that no channel probes; the matrix shows them after the channels."""
COLUMNS = (*registry.names(), *UNPROBED)
"""The matrix's columns, in order: the registered channels, then the unprobed contact points."""
UNREACHABLE_MAIL = frozenset({"unreachable", "null-mx"})


@dataclass(frozen=True)
class Cell:
    channel: str
    status: Status
    depth: int | None
    """Clicks from the home page, when discovered."""
    detail: str


@dataclass(frozen=True)
class CompanyReachability:
    slug: str
    name: str
    cells: tuple[Cell, ...]


def reachability(
    audit: Audit, store: Store, facts: Sequence[InquiryFacts] | None = None
) -> list[CompanyReachability]:
    """The matrix; ``facts`` are the store's inquiries with their replies when the caller has them
    (the report's builder), or they are gathered here."""
    if facts is None:
        window = timedelta(days=audit.config.audit.window_days)
        facts = gather(store.inquiries(), store.messages(), window)
    found = store.discoveries()
    by_cell: dict[tuple[str, str], list[InquiryFacts]] = {}
    for f in facts:  # one pass, not one per company and channel
        by_cell.setdefault((f.inquiry.company, f.inquiry.channel), []).append(f)
    rows = []
    for slug, company in audit.config.companies.items():
        cells = tuple(
            cell(channel, company.channels.get(channel), found.get(slug), by_cell.get((slug, channel), []))
            for channel in COLUMNS
        )
        rows.append(CompanyReachability(slug, company.name, cells))
    return rows


def cell(
    channel: str, configured: str | None, discovery: Mapping[str, Any] | None, facts: Sequence[InquiryFacts]
) -> Cell:
    items: list[dict[str, Any]] = list((discovery or {}).get(LIST_KEYS[channel], []))
    depth = _depth(configured, items)
    offered = bool(items) or configured is not None
    if facts:
        status = cast(Status, reachability_status(facts, offered))
        return Cell(channel, status, depth, _inquiry_detail(status, facts))
    if _is_address(channel):
        unreachable = _unreachable_mail(configured, items)
        if unreachable:
            return Cell(channel, "failed", depth, unreachable)
    if offered:
        return Cell(channel, "offered", depth, _offered_detail(channel, configured, items))
    if discovery is None:
        return Cell(channel, "unknown", None, "not discovered (servaudit discover -a)")
    if discovery.get("error"):
        return Cell(channel, "unknown", None, f"the site could not be read: {discovery['error']}")
    return Cell(channel, "missing", None, f"not found on {discovery.get('pages_crawled', 0)} pages read")


def _depth(configured: str | None, items: Sequence[Mapping[str, Any]]) -> int | None:
    """The depth of the address or page the audit uses, if discovery found it; else the shallowest."""
    if configured is not None:
        wanted = configured.lower().rstrip("/")
        for item in items:
            where = str(item.get("address") or item.get("url") or "").lower().rstrip("/")
            if where == wanted and isinstance(item.get("depth"), int):
                return int(item["depth"])
    return min_depth(items)


def _inquiry_detail(status: str, facts: Sequence[InquiryFacts]) -> str:
    delivered = sum(1 for f in facts if f.delivered)
    if status == "working":
        return f"{delivered} of {len(facts)} inquiries delivered"
    if status == "failed":
        worst = next(
            (f for f in facts if f.bounced or f.inquiry.state == REJECTED or f.inquiry.state == SENT),
            facts[0],
        )
        if worst.bounced:
            return "bounced: a delivery failure notice came back"
        reason = f": {worst.inquiry.detail}" if worst.inquiry.detail else ""
        return f"{worst.inquiry.outcome or worst.inquiry.state}{reason}"
    return f"{len(facts)} inquiries, none sent for sure yet"


def _is_address(channel: str) -> bool:
    """The channel's target is a mail address, so a domain that cannot receive mail makes it unreachable."""
    return channel in registry.names() and registry.spec(channel).target_is_address


def _unreachable_mail(configured: str | None, items: Sequence[Mapping[str, Any]]) -> str | None:
    """Why the channel's e-mail domain cannot receive mail, if discovery's DNS check said so."""
    checks = {i.get("domain"): i.get("mail") or {} for i in items}
    if configured is not None:
        check = checks.get(configured.rpartition("@")[2].lower())
        if check and check.get("status") in UNREACHABLE_MAIL:
            return f"{configured}: {check.get('detail')}"
        return None
    if items and all((checks[i.get("domain")]).get("status") in UNREACHABLE_MAIL for i in items):
        first = items[0]
        return f"{first.get('address')}: {(first.get('mail') or {}).get('detail')}"
    return None


def _offered_detail(channel: str, configured: str | None, items: Sequence[Mapping[str, Any]]) -> str:
    if not items:
        return f"{configured} (listed in the audit)"
    first = min(items, key=lambda i: i.get("depth", 0))
    more = f" (+{len(items) - 1} more)" if len(items) > 1 else ""
    probed = registry.spec(channel) if channel in registry.names() else None
    if probed is not None:
        text = probed.found_text(first) if probed.found_text else str(first.get("url"))
    elif channel == "phone":
        text = f"{first.get('number')} ({first.get('type')})"
    elif channel == "social":
        text = ", ".join(sorted({str(i.get("network")) for i in items}))
        more = ""
    else:
        text = f"{first.get('kind')}: {first.get('url')}"
    return text + more
