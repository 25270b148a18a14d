"""Findings (issue 14): promises read and measured, refusals of the channel, support-mail hygiene.

Read once at collect time and stored; counted per company with evidence; in report.json, the CSV
and the gate. The sandbox's findings companies show each finding: over its real Dovecot, each is
found where its ground truth says so and nowhere else.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from servaudit.audit_store import open_store
from servaudit.businesshours import BusinessWeek
from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.gate import failed, run_gate
from servaudit.judgement import MailFindings, Promise
from servaudit.labels import ACKNOWLEDGEMENT, HUMAN
from servaudit.measure.facts import InquiryFacts, Reply
from servaudit.measure.findings import FINDINGS, due, findings_figures, promise_outcome
from servaudit.measure.legal import SITE_FINDINGS
from servaudit.replies import hygiene
from servaudit.replies.findings import FindingsVocabulary, read_findings
from servaudit.replies.promise import read_promise
from servaudit.replies.quality import QualityVocabulary
from servaudit.replies.signals import Signals
from servaudit.replies.vocabulary import Vocabulary
from servaudit.report.data import ReportBuilder
from servaudit.report.exports import write_csv
from servaudit.sandbox import DEFAULT_FLEET, Sandbox
from servaudit.sandbox.findings_fleet import FINDINGS_FLEET, FINDINGS_TRUTH, SIMULATED_ONLY
from servaudit.sandbox.imap import DovecotServer
from servaudit.store import SENT, InquiryRecord
from tests.audit_fixtures import FAST, read_ground_truth
from tests.test_collect import IMAP_PASSWORD, IMAP_USER, audit_over_imap

WEEK = BusinessWeek(timezone="Europe/Berlin", holidays="DE")
WRITTEN = date(2026, 12, 7)


# -- reading a promise --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "wir melden uns innerhalb von 48 stunden bei ihnen.",
            Promise("innerhalb von 48 stunden", hours=48.0),
        ),
        (
            "we will get back to you within 2 business days.",
            Promise("within 2 business days", days=2, business=True),
        ),
        ("wir antworten in der regel binnen 24 stunden.", Promise("binnen 24 stunden", hours=24.0)),
        (
            "you will hear from us within one working day.",
            Promise("within one working day", days=1, business=True),
        ),
        (
            "wir melden uns innerhalb von zwei werktagen.",
            Promise("innerhalb von zwei werktagen", days=2, business=True),
        ),
        (
            "sie erhalten spätestens am 12.12. eine antwort.",
            Promise("spätestens am 12.12.", deadline="2026-12-12"),
        ),
        (
            "sie erhalten spätestens am 3.1. eine antwort.",
            Promise("spätestens am 3.1.", deadline="2027-01-03"),
        ),
        ("we aim to reply by 14 december 2026.", Promise("by 14 december 2026", deadline="2026-12-14")),
        ("wir antworten am nächsten werktag.", Promise("am nächsten werktag", days=1, business=True)),
        ("we will reply within the next 2 hours.", Promise("within the next 2 hours", hours=2.0)),
        (
            "wir melden uns innerhalb der nächsten 3 werktage.",
            Promise("innerhalb der nächsten 3 werktage", days=3, business=True),
        ),
    ],
)
def test_a_promised_reply_time_is_read_into_a_structured_promise(text: str, expected: Promise) -> None:
    assert read_promise(text, WRITTEN) == expected


@pytest.mark.parametrize(
    "text",
    [
        "vielen dank für ihre nachricht, wir kümmern uns darum.",
        "our office is open 24 hours a day.",
        "the 2 products will ship in 3 days from our warehouse in leeds.",
        "please reply by email.",
    ],
)
def test_text_without_a_promise_gives_none(text: str) -> None:
    assert read_promise(text, WRITTEN) is None


# -- hygiene ------------------------------------------------------------------------------------


def _mail(html: str | None = None, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Jana <service@acme.example>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Guten Tag, hier ist die Antwort.")
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def test_authentication_results_are_parsed_and_only_the_receiving_mailboxs_count() -> None:
    message = _mail(
        Authentication_Results="mx.box.example; spf=fail smtp.mailfrom=acme.example; "
        "dkim=pass header.d=fail.example; dmarc=fail (p=reject) header.from=acme.example"
    )
    # A second, older header (the sender's own, possibly forged) does not count.
    message["Authentication-Results"] = "mx.acme.example; spf=pass smtp.mailfrom=acme.example"
    assert hygiene.authentication(message) == (("spf", "fail"), ("dkim", "pass"), ("dmarc", "fail"))
    found = MailFindings(authentication=hygiene.authentication(message))
    assert found.authentication_failed == ("spf=fail", "dmarc=fail")
    assert hygiene.authentication(_mail()) == ()
    assert hygiene.authentication(_mail(Authentication_Results="garbage ;;; ===")) == ()


def test_pixels_and_tracked_links_are_found_and_plain_images_and_links_are_not() -> None:
    hosts = ("list-manage.com", "track.")
    redirects = ("click.",)
    parameters = frozenset({"utm_source", "gclid"})
    tracked = _mail(
        '<p>Hi</p><img src="https://cdn.acme.example/o.gif" width="1" height="1">'
        '<img src="https://x.list-manage.com/open.php?u=1">'
        '<a href="https://click.acme.example/r/1">Help</a><a href="https://acme.example/faq?utm_source=mail">FAQ</a>'
    )
    images, links = hygiene.tags(tracked)
    assert hygiene.tracking_pixels(images, hosts) == ("cdn.acme.example", "x.list-manage.com")
    assert hygiene.tracked_links(links, "", redirects, parameters) == ("click.acme.example", "acme.example")
    clean = _mail(
        '<p>Hi</p><img src="https://acme.example/logo.png" width="120" height="40"><a href="https://acme.example/faq">FAQ</a>'
    )
    images, links = hygiene.tags(clean)
    assert hygiene.tracking_pixels(images, hosts) == ()
    assert hygiene.tracked_links(links, "see https://acme.example/faq", redirects, parameters) == ()


def test_a_reply_to_counts_only_where_it_differs_from_the_sender() -> None:
    assert hygiene.reply_to(_mail(From="no-reply@acme.example", Reply_To="service@acme.example")) == (
        "service@acme.example"
    )
    assert hygiene.reply_to(_mail(From="service@acme.example", Reply_To="Service@Acme.example")) is None
    assert hygiene.reply_to(_mail()) is None


def _read(text: str, inquiry_language: str | None = "de") -> MailFindings:
    message = EmailMessage()
    message["From"] = "Jana Weber <service@acme.example>"
    message["Subject"] = "AW: Tarifwechsel"
    message["Date"] = "Mon, 07 Dec 2026 10:00:00 +0100"
    message.set_content(text)
    signals = Signals(message, Vocabulary.load(), language_hint=inquiry_language or "de")
    vocabulary, quality = FindingsVocabulary.load(), QualityVocabulary.load()
    return read_findings(signals, vocabulary, quality, inquiry_language, signals.language)


@pytest.mark.parametrize(
    "text",
    [
        "Guten Tag, wir bearbeiten keine Anfragen per E-Mail. Bitte nutzen Sie unser Kontaktformular.",
        "Anfragen über dieses Postfach werden nicht bearbeitet.",
        "Hello, this address is not monitored. Please use our contact form on our website.",
    ],
)
def test_a_refusal_of_the_channel_is_read_in_german_and_english(text: str) -> None:
    assert _read(text).refuses_channel


def test_another_language_and_du_to_a_sie_inquiry_are_read_and_a_formal_answer_shows_nothing() -> None:
    english = "Hello, thank you for your message. You can change your tariff at the end of any month."
    assert _read(english, "de").language == "en"
    assert _read(english, None).language is None  # unmatched: no inquiry to compare with
    du = "Hallo Anna, danke für deine Nachricht! Du kannst deinen Tarif jederzeit wechseln. Viele Grüße"
    assert "du" in {w.lower() for w in _read(du).informal}
    formal = (
        "Guten Tag Frau Schmidt, vielen Dank für Ihre Nachricht. Sie können Ihren Tarif jederzeit zum "
        "Monatsende wechseln. Mit freundlichen Grüßen, Jana Weber"
    )
    assert _read(formal) == MailFindings()


# -- measuring promises ------------------------------------------------------------------------


def _facts(sent: datetime, *replies: tuple[int, datetime, str]) -> InquiryFacts:
    inquiry = InquiryRecord(
        id="acme.email.q.w1", company="acme", channel="email", scenario="q", wave=1,
        target="s@acme.example", state=SENT, sender=None, reply_address=None, subject=None, body=None,
        message_id="<q@box.example>", created_at=sent, sent_at=sent, detail=None,
    )  # fmt: skip
    return InquiryFacts(inquiry, tuple(Reply(m, at, label, label, None) for m, at, label in replies))


FRIDAY = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # 16:00 in Berlin


def test_business_days_skip_the_weekend_and_a_late_answer_breaks_the_promise() -> None:
    promise = Promise("innerhalb von 2 werktagen", days=2, business=True)
    # Made on a Friday: Monday and Tuesday are the two working days; due at Tuesday's end.
    assert due(promise, FRIDAY, WEEK) == datetime(2026, 12, 9, 0, 0, tzinfo=WEEK.zone)
    findings = {1: MailFindings(promise=promise)}
    kept = _facts(FRIDAY, (1, FRIDAY, ACKNOWLEDGEMENT), (2, FRIDAY + timedelta(days=4), HUMAN))
    late = _facts(FRIDAY, (1, FRIDAY, ACKNOWLEDGEMENT), (2, FRIDAY + timedelta(days=5), HUMAN))
    silent = _facts(FRIDAY, (1, FRIDAY, ACKNOWLEDGEMENT))
    now = FRIDAY + timedelta(days=30)
    assert promise_outcome(kept, findings, WEEK, now).status == "kept"  # type: ignore[union-attr]
    assert promise_outcome(late, findings, WEEK, now).status == "broken"  # type: ignore[union-attr]
    assert promise_outcome(silent, findings, WEEK, now).status == "broken"  # type: ignore[union-attr]
    assert promise_outcome(silent, findings, WEEK, FRIDAY + timedelta(hours=1)).status == "pending"  # type: ignore[union-attr]
    # Calendar hours do not skip the weekend: 48 hours from Friday 16:00 end on Sunday 16:00.
    hours = {1: MailFindings(promise=Promise("binnen 48 stunden", hours=48.0))}
    assert promise_outcome(kept, hours, WEEK, now).status == "broken"  # type: ignore[union-attr]
    figures = findings_figures([kept, late, silent], findings, WEEK, now, timedelta(days=14))
    assert figures["promises"] | {"kept_rate": None} == {
        "made": 3, "kept": 1, "broken": 2, "pending": 0, "kept_rate": None
    }  # fmt: skip
    assert figures["acknowledged_never_answered"]["count"] == 1
    assert figures["acknowledged_never_answered"]["of"] == 3
    assert {e["finding"] for e in figures["evidence"]} == {"promise_broken", "acknowledged_never_answered"}


def test_a_human_answer_promises_nothing_and_an_open_window_is_not_never_answered() -> None:
    findings = {2: MailFindings(promise=Promise("within 24 hours", hours=24.0))}
    answered = _facts(FRIDAY, (2, FRIDAY + timedelta(hours=1), HUMAN))
    assert promise_outcome(answered, findings, WEEK, FRIDAY + timedelta(days=30)) is None
    silent = _facts(FRIDAY, (1, FRIDAY, ACKNOWLEDGEMENT))
    figures = findings_figures([silent], {}, WEEK, FRIDAY + timedelta(days=2), timedelta(days=14))
    assert figures["acknowledged_never_answered"]["of"] == 0 and figures["total"] == 0


# -- the sandbox's findings companies, over real Dovecot -----------------------------------------


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    fleet = DEFAULT_FLEET + FINDINGS_FLEET
    with Sandbox(tmp_path / "mail", tmp_path / "ground-truth.jsonl", fleet=fleet, delay_scale=FAST) as box:
        yield box


def _found(data: dict[str, object], slug: str) -> set[str]:
    companies = data["companies"]
    assert isinstance(companies, dict)
    counts = companies[slug]["findings"]["counts"]
    return {key for key, count in counts.items() if count}


def test_every_findings_behaviour_has_its_ground_truth_and_a_company() -> None:
    from servaudit.sandbox.findings_fleet import SIMULATED_FLEET
    from servaudit.sandbox.fleet import FINDINGS_BEHAVIOURS

    # ack_then_human belongs to the default fleet; its truth is "no finding".
    assert set(FINDINGS_TRUTH) - {"ack_then_human"} == FINDINGS_BEHAVIOURS
    assert {c.behaviour for c in FINDINGS_FLEET + SIMULATED_FLEET} == FINDINGS_BEHAVIOURS


def test_every_finding_is_found_where_the_sandbox_shows_it_and_nowhere_else(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SA_TEST_IMAP_PASSWORD", IMAP_PASSWORD)
    wanted = {"human", "ack_then_human", *FINDINGS_TRUTH} - SIMULATED_ONLY
    companies = [c for c in sandbox.companies if c.behaviour in wanted]
    with DovecotServer(tmp_path / "mail", IMAP_USER, IMAP_PASSWORD) as server:
        audit = audit_over_imap(make_audit(companies), server)
        run(audit)
        assert sandbox.wait_idle(20)
        collect(audit)
    truth: dict[str, set[str]] = {c.slug: set() for c in companies}
    for record in read_ground_truth(sandbox.ground_truth):
        truth[record["company"]] |= set(record["findings"])
    # Read from a company's site, not its replies: tests/test_legal_findings.py checks those;
    # chats: tests/test_chat_findings.py; the probes' accessibility: tests/test_accessibility.py.
    chat_only = {key for key in FINDINGS if key.startswith("chat_")}
    probes = {key for key, f in FINDINGS.items() if f.kind == "accessibility"}
    from_replies = set(FINDINGS) - set(SITE_FINDINGS) - chat_only - probes
    assert {name for found in truth.values() for name in found} == from_replies
    store = open_store(audit)
    try:
        # Stored with the judgement: the report reads, never re-reads mail.
        stored = store.judgements()
        assert any(j.findings.promise is not None for j in stored.values())
        now = datetime.now(UTC)
        during = ReportBuilder(audit, store, generated_at=now).data()
        after = ReportBuilder(audit, store, generated_at=now + timedelta(days=15)).data()
    finally:
        store.close()
    pending = {"promise_broken", "acknowledged_never_answered"}
    for c in companies:
        expected = truth[c.slug]
        assert _found(after, c.slug) == expected, c.slug
        # While the promise is not yet due and the window open, an unanswered acknowledgement is pending.
        assert _found(during, c.slug) == expected - pending, c.slug
    promises = {c.slug: after["companies"][c.slug]["findings"]["promises"] for c in companies}
    by_behaviour = {c.behaviour: c.slug for c in companies}
    assert promises[by_behaviour["ack_then_human"]]["kept"] == 1
    assert promises[by_behaviour["ack_only"]]["broken"] == 1
    assert during["companies"][by_behaviour["ack_only"]]["findings"]["promises"]["pending"] == 1
    # Each finding carries its evidence: the message's .eml beside the report.
    refusing = after["companies"][by_behaviour["refusing"]]["findings"]["evidence"]
    assert [e["finding"] for e in refusing] == ["refuses_channel"] and refusing[0]["message_id"]
    # The CSV export and the gate read the same findings.
    write_csv(after, tmp_path / "csv")
    with (tmp_path / "csv" / "findings.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["company"], r["finding"]) for r in rows} == {
        (slug, name) for slug, found in truth.items() for name in found
    }
    assert all(r["evidence"].startswith("evidence/message-") for r in rows)
    results = run_gate(
        ["all.findings.promise_broken == 0", "email.findings.tracking_pixel == 0 level=warn"], after
    )
    assert failed(results)
    failing = {r.scope for r in results if r.status == "fail"}
    assert failing == {by_behaviour["ack_only"]}
    assert {r.scope for r in results if r.status == "warn"} == {by_behaviour["tracked"]}
    assert not failed(run_gate(["all.findings.promise_broken == 0"], during))


def test_a_promise_broken_by_a_late_answer_and_one_kept_through_the_sandbox_in_simulated_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sandbox living in time: one company promises 24 hours and a person answers after 30, one
    promises two working days and answers within minutes; read over IMAP from a real Dovecot."""
    from servaudit.demo import demo_audit_toml
    from servaudit.sandbox.findings_fleet import LATE_ANSWER_HOURS, SIMULATED_FLEET
    from tests.test_reminders import START, set_clock

    fleet = tuple(
        c for c in DEFAULT_FLEET + SIMULATED_FLEET if c.behaviour in ("ack_then_late", "ack_then_human")
    )
    assert {c.behaviour for c in fleet} == {"ack_then_late", "ack_then_human"}
    set_clock(monkeypatch, START)
    monkeypatch.setenv("SA_TEST_IMAP_PASSWORD", IMAP_PASSWORD)
    with (
        Sandbox(
            tmp_path / "mail", tmp_path / "truth.jsonl", fleet, forms=(), chats=(), simulated_time=True
        ) as box,
        DovecotServer(tmp_path / "mail", IMAP_USER, IMAP_PASSWORD) as server,
    ):
        folder = tmp_path / "audit"
        folder.mkdir()
        (folder / "audit.toml").write_text(demo_audit_toml(fleet, box.smtp_port, str(tmp_path / "mail")))
        audit = audit_over_imap(Audit.load(folder), server)
        run(audit)
        assert box.wait_idle(20)
        set_clock(monkeypatch, START + timedelta(hours=LATE_ANSWER_HOURS + 1))
        collect(audit)
    # Ground truth, computed here: when each company received the inquiry and when its person answered.
    truth = read_ground_truth(tmp_path / "truth.jsonl")
    waited = {
        t["company"]: (
            datetime.fromisoformat(t["delivered_at"]) - datetime.fromisoformat(t["inquiry_received_at"])
        )
        for t in truth
        if t["kind"] == "human"
    }
    late = next(c.slug for c in fleet if c.behaviour == "ack_then_late")
    kept = next(c.slug for c in fleet if c.behaviour == "ack_then_human")
    assert waited[late] >= timedelta(hours=LATE_ANSWER_HOURS) > timedelta(hours=24)
    assert waited[kept] < timedelta(hours=1)
    store = open_store(audit)
    try:
        data = ReportBuilder(audit, store, generated_at=START + timedelta(days=3)).data()
    finally:
        store.close()
    promises = {slug: data["companies"][slug]["findings"]["promises"] for slug in (late, kept)}
    assert (promises[late]["made"], promises[late]["broken"], promises[late]["kept"]) == (1, 1, 0)
    assert (promises[kept]["made"], promises[kept]["broken"], promises[kept]["kept"]) == (1, 0, 1)
    evidence = data["companies"][late]["findings"]["evidence"]
    assert [e["finding"] for e in evidence] == ["promise_broken"]
    assert "24 stunden" in evidence[0]["detail"]
    # The late answer was still counted as the first human answer, not as no answer at all.
    assert data["companies"][late]["findings"]["acknowledged_never_answered"]["count"] == 0
