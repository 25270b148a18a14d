"""`servaudit demo`: a whole audit against the local sandbox — write, run, wait, collect, report.

It uses exactly the code paths a real audit uses; only the companies are
simulated (on 127.0.0.1, under the reserved .example domain).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from servaudit.collect import CollectSummary, collect
from servaudit.config import AUDIT_FILE, Audit
from servaudit.engine import RunSummary, run
from servaudit.errors import UsageError
from servaudit.report import write_report
from servaudit.sandbox import Sandbox, SandboxCompany

MARKER = ".servaudit-demo"
PERSONA_EMAIL = "anna.schmidt@mailbox.example"

SCENARIOS = {
    "de": (
        "tarifwechsel",
        "Frage zu meinem Vertrag",
        "Guten Tag,\n\nich möchte in einen günstigeren Tarif wechseln. Ist das vor Ablauf meiner "
        "Vertragslaufzeit möglich, und fallen dafür Kosten an?\n\n"
        "Vielen Dank und freundliche Grüße\n{name}\n",
    ),
    "en": (
        "delivery",
        "Question about delivery",
        "Hello,\n\nif I order today, can you deliver by Friday, and what does express shipping cost?\n\n"
        "Thank you,\n{name}\n",
    ),
}


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def demo_audit_toml(
    fleet: Sequence[SandboxCompany], smtp_port: int, maildir: str, plus_addressing: bool = True
) -> str:
    lines = [
        "# Written by `servaudit demo`: an audit of the sandbox's simulated companies.",
        "[audit]",
        'name = "servaudit demo audit"',
        'language = "en"',
        "window_days = 14",
        "",
        "[persona]",
        'name = "Anna Schmidt"',
        f'email = "{PERSONA_EMAIL}"',
        f"plus_addressing = {str(plus_addressing).lower()}",
        "",
        "[smtp]",
        'host = "127.0.0.1"',
        f"port = {smtp_port}",
        'security = "none"',
        "timeout = 10",
        "",
        "[mailbox]",
        'type = "maildir"',
        f"path = {_toml_string(maildir)}",
        "",
    ]
    for language, (name, subject, body) in SCENARIOS.items():
        lines += [
            f"[scenarios.{name}]",
            f'language = "{language}"',
            f"subject = {_toml_string(subject)}",
            f"body = {_toml_string(body)}",
            "",
        ]
    for company in fleet:
        lines += [
            f"[companies.{company.slug}]",
            f"name = {_toml_string(company.name)}",
            f'email = "{company.address}"',
            f'scenarios = ["{SCENARIOS[company.language][0]}"]',
            "",
        ]
    return "\n".join(lines)


def prepare_folder(out: Path) -> None:
    """Start from an empty folder; replace an earlier demo, never a folder of the user's."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise UsageError(f"{out} is not empty and not an earlier demo folder; choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("created by servaudit demo; `servaudit demo` may replace this folder\n")


@dataclass
class DemoResult:
    audit_folder: Path
    report: Path
    run: RunSummary
    collect: CollectSummary
    all_replies_arrived: bool


def run_demo(
    out: Path,
    wait_seconds: float = 90,
    delay_scale: float = 1.0,
    on_step: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    prepare_folder(out)
    audit_folder = out / "audit"
    audit_folder.mkdir()
    with Sandbox(
        audit_folder / "mail", audit_folder / "sandbox-ground-truth.jsonl", delay_scale=delay_scale
    ) as sandbox:
        on_step(
            f"sandbox: {len(sandbox.companies)} simulated companies, SMTP on 127.0.0.1:{sandbox.smtp_port}"
        )
        (audit_folder / AUDIT_FILE).write_text(
            demo_audit_toml(sandbox.companies, sandbox.smtp_port, "mail"), encoding="utf-8"
        )
        audit = Audit.load(audit_folder)
        sent = run(audit)
        on_step(f"run: {sum(sent.outcomes.values())} inquiries handled ({dict(sent.outcomes)})")
        on_step(f"waiting up to {wait_seconds:.0f} s for the companies' scripted replies …")
        idle = sandbox.wait_idle(wait_seconds)
    collected = collect(audit)
    on_step(f"collect: {collected.downloaded} replies read, {collected.matched} matched")
    index = write_report(audit, out / "report")
    return DemoResult(audit_folder, index, sent, collected, idle)
