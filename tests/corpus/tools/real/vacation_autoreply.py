# ruff: noqa: E501
"""Auto-replies from the classic BSD/Debian ``vacation`` program, behind OpenSMTPD on loopback (as root).

Each case writes a .vacation.msg (the complete reply message, headers
included, as vacation(1) wants it) and a ~/.forward that pipes the mail into
``vacation``. The inquiry goes over SMTP to a foreground OpenSMTPD, which
delivers it to the throwaway user's .forward pipe; vacation sends its reply via
/usr/sbin/sendmail (OpenSMTPD), which relays it to an aiosmtpd capture server
on 127.0.0.1. See _local_mta.py. Nothing leaves the machine.

    python3 tests/corpus/tools/real/vacation_autoreply.py

Writes tests/corpus/real/vacation/*.eml and manifest.toml.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from email.header import Header

from _common import ANNA, INQUIRIES, OLIVER, Entry, ensure_packages, inquiry, package_version, write_system
from _local_mta import LocalMta


@dataclass
class Case:
    name: str
    label: str
    language: str
    mailbox: str
    sender: str
    subject: str
    text: str
    inquiry: str
    null_sender: bool = False
    utf8: bool = True
    extra_headers: str = "Precedence: bulk\n"


def message_file(case: Case) -> str:
    """The .vacation.msg: headers as a user (or an admin's template) would write them; $SUBJECT is vacation's."""
    subject = case.subject
    if not subject.isascii():
        head, _, rest = subject.partition("$SUBJECT")
        subject = Header(head, "utf-8").encode() + (" $SUBJECT" if _ else "") + rest
    lines = [f"From: {case.sender}", f"Subject: {subject}", case.extra_headers.rstrip("\n")]
    if case.utf8:
        lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
    return "\n".join(line for line in lines if line) + "\n\n" + case.text


CASES = [
    Case("vacation-de-01", "auto_reply", "de", "l.petersen@nordwind-energie.example", "Lars Petersen <l.petersen@nordwind-energie.example>",
         "Abwesenheitsnotiz: $SUBJECT",
         "Guten Tag,\n\nich bin bis einschließlich 14. Januar im Urlaub und lese meine E-Mails\nnicht. Ihre Nachricht wird nicht weitergeleitet. In dringenden Fällen\nwenden Sie sich bitte an kundenservice@nordwind-energie.example.\n\nMit freundlichen Grüßen\nLars Petersen\n",
         "tarif_de"),
    Case("vacation-en-01", "auto_reply", "en", "j.hughes@brightline-telecom.example", "James Hughes <j.hughes@brightline-telecom.example>",
         "Out of office: $SUBJECT",
         "Hello,\n\nThank you for your email. I am on holiday until Monday 12 January with no\naccess to email. For urgent matters please contact care@brightline-telecom.example.\n\nBest regards,\nJames Hughes\n",
         "contract_en", utf8=False),
    Case("vacation-de-02", "auto_reply", "de", "m.wagner@merkur-versand.example", "Markus Wagner <m.wagner@merkur-versand.example>",
         "Elternzeit – Markus Wagner",
         "Sehr geehrte Damen und Herren,\n\nich bin bis Ende Juni in Elternzeit. Ihre E-Mail wird nicht weitergeleitet.\nBitte wenden Sie sich an meine Vertretung Julia Brandt\n(j.brandt@merkur-versand.example, Tel. 040 555 1230).\n\nViele Grüße\nMarkus Wagner\n",
         "return_de", null_sender=True),
    Case("vacation-en-02", "auto_reply", "en", "s.clarke@larkspur-insurance.example", "Sarah Clarke <s.clarke@larkspur-insurance.example>",
         "I am on parental leave",
         "Hi,\n\nI'm on parental leave until 2 March and won't see your email. For policy\nquestions please write to claims@larkspur-insurance.example.\n\nSarah\n",
         "warranty_en", utf8=False, extra_headers="Precedence: bulk\nAuto-Submitted: auto-replied\n"),
    Case("vacation-de-03", "auto_reply", "de", "t.keller@alpenblick-reisen.example", "Alpenblick Reisen <t.keller@alpenblick-reisen.example>",
         "Thomas Keller ist nicht mehr im Unternehmen",
         "Guten Tag,\n\nHerr Thomas Keller ist nicht mehr für Alpenblick Reisen tätig, diese Adresse\nwird nicht mehr gelesen. Bitte senden Sie Ihr Anliegen an\ninfo@alpenblick-reisen.example.\n\nIhr Team von Alpenblick Reisen\n",
         "appoint_de", null_sender=True),
    Case("vacation-en-03", "auto_reply", "en", "d.moore@harbour-bank.example", "Harbour Bank <d.moore@harbour-bank.example>",
         "Re: $SUBJECT",
         "Daniel Moore has left Harbour Bank and this mailbox is no longer monitored.\nPlease resend your message to service@harbour-bank.example.\n",
         "invoice_en", utf8=False, extra_headers=""),
    Case("vacation-de-04", "auto_reply", "de", "k.brandl@stadtwerke-lindenau.example", "Katrin Brandl <k.brandl@stadtwerke-lindenau.example>",
         "Abwesend (Krankheit): $SUBJECT",
         "Guten Tag,\n\nich bin derzeit krankheitsbedingt nicht im Haus. Ihre E-Mail wird nach meiner\nRückkehr bearbeitet. In dringenden Fällen erreichen Sie das Serviceteam\nunter 0341 555 2000.\n\nFreundliche Grüße\nKatrin Brandl\n",
         "invoice_de"),
    Case("vacation-en-04", "auto_reply", "en", "p.evans@northgate-motors.example", "Peter Evans <p.evans@northgate-motors.example>",
         "Away: sick leave",
         "I'm off sick and not checking email. I'll reply when I'm back; if it's urgent\nplease call the service desk on 0161 555 0100.\n\nPeter\n",
         "hours_en", utf8=False),
    Case("ack-de-01", "acknowledgement", "de", "kundenservice@nordwind-energie.example", "Nordwind Kundenservice <kundenservice@nordwind-energie.example>",
         "Eingangsbestätigung: $SUBJECT",
         "Guten Tag,\n\nvielen Dank für Ihre Nachricht. Wir haben Ihre E-Mail erhalten und\nbeantworten sie innerhalb von 48 Stunden (werktags).\n\nIhr Kundenservice\nNordwind Energie GmbH\n",
         "cancel_de", null_sender=True, extra_headers="Precedence: bulk\nAuto-Submitted: auto-replied\n"),
    Case("ack-en-01", "acknowledgement", "en", "care@brightline-telecom.example", "Brightline Customer Care <care@brightline-telecom.example>",
         "We have received your message",
         "Thank you for contacting Brightline Telecom. We have received your email and\na member of our team will reply within 48 hours, Monday to Friday.\n\nBrightline Customer Care\n",
         "at_en", utf8=False),
    Case("ack-de-02", "acknowledgement", "de", "service@merkur-versand.example", "Merkur Versand <service@merkur-versand.example>",
         "Ihre Anfrage ist bei uns eingegangen",
         "Hallo,\n\ndanke für Ihre E-Mail! Ihre Anfrage ist bei uns eingegangen. Wir melden uns\nin der Regel innerhalb von zwei Werktagen.\n\nIhr Merkur-Versand-Team\n",
         "gift_de"),
    Case("ack-en-02", "acknowledgement", "en", "help@northgate-motors.example", "Northgate Motors <help@northgate-motors.example>",
         "Thanks for your email - $SUBJECT",
         "Dear customer,\n\nthis is an automatic confirmation that we have received your email. We\nanswer all enquiries within two working days.\n\nNorthgate Motors Customer Service\n",
         "return_en", null_sender=True, utf8=False),
    Case("noreply-de-01", "auto_reply", "de", "noreply@stadtwerke-lindenau.example", "Stadtwerke Lindenau <noreply@stadtwerke-lindenau.example>",
         "Diese Adresse wird nicht gelesen",
         "Diese E-Mail-Adresse wird nicht überwacht. Ihre Nachricht wurde nicht gelesen.\nBitte nutzen Sie unser Kontaktformular:\nhttps://www.stadtwerke-lindenau.example/kontakt\n",
         "at_de", null_sender=True),
    Case("noreply-en-01", "auto_reply", "en", "no-reply@harbour-bank.example", "Harbour Bank <no-reply@harbour-bank.example>",
         "This mailbox is not monitored",
         "This mailbox is not monitored and replies are not read.\nPlease use the secure messaging service in online banking or our contact\nform at https://www.harbour-bank.example/contact.\n",
         "gift_en", utf8=False),
]


def main() -> int:
    ensure_packages("vacation")
    companies = sorted({c.mailbox.rpartition("@")[2] for c in CASES})
    entries: list[Entry] = []
    with LocalMta(companies) as mta:
        for number, case in enumerate(CASES):
            message = mta.write(f"vacation{number:02d}.msg", message_file(case))
            database = mta.home / f"vacation{number:02d}.db"
            local_part = case.mailbox.partition("@")[0]
            flags = "-z " if case.null_sender else ""
            mta.set_forward(f"/usr/bin/vacation {flags}-r 0 -a {local_part} -m {message} -f {database} {mta.user}")
            subject, body = INQUIRIES[case.inquiry]
            sender = ANNA if case.language == "de" else OLIVER
            result = mta.exchange(sender[1], inquiry(sender, case.mailbox, subject, body))
            if result is None:
                print(f"{case.name}: no reply", file=sys.stderr)
                continue
            seconds, reply = result
            entries.append(Entry(f"{case.name}.eml", case.label, case.language, seconds, subject, body, reply.raw))
    version = package_version("vacation")
    write_system(
        "vacation",
        system=f"vacation {version} (BSD vacation(1), Debian, maintained by Marco d'Itri) behind OpenSMTPD {package_version('opensmtpd').split('-')[0]}",
        source=f"Debian vacation {version}; Debian opensmtpd {package_version('opensmtpd')}",
        generated_by="tests/corpus/tools/real/vacation_autoreply.py",
        notes=(
            "vacation(1) sends .vacation.msg as it is: a complete message whose headers the user writes. So "
            "From, Subject, Precedence/Auto-Submitted and the MIME headers in these files are OURS (typical of "
            "what users and admin templates put there; Precedence: bulk as in the man page, Auto-Submitted "
            "only in some); vacation itself adds only To: (the inquirer) and replaces $SUBJECT with the "
            "inquiry's raw, still RFC 2047-encoded subject, and with -z uses a null envelope sender. Date, "
            "Message-ID and Received come from OpenSMTPD. vacation adds no In-Reply-To/References and does not "
            "quote the inquiry. Delivery: OpenSMTPD local delivery to ~/.forward \"|vacation -r 0 ...\"."
        ),
        entries=entries,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
