"""Classification: no single header decides, and every decision says why."""

from __future__ import annotations

from email.message import EmailMessage

from servaudit.classify import (
    ACKNOWLEDGEMENT,
    AUTO_REPLY,
    BOUNCE,
    DEFLECTION,
    HUMAN,
    Vocabulary,
    classify,
    written_text,
)

VOCABULARY = Vocabulary.load()


def mail(
    subject: str, body: str, sender: str = "Jana Wolff <service@shop.example>", **headers: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "anna.schmidt@mailbox.example"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


HUMAN_ANSWER = (
    "Guten Tag Frau Schmidt,\n\nein Wechsel in den Tarif Smart ist jederzeit möglich und kostet nichts. "
    "Ich habe Ihnen die Unterlagen vorbereitet.\n\nMit freundlichen Grüßen\nJana Wolff\n"
    "Hotline: 0800 123456\n\nAm 02.03.2026 schrieb Anna Schmidt:\n> Bitte rufen Sie mich an\n"
)


def test_human_answer_with_precedence_bulk_stays_human() -> None:
    result = classify(mail("AW: Tarif", HUMAN_ANSWER, Precedence="bulk"), VOCABULARY, 3 * 3600)
    assert result.label == HUMAN
    assert any("Precedence: bulk" in reason for reason in result.reasons)


def test_quoted_text_and_signature_do_not_make_a_deflection() -> None:
    assert "rufen" not in written_text(HUMAN_ANSWER, VOCABULARY).lower()
    assert "0800" not in written_text(HUMAN_ANSWER, VOCABULARY)


def test_acknowledgement_without_any_auto_reply_header() -> None:
    body = (
        "Vielen Dank für Ihre Nachricht. Ihre Anfrage ist bei uns eingegangen und wird unter der "
        "Ticketnummer 48213 bearbeitet. Wir melden uns innerhalb von zwei Werktagen."
    )
    result = classify(mail("Ihre Anfrage [#48213]", body), VOCABULARY, 40)
    assert result.label == ACKNOWLEDGEMENT
    assert "text: 'ist bei uns eingegangen'" in result.reasons


def test_german_out_of_office_without_headers() -> None:
    body = (
        "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 14.03. nicht im Büro "
        "und nicht erreichbar."
    )
    result = classify(mail("Abwesenheitsnotiz: Tarif", body), VOCABULARY, 2)
    assert result.label == AUTO_REPLY


def test_auto_submitted_header_alone_is_automated_but_says_so() -> None:
    result = classify(mail("Re: Tarif", "OK.", Auto_Submitted="auto-replied"), VOCABULARY, 2)
    assert result.label == AUTO_REPLY
    assert "Auto-Submitted: auto-replied" in result.reasons


def test_deflection_to_the_hotline() -> None:
    body = "Guten Tag,\n\nbitte rufen Sie uns für Ihr Anliegen unter unserer Hotline an.\n\nViele Grüße\nTeam"
    assert classify(mail("AW: Tarif", body), VOCABULARY, 3600).label == DEFLECTION


def test_bounce_by_sender_and_subject_without_a_dsn() -> None:
    message = mail("Undeliverable: Tarif", "Delivery has failed.", sender="MAILER-DAEMON@mx.shop.example")
    assert classify(message, VOCABULARY).label == BOUNCE


def test_an_empty_message_does_not_break_classification() -> None:
    result = classify(EmailMessage(), VOCABULARY)
    assert result.label == HUMAN and result.reasons
