"""`servaudit check`: every form and chat page is opened as `run` would, and nothing reaches a company."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from servaudit.demo import demo_audit_toml
from servaudit.sandbox import Sandbox
from tests.audit_fixtures import company, read_ground_truth


def test_check_finds_usable_and_unusable_pages_and_sends_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    chats = [c for c in sandbox.chats if c.slug in ("kaiserhof", "mondschein", "formfirst")]
    forms = [f for f in sandbox.forms if f.page in ("plain", "captcha")]
    assert len(chats) == 3 and len(forms) == 2
    folder = tmp_path / "audit"
    folder.mkdir()
    (folder / "audit.toml").write_text(
        demo_audit_toml(
            [company(sandbox, "human")],
            sandbox.smtp_port,
            str(tmp_path / "mail"),
            chats=[(c, sandbox.chat_url(c.slug)) for c in chats],
            chat_wait=2,
            forms=[(f, sandbox.form_url(f.slug)) for f in forms],
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "check", "-a", str(folder), "--json"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr  # findings, not a broken audit
    results = {row["name"]: row for row in json.loads(done.stdout)}
    assert results["smtp relay"]["status"] == "ok"
    plain, captcha = (f.slug for f in sorted(forms, key=lambda f: f.page != "plain"))
    assert results[f"form: {plain}"]["status"] == "ok"
    assert "message" in results[f"form: {plain}"]["detail"]
    assert results[f"form: {captcha}"]["detail"].startswith("blocked:")
    assert results["chat: kaiserhof"]["status"] == "ok"
    assert results["chat: mondschein"]["detail"].startswith("offline:")
    assert results["chat: formfirst"]["detail"].startswith("prechat_required:")
    assert {row["kind"] for row in results.values() if row["status"] != "ok"} == {"finding"}

    # Nothing reached any company: no mail, no form submission, no chat message, no pre-chat details.
    assert sandbox.received() == 0
    assert sandbox.forms_site.submissions == []
    truth = read_ground_truth(sandbox.ground_truth) if sandbox.ground_truth.exists() else []
    assert not [t for t in truth if t["kind"] == "chat_visitor"]
    assert all(not t.get("details") for t in truth if t["kind"] == "chat_session")
    # What the probes saw is kept for the consultant, apart from the audit's real evidence.
    assert list((folder / "evidence").glob("*.check/*.png"))


def test_a_chat_only_audit_needs_no_mailbox(sandbox: Sandbox, tmp_path: Path) -> None:
    """A chat's answers come in the chat: check asks for no relay and no mailbox it would not use."""
    chat = next(c for c in sandbox.chats if c.slug == "kaiserhof")
    folder = tmp_path / "audit"
    folder.mkdir()
    (folder / "audit.toml").write_text(
        f"""
[audit]
name = "Chat only"

[persona]
name = "Anna Schmidt"
email = "anna@persona.example"

[scenarios.delivery]
subject = "Lieferung"
body = "Kommt meine Bestellung bis Freitag?"

[companies.kaiserhof]
name = "Kaiserhof"
chat = {{ url = "{sandbox.chat_url(chat.slug)}", wait_seconds = 2 }}
"""
    )
    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "check", "-a", str(folder), "--json"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    names = {row["name"] for row in json.loads(done.stdout)}
    assert "chat: kaiserhof" in names
    assert "mailbox" not in names and "smtp relay" not in names
