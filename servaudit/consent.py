"""What counts as the sandbox: the only place `run` may send without asking, and with a simulated clock.

Strict on purpose: an audit is the sandbox only when every target is — every e-mail target in a domain
reserved by RFC 2606 / RFC 6761 (the top-level domains .example, .test, .invalid and .localhost, and
example.com, example.net, example.org with their subdomains), and every form or chat page on a
loopback address (127.0.0.0/8, ::1, localhost). Anything else may reach a real company.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from servaudit import channels as registry
from servaudit.config import AuditConfig
from servaudit.errors import UsageError
from servaudit.timing import SIMULATED_CLOCK, simulated

RESERVED_TOP_LEVEL = ("example", "test", "invalid", "localhost")
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")


def target_domain(target: str) -> str:
    """The domain an inquiry goes to: a page's host, an address's mail domain (lower case)."""
    if "://" in target:
        return (urlsplit(target).hostname or "").lower().rstrip(".")
    return target.rpartition("@")[2].lower().rstrip(".")


def reserved_domain(domain: str) -> bool:
    labels = domain.lower().rstrip(".").split(".")
    if labels[-1] in RESERVED_TOP_LEVEL:
        return True
    return ".".join(labels[-2:]) in RESERVED_DOMAINS


def loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def sandbox_target(channel: str, target: str) -> bool:
    domain = target_domain(target)
    if registry.spec(channel).target_is_address:
        return reserved_domain(domain)
    return loopback_host(domain)


def live_targets(config: AuditConfig) -> list[tuple[str, str, str]]:
    """(company, channel, target) of every target outside the sandbox; empty: the audit is the sandbox."""
    return [
        (slug, channel, target)
        for slug, company in config.companies.items()
        for channel, target in company.channels.items()
        if not sandbox_target(channel, target)
    ]


def is_sandbox(config: AuditConfig) -> bool:
    return not live_targets(config)


def refuse_simulated_clock(config: AuditConfig) -> None:
    """A simulated clock sends at the wrong time of day: only ever against the sandbox."""
    if simulated():
        live = live_targets(config)
        if live:
            company, _channel, target = live[0]
            raise UsageError(
                f"{SIMULATED_CLOCK} is set, and this audit is not the sandbox ({company}: {target}); "
                f"a simulated clock is for the sandbox only: unset {SIMULATED_CLOCK} to send for real"
            )
