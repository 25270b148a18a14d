"""Collect in O(new): batches committed with their cursor, a reader that reads ahead by bytes, and
unmatched messages compared again only with the inquiries that changed since."""

from __future__ import annotations

import mailbox
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

import servaudit.collect
from servaudit.audit_store import open_store
from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.mailbox.base import Cursor, IncomingMail
from servaudit.mailbox.prefetch import read_ahead
from servaudit.store import SENT, now

AUDIT = """
[persona]
name = "Anna Schmidt"
email = "anna.schmidt@mailbox.example"
[mailbox]
type = "maildir"
path = "mail"
[scenarios.q]
subject = "Frage zu meinem Tarif"
body = "Guten Tag, kann ich meinen Tarif wechseln?"
[companies.c0]
name = "C0"
email = "service@c0.example"
[companies.c1]
name = "C1"
email = "service@c1.example"
"""


def send(audit: Audit, index: int, company: str = "c0") -> None:
    """An inquiry in the store, as `run` leaves it once sent."""
    store = open_store(audit)
    try:
        inquiry_id = f"{company}.email.q.w{index}"
        fields: dict[str, object] = {
            "id": inquiry_id,
            "company": company,
            "channel": "email",
            "scenario": "q",
            "wave": index,
            "target": f"service@{company}.example",
            "subject": "Frage zu meinem Tarif",
            "message_id": f"<inquiry-{index}@mailbox.example>",
        }
        attempt = store.claim(fields)
        assert attempt is not None
        store.finish(inquiry_id, attempt, SENT, "test", now() - timedelta(hours=1))
    finally:
        store.close()


def reply(audit: Audit, index: int, sender: str = "Jana Wolff <jana@elsewhere.example>") -> None:
    """A human answer in the thread of inquiry ``index`` (from an address no company uses)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "anna.schmidt@mailbox.example"
    message["Subject"] = "AW: Frage zu meinem Tarif"
    message["In-Reply-To"] = f"<inquiry-{index}@mailbox.example>"
    message["Message-ID"] = f"<reply-{index}@elsewhere.example>"
    message.set_content(
        "Guten Tag Frau Schmidt,\n\nein Wechsel ist jederzeit möglich.\n\nViele Grüße\nJana Wolff\n"
    )
    mailbox.Maildir(audit.folder / "mail", create=True).add(bytes(message))


@pytest.fixture
def audit(tmp_path: Path) -> Audit:
    (tmp_path / "audit.toml").write_text(AUDIT)
    return Audit.load(tmp_path)


def test_a_new_inquiry_claims_an_older_unmatched_reply_and_nothing_else_is_decided_again(
    audit: Audit,
) -> None:
    send(audit, 1)
    for index in (1, 2, 3):
        reply(audit, index)  # replies 2 and 3 answer inquiries not sent yet
    first = collect(audit)
    assert (first.downloaded, first.totals.matched, first.totals.unmatched) == (3, 1, 2)

    quiet = collect(audit)
    assert (quiet.downloaded, quiet.decided, quiet.rejudged) == (0, 0, 0)

    send(audit, 2)
    claimed = collect(audit)
    # Only reply 2 is decided again (matched and judged with its inquiry); reply 3 keeps its class.
    assert (claimed.downloaded, claimed.decided) == (0, 1)
    assert (claimed.totals.matched, claimed.totals.unmatched) == (2, 1)
    store = open_store(audit)
    try:
        by_id = {m.header_message_id: m for m in store.messages()}
    finally:
        store.close()
    assert by_id["<reply-2@elsewhere.example>"].inquiry_id == "c0.email.q.w2"
    assert by_id["<reply-2@elsewhere.example>"].match_method == "thread"
    assert by_id["<reply-3@elsewhere.example>"].inquiry_id is None

    assert collect(audit).decided == 0


def test_an_inquiry_of_another_company_leaves_unmatched_replies_unparsed(audit: Audit) -> None:
    for index in (1, 2):
        reply(audit, index)
    assert collect(audit).totals.unmatched == 2
    send(audit, 7, company="c1")  # names neither reply's thread nor their sender's domain
    again = collect(audit)
    assert (again.decided, again.totals.unmatched) == (0, 2)


def test_batches_are_committed_with_their_cursor(audit: Audit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servaudit.collect, "BATCH", 2)
    send(audit, 1)
    for index in range(1, 6):
        reply(audit, index)
    summary = collect(audit)
    assert (summary.downloaded, summary.decided) == (5, 5)
    store = open_store(audit)
    try:
        messages = store.messages()
        assert all(m.label for m in messages) and len(messages) == 5
    finally:
        store.close()
    assert collect(audit).downloaded == 0


def _mail(n: int, size: int) -> tuple[IncomingMail, Cursor]:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return IncomingMail(f"test:{n}", b"x" * size, at), {"n": n}


def test_read_ahead_keeps_order_and_reads_at_most_its_limit_ahead() -> None:
    produced: list[int] = []

    def source() -> Iterator[tuple[IncomingMail, Cursor]]:
        for n in range(10):
            produced.append(n)
            yield _mail(n, 100)

    stream = read_ahead(source(), limit=300)
    first = next(stream)
    assert first[1] == {"n": 0}
    time.sleep(0.3)  # the reader thread runs on meanwhile, up to the limit
    # Three messages of 100 bytes fit the limit, plus the one handed over and the one waiting to go in.
    assert len(produced) <= 5
    rest = [cursor["n"] for _, cursor in stream]
    assert rest == list(range(1, 10))


def test_read_ahead_hands_over_one_message_larger_than_its_limit() -> None:
    stream = read_ahead(iter([_mail(0, 1000), _mail(1, 10)]), limit=100)
    assert [len(m.raw) for m, _ in stream] == [1000, 10]


def test_read_ahead_raises_the_readers_error_after_what_it_read() -> None:
    def source() -> Iterator[tuple[IncomingMail, Cursor]]:
        yield _mail(0, 10)
        raise OSError("connection lost")

    stream = read_ahead(source())
    assert next(stream)[1] == {"n": 0}
    with pytest.raises(OSError, match="connection lost"):
        next(stream)


def test_read_ahead_closed_early_stops_its_reader() -> None:
    stream = read_ahead((_mail(n, 100) for n in range(1000)), limit=200)
    next(stream)
    stream.close()
    assert not any(t.name == "mailbox-reader" and t.is_alive() for t in threading.enumerate())


def test_with_no_new_mail_a_changed_vocabulary_still_rejudges(audit: Audit) -> None:
    send(audit, 1)
    reply(audit, 1)
    assert collect(audit).decided == 1
    assert collect(audit).decided == 0  # nothing new, same judge: nothing decided
    shipped = Path(__file__).parent.parent / "probes" / "vocabulary" / "replies.toml"
    own = audit.folder / "probes" / "vocabulary" / "replies.toml"
    own.parent.mkdir(parents=True)
    own.write_text(
        shipped.read_text(encoding="utf-8") + "\n# the consultant's own phrases\n", encoding="utf-8"
    )
    again = collect(audit)
    assert (again.downloaded, again.rejudged, again.decided) == (0, 1, 1)


def test_a_collect_with_nothing_new_loads_no_judge(audit: Audit) -> None:
    """No new mail and nothing stale: no classifier, vocabulary reader or language model is loaded."""
    send(audit, 1)
    reply(audit, 1)
    assert collect(audit).decided == 1
    program = (
        "import sys\n"
        "from servaudit.collect import collect\n"
        "from pathlib import Path\n"
        "from servaudit.config import Audit\n"
        f"summary = collect(Audit.load(Path({str(audit.folder)!r})))\n"
        "assert (summary.downloaded, summary.decided, summary.totals.matched) == (0, 0, 1), summary\n"
        "heavy = ('servaudit.replies.classify', 'servaudit.replies.reading', 'servaudit.replies.quality',"
        " 'mailparser_reply', 'py3langid', 'numpy', 'authres', 'flufl')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stderr
