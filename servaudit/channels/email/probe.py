"""The e-mail channel: write the scenario as the persona and hand it to the persona's SMTP relay.

The message looks like one a person writes in a mail program: no X-Mailer,
no tracking headers, a Message-ID in the style of common clients. The SMTP
dialogue is done step by step so a failure is placed exactly: before DATA
nothing was sent (retry is safe); a broken connection after DATA may have
delivered it (never retried).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import smtplib
import ssl
import uuid
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from servaudit.channels.base import (
    CHECK_FAILED,
    CHECK_OK,
    INFRASTRUCTURE,
    CheckResult,
    Composed,
    Outcome,
    ProbeContext,
    fill_placeholders,
)
from servaudit.config import Smtp
from servaudit.errors import ConfigError, ServauditError
from servaudit.plan import Inquiry
from servaudit.secrets import register_secret, resolve_secret, scrub
from servaudit.timing import now

TAG_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def plus_address(address: str, tag: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local}+{tag}@{domain}"


class EmailChannel:
    name = "email"
    needs_browser = False

    def ready(self, context: ProbeContext) -> None:
        smtp = context.config.smtp
        if smtp is None:
            raise ConfigError("the audit has e-mail inquiries but no [smtp] section to send them with")
        if smtp.password:
            resolve_secret(smtp.password, "smtp.password")

    def compose(self, inquiry: Inquiry, context: ProbeContext) -> Composed:
        config = context.config
        persona = config.persona
        scenario = config.scenarios[inquiry.scenario]
        company = config.companies[inquiry.company]
        subject = fill_placeholders(scenario.subject, persona, company.name)
        body = fill_placeholders(scenario.body, persona, company.name)
        domain = persona.email.rpartition("@")[2]
        message_id = f"<{uuid.uuid4()}@{domain}>"
        reply_address = None
        if persona.plus_addressing:
            tag = "".join(secrets.choice(TAG_ALPHABET) for _ in range(6))
            reply_address = plus_address(persona.email, tag)

        message = EmailMessage()
        message["From"] = formataddr((persona.name, persona.email))
        message["To"] = inquiry.target
        if reply_address:
            message["Reply-To"] = formataddr((persona.name, reply_address))
        message["Subject"] = subject
        message["Date"] = format_datetime(now().astimezone())
        message["Message-ID"] = message_id
        message.set_content(body)
        return Composed(
            inquiry=inquiry,
            subject=subject,
            body=body,
            sender=persona.email,
            reply_address=reply_address,
            message_id=message_id,
            raw=bytes(message),
        )

    async def send(self, composed: Composed, context: ProbeContext) -> Outcome:
        smtp = context.config.smtp
        assert smtp is not None  # ready() checked it
        assert composed.raw is not None
        try:
            password = resolve_secret(smtp.password, "smtp.password") if smtp.password else None
        except ConfigError as exc:
            return Outcome("not_sent", str(exc), infrastructure_failed=True)
        return await asyncio.to_thread(
            deliver, smtp, password, composed.sender, composed.inquiry.target, composed.raw
        )

    async def check(self, inquiries: Sequence[Inquiry], context: ProbeContext) -> list[CheckResult]:
        """The relay answers and accepts the login; nothing is sent."""
        return [await asyncio.to_thread(check_relay, context.config.smtp)]


def check_relay(smtp: Smtp | None) -> CheckResult:
    if smtp is None:
        return CheckResult("smtp relay", CHECK_FAILED, "no [smtp] section, but e-mail inquiries are planned")
    where = f"{smtp.host}:{smtp.port}"
    try:
        password = resolve_secret(smtp.password, "smtp.password") if smtp.password else None
    except ServauditError as exc:
        return CheckResult("smtp relay", CHECK_FAILED, str(exc))
    try:
        client = connect_smtp(smtp)
        try:
            if smtp.username and password is not None:
                smtp_login(client, smtp.username, password)
        finally:
            client.close()
    except smtplib.SMTPAuthenticationError as exc:
        detail = f"login failed at {where}: {exc.smtp_code}"
        return CheckResult("smtp relay", CHECK_FAILED, detail, INFRASTRUCTURE)
    except (OSError, smtplib.SMTPException) as exc:
        reason = scrub(str(exc)) or type(exc).__name__
        return CheckResult("smtp relay", CHECK_FAILED, f"cannot use {where}: {reason}", INFRASTRUCTURE)
    login = ", login ok" if password else ""
    return CheckResult("smtp relay", CHECK_OK, f"{where} answers ({smtp.security}{login})")


def deliver(smtp: Smtp, password: str | None, sender: str, recipient: str, raw: bytes) -> Outcome:
    """One SMTP transaction, each step's failure classified by what it means for a re-send.

    Whatever fails before DATA (even a bug) leaves the inquiry due: nothing reached the relay.
    """
    where = f"{smtp.host}:{smtp.port}"
    try:
        client = connect_smtp(smtp)
    except Exception as exc:
        return Outcome(
            "not_sent", f"cannot reach SMTP relay {where}: {_reason(exc)}", infrastructure_failed=True
        )
    try:
        try:
            if smtp.username and password is not None:
                smtp_login(client, smtp.username, password)
            code, reply = client.mail(sender)
            if code != 250:
                return Outcome(
                    "not_sent",
                    f"relay {where} refused sender: {code} {_text(reply)}",
                    infrastructure_failed=True,
                )
            code, reply = client.rcpt(recipient)
            if code >= 500:
                return Outcome("rejected", f"recipient refused: {code} {_text(reply)}")
            if code not in (250, 251):
                return Outcome("not_sent", f"recipient temporarily refused: {code} {_text(reply)}")
        except smtplib.SMTPAuthenticationError as exc:
            return Outcome(
                "not_sent",
                f"SMTP login failed at {where}: {exc.smtp_code} {scrub(_text(exc.smtp_error))}",
                infrastructure_failed=True,
            )
        except Exception as exc:
            return Outcome(
                "not_sent",
                f"SMTP relay {where} failed before the message was sent: {_reason(exc)}",
                infrastructure_failed=True,
            )
        try:
            client.data(raw)
        except smtplib.SMTPDataError as exc:
            detail = f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}"
            return Outcome("rejected" if exc.smtp_code >= 500 else "not_sent", detail)
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome("uncertain", f"connection lost while the message was transmitted: {_reason(exc)}")
        return Outcome("sent", f"accepted by {where}", delivered_at=now())
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def connect_smtp(smtp: Smtp) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=smtp.ca_file)
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    client.ehlo()
    if smtp.security == "starttls":
        client.starttls(context=context)
        client.ehlo()
    return client


def smtp_login(client: smtplib.SMTP, username: str, password: str) -> None:
    """Log in with the credentials as UTF-8 (AUTH PLAIN, RFC 4616; else AUTH LOGIN).

    smtplib's own login encodes them as ASCII, so a password with an umlaut failed inside the
    library with an error quoting the password. Raises SMTPAuthenticationError (its text scrubbed).
    """
    register_secret(password)
    if not client.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("the relay offers no login (no SMTP AUTH extension)")
    offered = client.esmtp_features["auth"].upper().split()
    user, secret = username.encode("utf-8"), password.encode("utf-8")
    if "PLAIN" in offered or "LOGIN" not in offered:
        payload = base64.b64encode(b"\0" + user + b"\0" + secret).decode("ascii")
        register_secret(payload)  # a relay may echo it in its refusal
        code, reply = client.docmd("AUTH", f"PLAIN {payload}")
    else:
        code, reply = client.docmd("AUTH", "LOGIN " + base64.b64encode(user).decode("ascii"))
        if code == 334:
            answer = base64.b64encode(secret).decode("ascii")
            register_secret(answer)
            code, reply = client.docmd(answer)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, scrub(_text(reply)))


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _reason(exc: BaseException) -> str:
    return scrub(str(exc) or type(exc).__name__)
