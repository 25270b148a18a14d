"""No purchases or bookings under false pretences: a form that orders, books or pays is never submitted.

Real Chromium against the sandbox's checkout, room booking and a contact form about an order; the
forms site's submissions are the ground truth of what reached the company.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from servaudit.audit_store import open_store
from servaudit.browser import open_browser
from servaudit.channels.base import CheckResult, ProbeContext
from servaudit.channels.form.commitment import commits, payment_field, refusal
from servaudit.channels.form.fields import Control
from servaudit.channels.form.probe import FormChannel
from servaudit.channels.form.vocabulary import FormVocabulary
from servaudit.config import Audit
from servaudit.demo import MACHINE_SECONDS, demo_audit_toml
from servaudit.engine import run
from servaudit.i18n import Locale, load_catalogue
from servaudit.report import write_report
from servaudit.sandbox import Sandbox
from servaudit.sandbox.forms_fleet import FORM_FLEET, ORDER_FORMS, ORDER_TRUTH
from servaudit.schedule import inquiries
from servaudit.status import status_rows, status_table
from tests.audit_fixtures import FAST

VOCABULARY = FormVocabulary.load()


def control(label: str = "", name: str = "", autocomplete: str = "", placeholder: str = "") -> Control:
    nothing = cast(Any, None)  # the words are all these functions read; no page is needed
    return Control(
        frame=nothing, handle=nothing, tag="input", type="text", name=name, id="", placeholder=placeholder,
        autocomplete=autocomplete, aria="", label=label, visible=True, required=False, disabled=False,
        value="", options=(), form=0,
    )  # fmt: skip


@pytest.mark.parametrize(
    "field",
    [
        control(label="Kartennummer"),
        control(label="Kreditkartennummer"),
        control(label="Prüfziffer (CVC)"),
        control(label="IBAN"),
        control(name="cardNumber"),
        control(placeholder="CVV"),
        control(label="Gültig bis", autocomplete="billing cc-exp"),
        control(label="Nummer", autocomplete="cc-number"),
    ],
)
def test_a_card_or_bank_field_is_a_payment_field(field: Control) -> None:
    assert payment_field(field, VOCABULARY) is not None


@pytest.mark.parametrize(
    "field",
    [
        control(label="Bestellnummer (falls zur Hand)", name="order"),
        control(label="Order number", name="order_number"),
        control(label="Kundennummer"),
        control(label="Vertragsnummer"),
        control(label="Ihre Nachricht", name="message"),
        control(label="E-Mail-Adresse", autocomplete="email"),
        control(label="Telefon", autocomplete="tel"),
    ],
)
def test_an_order_number_or_contact_field_is_not(field: Control) -> None:
    assert payment_field(field, VOCABULARY) is None


@pytest.mark.parametrize(
    "button",
    ["Zahlungspflichtig bestellen", "Jetzt kaufen", "Kostenpflichtig buchen", "Place order", "Buy now",
     "Book now", "Complete purchase", "  jetzt   KAUFEN "],
)  # fmt: skip
def test_a_button_that_commits_to_a_purchase_or_booking(button: str) -> None:
    assert commits(button, VOCABULARY)
    assert "never submits" in (refusal([], [button], VOCABULARY) or "")


@pytest.mark.parametrize(
    "button",
    ["Absenden", "Nachricht senden", "Anfrage zur Bestellung senden", "Frage zu meiner Bestellung senden",
     "Send message", "Submit", "Weiter", "Ask about my order"],
)  # fmt: skip
def test_a_contact_forms_button_does_not(button: str) -> None:
    assert not commits(button, VOCABULARY)
    assert refusal([control(label="Bestellnummer")], [button], VOCABULARY) is None


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    forms = (*[f for f in FORM_FLEET if f.slug == "copperfield"], *ORDER_FORMS)
    with Sandbox(tmp_path / "mail", tmp_path / "ground-truth.jsonl", delay_scale=FAST, forms=forms) as box:
        yield box


def order_audit(tmp_path: Path, sandbox: Sandbox) -> Audit:
    forms = [(form, sandbox.form_url(form.slug)) for form in sandbox.forms]
    folder = tmp_path / "audit"
    folder.mkdir()
    text = demo_audit_toml(
        [], sandbox.smtp_port, str(tmp_path / "mail"), True, MACHINE_SECONDS * FAST, forms=forms,
        language="de",
    )  # fmt: skip
    (folder / "audit.toml").write_text(text, encoding="utf-8")
    return Audit.load(folder)


@pytest.mark.browser
def test_order_and_booking_forms_are_never_submitted_and_a_contact_form_about_an_order_is_once(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    audit = order_audit(tmp_path, sandbox)
    run(audit)
    run(audit)  # a second run sends nothing again: a refused order form is not retried either

    by_company: dict[str, list[str]] = {}
    for submission in sandbox.forms_site.submissions:
        by_company.setdefault(submission.company, []).append(submission.outcome)
    for slug, may_submit in ORDER_TRUTH.items():
        assert by_company.get(slug, []) == (["accepted"] if may_submit else []), slug
    assert by_company["copperfield"] == ["accepted"]

    store = open_store(audit)
    try:
        stored = {i.company: i for i in store.inquiries()}
    finally:
        store.close()
    checkout, booking, contact = stored["kassenwerk"], stored["seeblick"], stored["paketwerk"]
    assert (checkout.state, checkout.outcome) == ("rejected", "order_form")
    assert (checkout.detail or "").startswith("a payment field (Kartennummer, autocomplete cc-number)")
    assert (booking.state, booking.outcome) == ("rejected", "order_form")
    assert (booking.detail or "").startswith("the button “Kostenpflichtig buchen” commits to a purchase")
    assert (contact.state, contact.outcome) == ("sent", "submitted")
    for refused in (checkout, booking):
        record = json.loads((audit.folder / "evidence" / refused.id / "form.json").read_text())
        assert "fields" not in record, "nothing was typed into the form"
        assert (audit.folder / "evidence" / refused.id / "form-page.png").read_bytes()[:4] == b"\x89PNG"

    rows = {row["company"]: row for row in status_rows(audit)}
    assert rows["seeblick"]["outcome"] == "order_form" and rows["seeblick"]["state"] == "rejected"
    _, table = status_table(list(rows.values()), Locale("de"))
    assert any(line[1] == "seeblick" and line[3] == "abgelehnt (Bestellformular)" for line in table), table

    folder = write_report(audit, tmp_path / "report").parent
    data = json.loads((folder / "report.json").read_text())
    assert data["companies"]["seeblick"]["channels"]["form"]["outcome"] == "order_form"
    page = next(p for p in folder.rglob("*.html") if "Hotel Seeblick" in p.read_text(encoding="utf-8")
                and "Kostenpflichtig buchen" in p.read_text(encoding="utf-8"))  # fmt: skip
    html = page.read_text(encoding="utf-8")
    assert "servaudit schickt nie ein Formular ab, das bestellt, bucht oder bezahlt" in html
    assert "ein Bestell-, Buchungs- oder Zahlungsformular, nicht abgeschickt" in html
    assert load_catalogue("de")["prose.other"] not in html


@pytest.mark.browser
def test_check_finds_the_order_forms_unusable_and_submits_nothing(tmp_path: Path, sandbox: Sandbox) -> None:
    audit = order_audit(tmp_path, sandbox)

    async def checked() -> list[CheckResult]:
        async with open_browser() as browser:
            context = ProbeContext(audit.config, audit.folder / "evidence", browser)
            forms = [i for i in inquiries(audit.config) if i.channel == "form"]
            return await FormChannel().check(forms, context)

    results = {r.name.removeprefix("form: "): r for r in asyncio.run(checked())}
    for slug, may_submit in ORDER_TRUTH.items():
        assert results[slug].detail.startswith("ready" if may_submit else "order_form"), results[slug]
    assert sandbox.forms_site.submissions == []
