"""Reply texts of the simulated companies, German and English, in realistic helpdesk style."""

from __future__ import annotations

import re
import zlib
from datetime import date, datetime

from servaudit.sandbox.fleet import SandboxCompany

AGENTS: dict[str, tuple[str, ...]] = {
    "de": ("Jana Wolff", "Markus Brandt", "Sabine Krüger", "Tobias Lehmann", "Miriam Yılmaz", "Jens Hofer"),
    "en": (
        "Emily Carter",
        "James Holloway",
        "Priya Natarajan",
        "Tom Fletcher",
        "Grace O'Neill",
        "Daniel Reyes",
    ),
}
TEAM = {"de": "Kundenservice", "en": "Customer Service"}
PHONE = {
    "de": "0180 6 123456 (20 ct/Anruf aus dem dt. Festnetz, Mobilfunk max. 60 ct/Anruf)",
    # Ofcom reserves 020 7946 0xxx for drama: it can never ring a real line.
    "en": "020 7946 0123 (Mon–Fri 8am–8pm, Sat 9am–1pm)",
}
# Prefixes mail clients put before a subject when answering; never stack a second one.
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|antw|wg|sv)\s*:", re.IGNORECASE)

_ANSWERS: dict[str, str] = {
    "nordwind": (
        "Ihren monatlichen Abschlag können Sie jederzeit selbst anpassen: Melden Sie sich dazu in "
        "unserem Kundenportal an und wählen Sie „Mein Vertrag > Abschlag ändern“. Die Änderung gilt "
        "ab der nächsten Fälligkeit, Kosten entstehen Ihnen dadurch nicht. Eine Kündigung ist in "
        "Ihrem Tarif mit einer Frist von einem Monat zum Monatsende möglich; dafür genügt eine "
        "formlose E-Mail an uns mit Ihrer Vertragsnummer."
    ),
    "larkspur": (
        "I have checked your policy: contents cover includes accidental damage to portable items "
        "worth up to £1,500 each, both at home and away, and the excess is £100 per claim. If you "
        "would like to add a single item above that limit, you can do so in your online account "
        "under 'My policy > Specified items'; the change takes effect immediately and your next "
        "monthly payment will show the adjusted premium."
    ),
    "brightline": (
        "I have looked into your account: your current contract runs until the end of next month, "
        "after which you can switch plans or cancel with 30 days' notice at no cost. Upgrading to "
        "our 500 Mbit/s plan is possible at any time and does not restart your minimum term. If "
        "you reply with the plan you would like, I will arrange the change for you, or you can do "
        "it yourself under 'My Brightline > Change plan'."
    ),
    "merkur": (
        "Eine Rücksendung ist innerhalb von 30 Tagen nach Erhalt der Ware kostenlos möglich. Das "
        "Rücksendeetikett können Sie in Ihrem Kundenkonto unter „Meine Bestellungen“ erstellen; "
        "die Erstattung auf Ihr ursprüngliches Zahlungsmittel erfolgt innerhalb von 5 Werktagen "
        "nach Eingang der Rücksendung in unserem Lager."
    ),
}
_GENERIC_ANSWERS = {
    "de": (
        "Wir haben Ihr Anliegen geprüft: Die gewünschte Änderung können Sie bequem online in Ihrem "
        "Kundenkonto unter „Meine Daten“ vornehmen. Sie wird zum nächsten Monatsersten wirksam, "
        "Kosten entstehen Ihnen dafür nicht. Wenn Ihnen das lieber ist, erledigen wir das auch gern "
        "für Sie – eine kurze Antwort auf diese E-Mail mit Ihrer Kundennummer genügt."
    ),
    "en": (
        "I have looked into your question: you can make the change yourself at any time in your "
        "online account under 'My details'. It takes effect from the first of next month and there "
        "is no charge for it. If you prefer, I am happy to make the change for you - just reply to "
        "this e-mail with your customer number."
    ),
}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def pick_agent(company: SandboxCompany, seed: str) -> str:
    """A named agent, stable for one inquiry, varying across inquiries as on a real team."""
    names = AGENTS[company.language]
    return names[zlib.crc32(f"{company.slug}|{seed}".encode()) % len(names)]


def is_reply(subject: str) -> bool:
    """The subject a mail client (or a customer typing into a form again) gives a reply."""
    return _REPLY_PREFIX.match(subject) is not None


def reply_subject(subject: str, language: str) -> str:
    if _REPLY_PREFIX.match(subject):
        return subject
    return f"{'AW' if language == 'de' else 'Re'}: {subject}"


def ack_subject(ticket: str, subject: str, language: str) -> str:
    if language == "de":
        return f"[#{ticket}] Ihre Anfrage ist eingegangen: {subject}"
    return f"[#{ticket}] We received your request: {subject}"


def ticket_reply_subject(ticket: str, subject: str, language: str) -> str:
    return f"{'AW' if language == 'de' else 'Re'}: [#{ticket}] {_REPLY_PREFIX.sub('', subject).strip()}"


def ooo_subject(subject: str, language: str) -> str:
    return f"{'Abwesenheitsnotiz' if language == 'de' else 'Out of Office'}: {subject}"


def noreply_subject(ticket: str, subject: str) -> str:
    return f"[Ticket#{ticket}] {subject}"


def greeting(persona_name: str, language: str) -> str:
    if language == "de":
        return f"Guten Tag {persona_name}," if persona_name else "Guten Tag,"
    return f"Hello {persona_name}," if persona_name else "Hello,"


def signature(company: SandboxCompany, agent: str) -> str:
    web = f"www.{company.domain}"
    if company.language == "de":
        return (
            f"Mit freundlichen Grüßen\n\n{agent}\n{TEAM['de']}\n\n{company.name}\n"
            f"Telefon: {PHONE['de']}\n{web}"
        )
    return f"Kind regards,\n\n{agent}\n{TEAM['en']}\n\n{company.name}\nPhone: {PHONE['en']}\n{web}"


def human_body(company: SandboxCompany, persona_name: str, subject: str, agent: str) -> str:
    answer = _ANSWERS.get(company.slug, _GENERIC_ANSWERS[company.language])
    if company.language == "de":
        opening = f"vielen Dank für Ihre Nachricht zu „{subject}“."
        closing = "Wenn Sie noch Fragen haben, antworten Sie gern direkt auf diese E-Mail."
    else:
        opening = f"Thank you for your message about '{subject}'."
        closing = "If you have any further questions, just reply to this e-mail."
    return "\n\n".join(
        [greeting(persona_name, company.language), opening, answer, closing, signature(company, agent)]
    )


_PARTIAL = {
    "de": "ein Tarifwechsel ist grundsätzlich machbar. Die Einzelheiten prüfen wir gerade für Sie.",
    "en": "a change of plan can generally be arranged. We are still looking into the details for you.",
}
_FULL = {
    "de": (
        "der Wechsel in einen günstigeren Tarif ist auch vor Ablauf Ihrer Vertragslaufzeit möglich. "
        "Dafür entstehen Ihnen keine Kosten; der neue Tarif gilt ab dem nächsten Monatsersten."
    ),
    "en": (
        "you can switch to a cheaper plan before your contract ends, and it is free of charge: the new "
        "plan applies from the first of next month."
    ),
}


def partial_body(company: SandboxCompany, persona_name: str, agent: str) -> str:
    """A person's first answer that leaves the question half open (states one fact of two at most)."""
    parts = [greeting(persona_name, company.language), _PARTIAL[company.language], signature(company, agent)]
    return "\n\n".join(parts)


def full_body(company: SandboxCompany, persona_name: str, agent: str) -> str:
    """A person's answer that states what the tariff-change scenario asks (possible early, no cost)."""
    parts = [greeting(persona_name, company.language), _FULL[company.language], signature(company, agent)]
    return "\n\n".join(parts)


def hotline_body(company: SandboxCompany, persona_name: str, agent: str) -> str:
    if company.language == "de":
        text = (
            "vielen Dank für Ihre Nachricht. Bitte rufen Sie uns für Ihr Anliegen unter unserer "
            f"Hotline {PHONE['de']} an. Unsere Mitarbeiterinnen und Mitarbeiter sind Montag bis "
            "Freitag von 8 bis 20 Uhr für Sie da. Aus Datenschutzgründen können wir Anfragen zu "
            "Ihrem Vertrag leider nicht per E-Mail beantworten."
        )
    else:
        text = (
            "Thank you for getting in touch. For this kind of enquiry, please call our customer "
            f"service hotline on {PHONE['en']}. For data protection reasons we are unable to deal "
            "with account questions by e-mail."
        )
    return "\n\n".join([greeting(persona_name, company.language), text, signature(company, agent)])


def ack_body(company: SandboxCompany, persona_name: str, ticket: str) -> str:
    if company.language == "de":
        return (
            f"{greeting(persona_name, 'de')}\n\nvielen Dank für Ihre Nachricht. Wir haben Ihre "
            f"Anfrage unter der Ticketnummer #{ticket} erfasst und melden uns innerhalb von "
            "2 Werktagen bei Ihnen. Bitte geben Sie bei Rückfragen die Ticketnummer im Betreff an.\n\n"
            f"Ihr {TEAM['de']} von {company.name}\n\n"
            "Dies ist eine automatisch erzeugte Nachricht."
        )
    return (
        f"{greeting(persona_name, 'en')}\n\nThank you for your message. We have logged your request "
        f"under ticket number #{ticket} and will get back to you within 2 working days. Please "
        "keep the ticket number in the subject line if you write to us again.\n\n"
        f"The {company.name} {TEAM['en']} team\n\nThis is an automatically generated message."
    )


def ooo_body(company: SandboxCompany, agent: str, back_on: date) -> str:
    if company.language == "de":
        return (
            "Sehr geehrte Damen und Herren,\n\nvielen Dank für Ihre Nachricht. Ich bin bis "
            f"einschließlich {back_on:%d.%m.%Y} nicht im Büro und habe keinen Zugriff auf meine "
            "E-Mails. Ihre Nachricht wird nicht weitergeleitet.\n\n"
            f"Mit freundlichen Grüßen\n{agent}\n{company.name}"
        )
    return (
        f"Thank you for your e-mail. I am out of the office until {back_on.day} "
        f"{_MONTHS[back_on.month - 1]} {back_on.year} with no access to e-mail. Your message will "
        f"not be forwarded.\n\nBest regards,\n{agent}\n{company.name}"
    )


def noreply_body(company: SandboxCompany, persona_name: str, agent: str, ticket: str) -> str:
    answer = _ANSWERS.get(company.slug, _GENERIC_ANSWERS[company.language])
    if company.language == "de":
        footer = (
            f"Ticketnummer: {ticket}\nBitte antworten Sie nicht auf diese E-Mail – diese Adresse "
            f"wird nicht gelesen. Für Rückfragen nutzen Sie bitte unser Kontaktformular auf "
            f"www.{company.domain}/kontakt."
        )
        opening = "vielen Dank für Ihre Anfrage."
    else:
        footer = (
            f"Ticket number: {ticket}\nPlease do not reply to this e-mail - this mailbox is not "
            f"monitored. For further questions use the contact form on www.{company.domain}/contact."
        )
        opening = "Thank you for your enquiry."
    return "\n\n".join(
        [greeting(persona_name, company.language), opening, answer, signature(company, agent), footer]
    )


def quote(language: str, sender_name: str, sender_address: str, sent_at: datetime, text: str) -> str:
    """The attribution line and the original text with '> ' prefixes, as mail clients quote."""
    if language == "de":
        who = f"{sender_name} <{sender_address}>" if sender_name else sender_address
        attribution = f"Am {sent_at:%d.%m.%Y} um {sent_at:%H:%M} schrieb {who}:"
    else:
        when = (
            f"{_WEEKDAYS[sent_at.weekday()]}, {sent_at.day} {_MONTHS[sent_at.month - 1]} "
            f"{sent_at.year} at {sent_at:%H:%M}"
        )
        attribution = f"On {when}, {sender_name or sender_address} wrote:"
    lines = [f"> {line}" if line else ">" for line in text.rstrip().splitlines()]
    return "\n".join([attribution, *lines])
