"""Reachability-law indications read from companies' sites (issue 14): the legal notice and its e-mail
address, 0180x/0900 hotlines by their context, stale links to the closed EU ODR platform, the
contract-cancellation button where the site sells continuing contracts, and the clicks to the first
human contact channel.

The fixture sites of tests/sites/ carry their ground truth in ``_site.toml`` ``[truth]``: a real
`servaudit discover -a` over loopback stores what it read, a real `servaudit report` measures it, and
every finding is found where the truth says and nowhere else, in report.json, findings.csv, the
page (German and English) and the gate.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from servaudit.audit_store import open_store
from servaudit.businesshours import BusinessWeek
from servaudit.config import Audit
from servaudit.discover import discover
from servaudit.discover.audit import table_rows, write_audit_file
from servaudit.discover.extract import extract
from servaudit.discover.fingerprints import load_fingerprints
from servaudit.discover.legal import CONTRACT, LISTED, SALES, hotline_context, load_legal_words
from servaudit.discover.model import LegalFound, SiteResult
from servaudit.discover.page import parse_page
from servaudit.i18n import Locale
from servaudit.judgement import MailFindings
from servaudit.labels import HUMAN
from servaudit.measure.legal import SITE_FINDINGS, site_findings
from servaudit.report.findings import findings_data, findings_view
from tests.discover_support import SITES, Dnsmasq, SiteServer, dns, options, sites
from tests.test_findings import _facts
from tests.test_report_language import audit_data, foreign_texts, fragments

__all__ = ["dns", "sites"]  # fixtures

TRUTH_SITES = ("tarifwerk", "abohaus", "ohneimpressum", "bestellshop", "nordwind")
NORDWIND_TRUTH = {"costly_hotline", "costly_hotline_listed", "cancellation_button_missing"}
"""nordwind predates [truth]: an 01805 line for bills, a 0900 line for advice, tariffs, no button."""


def truth(site: str) -> tuple[set[str], tuple[int, str] | None]:
    file = SITES / site / "_site.toml"
    if not file.is_file():
        return NORDWIND_TRUTH, (0, "phone")
    data = tomllib.loads(file.read_text())["truth"]
    depth, channel = data["first_contact"]
    return set(data["findings"]), (int(depth), str(channel))


def servaudit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args], capture_output=True, text=True, timeout=300
    )


def write_audit(folder: Path, server: SiteServer, language: str) -> None:
    companies = "".join(
        f'[companies.{site}]\nname = "{site.title()}"\nwebsite = "{server.url(site)}"\n'
        for site in TRUTH_SITES
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "audit.toml").write_text(
        f'[audit]\nname = "Rechtshinweise"\nlanguage = "{language}"\n'
        '[persona]\nname = "Anna Schmidt"\nemail = "anna@mailbox.example"\n'
        '[scenarios.frage]\nsubject = "Frage"\nbody = "Hallo"\n' + companies
    )


def test_site_findings_are_found_where_present_and_nowhere_else(
    tmp_path: Path, sites: SiteServer, dns: Dnsmasq
) -> None:
    folder = tmp_path / "audit"
    write_audit(folder, sites, "de")
    pinned = [*sites.resolve_args(), "--dns-server", f"127.0.0.1:{dns.port}", "--delay", "0.01"]
    done = servaudit("discover", "-a", str(folder), *pinned)
    assert done.returncode == 0, done.stdout + done.stderr
    table = [line.split(None, 3) for line in done.stdout.splitlines()]
    assert any(row[:2] == ["tarifwerk", "legal"] and "closed EU ODR platform" in row[3] for row in table)

    out = tmp_path / "report"
    reported = servaudit("report", "-a", str(folder), "--out", str(out), "--quiet")
    assert reported.returncode == 0, reported.stderr
    data = json.loads((out / "report.json").read_text())
    for site in TRUTH_SITES:
        expected, first = truth(site)
        found = data["companies"][site]["findings"]
        shown = {key for key in SITE_FINDINGS if found["counts"][key]}
        assert shown == expected, site
        # Every indication carries its evidence: the page it was read on, and what the page says.
        for item in found["evidence"]:
            assert item["channel"] == "website" and item["page"].startswith(f"http://{site}.example:"), item
        assert {e["finding"] for e in found["evidence"]} == expected, site
        clicks = found["site"]["clicks"]
        assert first is not None and clicks["first"] == first[0], site
        assert first[1] in clicks["first_channels"], site
    assert data["summary"]["findings"]["companies_discovered"] == len(TRUTH_SITES)
    assert data["summary"]["findings"]["counts"]["stale_odr_link"] == 1

    tarifwerk = data["companies"]["tarifwerk"]["findings"]
    [hotline] = tarifwerk["site"]["hotlines"]
    assert (hotline["number"], hotline["tariff"], hotline["context"]) == (
        "+491806555012",
        "shared-cost",
        "contract",
    )
    assert "Kundenservice-Hotline" in hotline["snippet"]
    assert tarifwerk["site"]["odr_links"] == ["https://ec.europa.eu/consumers/odr/"]
    assert tarifwerk["site"]["imprint"] == {
        "found": True, "read": True, "page": sites.url("tarifwerk", "/impressum"), "depth": 1, "emails": [],
    }  # fmt: skip
    bestellshop = data["companies"]["bestellshop"]["findings"]["site"]
    assert bestellshop["imprint"]["emails"] == ["info@bestellshop.example"], "written as info [at] …"
    assert [(h["context"], h["tariff"]) for h in bestellshop["hotlines"]] == [("sales", "shared-cost")]
    abohaus = data["companies"]["abohaus"]["findings"]["site"]
    assert abohaus["cancellation_button"]["found"] and abohaus["cancellation_button"]["depth"] == 0
    assert abohaus["contract_signs"], "a subscription site: the button is required and present"
    assert data["companies"]["ohneimpressum"]["findings"]["site"]["contract_signs"] == []

    # findings.csv: one row per indication, its evidence the page's address.
    with (out / "csv" / "findings.csv").open(newline="", encoding="utf-8-sig") as file:
        rows = [r for r in csv.DictReader(file) if r["channel"] == "website"]
    by_company: dict[str, set[str]] = {}
    for row in rows:
        by_company.setdefault(row["company"], set()).add(row["finding"])
        assert row["evidence"].startswith("http://") and row["message_id"] == ""
    assert by_company == {site: truth(site)[0] for site in TRUTH_SITES if truth(site)[0]}

    # The page, in German: the indication, its norm with the date, "not legal advice".
    page = (out / "companies" / "tarifwerk.html").read_text(encoding="utf-8")
    for text in (
        "0180/0900-Hotline für Kundenanliegen angeboten",
        "§ 312a Abs. 5 BGB (seit 13.06.2014)",
        "Verordnung (EU) 2024/3228: die OS-Plattform ist seit 20.07.2025 geschlossen",
        "§ 312k BGB (seit 01.07.2022)",
        "keine Rechtsberatung",
        "Impressum: 1 Klick von der Startseite, keine E-Mail-Adresse in Text oder Links gefunden.",
    ):
        assert text in page, text
    clean = (out / "companies" / "abohaus.html").read_text(encoding="utf-8")
    assert "Kündigungsbutton: „Verträge hier kündigen“, auf der Startseite." in clean

    # The gate: a rule per finding fails exactly for the companies that show it.
    gate = servaudit(
        "gate", "-a", str(folder), "--json",
        "--rule", "all.findings.stale_odr_link == 0", "--rule", "all.findings.clicks_to_contact <= 0",
    )  # fmt: skip
    assert gate.returncode == 1, gate.stdout + gate.stderr
    results = json.loads(gate.stdout)
    failed = {(r["rule"].split()[0], r["scope"]) for r in results if r["status"] == "fail"}
    assert failed == {
        ("all.findings.stale_odr_link", "tarifwerk"),
        ("all.findings.clicks_to_contact", "ohneimpressum"),
    }

    # The same report in English.
    english = servaudit("report", "-a", str(folder), "--out", str(tmp_path / "en"), "--lang", "en", "--quiet")
    assert english.returncode == 0, english.stderr
    page = (tmp_path / "en" / "companies" / "ohneimpressum.html").read_text(encoding="utf-8")
    assert "No legal notice (Impressum) found on the site" in page
    assert "no page or link called Impressum / legal notice on 3 pages read" in page
    assert "0180/0900 number listed (purpose not stated)" in page and "not legal advice" in page
    # The page's words are evidence, shown as text: its markup never becomes the report's.
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page

    # Every visible text of the company pages (the Findings section) is the catalogue's, in the
    # report's language, or what the sites said (tests/test_report_language.py's check, with the
    # discovered pages as the audit's data). The English index is left out: its reachability matrix's
    # details are servaudit/measure/reachability.py's own English words (the German one hides them).
    audit = Audit.load(folder)
    for language, report in (("de", out), ("en", tmp_path / "en")):
        said = audit_data(audit, language) + "\n" + "\n".join(_strings(discovered(audit)))
        fixed = fragments(language)
        index = [report / "index.html"] if language == "de" else []
        for path in [*index, *sorted((report / "companies").glob("*.html"))]:
            assert not foreign_texts(path.read_text(encoding="utf-8"), language, said, fixed), (
                language,
                path,
            )


def discovered(audit: Audit) -> dict[str, Any]:
    store = open_store(audit)
    try:
        return store.discoveries()
    finally:
        store.close()


def _strings(data: object) -> list[str]:
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return [" ".join(data.split())] if isinstance(data, str) else []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kundenservice-Hotline\n01806 555012", CONTRACT),
        ("Fragen zu Ihrem Vertrag: 01805 123456", CONTRACT),
        ("Rechnungsfragen beantwortet unsere Abrechnungs-Hotline: 01805 123456", CONTRACT),
        ("Customer service: 0900 1234567", CONTRACT),
        ("Bestellhotline für Neukunden: 01806 555033", SALES),
        ("Order hotline for new customers: 01806 555033", SALES),
        ("Bestellung und Kundenservice: 01806 555033", CONTRACT),
        ("0900 5550179 (1,99 €/Min.)", LISTED),
        ("Persönliche Energieberatung: 0900 1234567", LISTED),
    ],
)
def test_a_hotline_is_judged_by_what_stands_around_it(text: str, expected: str) -> None:
    assert hotline_context(text, load_legal_words()) == expected


def hints(html: str, url: str = "https://shop.example/") -> list[tuple[str, str, str]]:
    page = parse_page(url, html)
    found = extract(page, 0, "shop.example", load_fingerprints())
    return [(h.kind, h.target, h.detail) for h in found.legal if h.kind != "contract_sign"]


def test_the_page_shows_what_it_shows_and_nothing_more() -> None:
    # A newsletter's "abonnieren" is no subscription; "about" is no "Abo"; a footer link to the
    # legal notice does not make every page one.
    page = parse_page(
        "https://shop.example/ueber-uns",
        "<h1>About us</h1><p>Newsletter abonnieren</p><a href='/impressum'>Impressum</a>"
        "<p>Kündigungsfristen finden Sie in den AGB.</p>",
    )
    found = extract(page, 0, "shop.example", load_fingerprints())
    assert [(h.kind, h.target) for h in found.legal] == [("imprint_link", "https://shop.example/impressum")]
    # The written address of the platform, and a link to it, with or without "consumers/".
    assert hints("<p>Plattform der EU-Kommission: http://ec.europa.eu/consumers/odr.</p>") == [
        ("odr_link", "http://ec.europa.eu/consumers/odr", "")
    ]
    assert hints(
        "<a href='https://webgate.ec.europa.eu/odr/main/?event=main.home.show'>OS-Plattform</a>"
    ) == [("odr_link", "https://webgate.ec.europa.eu/odr/main/?event=main.home.show", "")]
    assert hints("<a href='https://ec.europa.eu/info/index_de'>EU</a>") == []
    # The cancellation button as a link or a button; a long sentence with "kündigen" is not one.
    assert [k for k, _, _ in hints("<button type='button'>Verträge hier kündigen</button>")] == [
        "cancel_button"
    ]
    assert [k for k, _, _ in hints("<input type='submit' value='Vertrag kündigen'>")] == ["cancel_button"]
    long = "<a href='/agb'>Wie Sie Ihren Vertrag kündigen können, lesen Sie in unseren AGB im Abschnitt 7</a>"
    assert hints(long) == []
    # An English legal notice by its heading, naming an address only in its text.
    assert hints("<title>Company</title><h1>Imprint</h1><p>Mail: team@shop.example</p>") == [
        ("imprint", "", "team@shop.example")
    ]


def test_an_unreadable_or_undiscovered_site_indicates_nothing() -> None:
    assert site_findings(None) is None
    broken = site_findings(
        {"url": "https://down.example/", "error": "the home page answered HTTP 503", "legal": []}
    )
    assert broken is not None and sum(broken["counts"].values()) == 0 and broken["evidence"] == []


FOREIGN = Path(__file__).with_name("legal_pages")
"""Markup of shop and CMS software others wrote (tests/legal_pages/SOURCES.toml names each source)."""


def test_markup_from_shop_software_is_read_as_a_person_reads_it(dns: Dnsmasq) -> None:
    truths = tomllib.loads((FOREIGN / "SOURCES.toml").read_text(encoding="utf-8"))
    names = list(truths)
    with SiteServer(FOREIGN) as server:
        results = discover([server.url(n) for n in names], options(server, dns, checks=False))
    for name, result in zip(names, results, strict=True):
        site = site_findings(result.as_json())
        assert site is not None and result.error is None, name
        shown = {key for key, count in site["counts"].items() if count}
        assert shown == set(truths[name]["truth"]), name
        depth, channel = truths[name]["first_contact"]
        if depth < 0:
            assert site["clicks"]["first"] is None, name
        else:
            assert site["clicks"]["first"] == depth and channel in site["clicks"]["first_channels"], name


def test_the_audit_file_written_from_a_site_names_its_hints(
    tmp_path: Path, sites: SiteServer, dns: Dnsmasq
) -> None:
    results = discover([sites.url("tarifwerk")], options(sites, dns, checks=False))
    path = write_audit_file(tmp_path / "neu.toml", results)
    text = path.read_text(encoding="utf-8")
    assert "# legal: link to the closed EU ODR platform on" in text
    assert "# legal: shared-cost number +491806555012 (contract): Kundenservice-Hotline 01806 555012" in text
    assert "# legal: legal notice http://tarifwerk.example" in text and "no e-mail address found" in text
    company = Audit.load(path).config.companies["tarifwerk"]
    assert company.channels["form"] == sites.url("tarifwerk", "/service")


def test_a_rendered_site_keeps_a_screenshot_of_each_page_with_a_hint(
    tmp_path: Path, sites: SiteServer, dns: Dnsmasq
) -> None:
    folder = tmp_path / "audit"
    folder.mkdir()
    (folder / "audit.toml").write_text(
        '[persona]\nname = "Anna Schmidt"\nemail = "anna@mailbox.example"\n'
        '[scenarios.frage]\nsubject = "Frage"\nbody = "Hallo"\n'
        f'[companies.tarifwerk]\nname = "Tarifwerk"\nwebsite = "{sites.url("tarifwerk")}"\n'
    )
    pinned = [*sites.resolve_args("tarifwerk"), "--dns-server", f"127.0.0.1:{dns.port}", "--delay", "0.01"]
    done = servaudit("discover", "-a", str(folder), *pinned, "--render")
    assert done.returncode == 0, done.stdout + done.stderr
    [stored] = discovered(Audit.load(folder)).values()
    shots = {h["kind"]: h["screenshot"] for h in stored["legal"] if h["screenshot"]}
    # The home page (its 01806 line) and the legal notice (no e-mail address, the ODR link).
    assert set(shots) == {"costly_hotline", "imprint", "odr_link"}
    assert shots["imprint"] == shots["odr_link"] != shots["costly_hotline"]
    for path in shots.values():
        assert (folder / path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    out = tmp_path / "report"
    reported = servaudit("report", "-a", str(folder), "--out", str(out), "--quiet")
    assert reported.returncode == 0, reported.stderr
    evidence = json.loads((out / "report.json").read_text())["companies"]["tarifwerk"]["findings"]["evidence"]
    linked = {e["finding"]: e.get("screenshot") for e in evidence}
    assert (
        linked["costly_hotline"] == shots["costly_hotline"] and linked["stale_odr_link"] == shots["odr_link"]
    )
    page = (out / "companies" / "tarifwerk.html").read_text(encoding="utf-8")
    copy = "evidence/files/" + shots["odr_link"].removeprefix("evidence/")
    assert (
        f'href="../{copy}"' in page and (out / copy).read_bytes() == (folder / shots["odr_link"]).read_bytes()
    )


@pytest.mark.parametrize(
    ("text", "signs"),
    [
        ("Das Basis-Abo kostet 9,99 €/Monat.", ["abo", "€/monat"]),
        ("Tarife mit 24 Monaten Mindestlaufzeit", ["tarife", "mindestlaufzeit"]),
        ("Jetzt Newsletter-Abo abschließen", []),
        ("Newsletter Abonnement verwalten", []),
        ("Akku-Laufzeit: 10 Stunden", []),
        ("About us", []),
    ],
)
def test_signs_of_continuing_contracts_are_words_not_pieces(text: str, signs: list[str]) -> None:
    page = parse_page("https://shop.example/", f"<p>{text}</p>")
    found = extract(page, 0, "shop.example", load_fingerprints())
    assert [h.detail for h in found.legal if h.kind == "contract_sign"] == signs


def test_a_pages_words_reach_the_terminal_as_one_plain_line() -> None:
    result = SiteResult(url="http://x.example/", slug="x")
    snippet = "Kundenservice \x1b[2J\x1b]0;pwned\x07\n01805 123456"
    result.legal = [
        LegalFound("costly_hotline", result.url, 0, snippet, "+491805123456", "contract shared-cost")
    ]
    [row] = [row for row in table_rows([result]) if row[1] == "legal"]
    assert row[3] == "shared-cost number +491805123456 (contract): Kundenservice [2J]0;pwned 01805 123456"


def test_a_company_read_by_mail_and_on_its_site_shows_both_and_an_unread_one_neither() -> None:
    sent = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    facts = [_facts(sent, (1, sent + timedelta(hours=2), HUMAN))]
    mail = {1: MailFindings(noreply_sender=True)}
    site = {
        "url": "https://acme.example/",
        "pages_crawled": 4,
        "emails": [{"address": "service@acme.example", "depth": 1}],
        "legal": [
            {"kind": "odr_link", "page": "https://acme.example/impressum", "depth": 1,
             "snippet": "OS-Plattform", "target": "https://ec.europa.eu/consumers/odr/", "detail": ""},
            {"kind": "imprint", "page": "https://acme.example/impressum", "depth": 1,
             "snippet": "Impressum", "target": "", "detail": "service@acme.example"},
        ],
    }  # fmt: skip
    week, now, window = BusinessWeek(timezone="Europe/Berlin"), sent + timedelta(days=20), timedelta(days=14)
    both = findings_data(facts, ["email"], mail, week, now, window, discovery=site)
    assert both["counts"]["noreply_sender"] == 1 and both["counts"]["stale_odr_link"] == 1
    assert both["total"] == 2 and both["site"]["clicks"]["first"] == 1
    view = findings_view(both, Locale("en"), "../", site_columns=True)
    assert view is not None and view.mail_measured and all(row.count is not None for row in view.rows)
    [odr] = [e for e in view.evidence if e.channel == "website"]
    assert odr.href == "https://acme.example/impressum" and not odr.inquiry_id and odr.link == "page"

    # The same mail without a discovery: no site keys (not 0), and "–" where another company has them.
    mail_only = findings_data(facts, ["email"], mail, week, now, window)
    assert not set(SITE_FINDINGS) & set(mail_only["counts"]) and "site" not in mail_only
    view = findings_view(mail_only, Locale("en"), "../", site_columns=True)
    assert view is not None
    assert {row.key for row in view.rows if row.count is None} == set(SITE_FINDINGS)
    # A site alone: the replies' rows are not shown as 0.
    site_only = findings_data([], ["email"], {}, week, now, window, discovery=site)
    view = findings_view(site_only, Locale("de"), "../", site_columns=True)
    assert view is not None and not view.mail_measured
    assert {row.key for row in view.rows if row.count is not None} == set(SITE_FINDINGS)
