"""Judge once, store the judgement: the report reads the store, never raw mail, evidence files or the judges.

Built on the frozen demo audit of tests/test_report_golden.py (a real `servaudit demo` store
of schema 2, with e-mail replies, form outcomes and chats).
"""

from __future__ import annotations

import ast
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from servaudit import channels
from servaudit.config import Audit
from servaudit.rejudge import refresh
from servaudit.report import render_report
from servaudit.store import RUN_JUDGED, Store
from tests.test_report_golden import EXPECTED_JSON, GENERATED_AT, copy_fixture, without_timestamp

REPORT = Path(__file__).parent.parent / "servaudit" / "report"
FORBIDDEN = (
    "servaudit.replies",
    "servaudit.channels",
    "servaudit.mailbox",
    "servaudit.engine",
    "servaudit.collect",
)
REGISTRY = re.compile(rf"servaudit\.channels(\.spec|\.({'|'.join(channels.names())})(\.settings)?)?$")
"""The one registry of channels (names, outcome meanings, settings models): pure data the report reads."""


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_report_imports_no_judging_code() -> None:
    offending = [
        (path.name, name)
        for path in sorted(REPORT.glob("*.py"))
        for name in imports_of(path)
        if name.startswith(FORBIDDEN) and not REGISTRY.match(name)
    ]
    assert offending == []
    assert "importlib" not in {name for path in REPORT.glob("*.py") for name in imports_of(path)}
    # And at run time: loading the report loads none of them (nor Playwright).
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, servaudit.report; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [m for m in loaded if m.startswith((*FORBIDDEN, "playwright")) and not REGISTRY.match(m)] == []
    assert "servaudit.channels" in loaded  # the check above is not vacuous: the registry is read


def test_the_report_reads_neither_raw_mail_nor_transcript_files(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path / "audit")
    audit = Audit.load(folder)
    refresh(audit)
    # Judged: now the raw mail and the transcript files could say anything.
    db = sqlite3.connect(folder / "servaudit.sqlite")
    db.execute("UPDATE messages SET raw = CAST('not a message ' || id AS BLOB)")
    db.commit()
    db.close()
    transcripts = list(folder.glob("evidence/*/chat-transcript.json"))
    assert transcripts
    for path in transcripts:
        path.write_text("{ damaged", encoding="utf-8")
    result = render_report(audit, tmp_path / "report", generated_at=GENERATED_AT)
    data = json.loads(result.json.read_text(encoding="utf-8"))
    assert without_timestamp(data) == without_timestamp(json.loads(EXPECTED_JSON.read_text(encoding="utf-8")))
    page = (tmp_path / "report" / "companies" / "kaiserhof.html").read_text(encoding="utf-8")
    assert 'class="transcript"' in page, "the chat's lines come from the store"
    assert "not a message" not in page


def test_refresh_reads_every_stored_reply_and_chat_once(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path / "audit")
    audit = Audit.load(folder)
    said: list[str] = []
    assert refresh(audit, said.append) > 0
    assert len(said) == 1 and "no mailbox read" in said[0]
    store = Store(folder / "servaudit.sqlite")
    try:
        judged = store.judgements()
        messages = [m for m in store.messages() if m.unreadable is None]
        assert {m.id for m in messages} <= set(judged)
        chat_turns = [m for m in messages if m.source.startswith("chat:")]
        assert chat_turns, "the demo's chats left reply rows"
        # Chat turns were judged during the run: their class stands, only their reading is added.
        decided = dict(store.db.execute("SELECT id, decided FROM messages").fetchall())
        assert {decided[m.id] for m in chat_turns} == {RUN_JUDGED}
        versions = {j.version for j in judged.values()}
        assert len(versions) == 1
        chats = store.chats()
        with_transcript = {e.inquiry_id for e in store.evidence() if e.kind == "transcript"}
        assert set(chats) == with_transcript
        assert any(c.observation is not None and c.observation.messages for c in chats.values())
    finally:
        store.close()
    assert refresh(audit, said.append) == 0 and len(said) == 1, (
        "nothing stale: nothing re-judged, nothing said"
    )


def test_a_changed_reading_vocabulary_makes_the_judgements_stale(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path / "audit")
    audit = Audit.load(folder)
    refresh(audit)
    shipped = Path(__file__).parent.parent / "probes" / "vocabulary" / "acknowledgement.toml"
    own = folder / "probes" / "vocabulary" / "acknowledgement.toml"
    own.parent.mkdir(parents=True)
    own.write_text(
        shipped.read_text(encoding="utf-8") + "\n# the consultant's own phrases\n", encoding="utf-8"
    )
    said: list[str] = []
    assert refresh(audit, said.append) > 0
    assert "re-judged" in said[0]


def test_servaudit_report_says_on_stderr_that_it_brought_an_old_store_up_to_date(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path / "audit")

    def report(out: str) -> subprocess.CompletedProcess[str]:
        command = [
            sys.executable,
            "-m",
            "servaudit",
            "report",
            "-a",
            str(folder),
            "--out",
            str(tmp_path / out),
        ]
        return subprocess.run(command, capture_output=True, text=True)

    first = report("first")
    assert first.returncode == 0, first.stderr
    [note] = [line for line in first.stderr.splitlines() if "re-judged" in line]
    assert "no mailbox read" in note
    assert (folder / "servaudit.sqlite.schema-2.bak").is_file()
    second = report("second")
    assert second.returncode == 0 and "re-judged" not in second.stderr, "the second has nothing to refresh"
