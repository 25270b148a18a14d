"""Sandbox companies that show one finding each (issue 14), with the ground truth of what they show.

Added to a sandbox with ``Sandbox(..., fleet=DEFAULT_FLEET + FINDINGS_FLEET)``; the default fleet
(and so the demo) stays as it is. ``FINDINGS_TRUTH`` says, per behaviour, which findings of
servaudit/measure/findings.py its replies carry: the tests check each is found where it is
present and nowhere else. An acknowledgement never followed by an answer breaks its promise once
the report's moment is past its due time; a promise broken by a late answer (``ack_then_late``:
24 hours promised, a person answers after 30) needs the time to pass: it is shown with the
sandbox living in simulated time (``SIMULATED_FLEET``).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime
from email.headerregistry import Address

from servaudit.sandbox import replies
from servaudit.sandbox.behaviours import (
    Inbound,
    PlannedReply,
    _finish,
    _new_message,
    _thread,
)
from servaudit.sandbox.fleet import SandboxCompany

SIMULATED_ONLY = frozenset({"ack_then_late"})
"""Behaviours whose finding needs time to pass (a person answers 30 hours after a promised 24): shown
with ``Sandbox(simulated_time=True)`` on the simulated clock, not by a sandbox waiting in real time."""
LATE_ANSWER_HOURS = 30.0
OUTSIDE_HELPDESK = "kundenservice@helpdesk-partner.internal"
"""Where the ``reply_elsewhere`` company's answers ask to be answered: outside the sandbox's reserved
domains (servaudit/consent.py), in the private-use top-level domain .internal, so no real company."""

FINDINGS_TRUTH: dict[str, frozenset[str]] = {
    "ack_then_human": frozenset(),  # its acknowledgement promises 2 working days, and the answer keeps it
    "ack_only": frozenset({"acknowledged_never_answered", "promise_broken"}),
    "refusing": frozenset({"refuses_channel"}),
    "noreply_reply_to": frozenset({"noreply_sender", "reply_to_differs"}),
    "tracked": frozenset({"tracking_pixel", "tracked_links", "authentication_failed"}),
    "informal": frozenset({"informal_address"}),
    "reply_elsewhere": frozenset({"reply_to_differs"}),  # its Reply-To is outside the sandbox
    "other_language": frozenset({"other_language"}),  # asked in German, a person answers in English
    "ack_then_late": frozenset({"promise_broken"}),  # promises 24 hours, a person answers after 30
}
"""Behaviour → the findings its replies show (after the response window, for ``ack_only``)."""

FINDINGS_FLEET: tuple[SandboxCompany, ...] = (
    SandboxCompany(
        slug="wartesaal",
        name="Wartesaal Reisen GmbH",
        domain="wartesaal-reisen.example",
        address="service@wartesaal-reisen.example",
        behaviour="ack_only",
        language="de",
    ),
    SandboxCompany(
        slug="formularia",
        name="Formularia Versand AG",
        domain="formularia-versand.example",
        address="info@formularia-versand.example",
        behaviour="refusing",
        language="de",
    ),
    SandboxCompany(
        slug="tidewater",
        name="Tidewater Utilities Ltd",
        domain="tidewater-utilities.example",
        address="support@tidewater-utilities.example",
        behaviour="noreply_reply_to",
        language="en",
        delay_seconds=20.0,
    ),
    SandboxCompany(
        slug="pixelhaus",
        name="Pixelhaus Elektronik GmbH",
        domain="pixelhaus-elektronik.example",
        address="kundenservice@pixelhaus-elektronik.example",
        behaviour="tracked",
        language="de",
        delay_seconds=20.0,
    ),
    SandboxCompany(
        slug="umleitung",
        name="Umleitung Energie GmbH",
        domain="umleitung-energie.example",
        address="service@umleitung-energie.example",
        behaviour="reply_elsewhere",
        language="de",
        delay_seconds=20.0,
    ),
    SandboxCompany(
        slug="sprachwechsel",
        name="Sprachwechsel Logistik GmbH",
        domain="sprachwechsel-logistik.example",
        address="service@sprachwechsel-logistik.example",
        behaviour="other_language",
        language="de",
        delay_seconds=20.0,
    ),
    SandboxCompany(
        slug="kumpel",
        name="Kumpel Mobil GmbH",
        domain="kumpel-mobil.example",
        address="hallo@kumpel-mobil.example",
        behaviour="informal",
        language="de",
        delay_seconds=20.0,
    ),
)
SIMULATED_FLEET: tuple[SandboxCompany, ...] = (
    SandboxCompany(
        slug="spaetzusage",
        name="Spätzusage Versand GmbH",
        domain="spaetzusage-versand.example",
        address="service@spaetzusage-versand.example",
        behaviour="ack_then_late",
        language="de",
        delay_seconds=LATE_ANSWER_HOURS * 3600,
    ),
)
"""Companies that answer after hours (``SIMULATED_ONLY`` behaviours): run them in a sandbox living in
simulated time (``Sandbox(simulated_time=True)``), where a 30-hour answer costs no waiting."""


def plan_findings(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    """The replies of a findings company (called by behaviours.plan_replies for these behaviours)."""
    planners = {
        "ack_only": _ack_only,
        "refusing": _refusing,
        "noreply_reply_to": _noreply_reply_to,
        "tracked": _tracked,
        "informal": _informal,
        "reply_elsewhere": _reply_elsewhere,
        "other_language": _other_language,
        "ack_then_late": _ack_then_late,
    }
    return planners[company.behaviour](company, inquiry, rng)


def _automatic(company: SandboxCompany, inquiry: Inbound, kind: str, subject: str, text: str) -> PlannedReply:
    team = f"{company.name} {replies.TEAM[company.language]}"

    def build(now: datetime) -> bytes:
        message = _new_message(company, now, Address(team, addr_spec=company.address), inquiry)
        message["Subject"] = subject
        _thread(message, inquiry)
        message["Auto-Submitted"] = "auto-replied" if kind == "auto_reply" else "auto-generated"
        message.set_content(text, cte="quoted-printable")
        return _finish(message)

    return PlannedReply(kind, 0.0, company.address, inquiry.reply_address, build)


def _ack_only(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    ticket = f"{rng.randrange(100000, 1000000)}"
    text = (
        f"{replies.greeting(inquiry.sender_name, 'de')}\n\nvielen Dank für Ihre Nachricht. Ihre Anfrage ist "
        f"unter der Vorgangsnummer {ticket} bei uns eingegangen. Wir melden uns in der Regel innerhalb "
        "von 24 Stunden bei Ihnen.\n\nIhr Kundenservice\n\nDies ist eine automatisch erzeugte Nachricht."
    )
    subject = replies.ack_subject(ticket, inquiry.subject, "de")
    return [_automatic(company, inquiry, "acknowledgement", subject, text)]


def _ack_then_late(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    """The acknowledgement of ``ack_only`` (within 24 hours), then a person's answer after 30 hours."""
    agent = replies.pick_agent(company, inquiry.message_id or inquiry.subject)
    text = replies.human_body(company, inquiry.sender_name, inquiry.subject, agent)
    late = _human(company, inquiry, Address(agent, addr_spec=company.address), text)
    return [*_ack_only(company, inquiry, rng), late]


def _refusing(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    text = (
        f"{replies.greeting(inquiry.sender_name, 'de')}\n\ndieses Postfach wird nicht überwacht. Wir "
        "bearbeiten keine Anfragen per E-Mail. Bitte nutzen Sie unser Kontaktformular unter "
        f"www.{company.domain}/kontakt.\n\n{company.name}\n\nDies ist eine automatisch erzeugte Nachricht."
    )
    subject = f"Automatische Antwort: {inquiry.subject}"
    return [_automatic(company, inquiry, "auto_reply", subject, text)]


def _human(
    company: SandboxCompany,
    inquiry: Inbound,
    sender: Address,
    text: str,
    html: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> PlannedReply:
    def build(now: datetime) -> bytes:
        message = _new_message(company, now, sender, inquiry)
        # The receiving mailbox's own verdicts stand first, as a real MTA prepends them.
        for name, value in headers:
            message[name] = value
        message["Subject"] = replies.reply_subject(inquiry.subject, company.language)
        _thread(message, inquiry)
        message.set_content(text, cte="quoted-printable")
        if html is not None:
            message.add_alternative(html, subtype="html", cte="quoted-printable")
        return _finish(message)

    return PlannedReply("human", company.delay_seconds, sender.addr_spec, inquiry.reply_address, build)


def _noreply_reply_to(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    agent = replies.pick_agent(company, inquiry.message_id or inquiry.subject)
    text = replies.human_body(company, inquiry.sender_name, inquiry.subject, agent)
    sender = Address(company.name, addr_spec=f"no-reply@{company.domain}")
    return [_human(company, inquiry, sender, text, headers=(("Reply-To", company.address),))]


def _tracked(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    agent = replies.pick_agent(company, inquiry.message_id or inquiry.subject)
    text = replies.human_body(company, inquiry.sender_name, inquiry.subject, agent)
    link = f"https://click.{company.domain}/r/abc?utm_source=support&utm_medium=email"
    pixel = f"https://track.{company.domain}/open/{rng.randrange(10**6)}.gif"
    html = (
        "<html><body>"
        + "".join(f"<p>{line}</p>" for line in text.split("\n\n"))
        + f'<p><a href="{link}">Hilfe-Center</a></p>'
        + f'<img src="{pixel}" width="1" height="1" alt="">'
        + "</body></html>"
    )
    verdict = (
        f"mx.mailbox.example; spf=fail smtp.mailfrom={company.domain}; "
        f"dkim=fail header.d={company.domain}; dmarc=fail (p=none) header.from={company.domain}"
    )
    sender = Address(agent, addr_spec=company.address)
    return [_human(company, inquiry, sender, text, html, (("Authentication-Results", verdict),))]


def _informal(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    agent = replies.pick_agent(company, inquiry.message_id or inquiry.subject)
    first = inquiry.sender_name.split()[0] if inquiry.sender_name else ""
    text = (
        f"Hallo {first},\n\ndanke für deine Nachricht! Klar können wir dir helfen: Du kannst deinen "
        "Tarif jederzeit zum Monatsende wechseln. Schreib uns einfach, welchen Tarif du möchtest, dann "
        f"stellen wir ihn für dich um.\n\nViele Grüße\n{agent}\n{company.name}"
    )
    return [_human(company, inquiry, Address(agent, addr_spec=company.address), text)]


def _reply_elsewhere(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    """A person answers from the published address and asks for replies at an outsourced helpdesk's."""
    agent = replies.pick_agent(company, inquiry.message_id or inquiry.subject)
    text = replies.human_body(company, inquiry.sender_name, inquiry.subject, agent)
    sender = Address(agent, addr_spec=company.address)
    return [_human(company, inquiry, sender, text, headers=(("Reply-To", OUTSIDE_HELPDESK),))]


def _other_language(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    """A German company's person answers a German inquiry in English (an outsourced desk abroad)."""
    english = replace(company, language="en")
    agent = replies.pick_agent(english, inquiry.message_id or inquiry.subject)
    text = replies.human_body(english, inquiry.sender_name, inquiry.subject, agent)
    return [_human(english, inquiry, Address(agent, addr_spec=company.address), text)]
