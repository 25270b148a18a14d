"""Benchmark: how fast `collect` reads, matches and classifies replies from a Maildir.

Prints messages per second and peak memory for a store of N inquiries with one
reply each. Run: python bench/bench_collect.py [N]
"""

from __future__ import annotations

import mailbox
import resource
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from servaudit.audit_store import open_store
from servaudit.collect import collect
from servaudit.config import Audit
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
body = "Guten Tag"
[companies.c0]
name = "C0"
email = "service@c0.example"
"""


def reply(index: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Jana Wolff <service@c0.example>"
    message["To"] = "anna.schmidt@mailbox.example"
    message["Subject"] = "AW: Frage zu meinem Tarif"
    message["In-Reply-To"] = f"<inquiry-{index}@mailbox.example>"
    message["Message-ID"] = f"<reply-{index}@c0.example>"
    message.set_content(
        "Guten Tag Frau Schmidt,\n\nein Wechsel ist jederzeit möglich.\n\nViele Grüße\nJana Wolff\n"
    )
    return bytes(message)


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "audit.toml").write_text(AUDIT)
        audit = Audit.load(root)
        store = open_store(audit)
        for index in range(count):
            inquiry_id = f"c0.email.q.w{index + 1}"
            fields: dict[str, object] = {
                "id": inquiry_id,
                "company": "c0",
                "channel": "email",
                "scenario": "q",
                "wave": index + 1,
                "target": "service@c0.example",
                "subject": "Frage zu meinem Tarif",
                "message_id": f"<inquiry-{index}@mailbox.example>",
            }
            attempt = store.claim(fields)
            assert attempt is not None
            store.finish(inquiry_id, attempt, SENT, "bench", now())
        store.close()
        box = mailbox.Maildir(root / "mail", create=True)
        for index in range(count):
            box.add(reply(index))

        started = time.perf_counter()
        summary = collect(audit)
        elapsed = time.perf_counter() - started
        again = time.perf_counter()
        collect(audit)
        second = time.perf_counter() - again
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"collect: {summary.downloaded} messages, {summary.totals.matched} matched in {elapsed:.2f} s "
        f"= {summary.downloaded / elapsed:.0f} messages/s"
    )
    print(f"second collect (nothing new): {second * 1000:.0f} ms")
    print(f"peak memory: {peak_mb:.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
