"""`servaudit check`: is the audit ready to run? Validates, connects, loads every form and chat page,
but sends nothing to any company.

The verb only orchestrates: each channel with planned inquiries checks itself (``Channel.check``:
the e-mail channel its relay, a browser channel each company's page); the mailbox is checked here.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from servaudit import channels as registry
from servaudit.browser import open_browser
from servaudit.channels.base import (
    CHECK_FAILED,
    CHECK_OK,
    CONFIG,
    FINDING,
    INFRASTRUCTURE,
    CheckResult,
    ProbeContext,
)
from servaudit.collect import open_reader
from servaudit.config import Audit
from servaudit.errors import ServauditError
from servaudit.plan import Inquiry, planned

__all__ = ["CHECK_FAILED", "CHECK_OK", "CONFIG", "FINDING", "INFRASTRUCTURE", "CheckResult", "run_checks"]


def run_checks(audit: Audit) -> list[CheckResult]:
    config = audit.config
    inquiries = planned(config)
    results = [
        CheckResult(
            "audit file",
            CHECK_OK,
            f"{audit.path}: {len(config.companies)} companies, {len(config.scenarios)} scenarios, "
            f"{len(inquiries)} inquiries planned",
        )
    ]
    by_channel = {name: [i for i in inquiries if i.channel == name] for name in registry.names()}
    planned_channels = [name for name in by_channel if by_channel[name]]
    # The relay before the mailbox, the pages last: the quick checks answer first.
    direct = [name for name in planned_channels if not registry.spec(name).needs_browser]
    browsing = [name for name in planned_channels if registry.spec(name).needs_browser]
    results.extend(asyncio.run(_check_channels(audit, direct, by_channel, browser=False)))
    if any(registry.spec(name).replies == "mailbox" for name in planned_channels):
        # Only a channel whose answers come by mail needs the mailbox: a chat-only audit has none.
        results.append(check_mailbox(audit))
    if browsing:
        results.extend(asyncio.run(_check_channels(audit, browsing, by_channel, browser=True)))
    return results


async def _check_channels(
    audit: Audit, names: list[str], by_channel: dict[str, list[Inquiry]], browser: bool
) -> list[CheckResult]:
    """Each channel checks itself, in registry order; those that need one share one browser."""
    context = ProbeContext(config=audit.config, evidence_dir=audit.folder / "evidence")
    if not browser:
        return [r for name in names for r in await registry.probe(name).check(by_channel[name], context)]
    results: list[CheckResult] = []
    try:
        async with open_browser(audit.config.audit.chromium) as chromium:
            for name in names:
                probe = registry.probe(name)
                results.extend(await probe.check(by_channel[name], replace(context, browser=chromium)))
    except ServauditError as exc:
        results.append(CheckResult("browser", CHECK_FAILED, str(exc), INFRASTRUCTURE))
    return results


def check_mailbox(audit: Audit) -> CheckResult:
    try:
        key, reader = open_reader(audit)
    except ServauditError as exc:
        return CheckResult("mailbox", CHECK_FAILED, str(exc))
    try:
        reader.check()
    except ServauditError as exc:
        return CheckResult("mailbox", CHECK_FAILED, str(exc), INFRASTRUCTURE)
    finally:
        reader.close()
    return CheckResult("mailbox", CHECK_OK, f"{key} can be read")
