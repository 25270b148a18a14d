"""`servaudit demo` end to end through the real command line, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.errors import EXIT_INFRASTRUCTURE
from servaudit.sandbox import DEMO_FORMS
from servaudit.sandbox.chat_site import DEMO_CHATS
from servaudit.sandbox.imap import BINARY_VARIABLE, INSTALL_HINT, dovecot_binary
from servaudit.sandbox.inbox import PASSWORD_VARIABLE, USERNAME
from tests.audit_fixtures import read_ground_truth

# Known to the test, so it can prove the value is written nowhere; only the demo's child process has it.
DEMO_IMAP_PASSWORD = "demo-Dovecot-pw-4711"


def servaudit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.imap
def test_demo_runs_the_whole_audit_and_measures_true_response_times(tmp_path: Path) -> None:
    assert dovecot_binary() is not None, "the demo's IMAP path needs Dovecot (scripts/install-system-deps.sh)"
    out = tmp_path / "demo"
    # IMAP's arrival times have whole seconds (±0.5 s). Scaled by 0.2, the staff's first answers
    # (8 s and more → 1.6 s) and the machines' (a second or two → 0.4 s) stay more than 0.5 s on
    # either side of the demo's machine_seconds (5 s → 1 s); at 0.1 a human answer can look instant.
    done = servaudit(
        "demo", "--out", str(out), "--delay-scale", "0.2", env={PASSWORD_VARIABLE: DEMO_IMAP_PASSWORD}
    )
    assert done.returncode == 0, done.stderr
    assert f"report: {out / 'report' / 'index.html'}" in done.stdout
    for name in ("audit/audit.toml", "audit/servaudit.sqlite", "report/index.html", "report/report.json"):
        assert (out / name).is_file(), name
    # The replies came over IMAP from the Dovecot serving the sandbox's Maildir, as in a real audit …
    assert "replies read over IMAP" in done.stderr
    audit_text = (out / "audit/audit.toml").read_text()
    assert 'type = "imap"' in audit_text and f'password = "env:{PASSWORD_VARIABLE}"' in audit_text
    store = open_store(Audit.load(out / "audit"))
    try:
        messages = store.messages()
    finally:
        store.close()
    mail = [m for m in messages if not m.source.startswith("chat:")]  # chat turns are stored as messages too
    assert mail and all(m.source.startswith("imap:INBOX:") for m in mail)
    assert {m.arrival_resolution for m in mail} == {1.0}  # INTERNALDATE: whole seconds
    # … and the password is in no file the demo left: audit file, store, evidence, report.
    for path in out.rglob("*"):
        if path.is_file():
            assert DEMO_IMAP_PASSWORD.encode() not in path.read_bytes(), path
    report = json.loads((out / "report/report.json").read_text())
    assert len(list((out / "report/companies").glob("*.html"))) == len(report["companies"])
    truth = read_ground_truth(out / "audit/sandbox-ground-truth.jsonl")
    first_human = {}
    for record in truth:
        if record["kind"] == "human" and record["company"] not in first_human:
            delay = datetime.fromisoformat(record["delivered_at"]) - datetime.fromisoformat(
                record["inquiry_received_at"]
            )
            first_human[record["company"]] = delay.total_seconds()
    email_answered = {"nordwind", "larkspur", "brightline", "merkur"}
    form_answered = {"copperfield", "sonnenhof", "bluewater", "kaltenbach"}
    assert email_answered | form_answered <= set(first_human)
    for slug in email_answered | form_answered:
        channel = "email" if slug in email_answered else "form"
        measured = report["companies"][slug]["channels"][channel]["median_first_human_response_seconds"]
        assert abs(measured - first_human[slug]) < 1.0, (slug, measured, first_human[slug])
    # Forms: submitted ones are timed like e-mail; blocked and failed ones say why; a fake "thank you" shows
    # as submitted with no reply at all.
    forms = {slug: report["companies"][slug]["channels"]["form"] for slug in DEMO_FORMS}
    assert {slug: form["outcome"] for slug, form in forms.items()} == {
        **{slug: "submitted" for slug in form_answered | {"pinecrest"}},
        "ashdown": "blocked",
        "elbufer": "failed",
    }
    assert forms["pinecrest"]["delivered"] == 1 and forms["pinecrest"]["responded"] == 0
    # Chat: each demo chat's outcome; the wait to the first human reply is measured in the page.
    chats = {slug: report["companies"][slug]["channels"]["chat"] for slug in DEMO_CHATS}
    assert {slug: chat["outcome"] for slug, chat in chats.items()} == {
        "kaiserhof": "human", "sunnyside": "human", "roboreply": "bot_only", "mondschein": "offline",
        "slowpoll": "human",
    }  # fmt: skip
    chat_truth = {r["company"]: r["wait_seconds"] for r in reversed(truth) if r["kind"] == "chat_human"}
    for slug in ("kaiserhof", "sunnyside"):
        assert abs(chats[slug]["median_first_human_response_seconds"] - chat_truth[slug]) < 1.0, slug
    polled = chats["slowpoll"]["median_first_human_response_seconds"] - chat_truth["slowpoll"]
    assert -0.2 <= polled <= 2.2, "within the widget's poll interval"
    assert chats["roboreply"]["responded"] == 1 and chats["roboreply"]["human_responded"] == 0
    for slug in ("alpenblick", "lindenau", "harbourpine", "quillledger", "fernwelt"):
        assert report["companies"][slug]["channels"]["email"]["median_first_human_response_seconds"] is None

    status = servaudit("status", "-a", str(out / "audit"), "--json")
    assert status.returncode == 0
    states = {row["company"]: row["state"] for row in json.loads(status.stdout)}
    assert states["harbourpine"] == "bounced" and states["quillledger"] == "rejected"

    # A second demo into the same folder replaces the first; a folder of the user's is never touched.
    # … and can show a German client the German report; on a machine without Dovecot (named by
    # $SERVAUDIT_DOVECOT, which wins over PATH) it reads the Maildir instead and says why in one line.
    again = servaudit(
        "demo", "--out", str(out), "--delay-scale", "0.05", "--lang", "de", "--json",
        env={BINARY_VARIABLE: str(tmp_path / "no-dovecot")},
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["read_over_imap"] is False
    notes = [line for line in again.stderr.splitlines() if line.startswith("note:")]
    assert notes == [f"note: replies are read from the Maildir, not over IMAP: {INSTALL_HINT}"]
    assert "replies read from the Maildir" in again.stderr
    assert 'type = "maildir"' in (out / "audit/audit.toml").read_text()
    german = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in german
    assert "Rangliste" in german and "Methodik" in german
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    refused = servaudit("demo", "--out", str(mine))
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert (mine / "notes.txt").read_text() == "keep me"


def test_every_command_teaches_with_an_example() -> None:
    for command in (
        "init",
        "check",
        "run",
        "collect",
        "status",
        "report",
        "gate",
        "sandbox",
        "demo",
        "grade",
        "classify",
        "discover",
    ):
        done = servaudit(command, "--help")
        assert done.returncode == 0
        assert "Example:" in done.stdout and f"servaudit {command} " in done.stdout, command


def test_usage_errors_exit_2() -> None:
    assert servaudit("run", "--wave", "0").returncode == 2
    assert servaudit("no-such-command").returncode == 2


@pytest.mark.imap
def test_sandbox_command_serves_companies_and_writes_a_matching_audit(tmp_path: Path) -> None:
    imap_env = {PASSWORD_VARIABLE: DEMO_IMAP_PASSWORD}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "servaudit",
            "sandbox",
            "--port",
            "0",
            "--imap",
            "--imap-port",
            "0",
            "--mailbox",
            str(tmp_path / "mail"),
            "--ground-truth",
            str(tmp_path / "truth.jsonl"),
            "--write-audit",
            str(tmp_path / "audit"),
            "--delay-scale",
            "0.05",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **imap_env},
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        assert any("nordwind" in line and "human" in line for line in lines)
        assert any(" form " in line for line in lines) and any(" chat " in line for line in lines)
        assert any(line.startswith("IMAP on 127.0.0.1:") for line in lines)
        # The password came from the environment, so it is not shown.
        assert not any(DEMO_IMAP_PASSWORD in line for line in lines)
        audit = (tmp_path / "audit" / "audit.toml").read_text()
        assert "\nform = " in audit and "\nchat = " in audit and 'type = "imap"' in audit
        assert DEMO_IMAP_PASSWORD not in audit
        sent = servaudit("run", "-a", str(tmp_path / "audit"), "--channel", "email", env=imap_env)
        assert sent.returncode == 0, sent.stderr
        assert "8 sent" in sent.stdout and "1 rejected" in sent.stdout
        event = json.loads(process.stdout.readline())
        assert {"company", "kind", "inquiry_message_id"} <= set(event)
        while event["delivered_at"] is None:  # a rejection or a silence delivers nothing
            event = json.loads(process.stdout.readline())
        # Another terminal reads the replies over IMAP from the sandbox's Dovecot, as from a real mailbox.
        collected = servaudit("collect", "-a", str(tmp_path / "audit"), "--json", env=imap_env)
        assert collected.returncode == 0, collected.stderr
        assert json.loads(collected.stdout)["downloaded"] >= 1
    finally:
        process.send_signal(2)  # Ctrl-C
        assert process.wait(10) == 0


@pytest.mark.imap
def test_sandbox_imap_without_a_password_makes_one_up_and_shows_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_VARIABLE}
    process = subprocess.Popen(
        [sys.executable, "-m", "servaudit", "sandbox", "--port", "0", "--imap", "--imap-port", "0",
         "--mailbox", str(tmp_path / "mail"), "--ground-truth", str(tmp_path / "truth.jsonl")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line.strip())
            if line.startswith("Ctrl-C"):
                break
        [where] = [line for line in lines if line.startswith("IMAP on ")]
        port = int(where.split(":")[1].split(",")[0])
        [export] = [line for line in lines if line.startswith(f"export {PASSWORD_VARIABLE}=")]
        password = export.partition("=")[2]
        # What the terminal running the audit needs is exactly what the sandbox's Dovecot accepts.
        client = IMAPClient("127.0.0.1", port, ssl=False, timeout=5)
        client.login(USERNAME, password)
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0
        client.logout()
    finally:
        process.send_signal(2)  # Ctrl-C
        assert process.wait(10) == 0


def test_sandbox_imap_without_dovecot_says_how_to_install_it(tmp_path: Path) -> None:
    done = servaudit(
        "sandbox", "--port", "0", "--imap", "--mailbox", str(tmp_path / "mail"),
        env={BINARY_VARIABLE: str(tmp_path / "no-dovecot")},
    )  # fmt: skip
    assert done.returncode == EXIT_INFRASTRUCTURE
    assert INSTALL_HINT in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""  # nothing started
