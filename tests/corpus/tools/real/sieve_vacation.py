# ruff: noqa: E501
"""Vacation auto-replies and rejections from Dovecot Pigeonhole Sieve, run on loopback (as root).

Each simulated company mailbox gets a home directory with an active Sieve
script (vacation, reject or an enotify mailto notification). Every inquiry is delivered with Debian's
dovecot-lda (run as an unprivileged user, standalone config in a temp dir,
no Dovecot daemon needed); Pigeonhole sends its responses through
``submission_host`` to an aiosmtpd server on 127.0.0.1, which records the raw
bytes. Nothing leaves the machine: every address is under .example.

    python3 tests/corpus/tools/real/sieve_vacation.py

Writes tests/corpus/real/sieve-vacation/*.eml and manifest.toml.
"""

from __future__ import annotations

import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import (
    ANNA,
    OLIVER,
    Capture,
    Entry,
    ensure_packages,
    inquiry,
    package_version,
    start_capture,
    write_system,
)

USER = "corpusmail"
LDA = "/usr/lib/dovecot/dovecot-lda"

CONFIG = """\
base_dir = {tmp}/run
mail_location = maildir:~/Maildir
postmaster_address = postmaster@{domain}
hostname = mx.{domain}
submission_host = 127.0.0.1:{port}
ssl = no
log_path = {tmp}/dovecot.log
protocol lda {{
  mail_plugins = sieve
}}
plugin {{
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_extensions = +vacation-seconds
}}
"""


@dataclass
class Case:
    name: str
    label: str
    language: str
    mailbox: str
    script: str
    subject: str
    body: str


DE_AT = ("Lieferung nach Österreich?", "Guten Tag,\n\nliefern Sie auch nach Österreich? Wenn ja, was kostet der Versand\nund wie lange dauert er ungefähr?\n\nViele Grüße\nAnna Schmidt\n")
DE_RETURN = ("Rückgabe nach 30 Tagen", "Guten Tag,\n\nich habe vor fünf Wochen eine Regenjacke bei Ihnen bestellt (Bestellnummer 48213).\nKann ich sie auch nach Ablauf der 30 Tage noch zurückgeben?\n\nFreundliche Grüße\nAnna Schmidt\n")
DE_TARIF = ("Frage zu meinem Tarif", "Guten Tag,\n\nist ein Wechsel in den Tarif Ökostrom Plus vor Ablauf meiner Vertragslaufzeit möglich?\n\nViele Grüße\nAnna Schmidt\n")
DE_INVOICE = ("Rechnung doppelt abgebucht", "Sehr geehrte Damen und Herren,\n\nder Betrag meiner Rechnung vom 3. November wurde zweimal von meinem Konto abgebucht.\nKönnen Sie mir den doppelten Betrag bitte erstatten?\n\nMit freundlichen Grüßen\nAnna Schmidt\n")
DE_CANCEL = ("Kündigung meines Vertrags", "Guten Tag,\n\nbis wann muss ich kündigen, wenn mein Vertrag zum 31. März enden soll?\nReicht eine E-Mail?\n\nViele Grüße\nAnna Schmidt\n")
DE_APPOINT = ("Termin für eine Beratung", "Hallo,\n\nkann ich nächste Woche einen Beratungstermin in Ihrer Filiale vereinbaren?\nAm liebsten Dienstag oder Mittwoch nachmittags.\n\nDanke und viele Grüße\nAnna Schmidt\n")
EN_AT = ("Delivery to Austria?", "Hello,\n\ndo you deliver to Austria? If so, how much is shipping and how long does it take?\n\nThanks,\nOliver Bennett\n")
EN_RETURN = ("Returning a product after 30 days", "Hello,\n\nI bought a kettle from you five weeks ago (order 77120). Can I still return it\nafter the 30 days are over?\n\nKind regards,\nOliver Bennett\n")
EN_CONTRACT = ("Question about my contract", "Hello,\n\ncan I upgrade my broadband plan before my current contract ends?\n\nThanks,\nOliver Bennett\n")
EN_INVOICE = ("Charged twice for one invoice", "Dear Sir or Madam,\n\nmy invoice from 3 November was charged to my card twice. Could you refund\nthe second payment, please?\n\nBest regards,\nOliver Bennett\n")
EN_HOURS = ("Opening hours over the holidays", "Hi,\n\nare your stores open between Christmas and New Year? I'd like to pick up an order.\n\nCheers,\nOliver Bennett\n")
DE_GIFT = ("Gutschein einlösen", "Hallo,\n\nkann ich einen Geschenkgutschein auch im Onlineshop einlösen oder nur in der Filiale?\n\nViele Grüße\nAnna Schmidt\n")
EN_GIFT = ("Gift card online?", "Hi,\n\ncan I use a gift card in your online shop, or only in stores?\n\nThanks,\nOliver Bennett\n")
EN_WARRANTY = ("Warranty claim for my kettle", "Hello,\n\nthe kettle I bought in March stopped working. How do I make a warranty claim?\n\nRegards,\nOliver Bennett\n")


def vacation(reason: str, *, subject: str | None = None, sender: str | None = None, days: int = 1, mime: bool = False) -> str:
    options = f":days {days}"
    if subject is not None:
        options += f' :subject "{subject}"'
    if sender is not None:
        options += f' :from "{sender}"'
    if mime:
        options += " :mime"
    return f'require ["vacation"];\nvacation {options} text:\n{reason}\n.\n;\n'


def vacation_echo(reason: str, subject_prefix: str) -> str:
    """A vacation whose subject echoes the inquiry's subject (variables extension)."""
    return (
        'require ["vacation", "variables"];\n'
        'if header :matches "subject" "*" { set "s" "${1}"; }\n'
        f'vacation :days 1 :subject "{subject_prefix}${{s}}" text:\n{reason}\n.\n;\n'
    )


def notify_sender(message: str, *, importance: str = "3") -> str:
    """An RFC 5435 enotify "mailto" notification addressed to the inquiry's sender."""
    return (
        'require ["enotify", "variables"];\n'
        'if address :matches "from" "*" { set "sender" "${1}"; }\n'
        f'notify :importance "{importance}" :message "{message}" "mailto:${{sender}}";\n'
    )


def reject(reason: str) -> str:
    # ereject is not available in Pigeonhole 0.5.19 ("unknown Sieve capability"), so reject only.
    return f'require ["reject"];\nreject text:\n{reason}\n.\n;\n'


HTML_DE = """Content-Type: multipart/alternative; boundary="nw-boundary"

--nw-boundary
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Sehr geehrte Kundin, sehr geehrter Kunde,

vielen Dank für Ihre Nachricht. Ich bin vom 22.12. bis einschließlich 6.1.
nicht im Büro. In dringenden Fällen erreichen Sie meine Kollegin Sabine Ott
unter sabine.ott@nordwind-energie.example.

Mit freundlichen Grüßen
Lars Petersen
--nw-boundary
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<html><body><p>Sehr geehrte Kundin, sehr geehrter Kunde,</p>
<p>vielen Dank f&uuml;r Ihre Nachricht. Ich bin vom <b>22.12. bis einschlie&szlig;lich 6.1.</b>
nicht im B&uuml;ro. In dringenden F&auml;llen erreichen Sie meine Kollegin Sabine Ott unter
<a href="mailto:sabine.ott@nordwind-energie.example">sabine.ott@nordwind-energie.example</a>.</p>
<p>Mit freundlichen Gr&uuml;&szlig;en<br>Lars Petersen</p></body></html>
--nw-boundary--"""

HTML_EN = """Content-Type: multipart/alternative; boundary="bl-boundary"

--bl-boundary
Content-Type: text/plain; charset=utf-8

Thank you for contacting Brightline Telecom.

We have received your e-mail and a member of our customer care team will
reply within 48 hours (Monday to Friday). There is no need to send your
message again.

Brightline Customer Care
--bl-boundary
Content-Type: text/html; charset=utf-8

<html><body><p>Thank you for contacting <b>Brightline Telecom</b>.</p>
<p>We have received your e-mail and a member of our customer care team will reply
within <b>48 hours</b> (Monday to Friday). There is no need to send your message again.</p>
<p>Brightline Customer Care</p></body></html>
--bl-boundary--"""

CASES = [
    Case("vacation-de-01", "auto_reply", "de", "l.petersen@nordwind-energie.example", vacation(
        "Guten Tag,\n\nich bin bis einschließlich 14. Januar nicht im Büro und habe nur eingeschränkt\nZugriff auf meine E-Mails. Ihre Nachricht wird nicht weitergeleitet.\nIn dringenden Fällen wenden Sie sich bitte an kundenservice@nordwind-energie.example.\n\nMit freundlichen Grüßen\nLars Petersen",
        subject="Abwesenheitsnotiz"), *DE_TARIF),
    Case("vacation-en-01", "auto_reply", "en", "j.hughes@brightline-telecom.example", vacation(
        "Hello,\n\nThank you for your email. I am out of the office until Monday 12 January\nwith no access to email. For urgent matters please contact\ncare@brightline-telecom.example.\n\nBest regards,\nJames Hughes",
        subject="Out of Office"), *EN_CONTRACT),
    Case("vacation-de-02", "auto_reply", "de", "m.wagner@merkur-versand.example", vacation(
        "Sehr geehrte Damen und Herren,\n\nich befinde mich bis Ende Juni in Elternzeit. Ihre E-Mail wird nicht\nweitergeleitet. Bitte wenden Sie sich an meine Vertretung, Frau Julia Brandt\n(j.brandt@merkur-versand.example, Tel. 040 555 1230).\n\nViele Grüße\nMarkus Wagner"), *DE_RETURN),
    Case("vacation-en-02", "auto_reply", "en", "s.clarke@larkspur-insurance.example", vacation(
        "Hi,\n\nI'm currently on parental leave and will be back in the office on 2 March.\nYour message will not be forwarded. For policy questions please write to\nclaims@larkspur-insurance.example and my colleagues will be happy to help.\n\nSarah Clarke",
        subject="Parental leave - Sarah Clarke"), *EN_WARRANTY),
    Case("vacation-de-03", "auto_reply", "de", "t.keller@alpenblick-reisen.example", vacation_echo(
        "Guten Tag,\n\nvielen Dank für Ihre Nachricht. Herr Thomas Keller ist nicht mehr für\nAlpenblick Reisen tätig. Diese Adresse wird nicht mehr gelesen.\nBitte senden Sie Ihr Anliegen an info@alpenblick-reisen.example.\n\nIhr Team von Alpenblick Reisen",
        "Nicht mehr im Unternehmen: "), *DE_APPOINT),
    Case("vacation-en-03", "auto_reply", "en", "d.moore@harbour-bank.example", vacation_echo(
        "Hello,\n\nDaniel Moore has left Harbour Bank and this mailbox is no longer monitored.\nPlease resend your message to service@harbour-bank.example.\n\nThank you,\nHarbour Bank",
        "No longer with the company: "), *EN_INVOICE),
    Case("vacation-de-04", "auto_reply", "de", "k.brandl@stadtwerke-lindenau.example", vacation(
        "Guten Tag,\n\nich bin derzeit krankheitsbedingt abwesend. Ihre E-Mail wird nach meiner\nRückkehr bearbeitet. In dringenden Fällen erreichen Sie das Serviceteam\nunter service@stadtwerke-lindenau.example.\n\nFreundliche Grüße\nKatrin Brandl",
        subject="Abwesend: krank"), *DE_INVOICE),
    Case("vacation-en-04", "auto_reply", "en", "p.evans@northgate-motors.example", vacation(
        "Hello,\n\nI am off sick at the moment and not checking email. I will reply when I am\nback. If your enquiry is urgent, please call the service desk.\n\nPeter Evans\nNorthgate Motors"), *EN_HOURS),
    Case("vacation-de-05", "auto_reply", "de", "l.petersen2@nordwind-energie.example", HTML_DE.join((
        'require ["vacation"];\nvacation :days 1 :subject "Abwesenheit bis 6. Januar" :mime text:\n', "\n.\n;\n")), *DE_CANCEL),
    Case("vacation-en-05", "auto_reply", "en", "r.hall@larkspur-insurance.example", vacation(
        "I'm away on annual leave until 5 January and will respond to your message\nwhen I return.\n\nRobert Hall",
        sender="Robert Hall <r.hall@larkspur-insurance.example>"), *EN_RETURN),
    Case("ack-de-01", "acknowledgement", "de", "kundenservice@nordwind-energie.example", vacation(
        "Guten Tag,\n\nvielen Dank für Ihre Nachricht. Wir haben Ihre E-Mail erhalten und\nbeantworten sie innerhalb von 48 Stunden (werktags).\nBitte senden Sie Ihre Anfrage nicht erneut, das verlängert die Bearbeitung.\n\nIhr Kundenservice\nNordwind Energie GmbH",
        subject="Eingangsbestätigung Ihrer Anfrage", sender="Nordwind Kundenservice <kundenservice@nordwind-energie.example>"), *DE_TARIF),
    Case("ack-de-02", "acknowledgement", "de", "service@merkur-versand.example", vacation_echo(
        "Hallo,\n\ndanke für Ihre E-Mail! Ihre Anfrage ist bei uns eingegangen. Aufgrund des\nhohen Aufkommens kann die Antwort bis zu drei Werktage dauern.\nViele Antworten finden Sie auch in unseren FAQ: https://www.merkur-versand.example/hilfe\n\nIhr Merkur-Versand-Team",
        "Wir haben Ihre Nachricht erhalten: "), *DE_AT),
    Case("ack-en-01", "acknowledgement", "en", "care@brightline-telecom.example", HTML_EN.join((
        'require ["vacation"];\nvacation :days 1 :subject "We have received your email" :from "Brightline Customer Care <care@brightline-telecom.example>" :mime text:\n', "\n.\n;\n")), *EN_CONTRACT),
    Case("ack-en-02", "acknowledgement", "en", "help@northgate-motors.example", vacation_echo(
        "Dear customer,\n\nThank you for your email. This is an automatic confirmation that we have\nreceived it. Our team answers all enquiries within 2 working days.\n\nNorthgate Motors Customer Service",
        "Re: "), *EN_AT),
    Case("noreply-de-01", "auto_reply", "de", "noreply@stadtwerke-lindenau.example", vacation(
        "Diese E-Mail-Adresse wird nicht überwacht. Ihre Nachricht wurde nicht gelesen\nund wird nicht bearbeitet.\n\nBitte nutzen Sie unser Kontaktformular:\nhttps://www.stadtwerke-lindenau.example/kontakt\n\nStadtwerke Lindenau",
        subject="Automatische Antwort: Postfach wird nicht gelesen"), *DE_CANCEL),
    Case("noreply-en-01", "auto_reply", "en", "no-reply@harbour-bank.example", vacation(
        "This mailbox is not monitored and replies are not read.\n\nTo contact us, please use the secure messaging service in online banking or\nour contact form at https://www.harbour-bank.example/contact.\n\nHarbour Bank",
        subject="This mailbox is not monitored"), *EN_INVOICE),
    Case("notify-de-01", "acknowledgement", "de", "anfragen@merkur-versand.example", notify_sender(
        "Merkur Versand: Ihre Anfrage ist eingegangen und wird innerhalb von 48 Stunden beantwortet."), *DE_GIFT),
    Case("notify-en-01", "acknowledgement", "en", "enquiries@northgate-motors.example", notify_sender(
        "Northgate Motors: we have received your enquiry and will reply within two working days."), *EN_GIFT),
    Case("notify-de-02", "auto_reply", "de", "presse@stadtwerke-lindenau.example", notify_sender(
        "Dieses Postfach wird nicht gelesen. Bitte nutzen Sie www.stadtwerke-lindenau.example/kontakt", importance="1"), *DE_APPOINT),
    Case("notify-en-02", "auto_reply", "en", "media@harbour-bank.example", notify_sender(
        "This mailbox is not monitored. Please use www.harbour-bank.example/contact", importance="1"), *EN_CONTRACT),
    Case("reject-de-01", "bounce", "de", "info@alpenblick-reisen.example", reject(
        "Diese Adresse nimmt keine E-Mails mehr an. Bitte nutzen Sie info@alpenblick.example."), *DE_APPOINT),
    Case("reject-en-01", "bounce", "en", "sales@northgate-motors.example", reject(
        "This address no longer accepts email. Please use the contact form on our website."), *EN_WARRANTY),
    Case("reject-de-02", "bounce", "de", "buchhaltung@merkur-versand.example", reject(
        "Postfach gesperrt: Nachrichten von extern werden nicht angenommen."), *DE_INVOICE),
    Case("reject-en-02", "bounce", "en", "press@brightline-telecom.example", reject(
        "Mailbox closed. Messages from outside the company are refused."), *EN_HOURS),
]


def main() -> int:
    ensure_packages("dovecot-core", "dovecot-sieve")
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", USER], check=True)
    capture = Capture()
    controller, port = start_capture(capture)
    tmp = Path(tempfile.mkdtemp(prefix="sieve-vacation-"))
    tmp.chmod(0o755)
    shutil.chown(tmp, USER, USER)
    entries: list[Entry] = []
    try:
        for number, case in enumerate(CASES):
            home = tmp / f"home{number:02d}"
            home.mkdir()
            (home / ".dovecot.sieve").write_text(case.script, encoding="utf-8")
            domain = case.mailbox.rpartition("@")[2]
            config = tmp / f"dovecot{number:02d}.conf"
            config.write_text(CONFIG.format(tmp=tmp, domain=domain, port=port), encoding="utf-8")
            sender = ANNA if case.language == "de" else OLIVER
            message = inquiry(sender, case.mailbox, case.subject, case.body)
            shutil.chown(home, USER, USER)
            before = len(capture.received)
            started = time.time()
            result = subprocess.run(
                ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--init-groups", "env", f"HOME={home}", f"USER={USER}",
                 LDA, "-c", str(config), "-f", sender[1], "-a", case.mailbox],
                input=bytes(message), capture_output=True,
            )
            if not capture.wait(before + 1, 15):
                print(f"{case.name}: no response (lda exit {result.returncode}) {result.stderr.decode()}", file=sys.stderr)
                continue
            reply = capture.received[before]
            entries.append(Entry(f"{case.name}.eml", case.label, case.language, reply.at - started,
                                 case.subject, case.body, reply.raw))
        log = tmp / "dovecot.log"
        if log.exists():
            print(log.read_text(encoding="utf-8", errors="replace")[-3000:])
    finally:
        controller.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    version = package_version("dovecot-sieve")
    write_system(
        "sieve-vacation",
        system=f"Dovecot Pigeonhole 0.5.19 Sieve (vacation, reject) with Dovecot {version.split(':')[-1].split('+')[0]} dovecot-lda",
        source=f"Debian dovecot-sieve {version}",
        generated_by="tests/corpus/tools/real/sieve_vacation.py",
        notes=(
            "The Sieve scripts, vacation/reject texts, company addresses and inquiries are ours; "
            "headers, subjects where no :subject was given, MIME structure and the reject "
            "message format are Pigeonhole's. Delivered with dovecot-lda standalone; responses "
            "captured from Pigeonhole's SMTP submission to a loopback aiosmtpd. ack-* are vacation "
            "rules used as company-wide receipt confirmations; noreply-* are 'mailbox not monitored' "
            "vacation rules (a machine refusal, so auto_reply). reject-* are Sieve reject "
            "(RFC 5429) rejections; ereject is not offered by this Pigeonhole build. notify-* are Sieve "
            "enotify (RFC 5435/5436) mailto notifications that our scripts address to the inquiry's sender "
            "(message text ours, format Pigeonhole's)."
        ),
        entries=entries,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
