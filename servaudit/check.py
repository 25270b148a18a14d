"""`servaudit check`: is the audit ready to run? Validates, connects, loads every form and chat page,
but sends nothing to any company.

The verb only orchestrates: each channel with planned inquiries checks itself (``Channel.check``:
the e-mail channel its relay, a browser channel each company's page); the mailbox is checked here.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from servaudit import channels as registry
from servaudit.channels.base import (
    CHECK_FAILED,
    CHECK_OK,
    CONFIG,
    FINDING,
    INFRASTRUCTURE,
    CheckResult,
    ProbeContext,
)
from servaudit.channels.browser import open_browser
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
    results.append(check_mailbox(audit))
    by_channel = {name: [i for i in inquiries if i.channel == name] for name in registry.names()}
    results.extend(asyncio.run(_check_channels(audit, {n: i for n, i in by_channel.items() if i})))
    return results


async def _check_channels(audit: Audit, by_channel: dict[str, list[Inquiry]]) -> list[CheckResult]:
    """Each channel checks itself, in registry order; one browser is shared by those that need one."""
    context = ProbeContext(config=audit.config, evidence_dir=audit.folder / "evidence")
    results: list[CheckResult] = []
    for name in [n for n in by_channel if not registry.spec(n).needs_browser]:
        results.extend(await registry.probe(name).check(by_channel[name], context))
    browsing = [n for n in by_channel if registry.spec(n).needs_browser]
    if not browsing:
        return results
    try:
        async with open_browser(audit.config.audit.chromium) as browser:
            for name in browsing:
                probe = registry.probe(name)
                results.extend(await probe.check(by_channel[name], replace(context, browser=browser)))
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
