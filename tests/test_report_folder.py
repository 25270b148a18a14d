"""Reports are exact and bounded: a folder is a servaudit report or left alone, evidence is the
store's (checked by SHA-256), symlinks are never written through, reply text is capped and cleaned
on pages, and printing a page to PDF has a deadline that names the page."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.errors import InfrastructureError
from servaudit.report import render_report
from servaudit.report.exports import write_pdfs
from servaudit.sandbox import Sandbox
from tests.audit_fixtures import company

HOSTILE = "\u202eTarif\u202c ok\x00" + "ü" * 1_000_000


def report_cli(audit: Audit, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servaudit", "report", "-a", str(audit.folder), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )


def store_digests(audit: Audit) -> set[str]:
    store = open_store(audit)
    try:
        raws = [store.raw_message(m.id) for m in store.messages()]
        raws += [raw for r in store.inquiries() if (raw := store.sent_raw(r.id))]
        return {hashlib.sha256(raw).hexdigest() for raw in raws}
    finally:
        store.close()


def add_reply(audit: Audit, subject: str) -> None:
    """A reply as collect keeps it: raw bytes, matched to the first inquiry, classified."""
    store = open_store(audit)
    try:
        inquiry = store.inquiries()[0]
        message = EmailMessage()
        message["From"] = "support@nordwind.example"
        message["Subject"] = subject[:200]
        message.set_content("Guten Tag, Ihre Frage ist beantwortet.")
        raw = bytes(message)
        with store.transaction():
            stored = store.add_message(
                f"test:{len(subject)}", raw, datetime.now(UTC), None, "support@x", subject
            )
            assert stored is not None
            store.set_match(stored, inquiry.id, "test")
            store.set_classification(stored, "human", ["a person answered"])
    finally:
        store.close()


def test_a_report_replaces_its_earlier_report_and_links_only_this_stores_evidence(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit = make_audit([company(sandbox, "human")])
    run(audit)
    add_reply(audit, "first")
    add_reply(audit, "second reply, a longer subject")
    out = tmp_path / "report"
    assert report_cli(audit, out).returncode == 0
    assert len(list((out / "evidence").glob("message-*.eml"))) == 2

    # The same folder, now for an audit with fewer messages: nothing of the first may stay.
    (audit.folder / "servaudit.sqlite").unlink()
    run(audit, ignore_earlier_sends=True)
    done = report_cli(audit, out)
    assert done.returncode == 0, done.stderr
    written = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (out / "evidence").glob("*.eml")}
    assert written == store_digests(audit), "every .eml is this store's, byte for byte, and no other"


def test_a_folder_that_is_not_a_report_is_refused_and_left_alone(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit = make_audit([company(sandbox, "human")])
    run(audit)
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.txt").write_text("my work")
    a_file = tmp_path / "notes.txt"
    a_file.write_text("notes")
    for out, expected in ((mine, "holds no servaudit report"), (a_file, "is a file, not a folder")):
        done = report_cli(audit, out)
        assert done.returncode == 2, done.stderr
        assert expected in done.stderr and "Traceback" not in done.stderr
    assert (mine / "chapter1.txt").read_text() == "my work" and len(list(mine.iterdir())) == 1
    assert a_file.read_text() == "notes"

    out = tmp_path / "report"
    assert report_cli(audit, out).returncode == 0
    (out / "extra.txt").write_text("put here by hand")
    done = report_cli(audit, out)
    assert done.returncode == 2 and "files it did not write (extra.txt)" in done.stderr


def test_symlinks_are_never_written_through(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit = make_audit([company(sandbox, "human")])
    run(audit)
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    out = tmp_path / "report"
    assert report_cli(audit, out).returncode == 0
    page = out / "index.html"
    page.unlink()
    page.symlink_to(victim)  # a listed file swapped for a link
    assert report_cli(audit, out).returncode == 0
    assert victim.read_text() == "untouched" and not page.is_symlink()

    link = tmp_path / "linked-report"
    link.symlink_to(out)
    done = report_cli(audit, link)
    assert done.returncode == 2 and "symbolic link" in done.stderr


def test_evidence_changed_since_the_send_is_withheld(
    make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit = make_audit()
    shots = audit.folder / "evidence"
    shots.mkdir()
    store = open_store(audit)
    for name, content in (("kept.png", b"original"), ("changed.png", b"original")):
        (shots / name).write_bytes(content)
        inquiry = f"x.form.{name[:4]}.w1"
        attempt = store.claim(
            {"id": inquiry, "company": "x", "channel": "form", "scenario": name[:4], "wave": 1, "target": "t"}
        )
        assert attempt is not None
        digest = hashlib.sha256(content).hexdigest()
        store.finish(
            inquiry,
            attempt,
            "sent",
            "ok",
            datetime.now(UTC),
            "submitted",
            [("screenshot", f"evidence/{name}", "", digest)],
        )
    store.close()
    (shots / "changed.png").write_bytes(b"edited afterwards")
    out = tmp_path / "report"
    result = render_report(audit, out)
    assert result.evidence_withheld == ["evidence/changed.png"]
    assert (out / "evidence" / "files" / "kept.png").read_bytes() == b"original"
    assert not (out / "evidence" / "files" / "changed.png").exists()
    # A verified file may be linked, not copied: a new report over the old one removes only its name.
    render_report(audit, out)
    assert (shots / "kept.png").read_bytes() == b"original"
    assert (out / "evidence" / "files" / "kept.png").read_bytes() == b"original"
    # A symlink in the audit's evidence is followed for its bytes, never linked into the report.
    (shots / "kept.png").rename(shots / "real.png")
    (shots / "kept.png").symlink_to(shots / "real.png")
    render_report(audit, out)
    assert not (out / "evidence" / "files" / "kept.png").is_symlink()
    assert (out / "evidence" / "files" / "kept.png").read_bytes() == b"original"


def test_reply_text_on_pages_is_capped_and_cleaned_and_pdf_printing_is_bounded(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit = make_audit([company(sandbox, "human")])
    run(audit)
    add_reply(audit, HOSTILE)
    out = tmp_path / "report"
    started = time.monotonic()
    done = report_cli(audit, out, "--pdf")
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 120
    pages = [out / "index.html", *sorted((out / "companies").glob("*.html"))]
    html = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "Tarif ok" in html, "the subject is shown, cleaned"
    assert "\u202e" not in html and "\x00" not in html
    assert html.count("ü") < 10_000, "a 1 MB subject is cut on the page"
    assert (out / "index.pdf").stat().st_size > 0

    with pytest.raises(InfrastructureError, match=r"printing index.html to PDF took longer than 0.001 s"):
        write_pdfs(pages, page_seconds=0.001)
