"""A message in an existing thread: a reminder to an inquiry, or a follow-up to a company's answer.

Written like a mail program's reply: ``Re:`` before the subject (once), In-Reply-To the message
answered and References the thread so far, so the company's helpdesk files it with the original
and the company's answer to it can be matched by its own threading headers.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from servaudit.channels.base import Composed, ProbeContext, fill_placeholders
from servaudit.channels.email.probe import TAG_ALPHABET, plus_address
from servaudit.plan import Inquiry
from servaudit.timing import now

_REPLY_PREFIX = re.compile(r"^\s*(re|aw|antw|wg|sv)\s*:", re.IGNORECASE)


def reply_subject(subject: str) -> str:
    """``Re: <subject>``, without stacking a second prefix onto one already there."""
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


def compose_in_thread(
    inquiry: Inquiry,
    context: ProbeContext,
    subject: str,
    body: str,
    in_reply_to: str,
    references: Sequence[str],
) -> Composed:
    """The persona's reply in a thread, to ``inquiry.target``; ``body`` may hold the persona placeholders."""
    config = context.config
    persona = config.persona
    company = config.companies[inquiry.company]
    text = fill_placeholders(body, persona, company.name)
    domain = persona.email.rpartition("@")[2]
    message_id = f"<{uuid.uuid4()}@{domain}>"
    reply_address = None
    if persona.plus_addressing:
        reply_address = plus_address(persona.email, "".join(secrets.choice(TAG_ALPHABET) for _ in range(6)))
    message = EmailMessage()
    message["From"] = formataddr((persona.name, persona.email))
    message["To"] = inquiry.target
    if reply_address:
        message["Reply-To"] = formataddr((persona.name, reply_address))
    message["Subject"] = reply_subject(subject)
    message["Date"] = format_datetime(now().astimezone())
    message["Message-ID"] = message_id
    message["In-Reply-To"] = in_reply_to
    message["References"] = " ".join(dict.fromkeys([*references, in_reply_to]))
    message.set_content(text)
    return Composed(
        inquiry=inquiry,
        subject=reply_subject(subject),
        body=text,
        sender=persona.email,
        reply_address=reply_address,
        message_id=message_id,
        raw=bytes(message),
    )
