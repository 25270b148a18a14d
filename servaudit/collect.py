"""Collecting: new mail from the mailbox into the store, then matched to inquiries and classified.

Each message is committed with the reader's cursor in one transaction, so an
interrupted collect resumes where it stopped and loses nothing. Matching and
classification run over everything not yet decided, so a later collect (or
a new vocabulary) picks up what an earlier one could not place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from servaudit import message as mail
from servaudit.classify import Vocabulary, classify
from servaudit.config import Audit, ImapMailbox, MaildirMailbox
from servaudit.engine import open_store
from servaudit.errors import ConfigError
from servaudit.mailbox.base import MailboxReader
from servaudit.match import InquiryIndex, match
from servaudit.quality import score_quality
from servaudit.secrets import resolve_secret
from servaudit.store import Store
from servaudit.timing import seconds_between


@dataclass
class CollectSummary:
    downloaded: int = 0
    duplicates: int = 0
    matched: int = 0
    unmatched: int = 0
    labels: dict[str, int] = field(default_factory=dict)


def open_reader(audit: Audit) -> tuple[str, MailboxReader]:
    """The mailbox reader and a stable key for its cursor."""
    box = audit.config.mailbox
    if box is None:
        raise ConfigError(f"{audit.path}: no [mailbox] section: collect needs to know where replies arrive")
    if isinstance(box, MaildirMailbox):
        from servaudit.mailbox.maildir import MaildirReader

        path = audit.resolve(box.path)
        return f"maildir:{path}", MaildirReader(path)
    assert isinstance(box, ImapMailbox)
    from servaudit.mailbox.imap import ImapReader

    password = resolve_secret(box.password, "mailbox.password")
    reader = ImapReader(box.host, box.port, box.security, box.username, password, box.folder, box.timeout)
    return f"imap:{box.username}@{box.host}:{box.port}/{box.folder}", reader


def collect(audit: Audit, on_message: Callable[[int], None] | None = None) -> CollectSummary:
    summary = CollectSummary()
    store = open_store(audit)
    try:
        key, reader = open_reader(audit)
        try:
            for incoming, cursor in reader.fetch_new(store.cursor(key), store.is_known_source):
                parsed = mail.parse(incoming.raw)
                with store.transaction():
                    stored = store.add_message(
                        incoming.source,
                        incoming.raw,
                        incoming.arrived_at,
                        mail.header(parsed, "Message-ID") or None,
                        mail.sender(parsed) or None,
                        mail.header(parsed, "Subject") or None,
                    )
                    store.save_cursor(key, cursor)
                if stored is None:
                    summary.duplicates += 1
                else:
                    summary.downloaded += 1
                if on_message:
                    on_message(summary.downloaded)
        finally:
            reader.close()
        decide(audit, store, summary)
    finally:
        store.close()
    return summary


def decide(audit: Audit, store: Store, summary: CollectSummary) -> None:
    """Match and classify every message that still lacks a match or an automatic class."""
    vocabulary = Vocabulary.load(audit.folder)
    inquiries = store.inquiries()
    by_id = {i.id: i for i in inquiries}
    index = InquiryIndex(inquiries, audit.config)
    for record in store.messages("m.inquiry_id IS NULL OR a.label IS NULL"):
        parsed = mail.parse(store.raw_message(record.id))
        inquiry_id = record.inquiry_id
        found = match(parsed, record.arrived_at, index) if inquiry_id is None else None
        if found is not None:
            inquiry_id = found.inquiry_id
        inquiry = by_id.get(inquiry_id) if inquiry_id else None
        seconds = seconds_between(inquiry.sent_at, record.arrived_at) if inquiry else None
        result = classify(parsed, vocabulary, seconds)
        # One message's match, class and score are one decision: stored together or not at all.
        with store.transaction():
            if found is not None:
                store.set_match(record.id, found.inquiry_id, found.method)
            store.set_classification(record.id, result.label, list(result.reasons))
            score_quality(audit, store, record.id, parsed, result.label, inquiry, seconds, vocabulary)
    for record in store.messages():
        if record.inquiry_id:
            summary.matched += 1
        else:
            summary.unmatched += 1
        if record.label:
            summary.labels[record.label] = summary.labels.get(record.label, 0) + 1
