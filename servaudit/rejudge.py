"""Bringing stored judgements up to date before a report: locally, from the store and the evidence files.

The report only reads what was judged (servaudit/judgement.py). A store judged by older
code, or migrated from an older schema, lacks some of it or holds it under an older judge
version; `collect` would re-judge it, but a report must not wait for a mailbox. So the
report verbs (report, gate) first run collect's own Judge over the stored messages whose
decision is stale, read the chat turns judged during a run, and read chat transcripts
from their evidence files where the stored reading is missing or older. No mailbox is
opened and nothing leaves the machine; a consultant's grade is never touched.
"""

from __future__ import annotations

from collections.abc import Callable

from servaudit.audit_store import open_store
from servaudit.channels.chat.transcript import SUMMARY_VERSION, read_chat
from servaudit.collect import CollectSummary, decide
from servaudit.config import Audit
from servaudit.judgement import ChatJudgement
from servaudit.store import Store


def refresh(audit: Audit, note: Callable[[str], None] = lambda _text: None) -> int:
    """Bring the audit's judgements up to date; ``note`` gets one line when anything was judged
    again. Returns how many messages and chats were."""
    store = open_store(audit)
    try:
        summary = CollectSummary()
        judge = decide(audit, store, summary)
        run_replies = store.unread_run_replies(judge.version)
        if run_replies:  # no write lock (nor write) when nothing is stale: gate may run beside a collect
            with store.transaction():
                for record in run_replies:
                    judge.read(record)
        chats = 0
        stored = store.chats()
        inquiries = {i.id: i for i in store.inquiries()}
        for inquiry_id, relative in transcripts(store).items():
            known = stored.get(inquiry_id)
            inquiry = inquiries.get(inquiry_id)
            if inquiry is not None and (known is None or known.version != SUMMARY_VERSION):
                chats += store_chat(audit, store, inquiry_id, inquiry.company, inquiry.channel, relative)
    finally:
        store.close()
    messages = summary.decided + summary.new.unreadable + len(run_replies)
    if messages or chats:
        changed = f", {summary.labels_changed} classes changed" if summary.labels_changed else ""
        note(
            f"note: re-judged {messages} stored messages{changed} and read {chats} chat transcripts"
            f" with judge {judge.version} before reporting (no mailbox read)"
        )
    return messages + chats


def transcripts(store: Store) -> dict[str, str]:
    """Inquiry id → its first transcript evidence file (relative to the audit folder)."""
    found: dict[str, str] = {}
    for record in store.evidence():
        if record.kind == "transcript":
            found.setdefault(record.inquiry_id, record.path)
    return found


def chat_reading(
    audit: Audit, inquiry_id: str, company_slug: str, channel: str, relative: str
) -> ChatJudgement | None:
    """A chat's transcript file read for the report, with how long the company's settings let it wait."""
    path = audit.folder / relative
    if not path.is_file():
        return None
    company = audit.config.companies.get(company_slug)
    settings = company.settings(channel) if company else None
    return read_chat(inquiry_id, path, getattr(settings, "wait_seconds", None))


def store_chat(audit: Audit, store: Store, inquiry_id: str, company: str, channel: str, relative: str) -> int:
    """Read and keep one inquiry's chat from its transcript file (``relative`` to the audit folder), at
    run time or in a refresh; 1 when it was read, else 0."""
    reading = chat_reading(audit, inquiry_id, company, channel, relative)
    if reading is None:
        return 0
    with store.transaction():
        store.set_chat(reading)
    return 1
