"""Unmatched messages in O(what changed): the inquiries' generations, and which inquiries changed since.

An unmatched message must be compared again when the inquiries change (a new inquiry can claim an
older reply), but only with the inquiries that changed. Collect numbers the states of the inquiries
it has seen: a new generation whenever an inquiry is added, removed or changes anything matching
reads (id, company, state, send time, Message-ID, reply address, subject); each generation records
which inquiries changed in it. An unmatched message is stamped ``<judge version>:g<generation>``;
with the same generation nothing is done, with an older one it is compared with the inquiries
changed since, and only a message that could belong to one of them is parsed and matched in full.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from servaudit.config import AuditConfig
from servaudit.store import InquiryKeys, InquiryRecord, MessageRecord, Store

Matchable = InquiryRecord | InquiryKeys
"""An inquiry as matching reads it: the whole record, or only its keys (store.inquiry_keys())."""

STATE_KEYS = ("generation", "inquiries", "changes")


def fingerprint(i: Matchable) -> str:
    """Everything about an inquiry that matching reads."""
    text = f"{i.id}|{i.company}|{i.state}|{i.sent_at}|{i.message_id}|{i.reply_address}|{i.subject}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Generations:
    """The current generation of the inquiries, advanced when they changed (and stored once a
    message is stamped with it)."""

    def __init__(self, store: Store, inquiries: Sequence[Matchable]) -> None:
        state = store.match_state()
        if not all(k in state for k in STATE_KEYS):
            state = {"generation": 0, "inquiries": {}, "changes": {}}
        seen: dict[str, list[str]] = state["inquiries"]
        now = {i.id: [fingerprint(i), i.company] for i in inquiries}
        changed = sorted(i for i, value in now.items() if seen.get(i) != value)
        changed += sorted(i for i in seen if i not in now)
        self.companies: dict[str, str] = {i: value[1] for i, value in {**seen, **now}.items()}
        """Each inquiry's company, also of one removed since (its replies were matched by it)."""
        self.generation: int = state["generation"]
        self.changes: dict[str, list[str]] = state["changes"]
        self._unsaved: dict[str, object] | None = None
        if changed or not self.generation:
            self.generation += 1
            self.changes[str(self.generation)] = changed
            self._unsaved = {"generation": self.generation, "inquiries": now, "changes": self.changes}
        self.legacy = legacy_key(inquiries)
        """How collect before generations stamped an unmatched message (a hash of all inquiries)."""

    def save(self, store: Store) -> None:
        """Store a new generation, once, before the first message is stamped with it (until then
        nothing is written: a report's refresh with nothing stale takes no write lock)."""
        if self._unsaved is not None:
            store.save_match_state(self._unsaved)
            self._unsaved = None

    def key(self, version: str) -> str:
        """The stamp of a message left unmatched now."""
        return f"{version}:g{self.generation}"

    def current(self, version: str) -> tuple[str, str]:
        """The stamps of an unmatched message that needs nothing: compared with these inquiries
        now, or by the collect before generations with the very same inquiries."""
        return self.key(version), f"{version}:{self.legacy}"

    def changed_since(self, record: MessageRecord, version: str) -> set[str] | None:
        """The inquiries changed since ``record`` (unmatched) was compared, or None when it was
        decided by another judge or another way (then it is decided again in full)."""
        prefix = f"{version}:g"
        decided = record.decided or ""
        if record.inquiry_id is not None or not decided.startswith(prefix):
            return None
        number = decided.removeprefix(prefix)
        if not number.isdigit() or not 0 < int(number) <= self.generation:
            return None
        changed: set[str] = set()
        for generation in range(int(number) + 1, self.generation + 1):
            if str(generation) not in self.changes:
                return None
            changed.update(self.changes[str(generation)])
        return changed


def legacy_key(inquiries: Sequence[Matchable]) -> str:
    """The hash over all inquiries that collect stamped unmatched messages with before generations."""
    digest = hashlib.sha256()
    for i in inquiries:
        digest.update(f"{i.id}|{i.state}|{i.sent_at}|{i.message_id}|{i.reply_address}\n".encode())
    return digest.hexdigest()[:16]


class Claims:
    """Whether a message could be claimed by one of some changed inquiries, judged from its bytes
    and its stored sender without parsing it: it names one's Message-ID or reply address, comes from
    one's company, or carries an embedded original (a bounce) whose ids may be encoded."""

    def __init__(
        self,
        changed: set[str],
        by_id: dict[str, InquiryRecord],
        companies: dict[str, str],
        config: AuditConfig,
    ) -> None:
        needles: set[bytes] = set()
        slugs: set[str] = set()
        for inquiry_id in changed:
            inquiry = by_id.get(inquiry_id)
            if inquiry is not None:
                for value in (inquiry.message_id, inquiry.reply_address):
                    if value:
                        needles.add(value.strip("<>").lower().encode())
            if inquiry_id in companies:
                slugs.add(companies[inquiry_id])
        # Imported here, where inquiries changed: the matcher loads the e-mail parser, which a collect
        # with nothing to decide does not need.
        from servaudit.replies.match import company_domains

        self.needles = needles
        self.domains: set[str] = set()
        for slug in slugs & set(config.companies):
            self.domains |= company_domains(config, slug)

    def possible(self, record: MessageRecord, raw: bytes) -> bool:
        domain = (record.from_addr or "").rpartition("@")[2].lower()
        if domain and any(domain == d or domain.endswith("." + d) for d in self.domains):
            return True
        lowered = raw.lower()
        return b"rfc822" in lowered or any(needle in lowered for needle in self.needles)
