"""`servaudit check`: is the audit ready to run? Validates, connects, loads every form and chat page,
but sends nothing to any company."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass, replace
from typing import cast

from servaudit.channels import CHANNELS
from servaudit.channels.base import READY, BrowserChannel, ProbeContext
from servaudit.channels.browser import open_browser
from servaudit.channels.email.probe import connect_smtp, smtp_login
from servaudit.collect import open_reader
from servaudit.config import Audit
from servaudit.errors import ServauditError
from servaudit.plan import Inquiry, planned
from servaudit.secrets import resolve_secret, scrub

OK, FAILED = "ok", "failed"


CONFIG, INFRASTRUCTURE, FINDING = "config", "infrastructure", "finding"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    detail: str
    kind: str = CONFIG
    """What a failure is: the audit file's (exit 2), servaudit's own relay, mailbox or browser
    (exit 3), or a finding about a company's channel such as a CAPTCHA or an offline chat (exit 1)."""


def run_checks(audit: Audit) -> list[CheckResult]:
    config = audit.config
    inquiries = planned(config)
    results = [
        CheckResult(
            "audit file",
            OK,
            f"{audit.path}: {len(config.companies)} companies, {len(config.scenarios)} scenarios, "
            f"{len(inquiries)} inquiries planned",
        )
    ]
    if any(i.channel == "email" for i in inquiries):
        results.append(check_smtp(audit))
    results.append(check_mailbox(audit))
    pages = first_per_page(inquiries)
    if pages:
        results.extend(asyncio.run(check_pages(audit, pages)))
    return results


def first_per_page(inquiries: list[Inquiry]) -> list[Inquiry]:
    """One inquiry per company's form or chat: the page is the same whatever the scenario."""
    seen: dict[tuple[str, str], Inquiry] = {}
    for inquiry in inquiries:
        if CHANNELS[inquiry.channel].needs_browser:
            seen.setdefault((inquiry.company, inquiry.channel), inquiry)
    return list(seen.values())


async def check_pages(audit: Audit, pages: list[Inquiry]) -> list[CheckResult]:
    """Open each form and chat page as `run` would and stop before anything reaches the company.

    What the probe saw is kept under evidence/<inquiry>.check/ for the consultant to look at.
    """
    context = ProbeContext(config=audit.config, evidence_dir=audit.folder / "evidence")
    try:
        async with open_browser(audit.config.audit.chromium) as browser:
            context = replace(context, browser=browser)
            results = []
            for inquiry in pages:
                channel = cast(BrowserChannel, CHANNELS[inquiry.channel])
                probe = replace(inquiry, id=f"{inquiry.id}.check")
                outcome = await channel.preflight(channel.compose(probe, context), context)
                name = f"{inquiry.channel}: {inquiry.company}"
                if outcome.infrastructure_failed:
                    results.append(CheckResult(name, FAILED, outcome.detail, INFRASTRUCTURE))
                else:
                    status = OK if outcome.outcome == READY else FAILED
                    results.append(CheckResult(name, status, f"{outcome.outcome}: {outcome.detail}", FINDING))
            return results
    except ServauditError as exc:
        return [CheckResult("browser", FAILED, str(exc), INFRASTRUCTURE)]


def check_smtp(audit: Audit) -> CheckResult:
    smtp = audit.config.smtp
    if smtp is None:
        return CheckResult("smtp relay", FAILED, "no [smtp] section, but e-mail inquiries are planned")
    where = f"{smtp.host}:{smtp.port}"
    try:
        password = resolve_secret(smtp.password, "smtp.password") if smtp.password else None
    except ServauditError as exc:
        return CheckResult("smtp relay", FAILED, str(exc))
    try:
        client = connect_smtp(smtp)
        try:
            if smtp.username and password is not None:
                smtp_login(client, smtp.username, password)
        finally:
            client.close()
    except smtplib.SMTPAuthenticationError as exc:
        return CheckResult("smtp relay", FAILED, f"login failed at {where}: {exc.smtp_code}", INFRASTRUCTURE)
    except (OSError, smtplib.SMTPException) as exc:
        reason = scrub(str(exc)) or type(exc).__name__
        return CheckResult("smtp relay", FAILED, f"cannot use {where}: {reason}", INFRASTRUCTURE)
    return CheckResult(
        "smtp relay", OK, f"{where} answers ({smtp.security}{', login ok' if password else ''})"
    )


def check_mailbox(audit: Audit) -> CheckResult:
    try:
        key, reader = open_reader(audit)
    except ServauditError as exc:
        return CheckResult("mailbox", FAILED, str(exc))
    try:
        reader.check()
    except ServauditError as exc:
        return CheckResult("mailbox", FAILED, str(exc), INFRASTRUCTURE)
    finally:
        reader.close()
    return CheckResult("mailbox", OK, f"{key} can be read")
