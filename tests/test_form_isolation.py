"""Form probes reuse browser contexts (servaudit/browser_contexts.py): a probe must still arrive at a site
as a first-time visitor, whatever an earlier probe on the same site left in the browser."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser

from servaudit.browser import open_browser, visitor_user_agent
from servaudit.browser_contexts import visitor_context
from servaudit.channels.base import ProbeContext
from servaudit.channels.form.probe import FormChannel, Timing
from servaudit.config import AuditConfig
from servaudit.plan import Inquiry
from servaudit.sandbox import FormCompany, Sandbox, SandboxCompany

pytestmark = pytest.mark.browser

SLUG = "gedaechtnis"
FAST = Timing(form_appears=3.0, no_request=1.2, settle=0.3, keystroke_ms=(0.0, 2.0), page_load=15.0)
# Everything the "remembers" page keeps of a visit and looks for on the next (forms_pages/remembers.html).
SHOWN = "document.querySelector('form textarea') || document.body.innerText.includes('Willkommen')"
"""The page has decided: the form for a first-time visitor, or a greeting."""
TRACES = "localStorage,sessionStorage,IndexedDB,Cache Storage,service worker,HTTP cache"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    company = SandboxCompany(SLUG, "Gedächtnis GmbH", "gedaechtnis.example", "kontakt@gedaechtnis.example",
                             "silence", "de", 0)  # fmt: skip
    forms = (FormCompany(company, "remembers"),)
    with Sandbox(
        tmp_path / "mail", tmp_path / "truth.jsonl", (), delay_scale=0.0, forms=forms, chats=()
    ) as box:
        yield box


def config_for(url: str) -> AuditConfig:
    scenario = {"subject": "Frage zu meinem Vertrag", "body": "Guten Tag, eine Frage.", "language": "de"}
    return AuditConfig.model_validate(
        {
            "persona": {"name": "Anna Schmidt", "email": "anna.schmidt@mailbox.example"},
            "scenarios": {"s": scenario},
            "companies": {SLUG: {"name": "Gedächtnis GmbH", "form": url}},
        }
    )


def test_the_page_recognises_a_returning_visitor_by_every_trace(sandbox: Sandbox) -> None:
    """The control: without a wipe, the page does see a second visit, by each trace on its own."""

    async def visit_three_times() -> list[int]:
        forms = []
        async with open_browser() as browser:
            context = await browser.new_context(user_agent=visitor_user_agent(browser))
            page = await context.new_page()
            for again in range(3):
                if again == 2:
                    await context.clear_cookies()  # the server no longer knows us: the script must
                await page.goto(sandbox.form_url(SLUG))
                await page.wait_for_function(SHOWN)
                forms.append(await page.locator("form textarea").count())
        return forms

    assert asyncio.run(visit_three_times()) == [1, 0, 0]
    assert sandbox.forms_site.returning == [(SLUG, "cookie sent to the server"), (SLUG, TRACES)]


def test_a_second_probe_in_the_reused_context_finds_nothing_the_first_left(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    config = config_for(sandbox.form_url(SLUG))
    target = config.companies[SLUG].channels["form"]
    channel = FormChannel(FAST)

    async def probe_twice() -> tuple[list[str], list[int]]:
        outcomes, contexts = [], []
        async with open_browser() as browser:
            context = ProbeContext(config, tmp_path / "evidence", browser)
            for number in (1, 2):
                inquiry = Inquiry(f"{SLUG}.form.s.w{number}", SLUG, "form", "s", number, target)
                outcome = await channel.send(channel.compose(inquiry, context), context)
                outcomes.append(f"{outcome.status} {outcome.outcome}")
                contexts.append(len(browser.contexts))
        return outcomes, contexts

    outcomes, contexts = asyncio.run(probe_twice())
    assert contexts == [1, 1], "the second probe ran in the first one's context (else this proves nothing)"
    assert sandbox.forms_site.returning == []
    assert outcomes == ["sent submitted", "sent submitted"]
    assert [s.outcome for s in sandbox.forms_site.submissions] == ["accepted", "accepted"]


class _HintsHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = b"<title>Kontakt</title>"
        self.send_response(200)
        if self.path == "/hints":
            self.send_header("Accept-CH", "Sec-CH-UA-Full-Version-List")
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hints_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HintsHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_context_is_reused_only_when_nothing_unwipeable_was_asked_of_it(hints_site: str) -> None:
    """Chromium keeps the client hints a site asks for (Accept-CH) and no wipe removes them: such a
    context is closed, not handed to the next probe."""

    async def use(browser: Browser, path: str) -> object:
        async with visitor_context(browser, None, locale="de-DE") as context:
            page = await context.new_page()
            await page.goto(hints_site + path)
        return context

    async def scenario() -> tuple[bool, int, int]:
        async with open_browser() as browser:
            first = await use(browser, "/")
            again = await use(browser, "/")
            kept = len(browser.contexts)
            await use(browser, "/hints")
            return first is again, kept, len(browser.contexts)

    reused, kept, after_hints = asyncio.run(scenario())
    assert reused and kept == 1
    assert after_hints == 0
