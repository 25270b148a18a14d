"""The form probe drives the real Chromium against every kind of sandbox contact form."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import Browser

from servaudit.browser import open_browser
from servaudit.channels.base import Composed, Outcome, ProbeContext
from servaudit.channels.form.probe import FormChannel, Timing
from servaudit.config import AuditConfig
from servaudit.plan import Inquiry
from servaudit.sandbox import Sandbox
from servaudit.sandbox.forms_site import HONEYPOTS, Submission

pytestmark = pytest.mark.browser

T = TypeVar("T")
PERSONA = {"name": "Anna Schmidt", "email": "anna.schmidt@mailbox.example", "plus_addressing": True}
BODY = (
    "Guten Tag,\n\nich möchte in einen günstigeren Tarif wechseln. Geht das?\n\nFreundliche Grüße\n{name}\n"
)
# Short waits: the sandbox answers at once; typing stays key by key, just faster.
FAST = Timing(form_appears=2.0, no_request=1.2, settle=0.3, keystroke_ms=(0.0, 2.0), page_load=15.0)


class BrowserThread:
    """One Chromium for the whole module, driven from its own event loop thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._browser_cm = open_browser()
        self.browser: Browser = self.run(self._browser_cm.__aenter__())

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 90) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.run(self._browser_cm.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[BrowserThread]:
    driver = BrowserThread()
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    folder = tmp_path_factory.mktemp("forms")
    with Sandbox(folder / "mail", folder / "truth.jsonl", delay_scale=0.01) as box:
        yield box


@dataclass
class Probed:
    outcome: Outcome
    composed: Composed
    submissions: list[Submission]
    record: dict[str, Any]


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# name: (company slug, form settings or None for the plain URL, scenario language)
CASES: dict[str, tuple[str, Any, str]] = {
    "plain": ("copperfield", None, "en"),
    "consent": ("sonnenhof", None, "de"),
    "iframe": ("bluewater", None, "en"),
    "jsrender": ("kaltenbach", None, "de"),
    "captcha": ("ashdown", None, "en"),
    "servererror": ("elbufer", None, "de"),
    "jsfake": ("hollerbusch", None, "de"),
    "validation": ("greyfriars", None, "en"),
    "mapped": (
        "greyfriars",
        {"fields": {"label:membership code": "text:M-123456", "#name": "first_name"}},
        "en",
    ),
    "skip": ("copperfield", {"fields": {"#subject": "skip"}}, "en"),
    "ajax": ("moosgrund", None, "de"),
    "richtext": ("tidewell", None, "en"),
    "honeypot": ("marlowe", None, "en"),
    "noform": ("steinach", None, "de"),
    "scripterror": ("wendelstein", None, "de"),
    "unreachable": ("copperfield", {"url": f"http://127.0.0.1:{unused_port()}/kontakt"}, "en"),
}


def audit_for(slug: str, form: str | dict[str, Any], language: str) -> AuditConfig:
    return AuditConfig.model_validate(
        {
            "persona": PERSONA,
            "scenarios": {"s": {"subject": "Frage zu meinem Vertrag", "body": BODY, "language": language}},
            "companies": {slug: {"name": slug.title(), "form": form}},
        }
    )


async def send(config: AuditConfig, slug: str, evidence: Path, browser: Browser) -> tuple[Composed, Outcome]:
    context = ProbeContext(config, evidence, browser)
    target = config.companies[slug].channels["form"]
    inquiry = Inquiry(f"{slug}.form.s.w1", slug, "form", "s", 1, target)
    channel = FormChannel(FAST)
    composed = channel.compose(inquiry, context)
    return composed, await channel.send(composed, context)


@pytest.fixture(scope="module")
def probed(
    chromium: BrowserThread, site: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Probed]:
    """Every case probed once, a few at a time in one browser (as a run with many companies would)."""
    folder = tmp_path_factory.mktemp("probes")

    async def all_cases() -> list[tuple[Composed, Outcome]]:
        gate = asyncio.Semaphore(4)

        async def one(name: str) -> tuple[Composed, Outcome]:
            slug, settings, language = CASES[name]
            form = {"url": site.form_url(slug), **settings} if settings else site.form_url(slug)
            async with gate:
                return await send(audit_for(slug, form, language), slug, folder / name, chromium.browser)

        return await asyncio.gather(*(one(name) for name in CASES))

    results: dict[str, Probed] = {}
    outcomes = chromium.run(all_cases(), timeout=180)
    submissions = site.forms_site.submissions
    for name, (composed, outcome) in zip(CASES, outcomes, strict=True):
        record_file = next((e.path for e in outcome.evidence if e.kind == "record"), None)
        # Each probe typed its own reply address: that tells whose submission is whose.
        mine = [s for s in submissions if s.fields.get("email") == composed.reply_address]
        record = json.loads(record_file.read_text()) if record_file else {}
        results[name] = Probed(outcome, composed, mine, record)
    return results


def screenshots(outcome: Outcome) -> list[str]:
    found = []
    for item in outcome.evidence:
        if item.kind == "screenshot":
            assert item.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            found.append(item.caption)
    return found


def test_plain_form_is_submitted_as_an_ordinary_visitor(probed: dict[str, Probed]) -> None:
    done = probed["plain"]
    assert (done.outcome.status, done.outcome.outcome) == ("sent", "submitted")
    assert "confirmation" in done.outcome.detail and "Thank you" in done.outcome.detail
    assert done.outcome.delivered_at is not None
    [submission] = done.submissions
    assert submission.outcome == "accepted"
    assert done.composed.reply_address and "+" in done.composed.reply_address
    assert submission.fields["email"] == done.composed.reply_address
    assert submission.fields["name"] == "Anna Schmidt"
    assert submission.fields["subject"] == done.composed.subject == "Frage zu meinem Vertrag"
    assert " ".join(submission.fields["message"].split()) == " ".join(done.composed.body.split())
    # An ordinary browser: no automation flag, no headless user agent, nothing about an audit.
    assert submission.fields["_wd"] == "false"
    assert "Headless" not in submission.user_agent and "Chrome/" in submission.user_agent
    assert not any(
        "audit" in value.lower() or "servaudit" in value.lower() for value in submission.fields.values()
    )
    # Evidence: full-page screenshots before and after, with the URLs; the redirect is recorded.
    captions = screenshots(done.outcome)
    assert captions[0].startswith("filled in, before submitting · http://127.0.0.1")
    assert captions[1].startswith("after submitting") and captions[1].endswith("/copperfield/thanks")
    assert done.record["url_before"].endswith("/copperfield/")
    assert done.record["url_after"].endswith("/copperfield/thanks")
    assert done.record["request"]["method"] == "POST"
    # The submission's own answer (303), not the thank-you page's (200), and then the redirect's.
    assert (done.record["request"]["status"], done.record["request"]["final_status"]) == (303, 200)
    assert "HTTP 303 → 200" in done.outcome.detail
    assert {field["role"] for field in done.record["fields"]} == {"name", "email", "subject", "message"}


def test_german_form_with_topic_select_consent_and_honeypot(probed: dict[str, Probed]) -> None:
    done = probed["consent"]
    assert done.outcome.outcome == "submitted", done.outcome.detail
    assert "Vielen Dank" in done.outcome.detail
    [submission] = done.submissions
    fields = submission.fields
    assert submission.outcome == "accepted"
    assert (fields["first_name"], fields["last_name"]) == ("Anna", "Schmidt")
    assert fields["topic"] == "allgemein", "the general option of 'Ihr Anliegen', not the first one"
    assert fields["consent"] == "1"
    assert "newsletter" not in fields, "the newsletter box stays unticked"
    assert fields["website"] == "", "the off-screen honeypot stays empty"
    assert fields["customer"] == "" and fields["phone"] == "", "nothing invented"
    # The evidence names every field set, the chosen drop-down option and the consent box included.
    recorded = {row["role"]: row for row in done.record["fields"]}
    assert recorded["topic"]["filled"] and "allgemein" in recorded["topic"]["value"].lower()
    assert recorded["consent"]["value"] == "ticked" and recorded["consent"]["filled"]


def test_form_inside_an_iframe(probed: dict[str, Probed]) -> None:
    done = probed["iframe"]
    assert done.outcome.outcome == "submitted", done.outcome.detail
    [submission] = done.submissions
    assert submission.fields["name"] == "Anna Schmidt" and submission.fields["email"].startswith(
        "anna.schmidt+"
    )


def test_form_rendered_by_javascript_with_hashed_field_names(probed: dict[str, Probed]) -> None:
    done = probed["jsrender"]
    assert done.outcome.outcome == "submitted", done.outcome.detail
    assert done.record["request"]["url"].endswith("/kaltenbach/send")
    [submission] = done.submissions
    # The site translated its random names back: every field arrived in its place.
    assert submission.fields["name"] == "Anna Schmidt"
    assert submission.fields["subject"] == "Frage zu meinem Vertrag"
    assert "Tarif" in submission.fields["message"]


def test_captcha_blocks_and_nothing_is_submitted(probed: dict[str, Probed]) -> None:
    done = probed["captcha"]
    assert (done.outcome.status, done.outcome.outcome) == ("rejected", "blocked")
    assert "reCAPTCHA" in done.outcome.detail
    assert done.submissions == []
    assert done.outcome.delivered_at is None
    assert screenshots(done.outcome)[0].startswith("CAPTCHA, not submitted")


def test_server_error_is_a_failure(probed: dict[str, Probed]) -> None:
    done = probed["servererror"]
    assert (done.outcome.status, done.outcome.outcome) == ("rejected", "failed")
    assert "HTTP 500" in done.outcome.detail
    assert [s.outcome for s in done.submissions] == ["server_error"]
    assert len(screenshots(done.outcome)) == 2


def test_thank_you_without_any_request_is_caught(probed: dict[str, Probed]) -> None:
    done = probed["jsfake"]
    assert (done.outcome.status, done.outcome.outcome) == ("rejected", "failed")
    assert "Vielen Dank" in done.outcome.detail and "no request left the browser" in done.outcome.detail
    assert done.submissions == []


def test_script_error_that_stops_the_form_is_a_failure(probed: dict[str, Probed]) -> None:
    done = probed["scripterror"]
    assert (done.outcome.status, done.outcome.outcome) == ("rejected", "failed")
    assert "script error" in done.outcome.detail and "FormValidator" in done.outcome.detail
    assert done.submissions == []


def test_browser_validation_message_is_a_failure(probed: dict[str, Probed]) -> None:
    done = probed["validation"]
    assert (done.outcome.status, done.outcome.outcome) == ("rejected", "failed")
    assert "Membership code" in done.outcome.detail
    assert done.submissions == []


def test_explicit_mapping_by_label_and_selector(probed: dict[str, Probed]) -> None:
    done = probed["mapped"]
    assert done.outcome.outcome == "submitted", done.outcome.detail
    [submission] = done.submissions
    assert submission.fields["code"] == "M-123456"
    assert submission.fields["name"] == "Anna"


def test_a_mapped_skip_leaves_a_field_empty(probed: dict[str, Probed]) -> None:
    done = probed["skip"]
    assert done.outcome.outcome == "submitted"
    assert done.submissions[0].fields["subject"] == ""


def test_form_that_re_renders_after_input(probed: dict[str, Probed], site: Sandbox) -> None:
    done = probed["ajax"]
    assert done.outcome.outcome == "submitted", done.outcome.detail
    # The fields were replaced after the topic and again after the e-mail: typed text was wiped and refilled.
    assert site.forms_site.fragments_served >= 2
    [submission] = done.submissions
    assert submission.fields["topic"] == "sonstiges"
    # The topic chosen in the first pass is in the evidence, although the last scan found it already set.
    recorded = {row["role"]: row for row in done.record["fields"]}
    assert recorded["topic"]["filled"] and recorded["topic"]["value"]
    assert submission.fields["name"] == "Anna Schmidt"
    assert submission.fields["subject"] == "Frage zu meinem Vertrag"
    assert "Tarif" in submission.fields["message"]


def test_rich_text_editor_over_a_hidden_textarea(probed: dict[str, Probed]) -> None:
    done = probed["richtext"]
    assert done.outcome.outcome == "submitted", done.outcome.detail
    message = done.submissions[0].fields["message"]
    assert " ".join(message.split()) == " ".join(done.composed.body.split())


def test_honeypots_stay_empty(probed: dict[str, Probed]) -> None:
    done = probed["honeypot"]
    [submission] = done.submissions
    assert submission.outcome == "accepted", "the site took it for a person's message"
    for name in HONEYPOTS:
        assert submission.fields.get(name, "") == "", name
    assert submission.fields["email"].startswith("anna.schmidt+")


def test_page_without_a_form(probed: dict[str, Probed]) -> None:
    done = probed["noform"]
    assert (done.outcome.status, done.outcome.outcome) == ("rejected", "no_form")
    assert done.submissions == []
    assert screenshots(done.outcome)[0].startswith("no contact form")


def test_unreachable_page_is_a_failure_not_a_crash(probed: dict[str, Probed]) -> None:
    done = probed["unreachable"]
    assert (done.outcome.status, done.outcome.outcome) == ("rejected", "failed")
    assert "could not be loaded" in done.outcome.detail


def test_a_dead_browser_is_our_failure_and_sends_nothing(
    chromium: BrowserThread, site: Sandbox, tmp_path: Path
) -> None:
    async def closed_browser() -> Browser:
        async with open_browser() as browser:
            pass
        return browser

    before = len(site.forms_site.submissions)
    config = audit_for("copperfield", site.form_url("copperfield"), "en")
    browser = chromium.run(closed_browser())
    _, outcome = chromium.run(send(config, "copperfield", tmp_path, browser))
    assert outcome.status == "not_sent" and outcome.infrastructure_failed
    assert len(site.forms_site.submissions) == before
