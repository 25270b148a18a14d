"""The limits checked before anything is sent: do-not-contact, a cap per company and month, domain spacing.

Pure decisions over the audit and what the store says was sent; the engine records a refusal with its
reason (inquiry state ``refused``) and checks it again at every run: an inquiry is sent once the reason
went away (its address or domain taken off the list, a new month, the spacing passed), never otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from servaudit.addresses import ascii_address, ascii_host
from servaudit.config import Audit, AuditConfig
from servaudit.consent import target_domain
from servaudit.errors import ConfigError
from servaudit.plan import Inquiry
from servaudit.store.study import SendRecord

KEY = "audit.limits.do_not_contact"


@dataclass(frozen=True)
class Blocked:
    """One do-not-contact entry: an address (exact) or a domain (with its subdomains)."""

    value: str
    origin: str
    """Where it was written: ``file:line`` or the audit key."""

    def matches(self, target: str, domains: set[str]) -> bool:
        if "@" in self.value:
            return "://" not in target and target.lower() == self.value
        return any(d == self.value or d.endswith("." + self.value) for d in domains)


def _entry(text: str, origin: str) -> Blocked:
    value = text.strip()
    try:
        normal = (
            ascii_address(value).lower() if "@" in value else ascii_host(value.lower().removeprefix("*."))
        )
    except ValueError as exc:
        raise ConfigError(f"{origin}: not an e-mail address or a domain: {exc}") from None
    return Blocked(normal, origin)


def do_not_contact(audit: Audit) -> list[Blocked]:
    """The audit's do-not-contact entries; a missing file or a bad line is a ConfigError naming it."""
    listed = audit.config.audit.limits.do_not_contact
    if not isinstance(listed, str):
        return [_entry(value, f"{audit.path}: {KEY}[{n}]") for n, value in enumerate(listed)]
    path: Path = audit.resolve(listed)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{audit.path}: {KEY} = {listed!r}: cannot read {path} ({exc}); "
            "write one address or domain a line there, or give a list"
        ) from None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if content:
            entries.append(_entry(content, f"{path}:{number}"))
    return entries


def company_domains(config: AuditConfig, company: str) -> set[str]:
    """Every domain the company is known by: its targets', its website's and its extra domains."""
    found = config.companies[company]
    domains = {target_domain(target) for target in found.channels.values()}
    if found.website:
        domains.add(target_domain(found.website if "://" in found.website else f"https://{found.website}"))
    return domains | {d.lower() for d in found.domains}


def decide(
    config: AuditConfig,
    blocked: Sequence[Blocked],
    due: Sequence[Inquiry],
    history: Sequence[SendRecord],
    now: datetime,
    zone: str,
) -> dict[str, str | None]:
    """For each due inquiry, in the order given (planned time first): None to send it now, or the reason
    it is refused. What this batch sends counts against the next inquiry's cap and spacing."""
    limits = config.audit.limits
    spacing = timedelta(minutes=limits.domain_spacing_minutes)
    tz = ZoneInfo(zone)
    month = now.astimezone(tz).strftime("%Y-%m")
    this_month: dict[str, int] = {}
    last_send: dict[str, datetime] = {}
    for sent in history:
        if sent.started_at.astimezone(tz).strftime("%Y-%m") == month:
            this_month[sent.company] = this_month.get(sent.company, 0) + 1
        domain = target_domain(sent.target)
        last_send[domain] = max(last_send.get(domain, sent.started_at), sent.started_at)
    decisions: dict[str, str | None] = {}
    for inquiry in due:
        reason = unwanted(config, blocked, inquiry) or _reason(
            inquiry, this_month, last_send, spacing, now, month, config
        )
        decisions[inquiry.id] = reason
        if reason is None:
            this_month[inquiry.company] = this_month.get(inquiry.company, 0) + 1
            last_send[target_domain(inquiry.target)] = now
    return decisions


def unwanted(config: AuditConfig, blocked: Sequence[Blocked], inquiry: Inquiry) -> str | None:
    """The do-not-contact entry that stops ``inquiry``, as a reason; None when none does.

    An address entry stops that address only; a domain entry every inquiry of a company known by it."""
    domains = company_domains(config, inquiry.company) | {target_domain(inquiry.target)}
    for entry in blocked:
        if entry.matches(inquiry.target, domains):
            return f"do-not-contact: {entry.value} ({entry.origin})"
    return None


def _reason(
    inquiry: Inquiry,
    this_month: dict[str, int],
    last_send: dict[str, datetime],
    spacing: timedelta,
    now: datetime,
    month: str,
    config: AuditConfig,
) -> str | None:
    cap = config.audit.limits.per_company_per_month
    if cap is not None and this_month.get(inquiry.company, 0) >= cap:
        return (
            f"cap: {cap} sends to {inquiry.company} in {month} already (audit.limits.per_company_per_month)"
        )
    domain = target_domain(inquiry.target)
    last = last_send.get(domain)
    if spacing and last is not None and last + spacing > now:
        return (
            f"rate limit: last send to {domain} at {last:%Y-%m-%d %H:%M} UTC; not before"
            f" {last + spacing:%Y-%m-%d %H:%M} UTC (audit.limits.domain_spacing_minutes)"
        )
    return None


def spacing_until(
    config: AuditConfig, inquiry: Inquiry, history: Sequence[SendRecord], now: datetime
) -> datetime | None:
    """When the domain spacing lets ``inquiry`` go, if not now: a distributed worker's job waits until
    then instead of being refused (the queue holds it; the single-machine `run` refuses and retries)."""
    spacing = timedelta(minutes=config.audit.limits.domain_spacing_minutes)
    if not spacing:
        return None
    domain = target_domain(inquiry.target)
    last = max((sent.started_at for sent in history if target_domain(sent.target) == domain), default=None)
    return last + spacing if last is not None and last + spacing > now else None
