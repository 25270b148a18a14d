"""`servaudit discover` through the real command line: JSON, the table, --write-audit, -a, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from servaudit.cli import app
from servaudit.config import Audit
from servaudit.discover import discover
from servaudit.discover.audit import write_audit_file
from tests.discover_support import Dnsmasq, SiteServer, dns, options, sites

__all__ = ["dns", "sites"]  # fixtures


def servaudit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args], capture_output=True, text=True, timeout=300
    )


def pinned(server: SiteServer, resolver: Dnsmasq) -> list[str]:
    return [*server.resolve_args(), "--dns-server", f"127.0.0.1:{resolver.port}", "--delay", "0.02"]


def test_json_and_a_ready_audit_file(tmp_path: Path, sites: SiteServer, dns: Dnsmasq) -> None:
    new = tmp_path / "new-audit"
    done = servaudit(
        "discover", sites.url("nordwind"), sites.url("lindenau"), *pinned(sites, dns),
        "--json", "--write-audit", str(new),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    nordwind, lindenau = json.loads(done.stdout)
    assert {"emails", "phones", "forms", "chats", "social", "help", "hours", "checks"} <= set(nordwind)
    assert all("type" in p and "depth" in p for p in nordwind["phones"])
    assert all("vendor" in c and "depth" in c for c in nordwind["chats"])
    assert nordwind["emails"][0]["depth"] == 1 and lindenau["emails"][0]["depth"] == 3

    audit = Audit.load(new)  # validates as any audit file does
    companies = audit.config.companies
    assert list(companies) == ["nordwind", "lindenau"]
    assert companies["nordwind"].name == "Nordwind Energie"
    assert companies["nordwind"].email == "service@nordwind.example", "the service address, not info@"
    assert companies["nordwind"].channels == {
        "email": "service@nordwind.example",
        "form": sites.url("nordwind", "/kontakt"),
        "chat": sites.url("nordwind"),
    }
    assert companies["lindenau"].chat is not None and companies["lindenau"].chat.recipe == "intercom"
    text = (new / "audit.toml").read_text()
    assert '# email = "wechsel@gone.example"  # also found (unreachable by e-mail)' in text
    assert "# phone: 0800 1234567 (free, home page)" in text

    checked = servaudit("check", "-a", str(new), "--json")
    rows = {row["name"]: row for row in json.loads(checked.stdout)}
    assert rows["audit file"]["status"] == "ok" and "2 companies" in rows["audit file"]["detail"]

    # Never over an existing audit file, and nothing is crawled when refused.
    hits = len(sites.hits)
    again = servaudit("discover", sites.url("nordwind"), *pinned(sites, dns), "--write-audit", str(new))
    assert again.returncode == 2 and "exists already" in again.stderr
    assert len(sites.hits) == hits
    assert Audit.load(new).config.companies.keys() == companies.keys()


def test_the_table_and_discover_for_an_audit(tmp_path: Path, sites: SiteServer, dns: Dnsmasq) -> None:
    folder = tmp_path / "audit"
    folder.mkdir()
    (folder / "audit.toml").write_text(
        '[persona]\nname = "Anna Schmidt"\nemail = "anna@mailbox.example"\n'
        '[scenarios.frage]\nsubject = "Frage"\nbody = "Hallo"\n'
        f'[companies.robots]\nname = "Robots"\nwebsite = "{sites.url("robots")}"\n'
        f'[companies.down]\nname = "Down"\nwebsite = "{sites.url("down")}"\n'
        '[companies.nosite]\nname = "Ohne"\nemail = "a@b.example"\n'
    )
    done = servaudit("discover", "-a", str(folder), *pinned(sites, dns))
    assert done.returncode == 1, "a site that cannot be read is a failed check"
    lines = done.stdout.splitlines()
    assert any(line.split()[:4] == ["robots", "email", "1", "click"] for line in lines), done.stdout
    assert any("down" in line and "the home page answered HTTP 503" in line for line in lines)
    assert "robots.example: complete" not in done.stdout and "robots" in done.stderr  # progress on stderr

    from servaudit.audit_store import open_store

    store = open_store(Audit.load(folder))
    try:
        stored = store.discoveries()
    finally:
        store.close()
    assert set(stored) == {"robots", "down"}
    assert [e["address"] for e in stored["robots"]["emails"]] == ["kontakt@robots.example"]
    assert stored["down"]["error"] == "the home page answered HTTP 503"


def test_bad_input_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    cases = [
        (["discover"], "give either URLs or --audit"),
        (["discover", "ftp://shop.example/"], "is not a web address"),
        (["discover", "shop.example", "--resolve", "shop.example:443"], "expected HOST:PORT:ADDRESS"),
        (["discover", "shop.example", "--resolve", "shop.example:443:localhost"], "is not an IP address"),
        (["discover", "shop.example", "--dns-server", "dns.example"], "is not an IP address"),
        (["discover", "shop.example", "--max-pages", "0"], "--max-pages must be at least 1"),
        (["discover", "shop.example", "-a", str(tmp_path)], "not both"),
    ]
    runner = CliRunner()  # the same command-line app, in this process: seven interpreter starts saved
    for args, message in cases:
        done = runner.invoke(app, args)
        assert done.exit_code == 2, (args, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_hostile_page_text_cannot_break_the_audit_file(tmp_path: Path, dns: Dnsmasq) -> None:
    site = tmp_path / "sites" / "evil"
    site.mkdir(parents=True)
    (site / "index.html").write_text(
        '<meta property="og:site_name" content="Evil &quot;\n[smtp]\nhost = &quot;attacker.example">'
        "<p>Hotline: 0800 1234567\n[mailbox]</p>"
        '<a href="mailto:service@evil.example">x</a>'
        '<script src="https://code.tidio.co/x.js"></script>',
        encoding="utf-8",
    )
    with SiteServer(tmp_path / "sites") as server:
        results = discover([server.url("evil")], options(server, dns, checks=False))
    path = write_audit_file(tmp_path / "out.toml", results)
    data = tomllib.loads(path.read_text())
    assert data["companies"]["evil"]["name"] == 'Evil " [smtp] host = "attacker.example'
    assert data["smtp"]["host"] == "smtp.example.net", "the scaffold's placeholder, untouched"
    assert Audit.load(path).config.companies["evil"].email == "service@evil.example"
