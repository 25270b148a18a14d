"""Which inquiry a reply answers: by thread, by per-inquiry reply address, else by sender and subject.

The methods run in order of certainty and the one that decided is recorded,
so a report can show how sure each match is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message

from servaudit import message as mail
from servaudit.config import AuditConfig
from servaudit.labels import REMINDER, REPLY_ADDRESS, SENDER_DOMAIN, SUBJECT, THREAD
from servaudit.store import InquiryRecord
from servaudit.timing import in_window

__all__ = ["REPLY_ADDRESS", "SENDER_DOMAIN", "SUBJECT", "THREAD", "InquiryIndex", "Match", "match"]

_PREFIX = re.compile(r"^\s*((re|aw|wg|fw|fwd|sv|vs|tr|antw|antwort)\s*(\[\d+\])?\s*:\s*)+", re.I)
_TAG = re.compile(r"[\[(][^\])]*[\])]|\b(ticket|case|vorgang|fall)\s*(nr\.?|no\.?|#)?\s*[#:]?\s*\d+", re.I)


@dataclass(frozen=True)
class Match:
    inquiry_id: str
    method: str


def normalize_subject(subject: str) -> str:
    """Subject without reply prefixes, ticket tags and punctuation, for comparing."""
    text = _PREFIX.sub("", subject)
    text = _TAG.sub(" ", text)
    text = _PREFIX.sub("", text)
    return " ".join(re.findall(r"\w+", text.lower()))


def company_domains(config: AuditConfig, slug: str) -> set[str]:
    company = config.companies[slug]
    domains = {d.lower() for d in company.domains}
    domains |= company.address_domains
    if company.website:
        host = re.sub(r"^[a-z]+://", "", company.website.lower()).split("/")[0].split(":")[0]
        domains.add(host.removeprefix("www."))
    return domains


def _domain_matches(address: str, domains: set[str]) -> bool:
    domain = address.rpartition("@")[2].lower()
    return any(domain == d or domain.endswith("." + d) for d in domains)


class InquiryIndex:
    """The inquiries, indexed once per collect so matching stays linear in the number of replies."""

    def __init__(self, inquiries: Sequence[InquiryRecord], config: AuditConfig) -> None:
        self.inquiries = inquiries
        self.window = timedelta(days=config.audit.window_days)
        by_id = {i.id: i for i in inquiries}
        # A reply to a reminder answers the inquiry it reminds of: it is matched to that inquiry, so
        # its response time runs from the inquiry's delivery. A follow-up's reply is its own answer.
        owner = {
            i.id: by_id.get(i.parent_id, i) if i.kind == REMINDER and i.parent_id else i for i in inquiries
        }
        self.by_message_id = {i.message_id: owner[i.id] for i in inquiries if i.message_id}
        self.by_reply_address = {i.reply_address.lower(): owner[i.id] for i in inquiries if i.reply_address}
        self.owner = owner
        self.domains = {slug: company_domains(config, slug) for slug in config.companies}
        # Each company's inquiries with their place in ``inquiries``: a sender's domain names its
        # companies once, and only their inquiries are tried (in that order, as if all were).
        self.by_company: dict[str, list[tuple[int, InquiryRecord]]] = {slug: [] for slug in self.domains}
        for place, inquiry in enumerate(inquiries):
            if inquiry.company in self.by_company:
                self.by_company[inquiry.company].append((place, inquiry))

    def senders_inquiries(self, sender: str) -> list[InquiryRecord]:
        """The inquiries to the companies whose domains ``sender``'s address is in, in the order
        of ``inquiries``."""
        companies = [slug for slug, domains in self.domains.items() if _domain_matches(sender, domains)]
        if len(companies) == 1:
            return [inquiry for _, inquiry in self.by_company[companies[0]]]
        placed = sorted(pair for slug in companies for pair in self.by_company[slug])
        return [inquiry for _, inquiry in placed]


def match(
    message: Message, arrived_at: datetime, index: InquiryIndex, resolution: float = 0.0
) -> Match | None:
    """The inquiry ``message`` answers. Only a thread or a per-inquiry address ties a reply that
    arrived before the inquiry was sent to it (and metrics then leave it out); guessing by sender
    never picks an inquiry sent after the reply arrived."""
    # The message answered first (In-Reply-To), then the thread from its newest end: a reply to a
    # follow-up names the inquiry too, in References, and is the follow-up's answer.
    answered = mail.MESSAGE_ID.findall(mail.header(message, "In-Reply-To"))
    thread = mail.MESSAGE_ID.findall(mail.header(message, "References"))[::-1]
    for ref in [*answered, *thread, *mail.embedded_original_ids(message)]:
        if ref in index.by_message_id:
            return Match(index.by_message_id[ref].id, THREAD)

    for recipient in mail.addresses(message, "To", "Cc", "Delivered-To", "X-Original-To"):
        if recipient in index.by_reply_address:
            return Match(index.by_reply_address[recipient].id, REPLY_ADDRESS)

    sender = mail.sender(message)
    window = index.window
    candidates = [
        i for i in index.senders_inquiries(sender) if in_window(i.sent_at, arrived_at, window, resolution)
    ]
    subject = normalize_subject(mail.header(message, "Subject"))
    by_subject = [i for i in candidates if i.subject and normalize_subject(i.subject) in subject]
    if by_subject:
        # The most recent inquiry sent before the reply is the one answered.
        latest = max(by_subject, key=lambda i: i.sent_at or arrived_at)
        return Match(index.owner[latest.id].id, SUBJECT)
    owners = {index.owner[i.id].id for i in candidates}
    if len(owners) == 1:
        return Match(owners.pop(), SENDER_DOMAIN)
    return None
