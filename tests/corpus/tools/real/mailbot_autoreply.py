# ruff: noqa: E501
"""Auto-replies, DSN-style replies and ARF feedback reports from maildrop's ``mailbot``, on loopback (as root).

mailbot (Courier maildrop, Debian package ``maildrop``) is run the way its
manual shows, from a delivery pipe: OpenSMTPD delivers the inquiry to a
throwaway user whose ~/.forward pipes it into
``mailbot [options] /usr/sbin/sendmail -t -f ''``; the reply goes through
OpenSMTPD to an aiosmtpd capture server on 127.0.0.1 (see _local_mta.py).
Cases cover the default reply (quoting the inquiry), -N (no quote), a German
salutation (-S), a MIME text (-m), -T replydsn (-M), -T replydraft (text
from a maildir, as an IMAP "Vacation" folder would hold it) and
-T replyfeedback (RFC 5965 ARF). Nothing leaves the machine.

    python3 tests/corpus/tools/real/mailbot_autoreply.py

Writes tests/corpus/real/mailbot/*.eml and manifest.toml.
"""

from __future__ import annotations

import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field

from _common import ANNA, INQUIRIES, OLIVER, Entry, ensure_packages, inquiry, package_version, write_system
from _local_mta import LocalMta


@dataclass
class Case:
    name: str
    label: str
    language: str
    mailbox: str
    sender: str
    text: str
    inquiry: str
    options: list[str] = field(default_factory=list)
    mode: str = "text"  # text (-t) | mime (-m) | draft (-T replydraft -l) | none (the options carry it)


def flowed(text: str) -> str:
    """mailbot -t wants format=flowed text: a line ending in a space flows into the next."""
    return "\n".join(line + " " if line and i + 1 < len(text.split("\n")) and text.split("\n")[i + 1] else line
                     for i, line in enumerate(text.split("\n")))


CASES = [
    Case("vacation-de-01", "auto_reply", "de", "l.petersen@nordwind-energie.example", "Lars Petersen <l.petersen@nordwind-energie.example>",
         "Guten Tag,\n\nich bin bis einschließlich 14. Januar nicht im Büro. Ihre Nachricht wird nicht\nweitergeleitet. In dringenden Fällen wenden Sie sich bitte an\nkundenservice@nordwind-energie.example.\n\nMit freundlichen Grüßen\nLars Petersen\n",
         "tarif_de", ["-s", "Abwesenheitsnotiz", "-S", "Am %d schrieb %F:"]),
    Case("vacation-en-01", "auto_reply", "en", "j.hughes@brightline-telecom.example", "James Hughes <j.hughes@brightline-telecom.example>",
         "Hello,\n\nThank you for your email. I am out of the office until Monday 12 January\nwith no access to email. For urgent matters please contact\ncare@brightline-telecom.example.\n\nBest regards,\nJames Hughes\n",
         "contract_en", ["-s", "Out of Office"]),
    Case("vacation-de-02", "auto_reply", "de", "m.wagner@merkur-versand.example", "Markus Wagner <m.wagner@merkur-versand.example>",
         "Sehr geehrte Damen und Herren,\n\nich bin bis Ende Juni in Elternzeit. Bitte wenden Sie sich an meine\nVertretung Julia Brandt (j.brandt@merkur-versand.example).\n\nViele Grüße\nMarkus Wagner\n",
         "return_de", ["-N"]),
    Case("vacation-en-02", "auto_reply", "en", "s.clarke@larkspur-insurance.example", "Sarah Clarke <s.clarke@larkspur-insurance.example>",
         "Hi,\n\nI'm on parental leave until 2 March and won't see your email. For policy\nquestions please write to claims@larkspur-insurance.example.\n\nSarah Clarke\n",
         "warranty_en", ["-N", "-s", "Parental leave"]),
    Case("vacation-de-03", "auto_reply", "de", "t.keller@alpenblick-reisen.example", "Alpenblick Reisen <t.keller@alpenblick-reisen.example>",
         "Guten Tag,\n\nHerr Thomas Keller ist nicht mehr für uns tätig, diese Adresse wird nicht\nmehr gelesen. Bitte schreiben Sie an info@alpenblick-reisen.example.\n\nIhr Team von Alpenblick Reisen\n",
         "appoint_de", ["-N", "-s", "Nicht mehr im Unternehmen"], mode="mime"),
    Case("vacation-en-03", "auto_reply", "en", "d.moore@harbour-bank.example", "Harbour Bank <d.moore@harbour-bank.example>",
         "Daniel Moore has left Harbour Bank and this mailbox is no longer monitored.\nPlease resend your message to service@harbour-bank.example.\n",
         "invoice_en"),
    Case("vacation-de-04", "auto_reply", "de", "k.brandl@stadtwerke-lindenau.example", "Katrin Brandl <k.brandl@stadtwerke-lindenau.example>",
         "Guten Tag,\n\nich bin derzeit krankheitsbedingt abwesend. Ihre E-Mail wird nach meiner\nRückkehr bearbeitet. In dringenden Fällen erreichen Sie das Serviceteam\nunter 0341 555 2000.\n\nFreundliche Grüße\nKatrin Brandl\n",
         "invoice_de", mode="draft"),
    Case("vacation-en-04", "auto_reply", "en", "p.evans@northgate-motors.example", "Peter Evans <p.evans@northgate-motors.example>",
         "I'm off sick and not checking email. I'll reply when I'm back; if it's\nurgent please call the service desk on 0161 555 0100.\n\nPeter\n",
         "hours_en", mode="draft"),
    Case("ack-de-01", "acknowledgement", "de", "kundenservice@nordwind-energie.example", "Nordwind Kundenservice <kundenservice@nordwind-energie.example>",
         "Guten Tag,\n\nvielen Dank für Ihre Nachricht. Wir haben Ihre E-Mail erhalten und\nbeantworten sie innerhalb von 48 Stunden (werktags). Bitte senden Sie\nIhre Anfrage nicht erneut.\n\nIhr Kundenservice\nNordwind Energie GmbH\n",
         "cancel_de", ["-N", "-s", "Eingangsbestätigung Ihrer Anfrage"]),
    Case("ack-en-01", "acknowledgement", "en", "care@brightline-telecom.example", "Brightline Customer Care <care@brightline-telecom.example>",
         "Thank you for contacting Brightline Telecom. We have received your email\nand a member of our team will reply within 48 hours, Monday to Friday.\n\nBrightline Customer Care\n",
         "at_en", ["-N", "-s", "We have received your email"]),
    Case("ack-de-02", "acknowledgement", "de", "service@merkur-versand.example", "Merkur Versand <service@merkur-versand.example>",
         "Hallo,\n\ndanke für Ihre E-Mail! Ihre Anfrage ist bei uns eingegangen. Wir melden\nuns in der Regel innerhalb von zwei Werktagen.\n\nIhr Merkur-Versand-Team\n",
         "gift_de", ["-S", "%F schrieb:"]),
    Case("ack-en-02", "acknowledgement", "en", "help@northgate-motors.example", "Northgate Motors <help@northgate-motors.example>",
         "Dear customer,\n\nThis is an automatic confirmation that we have received your email. We\nanswer all enquiries within two working days.\n\nNorthgate Motors Customer Service\n",
         "return_en", ["-N"], mode="mime"),
    Case("noreply-de-01", "auto_reply", "de", "noreply@stadtwerke-lindenau.example", "Stadtwerke Lindenau <noreply@stadtwerke-lindenau.example>",
         "Diese E-Mail-Adresse wird nicht überwacht, Ihre Nachricht wurde nicht\ngelesen. Bitte nutzen Sie unser Kontaktformular:\nhttps://www.stadtwerke-lindenau.example/kontakt\n",
         "at_de", ["-N", "-s", "Automatische Antwort: Postfach wird nicht gelesen"]),
    Case("noreply-en-01", "auto_reply", "en", "no-reply@harbour-bank.example", "Harbour Bank <no-reply@harbour-bank.example>",
         "This mailbox is not monitored and replies are not read. Please use the\nsecure messaging service in online banking or our contact form at\nhttps://www.harbour-bank.example/contact.\n",
         "gift_en", ["-s", "This mailbox is not monitored"]),
    Case("replydsn-de-01", "auto_reply", "de", "abwesend@merkur-versand.example", "Merkur Versand <abwesend@merkur-versand.example>",
         "Ihre Nachricht wurde zugestellt. Der Empfänger ist jedoch bis zum\n6. Januar abwesend und liest seine E-Mails nicht.\n",
         "at_de", ["-N", "-M", "abwesend@merkur-versand.example"]),
    Case("replydsn-en-01", "auto_reply", "en", "away@brightline-telecom.example", "Brightline Telecom <away@brightline-telecom.example>",
         "Your message was delivered, but the recipient is away until 6 January\nand is not reading email.\n",
         "hours_en", ["-N", "-M", "away@brightline-telecom.example"]),
    Case("arf-de-01", "auto_reply", "de", "abuse@nordwind-energie.example", "Nordwind Abuse Desk <abuse@nordwind-energie.example>",
         "Diese Nachricht wurde als unerwünscht gemeldet. Dies ist ein\nautomatischer Bericht nach RFC 5965.\n",
         "return_de", ["-N", "-T", "replyfeedback", "-R", "abuse", "--feedback-reporting-mta", "dns; mx.nordwind-energie.example", "--feedback-source-ip", "127.0.0.1"]),
    Case("arf-en-01", "auto_reply", "en", "abuse@larkspur-insurance.example", "Larkspur Abuse Desk <abuse@larkspur-insurance.example>",
         "This message was reported as unsolicited. This is an automatically\ngenerated report (RFC 5965).\n",
         "contract_en", ["-N", "-T", "replyfeedback", "-R", "other", "--feedback-reporting-mta", "dns; mx.larkspur-insurance.example", "--feedback-source-ip", "127.0.0.1"]),
]


def main() -> int:
    ensure_packages("maildrop")
    companies = sorted({c.mailbox.rpartition("@")[2] for c in CASES})
    entries: list[Entry] = []
    with LocalMta(companies) as mta:
        for number, case in enumerate(CASES):
            options = [*case.options, "-A", f"From: {case.sender}", "-d", str(mta.home / f"mailbot{number:02d}.db")]
            if case.mode == "text":
                options += ["-c", "utf-8", "-t", str(mta.write(f"reply{number:02d}.txt", flowed(case.text)))]
            elif case.mode == "mime":
                mime = 'Content-Type: text/plain; format=flowed; delsp=yes; charset="utf-8"\n\n'
                options += ["-m", str(mta.write(f"reply{number:02d}.mime", mime + flowed(case.text).replace(" \n", "  \n")))]
            elif case.mode == "draft":
                # An autoreply set up by saving a draft into the IMAP folder "Vacation" (maildir .Vacation).
                folder = mta.home / "Maildir" / ".Vacation"
                shutil.rmtree(folder, ignore_errors=True)
                for sub in ("cur", "new", "tmp"):
                    (folder / sub).mkdir(parents=True)
                draft = inquiry(("", case.mailbox), "", "", case.text)
                del draft["To"], draft["From"], draft["Message-ID"]
                draft.replace_header("Subject", "Out of office" if case.language == "en" else "Abwesenheitsnotiz")
                (folder / "cur" / f"{int(time.time())}.draft{number}.vm:2,DS").write_bytes(bytes(draft))
                shutil.chown(mta.home / "Maildir", mta.user, mta.user)
                for path in (mta.home / "Maildir").rglob("*"):
                    shutil.chown(path, mta.user, mta.user)
                options += ["-T", "replydraft", "-l", str(folder)]
            # mailbot passes no recipient; OpenSMTPD's sendmail (unlike Courier's) needs -t to read To:.
            mta.set_forward(shlex.join(["/usr/bin/mailbot", *options, "/usr/sbin/sendmail", "-t", "-f", ""]))
            subject, body = INQUIRIES[case.inquiry]
            sender = ANNA if case.language == "de" else OLIVER
            result = mta.exchange(sender[1], inquiry(sender, case.mailbox, subject, body))
            if result is None:
                print(f"{case.name}: no reply", file=sys.stderr)
                continue
            seconds, reply = result
            entries.append(Entry(f"{case.name}.eml", case.label, case.language, seconds, subject, body, reply.raw))
    version = package_version("maildrop")
    write_system(
        "mailbot",
        system=f"mailbot from Courier maildrop {version.split('-')[0]} behind OpenSMTPD {package_version('opensmtpd').split('-')[0]}",
        source=f"Debian maildrop {version}; Debian opensmtpd {package_version('opensmtpd')}",
        generated_by="tests/corpus/tools/real/mailbot_autoreply.py",
        notes=(
            "Ours: the reply texts, From (-A, as the manual requires), subjects where -s is given, the German "
            "salutations (-S), and the draft messages for -T replydraft. mailbot's: the reply's structure, "
            "Re:-subject where no -s is given, In-Reply-To/References, Auto-Submitted/Precedence headers, "
            "quoting of the inquiry (default; -N turns it off), format=flowed, the DSN layout of replydsn and "
            "the RFC 5965 ARF layout of replyfeedback. Date, Message-ID and Received come from OpenSMTPD, "
            "which relays the reply (envelope sender empty: sendmail -t -f ''). replydsn-* are autoreplies "
            "dressed as a delivery status notification (delivered, not failed), so auto_reply; arf-* are "
            "abuse/other feedback reports sent to the inquirer, auto_reply. (mailbot 2.9.3 hangs on a "
            "strftime salutation such as -S '%{%d.%m.%Y}d', so the German salutations use plain %d.)"
        ),
        entries=entries,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
