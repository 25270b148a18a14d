"""The reachability matrix: discovery (`discover -a`, kept in the store) + the audit's channels +
what the inquiries did, per company and channel; and its report partial."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.discover.audit import discover_audit
from servaudit.i18n import Locale
from servaudit.measure.reachability import COLUMNS, Cell, reachability
from servaudit.report.render import language_globals
from servaudit.resources import shipped
from servaudit.store import REJECTED, SENT, Store
from tests.discover_support import Dnsmasq, SiteServer, dns, options, sites

__all__ = ["dns", "sites"]  # fixtures


def audit_for(folder: Path, sites: SiteServer) -> Audit:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "audit.toml").write_text(
        f"""
[persona]
name = "Anna Schmidt"
email = "anna.schmidt@mailbox.example"

[mailbox]
type = "maildir"
path = "mail"

[scenarios.frage]
subject = "Frage zu meinem Vertrag"
body = "Guten Tag, ..."

[companies.nordwind]
name = "Nordwind <Energie>"
website = "{sites.url("nordwind")}"
email = "service@nordwind.example"

[companies.wechsel]
name = "Wechsel"
website = "{sites.url("nordwind")}"
email = "wechsel@gone.example"

[companies.lindenau]
name = "Lindenau"
website = "{sites.url("lindenau")}"
email = "hilfe@lindenau.example"
form = "{sites.url("lindenau", "/service/kontakt")}"

[companies.down]
name = "Down"
website = "{sites.url("down")}"

[companies.offline]
name = "Ohne Website"
email = "kontakt@offline.example"
""",
        encoding="utf-8",
    )
    return Audit.load(folder)


def send(
    store: Store, company: str, channel: str, target: str, state: str, outcome: str | None = None
) -> str:
    inquiry = f"{company}.{channel}.frage.w1"
    fields = {"id": inquiry, "company": company, "channel": channel, "scenario": "frage", "wave": 1}
    attempt = store.claim({**fields, "target": target})
    assert attempt is not None
    sent_at = datetime.now(UTC) - timedelta(hours=1) if state == SENT else None
    detail = "accepted" if state == SENT else "the form page answered HTTP 500"
    store.finish(inquiry, attempt, state, detail, sent_at, outcome)
    return inquiry


def bounce(store: Store, inquiry: str) -> None:
    raw = b"From: MAILER-DAEMON@lindenau.example\r\nSubject: Undelivered Mail\r\n\r\nNo such user.\r\n"
    message = store.add_message(
        "test:1", raw, datetime.now(UTC), "<b1@x>", "MAILER-DAEMON@lindenau.example", "x"
    )
    assert message is not None
    store.set_match(message, inquiry, "thread")
    store.set_classification(message, "bounce", ["a delivery status notification"])


def cells(rows: list, slug: str) -> dict[str, Cell]:
    [row] = [r for r in rows if r.slug == slug]
    return {c.channel: c for c in row.cells}


def test_matrix_from_discovery_audit_and_inquiries(tmp_path: Path, sites: SiteServer, dns: Dnsmasq) -> None:
    audit = audit_for(tmp_path / "audit", sites)
    store = open_store(audit)
    try:
        before = reachability(audit, store)
        assert cells(before, "nordwind")["phone"] == Cell(
            "phone", "unknown", None, "not discovered (servaudit discover -a)"
        )
        assert cells(before, "nordwind")["email"].status == "offered", "listed in the audit"

        found = discover_audit(audit, options(sites, dns))
        assert [slug for slug, _ in found] == ["nordwind", "wechsel", "lindenau", "down"]
        assert set(store.discoveries()) == {"nordwind", "wechsel", "lindenau", "down"}
        send(store, "nordwind", "email", "service@nordwind.example", SENT)
        bounce(store, send(store, "lindenau", "email", "hilfe@lindenau.example", SENT))
        send(store, "lindenau", "form", sites.url("lindenau", "/service/kontakt"), REJECTED, "failed")
        rows = reachability(audit, store)
    finally:
        store.close()

    assert [r.slug for r in rows] == ["nordwind", "wechsel", "lindenau", "down", "offline"]
    assert all(tuple(c.channel for c in r.cells) == COLUMNS for r in rows)
    nordwind = cells(rows, "nordwind")
    assert nordwind["email"] == Cell("email", "working", 1, "1 of 1 inquiries delivered")
    assert (nordwind["form"].status, nordwind["form"].depth) == ("offered", 1)
    assert nordwind["chat"] == Cell("chat", "offered", 0, f"Userlike on {sites.url('nordwind')}")
    assert nordwind["phone"] == Cell("phone", "offered", 0, "0800 1234567 (free) (+5 more)")
    assert nordwind["social"] == Cell(
        "social", "offered", 1, "facebook, instagram, linkedin, whatsapp, x, youtube"
    )
    assert (nordwind["help"].status, nordwind["help"].depth) == ("offered", 1)

    wechsel = cells(rows, "wechsel")
    assert (wechsel["email"].status, wechsel["email"].depth) == ("failed", 3), "its domain has no MX and no A"
    assert "unreachable by e-mail" in wechsel["email"].detail

    lindenau = cells(rows, "lindenau")
    assert lindenau["email"] == Cell("email", "failed", 3, "bounced: a delivery failure notice came back")
    assert lindenau["form"] == Cell("form", "failed", 2, "failed: the form page answered HTTP 500")
    assert (lindenau["chat"].status, lindenau["chat"].depth) == ("offered", 1)
    assert lindenau["phone"] == Cell("phone", "missing", None, "not found on 5 pages read")
    assert lindenau["social"].status == "missing"

    down = cells(rows, "down")
    assert {c.status for c in down.values()} == {"unknown"}
    assert down["email"].detail == "the site could not be read: the home page answered HTTP 503"

    offline = cells(rows, "offline")
    assert offline["email"] == Cell("email", "offered", None, "kontakt@offline.example (listed in the audit)")
    assert offline["chat"].status == "unknown"

    # The partial lays the matrix out, escaped.
    env = Environment(
        loader=FileSystemLoader(str(shipped("report_templates"))),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
    )
    env.globals.update(language_globals(Locale("en")))
    html = env.from_string('{% include "partials/reachability.html" %}').render(reachability=rows)
    assert "Nordwind &lt;Energie&gt;" in html and "<Energie>" not in html
    assert html.count("<tr data-company=") == 5
    assert 'data-channel="email" data-status="working" data-depth="1"' in html
    assert 'data-channel="form" data-status="failed" data-depth="2"' in html
    assert "home page" in html and "3 clicks" in html
    env.globals.update(language_globals(Locale("de")))
    german = env.from_string('{% include "partials/reachability.html" %}').render(reachability=rows)
    assert "Startseite" in german and "3 Klicks" in german
    assert env.from_string('{% include "partials/reachability.html" %}').render(reachability=[]).strip() == ""


def test_the_audit_report_shows_the_matrix(tmp_path: Path, sites: SiteServer, dns: Dnsmasq) -> None:
    audit = audit_for(tmp_path / "audit", sites)
    discover_audit(audit, options(sites, dns))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "servaudit",
            "report",
            "-a",
            str(audit.folder),
            "--out",
            str(tmp_path / "report"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    index = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert 'class="matrix reachability"' in index
    assert 'data-channel="chat" data-status="offered" data-depth="0"' in index
    assert "Nordwind &lt;Energie&gt;" in index
