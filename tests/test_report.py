"""The report: figures agree with report.json, and hostile reply content can never inject markup."""

from __future__ import annotations

import json
import mailbox
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from servaudit.audit_store import open_store
from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.report import duration, write_report
from servaudit.sandbox import Sandbox
from tests.audit_fixtures import company


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        values = [value or "" for _, value in attrs]
        self.handlers += [v for v in values if v.strip().lower().startswith("javascript:")]


def elements(path: Path) -> Elements:
    parser = Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def hostile_reply(in_reply_to: str) -> bytes:
    """A reply built to break things: script in HTML, markup in headers, a broken MIME tree, odd charsets."""
    return (
        "From: =?x-unknown-charset?q?Evil=3Cscript=3E?= <agent@nordwind-energie.example>\r\n"
        "To: anna.schmidt@mailbox.example\r\n"
        "Subject: =?utf-8?b?PHNjcmlwdD5hbGVydCgnc3ViamVjdCcpPC9zY3JpcHQ+?= Re: Frage\r\n"
        f"In-Reply-To: {in_reply_to}\r\n"
        "Message-ID: <hostile-1@nordwind-energie.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="never-closed"\r\n'
        "\r\n"
        "--never-closed\r\n"
        "Content-Type: text/html; charset=x-mac-klingon\r\n"
        "\r\n"
        "<p>Hallo</p><script>alert('body')</script><img src=x onerror=alert(1)>"
        "<a href='javascript:alert(2)'>klick</a></textarea></pre><b>fett</b>\xff\xfe\r\n"
    ).encode("latin-1")


def test_hostile_reply_is_shown_as_text_and_never_as_markup(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit = make_audit([company(sandbox, "silence")])
    run(audit)
    [inquiry] = open_store(audit).inquiries()
    mailbox.Maildir(tmp_path / "mail").add(hostile_reply(inquiry.message_id or ""))
    summary = collect(audit)
    assert summary.totals.matched == 1
    write_report(audit, tmp_path / "report")

    for page in [tmp_path / "report/index.html", *sorted((tmp_path / "report/companies").glob("*.html"))]:
        found = elements(page)
        assert "script" not in found.tags and "img" not in found.tags, page
        assert not found.handlers, page  # no event handler attributes, no javascript: links
    html = (tmp_path / "report/companies/lindenau.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert" in html, "the reply's markup is visible as text"
    # The evidence keeps the exact bytes received.
    evidence = sorted((tmp_path / "report/evidence").glob("message-*.eml"))
    assert evidence[0].read_bytes() == hostile_reply(inquiry.message_id or "")


def test_report_json_and_html_show_the_same_figures(answered_audit: Audit, tmp_path: Path) -> None:
    audit = answered_audit
    index = write_report(audit, tmp_path / "report")
    data = json.loads((tmp_path / "report/report.json").read_text())
    fields = {
        "inquiries",
        "responded",
        "human_responded",
        "median_first_response_seconds",
        "median_first_human_response_seconds",
    }
    for slug in audit.config.companies:
        email = data["companies"][slug]["channels"]["email"]
        assert fields <= set(email)
    companies = data["companies"]
    assert companies["lindenau"]["channels"]["email"]["median_first_response_seconds"] is None  # silence
    assert companies["alpenblick"]["channels"]["email"]["responded"] == 1  # out of office
    assert companies["alpenblick"]["channels"]["email"]["human_responded"] == 0
    assert companies["harbourpine"]["channels"]["email"]["delivered"] == 0  # bounced
    assert companies["quillledger"]["channels"]["email"]["rejected"] == 1
    assert (
        companies["merkur"]["channels"]["email"]["human_responded"] == 1
    )  # no-reply sender, still an answer
    assert companies["fernwelt"]["channels"]["email"]["deflected"] == 1
    html = index.read_text(encoding="utf-8")
    for slug, figures in companies.items():
        row = html.split(f'data-company="{slug}"', 1)[1].split("</tr>", 1)[0]
        key = f"companies.{slug}.overall"
        shown = duration(figures["overall"]["median_first_human_response_seconds"])
        assert f'data-key="{key}.median_first_human_response_seconds" data-format="duration">{shown}<' in row
        humans = figures["overall"]["human_responded"]
        assert f'n=<span class="fig" data-key="{key}.human_responded" data-format="int">{humans}<' in row
    assert data["channels"]["email"]["inquiries"] == len(audit.config.companies)


def test_durations_read_like_a_person_writes_them() -> None:
    assert duration(None) == "–"
    assert duration(42.4) == "42 s"
    assert duration(5 * 60 + 3) == "5 min 3 s"
    assert duration(5 * 60) == "5 min"
    assert duration(3 * 3600 + 25 * 60) == "3 h 25 min"
    assert duration(2 * 86400 + 5 * 3600) == "2 d 5 h"


def test_german_and_english_catalogues_and_formats() -> None:
    from servaudit.i18n import Locale, load_catalogue

    assert set(load_catalogue("en")) == set(load_catalogue("de"))
    german = Locale("de", "Europe/Berlin")
    assert german.duration(2 * 3600 + 5 * 60) == "2 Std. 5 Min."
    assert german.duration(45) == "45 Sek." and german.duration(3 * 86400 + 4 * 3600) == "3 Tg. 4 Std."
    assert german.number(1234.56) == "1.234,6" and german.percent(0.8) == "80\xa0%"
    assert Locale("en").number(1234.56) == "1,234.6" and Locale("en").percent(0.8) == "80%"
    from datetime import UTC, datetime

    assert german.moment(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == "01.07.2026 14:00"  # CEST
