"""`servaudit check`: is the audit ready to run? Validates and connects, but contacts no company."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

from servaudit.channels.email import connect_smtp
from servaudit.collect import open_reader
from servaudit.config import Audit
from servaudit.errors import ServauditError
from servaudit.plan import planned
from servaudit.secrets import resolve_secret

OK, FAILED = "ok", "failed"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    detail: str
    infrastructure: bool = False
    """A failure of servaudit's own relay or mailbox (exit code 3) rather than of the audit file."""


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
    return results


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
                client.login(smtp.username, password)
        finally:
            client.close()
    except smtplib.SMTPAuthenticationError as exc:
        return CheckResult("smtp relay", FAILED, f"login failed at {where}: {exc.smtp_code}", True)
    except (OSError, smtplib.SMTPException) as exc:
        return CheckResult("smtp relay", FAILED, f"cannot use {where}: {exc or type(exc).__name__}", True)
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
        return CheckResult("mailbox", FAILED, str(exc), True)
    finally:
        reader.close()
    return CheckResult("mailbox", OK, f"{key} can be read")
