"""`servaudit demo`: a whole audit against the local sandbox — write, run, wait, collect, report.

It uses exactly the code paths a real audit uses; only the companies are
simulated (on 127.0.0.1, under the reserved .example domain).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from servaudit.audit_store import open_store
from servaudit.collect import CollectSummary, collect
from servaudit.config import Audit
from servaudit.config_rules import AUDIT_FILE
from servaudit.engine import RunSummary, run
from servaudit.errors import UsageError
from servaudit.report import write_report
from servaudit.sandbox import DEMO_FORMS, ChatCompany, FormCompany, Sandbox, SandboxCompany
from servaudit.sandbox.chat_site import DEMO_CHATS
from servaudit.sandbox.inbox import ImapInbox, try_serve_inbox

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


FOLLOWUPS = {
    "de": ("Eine Kundennummer habe ich leider nicht zur Hand. Geht es auch ohne?",),
    "en": ("I don't have a customer number at hand, sorry. Can you help without it?",),
}
"""Asked in the chat after the agent's first answer (e-mail inquiries ignore them)."""
CHAT_WAIT_SECONDS = 6.0
"""The demo's chat wait limit: long enough for its scripted agents, short enough for a quick demo."""
CHAT_WIDGET_SECONDS = 4.0
MACHINE_SECONDS = 5.0
"""The sandbox's staff answer 8 s or more after an inquiry, its machines within a second or two.
Over IMAP (whole-second arrival times, ±0.5 s) both stay clear of it down to a delay scale of about 0.2."""


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def demo_audit_toml(
    fleet: Sequence[SandboxCompany],
    smtp_port: int,
    maildir: str,
    plus_addressing: bool = True,
    machine_seconds: float = MACHINE_SECONDS,
    chats: Sequence[tuple[ChatCompany, str]] = (),
    chat_wait: float = CHAT_WAIT_SECONDS,
    forms: Sequence[tuple[FormCompany, str]] = (),
    language: str = "en",
    imap: ImapInbox | None = None,
    store: str | None = None,
) -> str:
    """The audit file for the sandbox's companies; ``chats`` are (chat company, its page URL);
    ``language`` is the report's; with ``imap``, replies are read over IMAP from the Dovecot
    serving ``maildir``, else from the Maildir itself; ``store``: the store's URL (default: a
    servaudit.sqlite in the audit folder)."""
    lines = [
        "# Written by `servaudit demo`: an audit of the sandbox's simulated companies.",
        "[audit]",
        'name = "servaudit demo audit"',
        f'language = "{language}"',
        "window_days = 14",
        "# The sandbox's simulated staff answer within seconds; a real audit keeps the default of 60.",
        f"machine_seconds = {machine_seconds:g}",
        *([] if store is None else [f"store = {_toml_string(store)}"]),
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
        *_mailbox_section(maildir, imap),
    ]
    for language, (name, subject, body) in SCENARIOS.items():
        lines += [
            f"[scenarios.{name}]",
            f'language = "{language}"',
            f"subject = {_toml_string(subject)}",
            f"body = {_toml_string(body)}",
            f"followups = [{', '.join(_toml_string(text) for text in FOLLOWUPS[language])}]",
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
    for chat, url in chats:
        lines += [
            f"[companies.{chat.slug}]",
            f"name = {_toml_string(chat.name)}",
            f'scenarios = ["{SCENARIOS[chat.language][0]}"]',
            f"chat = {{ url = {_toml_string(url)}, wait_seconds = {chat_wait:g}, "
            f"widget_seconds = {CHAT_WIDGET_SECONDS:g} }}",
            "",
        ]
    for form, url in forms:
        # Replies to a form come from the helpdesk's domain, which the form's URL does not name.
        lines += [
            f"[companies.{form.slug}]",
            f"name = {_toml_string(form.company.name)}",
            # Typing at machine speed keeps the demo short; a real audit types like a person.
            f"form = {{ url = {_toml_string(url)}, keystroke_ms = [0, 5] }}",
            f'domains = ["{form.company.domain}"]',
            f'scenarios = ["{SCENARIOS[form.company.language][0]}"]',
            "",
        ]
    return "\n".join(lines)


def _mailbox_section(maildir: str, imap: ImapInbox | None) -> list[str]:
    if imap is None:
        return ["[mailbox]", 'type = "maildir"', f"path = {_toml_string(maildir)}", ""]
    return [
        "[mailbox]",
        f"# The sandbox's Maildir ({maildir}) served by a private Dovecot on loopback, read over IMAP",
        "# like a real mailbox. Dovecot runs only while the demo (or `servaudit sandbox --imap`) does.",
        'type = "imap"',
        f'host = "{imap.host}"',
        f"port = {imap.port}",
        "# Plain text is acceptable here only because the connection never leaves 127.0.0.1.",
        'security = "none"',
        f'username = "{imap.username}"',
        "# Read from the environment when the mailbox is opened; the value is never written anywhere.",
        f'password = "{imap.password_ref}"',
        "timeout = 10",
        "",
    ]


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
    read_over_imap: bool
    """Whether collect read the replies over IMAP (False: Dovecot missing, the Maildir was read)."""


def sandbox_audit_toml(
    sandbox: Sandbox,
    maildir: str,
    delay_scale: float = 1.0,
    language: str = "en",
    imap: ImapInbox | None = None,
    store: str | None = None,
) -> str:
    """The demo's audit of a running sandbox: every e-mail company, the demo's forms and chats."""
    return demo_audit_toml(
        sandbox.companies,
        sandbox.smtp_port,
        maildir,
        machine_seconds=MACHINE_SECONDS * delay_scale,
        chats=[(c, sandbox.chat_url(c.slug)) for c in sandbox.chats if c.slug in DEMO_CHATS],
        chat_wait=max(2.0, CHAT_WAIT_SECONDS * delay_scale),
        forms=[(f, sandbox.form_url(f.slug)) for f in sandbox.forms if f.slug in DEMO_FORMS],
        language=language,
        imap=imap,
        store=store,
    )


def _refuse_a_used_store(audit: Audit) -> None:
    """The demo's report shows only this demo: a database holding an earlier audit is not reused."""
    opened = open_store(audit)
    try:
        if not opened.is_empty():
            raise UsageError(f"{opened.where} holds an earlier audit; give the demo an empty database")
    finally:
        opened.close()


def run_demo(
    out: Path,
    wait_seconds: float = 90,
    delay_scale: float = 1.0,
    on_step: Callable[[str], None] = lambda _: None,
    language: str = "en",
    store: str | None = None,
) -> DemoResult:
    """``store``: the URL of an empty store (a PostgreSQL database) instead of the audit folder's file."""
    prepare_folder(out)
    audit_folder = out / "audit"
    audit_folder.mkdir()
    maildir = audit_folder / "mail"
    with ExitStack() as running:
        # Dovecot outlives the sandbox: collect reads the mailbox after the companies have stopped.
        dovecot, why_not = try_serve_inbox(maildir)
        if dovecot is None:
            on_step(f"note: {why_not}")
        else:
            running.callback(dovecot.stop)
            on_step(f"mailbox: Dovecot serves {maildir.name}/ over IMAP on {dovecot.host}:{dovecot.port}")
        imap = ImapInbox.of(dovecot) if dovecot is not None else None
        sandbox = running.enter_context(
            Sandbox(maildir, audit_folder / "sandbox-ground-truth.jsonl", delay_scale=delay_scale)
        )
        on_step(f"sandbox: simulated companies on 127.0.0.1 (SMTP port {sandbox.smtp_port})")
        (audit_folder / AUDIT_FILE).write_text(
            sandbox_audit_toml(sandbox, maildir.name, delay_scale, language, imap, store), encoding="utf-8"
        )
        audit = Audit.load(audit_folder)
        _refuse_a_used_store(audit)
        channels = sorted({name for c in audit.config.companies.values() for name in c.channels})
        on_step(f"audit: {len(audit.config.companies)} companies over {', '.join(channels)}")
        sent = run(audit)
        on_step(f"run: {sum(sent.outcomes.values())} inquiries handled ({dict(sent.outcomes)})")
        on_step(f"waiting up to {wait_seconds:.0f} s for the companies' scripted replies …")
        idle = sandbox.wait_idle(wait_seconds)
        sandbox.stop()  # as before: the companies are gone before collect reads, only Dovecot stays
        collected = collect(audit)
    over = "over IMAP" if imap is not None else "from the Maildir"
    on_step(f"collect: {collected.downloaded} replies read {over}, {collected.totals.matched} matched")
    index = write_report(audit, out / "report")
    return DemoResult(audit_folder, index, sent, collected, idle, read_over_imap=imap is not None)
