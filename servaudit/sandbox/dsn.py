"""Delivery status notifications (RFC 3464 bounces) as a Postfix MX writes them."""

from __future__ import annotations

import textwrap
import uuid
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import format_datetime

DIAGNOSTIC = "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"
# TEST-NET-1 (RFC 5737): the "internal" mail store that refused the recipient.
MAILSTORE_IP = "192.0.2.25"

_EXPLANATION = """\
This is the mail system at host {mta}.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

{reason}
"""


def build_dsn(
    original: EmailMessage,
    recipient: str,
    reporting_mta: str,
    arrival: datetime,
    *,
    to: str | None = None,
    sent_at: datetime | None = None,
) -> bytes:
    """A bounce for ``original``: the MX accepted it, then its internal mail store refused ``recipient``.

    ``to`` is where the bounce goes: the envelope sender as an MTA would use it;
    when not given, the original's From. ``sent_at`` is the DSN's Date (default: now).
    """
    sent_at = sent_at or datetime.now(UTC)
    queue_id = uuid.uuid4().hex[:11].upper()
    domain = recipient.rpartition("@")[2]
    diagnostic = DIAGNOSTIC.format(rcpt=recipient)

    dsn = EmailMessage(policy=policy.default)
    dsn["Date"] = format_datetime(sent_at.astimezone())
    dsn["From"] = Address("Mail Delivery System", addr_spec=f"MAILER-DAEMON@{reporting_mta}")
    dsn["Subject"] = "Undelivered Mail Returned to Sender"
    dsn["To"] = to or _first_address(original, "From")
    dsn["Auto-Submitted"] = "auto-replied"
    dsn["Message-ID"] = f"<{sent_at:%Y%m%d%H%M%S}.{queue_id}@{reporting_mta}>"
    dsn["MIME-Version"] = "1.0"
    reason = textwrap.fill(
        f"<{recipient}>: host mailstore.{domain}[{MAILSTORE_IP}] said: {diagnostic} "
        "(in reply to RCPT TO command)",
        width=76,
        subsequent_indent="    ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    explanation = _EXPLANATION.format(mta=reporting_mta, reason=reason)
    dsn.set_payload(
        [
            _text_part(explanation, "plain", "Notification"),
            _status_part(reporting_mta, queue_id, recipient, domain, diagnostic, arrival, original),
            _text_part(_header_block(original), "rfc822-headers", "Undelivered Message Headers"),
        ]
    )
    # Postfix-style boundary; set explicitly so the report-type parameter comes first as MTAs write it.
    boundary = f"{queue_id}.{int(sent_at.timestamp())}/{reporting_mta}"
    dsn["Content-Type"] = f'multipart/report; report-type=delivery-status; boundary="{boundary}"'
    return dsn.as_bytes(policy=policy.default)


def _first_address(message: EmailMessage, header: str) -> str:
    try:
        addresses = message[header].addresses
        return addresses[0].addr_spec if addresses else ""
    except (AttributeError, IndexError, TypeError):
        return ""


def _text_part(text: str, subtype: str, description: str) -> EmailMessage:
    part = EmailMessage(policy=policy.default)
    cte = "7bit" if text.isascii() else "8bit"
    part.set_content(text, subtype=subtype, cte=cte)
    del part["MIME-Version"]
    part["Content-Description"] = description
    return part


def _status_part(
    reporting_mta: str,
    queue_id: str,
    recipient: str,
    domain: str,
    diagnostic: str,
    arrival: datetime,
    original: EmailMessage,
) -> Message:
    per_message = Message(policy=policy.default)
    per_message["Reporting-MTA"] = f"dns; {reporting_mta}"
    per_message["X-Postfix-Queue-ID"] = queue_id
    sender = _first_address(original, "From")
    if sender:
        per_message["X-Postfix-Sender"] = f"rfc822; {sender}"
    per_message["Arrival-Date"] = format_datetime(arrival.astimezone())

    per_recipient = Message(policy=policy.default)
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Original-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    per_recipient["Remote-MTA"] = f"dns; mailstore.{domain}"
    per_recipient["Diagnostic-Code"] = f"smtp; {diagnostic}"

    part = Message(policy=policy.default)
    # The generator writes each block of a message/delivery-status payload as one header group.
    part.set_payload([per_message, per_recipient])
    part["Content-Type"] = "message/delivery-status"
    part["Content-Description"] = "Delivery report"
    return part


def _header_block(original: EmailMessage) -> str:
    raw = original.as_bytes(policy=original.policy.clone(linesep="\n"))
    head = raw.split(b"\n\n", 1)[0]
    return head.decode("utf-8", errors="replace") + "\n"
