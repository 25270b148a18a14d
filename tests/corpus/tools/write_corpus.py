# ruff: noqa: E501
"""Write the hand-written part of the labelled reply corpus (tests/corpus/<label>/*.eml).

The texts were written for servaudit in the style of real helpdesks, mail
programs and vacation responders, German and English; every company lives
under the reserved .example domain. The MTA bounces come from a real Postfix
and Exim (postfix_bounces.py, exim_bounces.py); the sandbox messages come
from servaudit's own sandbox code. Run from the repository root:

    python tests/corpus/tools/write_corpus.py
"""

from __future__ import annotations

import base64
import quopri
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1]
ANNA = "Anna Schmidt <anna.schmidt@mailbox.example>"
OLIVER = "Oliver Bennett <oliver.bennett@mailbox.example>"
START = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)

_count = 0


def write(
    label: str,
    name: str,
    sender: str,
    subject: str,
    body: str,
    *,
    to: str = ANNA,
    headers: tuple[tuple[str, str], ...] = (),
    html: str | None = None,
    encoding: str = "8bit",
    in_reply_to: bool = True,
    raw_subject: bool = False,
) -> None:
    """One message as a mail program would put it on the wire; headers are written as given."""
    global _count
    _count += 1
    date = START + timedelta(hours=_count * 7, minutes=_count * 13)
    domain = sender.rpartition("@")[2].rstrip(">")
    lines = [
        f"Return-Path: <{sender.rpartition('<')[2].rstrip('>') if '<' in sender else sender}>",
        f"Date: {format_datetime(date)}",
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject if raw_subject else _encode_subject(subject)}",
        f"Message-ID: <{date:%Y%m%d%H%M%S}.{_count:04d}@{domain}>",
    ]
    if in_reply_to:
        lines.append(f"In-Reply-To: <inquiry-{_count:04d}@mailbox.example>")
        lines.append(f"References: <inquiry-{_count:04d}@mailbox.example>")
    lines += [f"{key}: {value}" for key, value in headers]
    lines.append("MIME-Version: 1.0")
    if html is None:
        lines += _part_headers("plain", encoding)
        text = "\r\n".join(lines) + "\r\n\r\n" + _encode(body, encoding)
    else:
        boundary = f"=_part_{_count:04d}_servaudit_corpus"
        lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        parts = []
        if body:
            parts.append("\r\n".join(_part_headers("plain", encoding)) + "\r\n\r\n" + _encode(body, encoding))
        parts.append(
            "\r\n".join(_part_headers("html", "quoted-printable"))
            + "\r\n\r\n"
            + _encode(html, "quoted-printable")
        )
        text = "\r\n".join(lines) + "\r\n\r\n"
        text += "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    folder = CORPUS / label
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.eml").write_bytes(text.encode("utf-8"))


def _encode_subject(subject: str) -> str:
    if subject.isascii():
        return subject
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject
    return message.as_string().split("Subject: ", 1)[1].split("\r\n\r\n", 1)[0].strip()


def _part_headers(subtype: str, encoding: str) -> list[str]:
    return [f'Content-Type: text/{subtype}; charset="utf-8"', f"Content-Transfer-Encoding: {encoding}"]


def _encode(text: str, encoding: str) -> str:
    data = text.replace("\n", "\r\n").encode("utf-8")
    if encoding == "quoted-printable":
        return quopri.encodestring(data).decode("ascii")
    if encoding == "base64":
        encoded = base64.encodebytes(data).decode("ascii")
        return encoded.replace("\n", "\r\n")
    return data.decode("utf-8")


def quote_de(text: str, when: str = "02.03.2026 um 09:14") -> str:
    return f"Am {when} schrieb Anna Schmidt <anna.schmidt@mailbox.example>:\n" + "\n".join(
        f"> {line}" if line else ">" for line in text.splitlines()
    )


def quote_en(text: str, when: str = "Mon, 2 Mar 2026 at 09:14") -> str:
    return f"On {when}, Oliver Bennett <oliver.bennett@mailbox.example> wrote:\n" + "\n".join(
        f"> {line}" if line else ">" for line in text.splitlines()
    )


OUTLOOK_DE = (
    "-----Ursprüngliche Nachricht-----\nVon: Anna Schmidt <anna.schmidt@mailbox.example>\n"
    "Gesendet: Montag, 2. März 2026 09:14\nAn: service@{domain}\nBetreff: {subject}\n\n{text}"
)
OUTLOOK_EN = (
    "From: Oliver Bennett <oliver.bennett@mailbox.example>\nSent: Monday, March 2, 2026 9:14 AM\n"
    "To: support@{domain}\nSubject: {subject}\n\n{text}"
)

Q_TARIF = "Guten Tag,\n\nist ein Wechsel in einen günstigeren Tarif vor Ablauf der Laufzeit möglich,\nund fallen dafür Kosten an?\n\nVielen Dank und freundliche Grüße\nAnna Schmidt"
Q_RETOURE = "Guten Tag,\n\nich möchte eine Bestellung zurückschicken. Ist die Rücksendung kostenlos,\nund wie lange dauert die Erstattung?\n\nViele Grüße\nAnna Schmidt"
Q_DELIVERY = "Hello,\n\nif I order today, can you deliver by Friday, and what does express\nshipping cost?\n\nThank you,\nOliver Bennett"
Q_COVER = "Hello,\n\ndoes my contents insurance cover accidental damage to my laptop\nwhen I take it abroad?\n\nKind regards,\nOliver Bennett"


def bounces() -> None:
    write(
        "bounce",
        "qmail-failure-notice",
        "MAILER-DAEMON@mx1.fernwelt-reisen.example",
        "failure notice",
        "Hi. This is the qmail-send program at mx1.fernwelt-reisen.example.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<buchung@fernwelt-reisen.example>:\n"
        "Sorry, no mailbox here by that name. (#5.1.1)\n\n"
        "--- Below this line is a copy of the message.\n\n"
        "Return-Path: <anna.schmidt@mailbox.example>\nFrom: Anna Schmidt <anna.schmidt@mailbox.example>\n"
        "To: buchung@fernwelt-reisen.example\nSubject: Frage zur Stornierung\n\nGuten Tag, ...\n",
        in_reply_to=False,
    )
    write(
        "bounce",
        "exchange-ndr-en",
        "postmaster@quillledger.example",
        "Undeliverable: Question about my invoice",
        "Delivery has failed to these recipients or groups:\n\n"
        "accounts@quillledger.example\n"
        "The e-mail address you entered couldn't be found. Please check the recipient's e-mail address "
        "and try to resend the message. If the problem continues, please contact your helpdesk.\n\n\n"
        "Diagnostic information for administrators:\n\n"
        "Generating server: EXCH01.quillledger.example\n\n"
        "accounts@quillledger.example\n"
        "#550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup ##\n",
        headers=(("X-MS-Exchange-Message-Is-Ndr", ""), ("Auto-Submitted", "auto-replied")),
        in_reply_to=False,
    )
    write(
        "bounce",
        "exchange-ndr-de",
        "postmaster@lindenau-moebel.example",
        "Unzustellbar: Lieferzeit für einen Schrank",
        "Die Übermittlung an folgende Empfänger oder Gruppen ist fehlgeschlagen:\n\n"
        "verkauf@lindenau-moebel.example\n"
        "Das Postfach des Empfängers ist voll, und die Nachricht kann derzeit nicht zugestellt werden. "
        "Versuchen Sie es später erneut, oder wenden Sie sich direkt an den Empfänger.\n\n"
        "Diagnoseinformationen für Administratoren:\n\n"
        "Generierender Server: MAIL02.lindenau-moebel.example\n\n"
        "verkauf@lindenau-moebel.example\n"
        "Remote Server returned '554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException'\n",
        in_reply_to=False,
    )
    write(
        "bounce",
        "sendmail-returned-mail",
        "Mail Delivery Subsystem <MAILER-DAEMON@mail.harbourpine.example>",
        "Returned mail: see transcript for details",
        "The original message was received at Mon, 2 Mar 2026 09:14:02 GMT\n"
        "from mailbox.example [198.51.100.20]\n\n"
        "   ----- The following addresses had permanent fatal errors -----\n"
        "<enquiries@harbourpine.example>\n"
        "    (reason: 550 5.1.1 <enquiries@harbourpine.example>... User unknown)\n\n"
        "   ----- Transcript of session follows -----\n"
        "... while talking to mail.harbourpine.example.:\n"
        ">>> RCPT To:<enquiries@harbourpine.example>\n"
        "<<< 550 5.1.1 <enquiries@harbourpine.example>... User unknown\n",
        to=OLIVER,
        in_reply_to=False,
    )


def auto_replies() -> None:
    write(
        "auto_reply",
        "ooo-exchange-de",
        "Markus Brandt <m.brandt@nordwind-energie.example>",
        "Automatische Antwort: Frage zu meinem Tarif",
        "Vielen Dank für Ihre E-Mail.\n\nIch bin bis einschließlich 13.03.2026 nicht im Büro und habe "
        "keinen Zugriff auf meine E-Mails. In dringenden Fällen wenden Sie sich bitte an meine Kollegin "
        "Frau Hofer (j.hofer@nordwind-energie.example).\n\nMit freundlichen Grüßen\nMarkus Brandt",
        headers=(
            ("Auto-Submitted", "auto-generated"),
            ("X-Auto-Response-Suppress", "All"),
            ("X-MS-Exchange-Inbox-Rules-Loop", "m.brandt@nordwind-energie.example"),
        ),
    )
    write(
        "auto_reply",
        "ooo-exchange-en",
        "Grace O'Neill <grace.oneill@larkspur-insurance.example>",
        "Automatic reply: Cover for my laptop",
        "Thank you for your email. I am currently out of the office with limited access to email and "
        "will return on Monday 16 March. For urgent matters please contact claims@larkspur-insurance.example.\n\n"
        "Kind regards,\nGrace",
        to=OLIVER,
        headers=(("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All")),
    )
    write(
        "auto_reply",
        "vacation-rfc2047-header",
        "Tobias Lehmann <t.lehmann@merkur-versand.example>",
        "Re: Rücksendung einer Bestellung",
        "Guten Tag,\n\nich befinde mich bis zum 20. März im Urlaub. Ihre Nachricht wird nicht "
        "weitergeleitet; ich melde mich nach meiner Rückkehr.\n\nTobias Lehmann",
        headers=(("Auto-Submitted", "=?utf-8?q?auto-replied?="), ("X-Autoreply", "yes")),
    )
    write(
        "auto_reply",
        "vacation-rfc2047-b",
        "Sabine Krüger <s.krueger@alpenblick-reisen.example>",
        "Abwesend",
        "Ich bin vom 2. bis 6. März abwesend und lese meine E-Mails danach. Danke!\n",
        headers=(("Auto-Submitted", "=?UTF-8?B?YXV0by1yZXBsaWVk?="), ("Precedence", "bulk")),
    )
    write(
        "auto_reply",
        "gmail-vacation-en",
        "Daniel Reyes <daniel.reyes@brightline-telecom.example>",
        "Away until 10 March",
        "Hi,\n\nI'm away on annual leave until 10 March and won't be checking email. "
        "If it's about your account, our team at help@brightline-telecom.example can help.\n\nDaniel",
        to=OLIVER,
        headers=(("Auto-Submitted", "auto-replied"), ("Precedence", "bulk")),
    )
    write(
        "auto_reply",
        "ooo-no-headers-de",
        "Jens Hofer <jens.hofer@lindenau-moebel.example>",
        "AW: Lieferzeit für einen Schrank",
        "Sehr geehrte Damen und Herren,\n\nvielen Dank für Ihre Nachricht. Ich bin derzeit außer Haus und "
        "ab dem 9. März wieder erreichbar. Ihre E-Mail wird nicht automatisch weitergeleitet.\n\n"
        "Freundliche Grüße\nJens Hofer\nLindenau Möbel GmbH",
    )
    write(
        "auto_reply",
        "ooo-no-headers-en",
        "Priya Natarajan <priya@quillledger.example>",
        "Re: Question about my invoice",
        "Hello,\n\nThanks for your message. I'm out of the office until Thursday 12 March with no access "
        "to my emails. Your message will not be forwarded, I will read it when I'm back.\n\nPriya",
        to=OLIVER,
    )
    write(
        "auto_reply",
        "parental-leave-de",
        "Miriam Yılmaz <m.yilmaz@fernwelt-reisen.example>",
        "Abwesenheitsnotiz: Frage zur Stornierung",
        "Guten Tag,\n\nich bin bis Ende August in Elternzeit. Bitte wenden Sie sich in dieser Zeit an "
        "buchung@fernwelt-reisen.example.\n\nViele Grüße\nMiriam Yılmaz",
        headers=(("X-Autorespond", "Abwesenheit"),),
    )
    write(
        "auto_reply",
        "left-company-en",
        "Tom Fletcher <tom.fletcher@harbourpine.example>",
        "Auto reply: Question about delivery",
        "Tom Fletcher no longer works at Harbourpine. This mailbox is not monitored. "
        "Please send your enquiry to enquiries@harbourpine.example.",
        to=OLIVER,
        headers=(("X-Autogenerated", "Reply"), ("Precedence", "auto_reply")),
    )
    write(
        "auto_reply",
        "ooo-html-en",
        "Emily Carter <emily.carter@larkspur-insurance.example>",
        "Out of Office: Policy documents",
        "",
        to=OLIVER,
        headers=(
            ("Auto-Submitted", "auto-replied"),
            ("X-Auto-Response-Suppress", "DR, RN, NRN, OOF, AutoReply"),
        ),
        html="<html><body><p>Thank you for your email.</p><p>I am on vacation until 23 March and will "
        "respond to your message on my return.</p><p>Emily</p></body></html>",
    )
    write(
        "auto_reply",
        "ooo-qp-de",
        "James Holloway <j.holloway@nordwind-energie.example>",
        "Abwesenheitsnotiz",
        "Guten Tag,\n\nvielen Dank für Ihre Nachricht. Ich bin vom 02.03. bis einschließlich 06.03. nicht "
        "erreichbar. Ab dem 09.03. bin ich wieder im Büro.\n\nMit freundlichen Grüßen\nJames Holloway",
        encoding="quoted-printable",
        headers=(("Auto-Submitted", "auto-replied"),),
    )
    write(
        "auto_reply",
        "read-receipt-de",
        "Vertrieb <vertrieb@lindenau-moebel.example>",
        "Gelesen: Lieferzeit für einen Schrank",
        "Ihre Nachricht\n\n  An: vertrieb@lindenau-moebel.example\n  Betreff: Lieferzeit für einen Schrank\n"
        "  Gesendet: Montag, 2. März 2026 09:14:00 (UTC+01:00)\n\nwurde am Montag, 2. März 2026 10:02:11 gelesen.",
        headers=(("X-MS-Exchange-Organization-Mdn", "true"),),
    )


def acknowledgements() -> None:
    write(
        "acknowledgement",
        "zendesk-en",
        "Brightline Support <support@brightline-telecom.example>",
        "[Brightline] Re: Question about my contract",
        "##- Please type your reply above this line -##\n\nYour request (48213) has been received and is "
        "being reviewed by our support staff.\n\nTo add additional comments, reply to this email.\n\n"
        "This email is a service from Brightline Support.",
        to=OLIVER,
        headers=(
            ("Auto-Submitted", "auto-generated"),
            ("X-Mailer", "Zendesk Mailer"),
            ("Precedence", "bulk"),
        ),
    )
    write(
        "acknowledgement",
        "otrs-de",
        "Merkur Versand Kundenservice <service@merkur-versand.example>",
        "[Ticket#2026030210000123] Ihre Anfrage ist eingegangen",
        "Guten Tag,\n\nvielen Dank für Ihre Nachricht. Ihre Anfrage wurde unter der Ticketnummer "
        "2026030210000123 aufgenommen. Wir bearbeiten Anfragen in der Reihenfolge ihres Eingangs und "
        "melden uns so schnell wie möglich bei Ihnen.\n\nIhr Merkur Versand Kundenservice",
        headers=(("Auto-Submitted", "auto-replied"), ("X-Loop", "service@merkur-versand.example")),
    )
    write(
        "acknowledgement",
        "webform-no-headers-de",
        "Nordwind Energie <kontakt@nordwind-energie.example>",
        "Ihre Kontaktanfrage",
        "Sehr geehrte Frau Schmidt,\n\nwir bestätigen den Eingang Ihrer Kontaktanfrage vom 02.03.2026. "
        "Ihr Anliegen wird an die zuständige Fachabteilung weitergeleitet, die sich in Kürze bei Ihnen "
        "meldet.\n\nIhre Angaben:\nName: Anna Schmidt\nE-Mail: anna.schmidt@mailbox.example\n"
        "Nachricht: Frage zu meinem Tarif\n\nIhr Nordwind-Team",
        in_reply_to=False,
    )
    write(
        "acknowledgement",
        "webform-no-headers-en",
        "Harbourpine <web@harbourpine.example>",
        "Thanks for contacting Harbourpine",
        "Hi Oliver,\n\nThanks for getting in touch. This is to confirm that we've received your message "
        "and a member of our team will reply within 48 hours (Monday to Friday).\n\n"
        "Your reference: HP-20260302-4471\n\nThe Harbourpine team",
        to=OLIVER,
        in_reply_to=False,
    )
    write(
        "acknowledgement",
        "freshdesk-en",
        "Quill & Ledger Help <help@quillledger.example>",
        "Ticket Received - Question about my invoice",
        "Dear Oliver Bennett,\n\nWe would like to acknowledge that we have received your request and a "
        "ticket has been created. A support representative will be reviewing your request and will send "
        "you a personal response (usually within 24 hours).\n\nTicket ID: #9921\n\n"
        "Thank you for your patience.\n\nSincerely,\nQuill & Ledger Support Team",
        to=OLIVER,
        headers=(("X-Freshdesk-Ticket", "9921"),),
    )
    write(
        "acknowledgement",
        "noreply-bulk-de",
        "Lindenau Möbel <noreply@lindenau-moebel.example>",
        "Eingangsbestätigung Ihrer Anfrage",
        "Guten Tag,\n\nhiermit bestätigen wir den Eingang Ihrer Anfrage. Unser Kundenservice wird sich "
        "innerhalb von drei Werktagen mit Ihnen in Verbindung setzen.\n\nDiese E-Mail wurde automatisch "
        "erstellt. Bitte antworten Sie nicht auf diese Nachricht.",
        headers=(("Precedence", "bulk"),),
        in_reply_to=False,
    )
    write(
        "acknowledgement",
        "html-only-en",
        "Larkspur Insurance <no-reply@larkspur-insurance.example>",
        "We've got your message",
        "",
        to=OLIVER,
        html="<html><body><h1>We've got your message</h1><p>Hi Oliver,</p><p>Thank you for contacting "
        "Larkspur. Your case number is <b>LK-778812</b>. Our customer care team aims to respond within "
        "2 working days.</p><p style='font-size:10px'>Please do not reply to this email.</p></body></html>",
        in_reply_to=False,
    )
    write(
        "acknowledgement",
        "ticket-subject-de",
        "Alpenblick Reisen <buchung@alpenblick-reisen.example>",
        "Anfrage erhalten [#AB-30217]",
        "Hallo Frau Schmidt,\n\nvielen Dank für Ihre E-Mail. Wir haben Ihre Nachricht erhalten und "
        "kümmern uns schnellstmöglich darum. Aufgrund des hohen Aufkommens kann die Bearbeitung derzeit "
        "bis zu 5 Werktage dauern.\n\nIhr Alpenblick-Team",
        headers=(("X-Autoreply", "true"),),
    )
    write(
        "acknowledgement",
        "response-time-en",
        "Fernwelt Travel <care@fernwelt-reisen.example>",
        "Re: Question about delivery",
        "Hello,\n\nThank you for your email. We are currently experiencing a high volume of enquiries. "
        "We will respond to your email in the order it was received, within 3 working days.\n\n"
        "Fernwelt Customer Care",
        to=OLIVER,
    )
    write(
        "acknowledgement",
        "rfc2047-subject-de",
        "Kundenservice <service@quillledger.example>",
        "Bestätigung: Wir haben Ihre Nachricht erhalten",
        "Guten Tag,\n\nIhre Nachricht ist bei uns eingegangen. Wir melden uns so schnell wie möglich.\n\n"
        "Vorgangsnummer: 55-10293\n\nFreundliche Grüße\nIhr Kundenservice",
        headers=(("Auto-Submitted", "auto-generated"),),
    )
    write(
        "acknowledgement",
        "salesforce-en",
        "Brightline Customer Care <care@brightline-telecom.example>",
        "Case 00481122: We have received your email [ ref:_00D1a2b3:_5004x5y6:ref ]",
        "Dear Customer,\n\nThank you for contacting Brightline. This is an automated response to let you "
        "know we have received your email and a case (00481122) has been logged.\n\n"
        "One of our advisors will be in touch shortly.\n\nBrightline Customer Care",
        to=OLIVER,
        headers=(("X-SFDC-LK", "00D1a2b3"),),
    )


def humans() -> None:
    write(
        "human",
        "outlook-quote-de",
        "Sabine Krüger <s.krueger@nordwind-energie.example>",
        "AW: Frage zu meinem Tarif",
        "Sehr geehrte Frau Schmidt,\n\nvielen Dank für Ihre Anfrage. Ein Wechsel in unseren Tarif "
        "„Nordwind Smart“ ist auch vor Ablauf Ihrer Vertragslaufzeit möglich. Für den Wechsel berechnen "
        "wir keine Gebühr; der neue Preis gilt ab dem Folgemonat.\n\nWenn Sie wechseln möchten, antworten "
        "Sie einfach auf diese E-Mail, dann stelle ich den Tarif für Sie um.\n\n"
        "Mit freundlichen Grüßen\n\nSabine Krüger\nKundenservice\nNordwind Energie GmbH\n"
        "Telefon: 040 123456-0\nwww.nordwind-energie.example\n\n"
        + OUTLOOK_DE.format(domain="nordwind-energie.example", subject="Frage zu meinem Tarif", text=Q_TARIF),
        headers=(("X-Mailer", "Microsoft Outlook 16.0"),),
    )
    write(
        "human",
        "gmail-quote-en",
        "James Holloway <james@brightline-telecom.example>",
        "Re: Question about delivery",
        "Hi Oliver,\n\nThanks for your email. Yes - if you order before 2pm today we can deliver by Friday "
        "with standard delivery. Express shipping costs £4.95 and arrives the next working day.\n\n"
        "Best wishes,\nJames\nBrightline Customer Team\n\n" + quote_en(Q_DELIVERY),
        to=OLIVER,
    )
    write(
        "human",
        "precedence-bulk-helpdesk-de",
        "Merkur Versand Kundenservice <service@merkur-versand.example>",
        "AW: [Ticket#2026030210000123] Rücksendung einer Bestellung",
        "Guten Tag Frau Schmidt,\n\ndie Rücksendung ist innerhalb von 30 Tagen kostenlos. Das "
        "Rücksendeetikett finden Sie in Ihrem Kundenkonto unter „Meine Bestellungen“. Die Erstattung "
        "erfolgt innerhalb von fünf Werktagen, nachdem die Ware bei uns eingegangen ist.\n\n"
        "Haben Sie noch Fragen? Dann antworten Sie gern auf diese E-Mail.\n\n"
        "Freundliche Grüße\nTobias Lehmann\nMerkur Versand Kundenservice\nTel.: 0800 4455660\n\n"
        + quote_de(Q_RETOURE),
        headers=(
            ("Precedence", "bulk"),
            ("X-Loop", "service@merkur-versand.example"),
            ("X-OTRS-Loop", "false"),
        ),
    )
    write(
        "human",
        "zendesk-agent-en",
        "Emily Carter (Larkspur Support) <support@larkspur-insurance.example>",
        "[Larkspur] Re: Cover for my laptop",
        "##- Please type your reply above this line -##\n\n"
        "Emily Carter (Larkspur Support)\n\nHi Oliver,\n\nGood news: your contents policy includes "
        "accidental damage cover for portable items up to £1,500 each, and that applies anywhere in the "
        "world for trips of up to 60 days. The excess is £100 per claim.\n\nIf anything else comes up, "
        "just reply to this email.\n\nEmily\nLarkspur Support\n\nTicket: 48219",
        to=OLIVER,
        headers=(
            ("Precedence", "bulk"),
            ("Auto-Submitted", "auto-generated"),
            ("X-Mailer", "Zendesk Mailer"),
        ),
    )
    write(
        "human",
        "short-answer-en",
        "Tom Fletcher <tom@harbourpine.example>",
        "Re: Question about delivery",
        "Hi Oliver,\n\nYes, Friday is fine if you order today; express is £6.50.\n\nTom\n\n"
        + quote_en(Q_DELIVERY),
        to=OLIVER,
    )
    write(
        "human",
        "answer-with-hotline-offer-de",
        "Jana Wolff <j.wolff@alpenblick-reisen.example>",
        "AW: Frage zur Stornierung",
        "Guten Tag Frau Schmidt,\n\nbei einer Stornierung bis 30 Tage vor Reisebeginn berechnen wir 20 % "
        "des Reisepreises, danach 50 %. Eine Umbuchung ist bis 14 Tage vor Abreise kostenlos möglich.\n\n"
        "Falls Sie lieber persönlich sprechen möchten, rufen Sie uns gern unter 089 998877 an.\n\n"
        "Beste Grüße\nJana Wolff\nAlpenblick Reisen\n\n"
        + quote_de("Guten Tag,\n\nwas kostet eine Stornierung?"),
    )
    write(
        "human",
        "receipt-words-in-answer-en",
        "Priya Natarajan <priya@quillledger.example>",
        "Re: Question about my invoice",
        "Dear Mr Bennett,\n\nThank you for your message, we have received your payment on 27 February and "
        "your invoice 2026-0311 is now settled. The reminder you got crossed with your payment, so please "
        "ignore it. No late fee has been charged.\n\nKind regards,\nPriya Natarajan\nAccounts team\n"
        "Quill & Ledger Ltd | +44 20 7946 0999\n\n" + quote_en("Hello,\n\nwhy did I get a reminder?"),
        to=OLIVER,
    )
    write(
        "human",
        "asks-customer-number-de",
        "Markus Brandt <m.brandt@nordwind-energie.example>",
        "AW: Frage zu meinem Tarif",
        "Hallo Frau Schmidt,\n\ngern prüfe ich, welcher Tarif für Sie günstiger ist. Damit ich Ihren Vertrag "
        "finde, nennen Sie mir bitte Ihre Kundennummer und Ihr Geburtsdatum. Grundsätzlich ist ein Wechsel "
        "vor Ablauf der Laufzeit möglich und kostenlos.\n\nViele Grüße\nMarkus Brandt\nNordwind Energie",
    )
    write(
        "human",
        "html-only-de",
        "Miriam Yılmaz <m.yilmaz@lindenau-moebel.example>",
        "AW: Lieferzeit für einen Schrank",
        "",
        html="<html><body><p>Liebe Frau Schmidt,</p><p>der Schrank „Malmö“ ist vorrätig und kann innerhalb "
        "von 10 Werktagen geliefert werden. Die Lieferung bis in die Wohnung kostet 49 €; der Aufbau "
        "kostet zusätzlich 79 €.</p><p>Herzliche Grüße<br>Miriam Yılmaz<br>Lindenau Möbel<br>"
        "Tel. 0351 445566</p><blockquote>Guten Tag, wie lange dauert die Lieferung?</blockquote>"
        "</body></html>",
    )
    write(
        "human",
        "suppress-header-en",
        "Daniel Reyes <daniel.reyes@brightline-telecom.example>",
        "RE: Moving house",
        "Hello Oliver,\n\nYou can take your broadband with you when you move, as long as Brightline is "
        "available at your new address. Tell us your moving date at least two weeks in advance and we'll "
        "move the service for free.\n\nRegards,\nDaniel Reyes\nCustomer Service\n\n"
        + OUTLOOK_EN.format(
            domain="brightline-telecom.example", subject="Moving house", text="Hello, can I move?"
        ),
        to=OLIVER,
        headers=(("X-Auto-Response-Suppress", "All"), ("X-Mailer", "Microsoft Outlook 16.0")),
    )
    write(
        "human",
        "followup-promise-de",
        "Jens Hofer <jens.hofer@fernwelt-reisen.example>",
        "AW: Frage zur Stornierung",
        "Guten Tag Frau Schmidt,\n\ndie Stornierung Ihrer Reise ist bis 45 Tage vor Abreise kostenfrei. "
        "Danach fallen gestaffelte Gebühren an, die ich Ihnen gern für Ihren konkreten Reisetermin "
        "ausrechne. Ich melde mich morgen mit der genauen Summe bei Ihnen.\n\n"
        "Mit freundlichen Grüßen\nJens Hofer\nFernwelt Reisen\nTelefon 030 5544332",
    )
    write(
        "human",
        "no-greeting-en",
        "support@harbourpine.example",
        "RE: Returns",
        "Returns are free within 28 days. Print the label from your order page and drop the parcel at any "
        "post office; refunds go out within 3 days of us receiving it.\n\nHarbourpine Support",
        to=OLIVER,
    )
    write(
        "human",
        "base64-de",
        "Kundenservice Lindenau <service@lindenau-moebel.example>",
        "AW: Rückgabe",
        "Guten Tag Frau Schmidt,\n\nSie können den Stuhl innerhalb von 14 Tagen zurückgeben. Wir holen ihn "
        "kostenlos bei Ihnen ab; bitte nennen Sie uns dazu zwei Wunschtermine.\n\nFreundliche Grüße\n"
        "Ihr Lindenau-Kundenservice\ni. A. Jens Hofer",
        encoding="base64",
    )


def deflections() -> None:
    write(
        "deflection",
        "hotline-only-de",
        "Kundenservice <service@nordwind-energie.example>",
        "AW: Frage zu meinem Tarif",
        "Guten Tag,\n\nvielen Dank für Ihre Nachricht. Zu Vertragsfragen können wir per E-Mail leider keine "
        "Auskunft geben. Bitte wenden Sie sich telefonisch an unsere Kundenhotline unter 0800 1234567 "
        "(Mo–Fr 8–18 Uhr).\n\nFreundliche Grüße\nIhr Nordwind-Kundenservice\n\n" + quote_de(Q_TARIF),
    )
    write(
        "deflection",
        "contact-form-en",
        "Harbourpine <info@harbourpine.example>",
        "Re: Question about delivery",
        "Hello,\n\nThis mailbox does not handle customer enquiries. Please use the contact form on our "
        "website so that your request reaches the right team.\n\nThank you,\nHarbourpine",
        to=OLIVER,
    )
    write(
        "deflection",
        "faq-de",
        "Merkur Versand <info@merkur-versand.example>",
        "AW: Rücksendung einer Bestellung",
        "Hallo Frau Schmidt,\n\nvielen Dank für Ihre Anfrage. Alle Informationen zu Rücksendungen finden Sie "
        "in unseren FAQ unter www.merkur-versand.example/hilfe.\n\nViele Grüße\nMerkur Versand",
    )
    write(
        "deflection",
        "portal-en",
        "Larkspur Insurance <customercare@larkspur-insurance.example>",
        "RE: Cover for my laptop",
        "Dear Mr Bennett,\n\nFor security reasons we cannot discuss policy details by email. Please log in "
        "to your online account and send us a secure message, or call us on 020 7946 0555.\n\n"
        "Kind regards,\nCustomer Care",
        to=OLIVER,
    )
    write(
        "deflection",
        "chat-de",
        "Alpenblick Reisen <info@alpenblick-reisen.example>",
        "AW: Umbuchung",
        "Guten Tag,\n\nfür Umbuchungen nutzen Sie bitte unseren Live-Chat auf www.alpenblick-reisen.example "
        "oder rufen Sie uns an. Per E-Mail können wir Umbuchungen nicht bearbeiten.\n\nIhr Alpenblick-Team",
    )
    write(
        "deflection",
        "faq-en",
        "Quill & Ledger <hello@quillledger.example>",
        "Re: Question about my invoice",
        "Hi there,\n\nThanks for reaching out! You'll find answers to most billing questions in our Help "
        "Centre: quillledger.example/help. If your question isn't covered there, please submit a request "
        "through the form at the bottom of the page.\n\nCheers,\nThe Quill & Ledger team",
        to=OLIVER,
    )


def marketing() -> None:
    write(
        "marketing",
        "newsletter-de",
        "Merkur Versand <newsletter@merkur-versand.example>",
        "Nur heute: 20 % auf alles im Sale",
        "Hallo Anna,\n\nunser großer Frühjahrs-Sale ist da! Nur heute sparst du 20 % auf alles – mit dem "
        "Gutscheincode FRUEHLING20.\n\nJetzt shoppen: www.merkur-versand.example/sale\n\n"
        "Du erhältst diese E-Mail, weil du unseren Newsletter abonniert hast. Newsletter abbestellen: "
        "www.merkur-versand.example/abmelden",
        headers=(
            ("List-Unsubscribe", "<https://www.merkur-versand.example/abmelden?u=8812>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("Precedence", "bulk"),
            ("Feedback-ID", "spring26:merkur:newsletter"),
        ),
        in_reply_to=False,
    )
    write(
        "marketing",
        "promo-html-en",
        "Brightline <offers@brightline-telecom.example>",
        "Oliver, upgrade to 500 Mbit/s for half price",
        "",
        to=OLIVER,
        headers=(
            ("List-Unsubscribe", "<mailto:unsubscribe@brightline-telecom.example?subject=unsubscribe>"),
            ("X-Campaign-ID", "bl-2026-03-upgrade"),
        ),
        html="<html><body><p><a href='https://brightline-telecom.example/view'>View this email in your "
        "browser</a></p><h1>Faster broadband, half the price</h1><p>For a limited time, upgrade to our "
        "500 Mbit/s plan for just £20 a month for 6 months.</p><p><a href='https://brightline-telecom.example/"
        "upgrade'>Upgrade now</a></p><p>You are receiving this email because you are a Brightline customer. "
        "<a href='https://brightline-telecom.example/unsubscribe'>Unsubscribe</a> | Privacy policy</p>"
        "</body></html>",
        in_reply_to=False,
    )
    write(
        "marketing",
        "welcome-series-de",
        "Lindenau Möbel <info@news.lindenau-moebel.example>",
        "Willkommen bei Lindenau – Ihr 10-€-Gutschein",
        "Hallo Anna Schmidt,\n\nschön, dass Sie da sind! Als Dankeschön für Ihre Anmeldung schenken wir "
        "Ihnen einen 10-€-Gutschein für Ihre nächste Bestellung ab 100 €.\n\nEntdecken Sie unsere neue "
        "Frühjahrskollektion.\n\nSie möchten keine E-Mails mehr erhalten? Hier abmelden.\n"
        "Impressum | Datenschutz",
        headers=(
            ("List-Unsubscribe", "<https://news.lindenau-moebel.example/u/77a1>"),
            ("X-Mailer", "Mailchimp Mailer"),
        ),
        in_reply_to=False,
    )
    write(
        "marketing",
        "survey-promo-en",
        "Harbourpine Deals <deals@harbourpine.example>",
        "Weekend sale: up to 40% off garden furniture",
        "Don't miss out!\n\nThis weekend only, save up to 40% on selected garden furniture. Free delivery "
        "on orders over £50.\n\nShop the sale: harbourpine.example/sale\n\nTo stop receiving these emails, "
        "unsubscribe here: harbourpine.example/unsubscribe",
        to=OLIVER,
        headers=(("Precedence", "bulk"), ("List-Id", "Harbourpine offers <offers.harbourpine.example>")),
        in_reply_to=False,
    )
    write(
        "marketing",
        "newsletter-en-no-list-header",
        "Fernwelt Travel <hello@fernwelt-reisen.example>",
        "Your March travel inspiration",
        "Hi Oliver,\n\nSpring is here! Discover our top 10 city breaks for March, with exclusive member "
        "prices from £99. Book by Sunday and get a free upgrade.\n\nView in browser | Manage preferences | "
        "Unsubscribe",
        to=OLIVER,
        in_reply_to=False,
    )
    write(
        "marketing",
        "newsletter-de-after-inquiry",
        "Nordwind Energie <news@nordwind-energie.example>",
        "Ihr Energiespar-Newsletter: 5 Tipps für den Frühling",
        "Liebe Kundin, lieber Kunde,\n\nin unserem Newsletter haben wir fünf einfache Tipps zum Energiesparen "
        "für Sie zusammengestellt. Außerdem: Jetzt zum Ökostrom-Tarif wechseln und 50 € Bonus sichern!\n\n"
        "Zum Angebot: www.nordwind-energie.example/bonus\n\nWenn Sie den Newsletter nicht mehr erhalten "
        "möchten, können Sie ihn hier abbestellen.",
        headers=(("List-Unsubscribe", "<mailto:abmelden@nordwind-energie.example>"), ("Precedence", "list")),
        in_reply_to=False,
    )


def holdout() -> None:
    """Written after the vocabulary was settled, to measure it on text it was not fitted to (prefix "h-")."""
    write(
        "human",
        "h-insurance-claim-en",
        "Grace O'Neill <grace.oneill@larkspur-insurance.example>",
        "RE: Claim for a broken phone",
        "Dear Mr Bennett,\n\nI'm sorry to hear about your phone. I've opened claim LK-55120 for you. Please "
        "send a photo of the damage and the purchase receipt, and we'll settle the claim within five days "
        "of receiving them; the £100 excess will be deducted from the payment.\n\nKind regards,\nGrace "
        "O'Neill\nClaims Handler\nLarkspur Home Insurance | 020 7946 0123\n\n"
        + quote_en("Hello, my phone broke, what do I do?"),
        to=OLIVER,
    )
    write(
        "human",
        "h-energy-meter-de",
        "Kundenservice Nordwind <service@nordwind-energie.example>",
        "AW: Zählerstand",
        "Guten Tag Frau Schmidt,\n\nden Zählerstand können Sie uns bis zum 15. des Monats mitteilen, "
        "danach schätzen wir den Verbrauch. Ihre Jahresabrechnung erstellen wir zum 31.12., sie kommt "
        "Mitte Januar per Post.\n\nEinen schönen Tag noch\nIhr Team von Nordwind Energie\ni. A. Markus Brandt",
        headers=(("Precedence", "bulk"), ("Auto-Submitted", "auto-generated")),
    )
    write(
        "human",
        "h-thanks-first-de",
        "Sabine Krüger <s.krueger@merkur-versand.example>",
        "AW: Lieferung",
        "Hallo Frau Schmidt,\n\nvielen Dank für Ihre Geduld! Ihr Paket wurde heute an DHL übergeben und "
        "sollte morgen bei Ihnen ankommen. Die Sendungsnummer lautet 00340434161234567890.\n\n"
        "Liebe Grüße aus Hamburg\nSabine Krüger",
    )
    write(
        "acknowledgement",
        "h-ack-de-short",
        "Fernwelt Reisen <noreply@fernwelt-reisen.example>",
        "Ihre Nachricht an Fernwelt Reisen",
        "Guten Tag,\n\ndanke für Ihre Nachricht! Wir haben sie erhalten und antworten Ihnen in der Regel "
        "innerhalb von 24 Stunden.\n\nIhr Fernwelt-Team",
        in_reply_to=False,
    )
    write(
        "acknowledgement",
        "h-ack-en-helpscout",
        "Quill & Ledger <support@quillledger.example>",
        "Re: Refund",
        "Hi Oliver,\n\nThis is just a quick note to let you know we've received your message. Someone from "
        "our team will get in touch soon - usually within one business day.\n\nQuill & Ledger Support",
        to=OLIVER,
        headers=(("Auto-Submitted", "auto-replied"),),
    )
    write(
        "auto_reply",
        "h-ooo-en-conference",
        "Daniel Reyes <daniel.reyes@brightline-telecom.example>",
        "Out of office: Re: Moving house",
        "I'm at a conference until Wednesday and will have only occasional access to email. I'll reply as "
        "soon as I can after I get back.\n\nDaniel",
        to=OLIVER,
        headers=(("Auto-Submitted", "auto-replied"),),
    )
    write(
        "auto_reply",
        "h-ooo-de-krank",
        "Jana Wolff <j.wolff@alpenblick-reisen.example>",
        "Automatische Antwort: Umbuchung",
        "Guten Tag,\n\nich bin zurzeit krankheitsbedingt nicht im Haus. Ihre E-Mail wird nicht gelesen. "
        "Bitte wenden Sie sich an info@alpenblick-reisen.example.\n\nJana Wolff",
    )
    write(
        "deflection",
        "h-defl-en-phone",
        "Harbourpine Customer Services <service@harbourpine.example>",
        "Re: Returns",
        "Hello,\n\nThank you for your email. To process a return we need to speak to you - please give our "
        "returns team a ring on 020 7946 0777 between 9am and 5pm.\n\nKind regards,\nCustomer Services",
        to=OLIVER,
    )
    write(
        "deflection",
        "h-defl-de-filiale",
        "Lindenau Möbel <info@lindenau-moebel.example>",
        "AW: Reklamation",
        "Guten Tag,\n\nReklamationen können wir leider nur persönlich in einer unserer Filialen oder "
        "telefonisch unter 0351 445566 bearbeiten. Bitte bringen Sie den Kassenbon mit.\n\nIhr Lindenau-Team",
    )
    write(
        "marketing",
        "h-mkt-de-blackweek",
        "Merkur Versand <angebote@merkur-versand.example>",
        "Black Week: Bis zu 50 % Rabatt",
        "Die Black Week ist da! Spare bis zu 50 % auf ausgewählte Artikel – nur bis Sonntag.\n\n"
        "Zu den Angeboten: www.merkur-versand.example/black-week\n\nAbmelden | Impressum | Datenschutz",
        headers=(("List-Unsubscribe", "<https://www.merkur-versand.example/u/81>"),),
        in_reply_to=False,
    )
    write(
        "marketing",
        "h-mkt-en-app",
        "Brightline <news@brightline-telecom.example>",
        "New in the Brightline app: check your data usage",
        "Hi Oliver,\n\nOur new app update lets you check your data usage in real time and pay your bill in "
        "two taps. Download it today from your app store.\n\nYou're receiving this because you're subscribed "
        "to Brightline news. Unsubscribe at any time.",
        to=OLIVER,
        headers=(("Precedence", "bulk"),),
        in_reply_to=False,
    )
    write(
        "bounce",
        "h-bounce-gmail-style",
        "Mail Delivery Subsystem <mailer-daemon@mx.mailbox.example>",
        "Delivery Status Notification (Failure)",
        "Address not found\n\nYour message wasn't delivered to info@quillledger.example because the address "
        "couldn't be found, or is unable to receive mail.\n\nThe response from the remote server was:\n"
        "550 5.1.1 The email account that you tried to reach does not exist.",
        to=OLIVER,
        in_reply_to=False,
    )


if __name__ == "__main__":
    bounces()
    auto_replies()
    acknowledgements()
    humans()
    deflections()
    marketing()
    holdout()
    print(f"wrote {_count} messages under {CORPUS}")
