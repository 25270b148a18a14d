"""Bounces: delivery failure notices, standard (RFC 3464 DSN) or in one of the many formats MTAs use.

A DSN is read field by field; anything else needs two of: a mail-system
sender, a bounce subject, bounce wording in the text (flufl.bounce's detectors
then name the failed recipients). A successful delivery report is no bounce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message

from servaudit import message as mail
from servaudit.message_bytes import as_bytes
from servaudit.replies.signals import Signals
from servaudit.replies.vocabulary import fold

_SMTP_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_SMTP_CODE = re.compile(r"(?<![\d.#])([45])\d\d(?=[ -][245]\.\d)")
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class BounceInfo:
    """What a bounce says: who could not be reached, and whether the mail system gave up."""

    recipients: tuple[str, ...]
    permanent: bool
    """True: delivery failed for good. False: a delay warning, the mail system still retries."""
    status: str | None = None
    """The enhanced status code (5.1.1) when the bounce states one."""


@dataclass(frozen=True)
class BounceVerdict:
    reasons: tuple[str, ...]
    info: BounceInfo
    dsn: bool = False
    """A standard delivery status notification (RFC 3464), not an MTA's own format."""


def _delivery_status(message: Message) -> list[dict[str, str]]:
    """Per-recipient fields of a DSN's message/delivery-status part(s)."""
    found: list[dict[str, str]] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks: list[Message] = (
            [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []
        )
        if not blocks:  # some MTAs' status parts do not parse into blocks
            text = payload if isinstance(payload, str) else ""
            blocks = [
                message_from_bytes(b.encode())
                for b in text.split("\n\n")  # compat32, the default
            ]
        for block in blocks[1:] if len(blocks) > 1 else blocks:
            fields = {k.lower(): " ".join(str(v).split()) for k, v in block.items()}
            if "action" in fields or "final-recipient" in fields:
                found.append(fields)
    return found


def _flufl_failures(message: Message) -> tuple[set[str], set[str]]:
    """(temporary, permanent) failed recipients by flufl.bounce's detectors for MTA formats in the wild."""
    try:
        from flufl.bounce import all_failures

        # flufl.bounce reads compat32 messages (message_from_bytes's default policy), as the
        # message is written out and read again: as_bytes and parse_plain give just that, faster.
        legacy = mail.parse_plain(as_bytes(message))
        temporary, permanent = all_failures(legacy)
    except Exception:  # a broken message or an unknown format: no opinion
        return set(), set()

    def text(values: frozenset[bytes]) -> set[str]:
        return {v.decode("utf-8", "replace").lower() for v in values}

    return text(temporary), text(permanent)


def _report_type(message: Message) -> str:
    """A report's type (its Content-Type parameters are parsed only for a report)."""
    return str(message.get_param("report-type", header="content-type") or "").lower()


def bounce_evidence(signals: Signals) -> BounceVerdict | None:
    message, vocabulary = signals.message, signals.vocabulary
    if message.get_content_type() == "multipart/report" and _report_type(message) == "delivery-status":
        fields = _delivery_status(message)
        actions = {f.get("action", "").lower() for f in fields}
        if fields and actions <= {"delivered", "relayed", "expanded"}:
            return None  # a successful delivery report, not a bounce
        recipients = tuple(
            f.get("final-recipient", "").partition(";")[2].strip().lower()
            for f in fields
            if f.get("final-recipient")
        )
        statuses = [f.get("status", "") for f in fields]
        permanent = "failed" in actions or not fields
        reasons = ["multipart/report; report-type=delivery-status (a DSN)"]
        reasons += [f"Action: {a}" for a in sorted(actions) if a]
        reasons += [f"Status: {s}" for s in statuses if s]
        reasons.append(
            "the mail system gave up" if permanent else "a delay warning: the mail system still retries"
        )
        info = BounceInfo(recipients, permanent, statuses[0] if statuses else None)
        return BounceVerdict(tuple(reasons), info, dsn=True)

    sender_hits = [signals.mail_system] if signals.mail_system else []
    subject_hits = vocabulary.bounce_subjects.hits(signals.subject)
    if not sender_hits and not subject_hits:
        return None  # the text alone is never two pieces of evidence: spare reading all of it
    body = fold(signals.body)
    body_hits = vocabulary.bounce_body.hits(body)
    evidence = len(sender_hits[:1]) + len(subject_hits[:1]) + len(body_hits[:1])
    if evidence < 2:
        return None
    temporary, permanent_set = _flufl_failures(message)
    reasons = []
    if sender_hits:
        reasons.append(f"sender {signals.sender or mail.header(message, 'From')} is a mail system")
    if subject_hits:
        reasons.append(f"subject says {subject_hits[0]!r}")
    if body_hits:
        reasons.append(f"text says {body_hits[0]!r}")
    status_match = _SMTP_STATUS.search(signals.body)
    code_match = _SMTP_CODE.search(signals.body)
    status = status_match.group(0) if status_match else None
    if temporary or permanent_set:
        reasons.append("failed recipients found by flufl.bounce")
        recipients = tuple(sorted(permanent_set | temporary))
        permanent = bool(permanent_set)
    else:
        own = set(mail.addresses(message, "To", "Cc", "From"))
        recipients = tuple(
            dict.fromkeys(a.lower() for a in _ADDRESS.findall(signals.body) if a.lower() not in own)
        )[:1]
        warning = "warning" in body or "still being retried" in body or "noch nicht zugestellt" in body
        permanent = not warning and not (code_match and code_match.group(1) == "4")
    if status:
        reasons.append(f"status {status}")
    reasons.append(
        "the mail system gave up" if permanent else "a delay warning: the mail system still retries"
    )
    return BounceVerdict(tuple(reasons), BounceInfo(recipients, permanent, status))
