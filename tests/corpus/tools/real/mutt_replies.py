# ruff: noqa: E501
"""Human customer-service answers written with Mutt, sent over SMTP to loopback (as root or not).

For each case an inquiry is put into an mbox; Mutt (Debian's package, run in a
pseudo-terminal via script(1)) opens it and is driven with
``push <reply><send-message><quit>``: Mutt itself builds the reply (Re:
subject, In-Reply-To/References, attribution line and "> " quote when
``include=yes``, signature, MIME and charset, optional multipart/alternative
via ``send_multipart_alternative``) and sends it through ``smtp_url`` to an
aiosmtpd server on 127.0.0.1 that records the raw bytes. Our ``editor`` is a
small script that puts the agent's text above the quote (top-posting), below
it (bottom-posting) or alone (no quote). Nothing leaves the machine.

    python3 tests/corpus/tools/real/mutt_replies.py

Writes tests/corpus/real/mutt/*.eml and manifest.toml.
"""

from __future__ import annotations

import mailbox
import os
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

EDITOR = '''\
import os, sys
draft = open(sys.argv[1], encoding="utf-8").read()
text = open(os.environ["REPLY_TEXT"], encoding="utf-8").read()
mode = os.environ["REPLY_MODE"]
if mode == "top":
    draft = text + "\\n" + draft
elif mode == "bottom" and "\\n-- \\n" in draft:
    quote, _, sig = draft.partition("\\n-- \\n")
    draft = quote.rstrip("\\n") + "\\n\\n" + text + "\\n-- \\n" + sig
else:
    draft = draft.rstrip("\\n") + "\\n\\n" + text if draft.strip() else text
open(sys.argv[1], "w", encoding="utf-8").write(draft)
'''

# send_multipart_alternative_filter: text/plain in, "text/html", a blank line and the HTML out.
HTML_FILTER = '''\
import html, itertools, sys
parts = []
for block in sys.stdin.read().split("\\n\\n"):
    if block.startswith("-- \\n"):
        parts.append("<div>-- <br>" + "<br>".join(html.escape(line) for line in block.split("\\n")[1:]) + "</div>")
        continue
    for quoted, run in itertools.groupby(block.split("\\n"), key=lambda line: line.startswith(">")):
        lines = [html.escape(line.lstrip(">").lstrip() if quoted else line) for line in run]
        if quoted:
            parts.append('<blockquote style="border-left:2px solid #ccc;padding-left:8px">' + "<br>".join(lines) + "</blockquote>")
        elif any(lines):
            parts.append("<p>" + "<br>".join(lines) + "</p>")
print("text/html")
print()
print('<html><body style="font-family:Arial,sans-serif">' + "\\n".join(parts) + "</body></html>")
'''

MUTTRC = """\
set from="{name} <{address}>"
set realname="{name}"
set use_from=yes
set hostname="{domain}"
set smtp_url="smtp://127.0.0.1:{port}/"
set ssl_starttls=no
set ssl_force_tls=no
set editor="python3 {tmp}/editor.py"
set include={include}
set fast_reply=yes
set signature="{tmp}/signature"
set sig_dashes=yes
set send_charset="us-ascii:utf-8"
set attribution="{attribution}"
set user_agent={user_agent}
set send_multipart_alternative={html}
set send_multipart_alternative_filter="python3 {tmp}/html_filter.py"
set postpone=no
set copy=no
set record=""
set mbox_type=mbox
set folder="{tmp}"
set spoolfile="{tmp}/inbox"
set header_cache=""
set move=no
set wait_key=no
set text_flowed={flowed}
"""

ATTRIBUTION = {"de": "Am %{%d.%m.%Y um %H:%M} schrieb %n:", "en": "On %d, %n wrote:"}


@dataclass
class Case:
    name: str
    label: str
    language: str
    agent: str
    address: str
    signature: str
    subject: str
    body: str
    text: str
    mode: str = "top"  # top | bottom | none (no quote)
    html: bool = False
    user_agent: bool = False
    flowed: bool = False


DE_AT = ("Lieferung nach Österreich?", "Guten Tag,\n\nliefern Sie auch nach Österreich? Wenn ja, was kostet der Versand\nund wie lange dauert er ungefähr?\n\nViele Grüße\nAnna Schmidt\n")
DE_RETURN = ("Rückgabe nach 30 Tagen", "Guten Tag,\n\nich habe vor fünf Wochen eine Regenjacke bei Ihnen bestellt (Bestellnummer 48213).\nKann ich sie auch nach Ablauf der 30 Tage noch zurückgeben?\n\nFreundliche Grüße\nAnna Schmidt\n")
DE_TARIF = ("Frage zu meinem Tarif", "Guten Tag,\n\nist ein Wechsel in den Tarif Ökostrom Plus vor Ablauf meiner Vertragslaufzeit möglich?\n\nViele Grüße\nAnna Schmidt\n")
DE_INVOICE = ("Rechnung doppelt abgebucht", "Sehr geehrte Damen und Herren,\n\nder Betrag meiner Rechnung vom 3. November wurde zweimal von meinem Konto abgebucht.\nKönnen Sie mir den doppelten Betrag bitte erstatten?\n\nMit freundlichen Grüßen\nAnna Schmidt\n")
DE_CANCEL = ("Kündigung meines Vertrags", "Guten Tag,\n\nbis wann muss ich kündigen, wenn mein Vertrag zum 31. März enden soll?\nReicht eine E-Mail?\n\nViele Grüße\nAnna Schmidt\n")
DE_APPOINT = ("Termin für eine Beratung", "Hallo,\n\nkann ich nächste Woche einen Beratungstermin in Ihrer Filiale vereinbaren?\nAm liebsten Dienstag oder Mittwoch nachmittags.\n\nDanke und viele Grüße\nAnna Schmidt\n")
DE_GIFT = ("Gutschein einlösen", "Hallo,\n\nkann ich einen Geschenkgutschein auch im Onlineshop einlösen oder nur in der Filiale?\n\nViele Grüße\nAnna Schmidt\n")
EN_AT = ("Delivery to Austria?", "Hello,\n\ndo you deliver to Austria? If so, how much is shipping and how long does it take?\n\nThanks,\nOliver Bennett\n")
EN_RETURN = ("Returning a product after 30 days", "Hello,\n\nI bought a kettle from you five weeks ago (order 77120). Can I still return it\nafter the 30 days are over?\n\nKind regards,\nOliver Bennett\n")
EN_CONTRACT = ("Question about my contract", "Hello,\n\ncan I upgrade my broadband plan before my current contract ends?\n\nThanks,\nOliver Bennett\n")
EN_INVOICE = ("Charged twice for one invoice", "Dear Sir or Madam,\n\nmy invoice from 3 November was charged to my card twice. Could you refund\nthe second payment, please?\n\nBest regards,\nOliver Bennett\n")
EN_HOURS = ("Opening hours over the holidays", "Hi,\n\nare your stores open between Christmas and New Year? I'd like to pick up an order.\n\nCheers,\nOliver Bennett\n")
EN_WARRANTY = ("Warranty claim for my kettle", "Hello,\n\nthe kettle I bought in March stopped working. How do I make a warranty claim?\n\nRegards,\nOliver Bennett\n")
EN_GIFT = ("Gift card online?", "Hi,\n\ncan I use a gift card in your online shop, or only in stores?\n\nThanks,\nOliver Bennett\n")

MERKUR = ("Jana Keller", "service@merkur-versand.example", "Jana Keller\nKundenservice\nMerkur Versand GmbH · Hafenstraße 12 · 20457 Hamburg\nTel. 040 555 1200")
NORDWIND = ("Lars Petersen", "kundenservice@nordwind-energie.example", "Lars Petersen\nNordwind Energie GmbH – Kundenservice\nwww.nordwind-energie.example")
LINDENAU = ("Thomas Berg", "service@stadtwerke-lindenau.example", "Stadtwerke Lindenau GmbH\nKundenservice")
ALPEN = ("Sabine Ott", "info@alpenblick-reisen.example", "Sabine Ott | Alpenblick Reisen\nMarktplatz 4, 83471 Berchtesgaden")
LARK = ("Emma Lewis", "claims@larkspur-insurance.example", "Emma Lewis\nCustomer Service | Larkspur Insurance")
BRIGHT = ("Mia Turner", "care@brightline-telecom.example", "Mia Turner\nBrightline Customer Care")
NORTHGATE = ("Tom Fletcher", "help@northgate-motors.example", "Tom Fletcher\nNorthgate Motors - Customer Service\n0161 555 0142")
HARBOUR = ("Priya Shah", "service@harbour-bank.example", "Priya Shah\nHarbour Bank Customer Service")


def case(name: str, label: str, language: str, company: tuple[str, str, str], inq: tuple[str, str], text: str, **options: bool | str) -> Case:
    return Case(name, label, language, company[0], company[1], company[2], inq[0], inq[1], text, **options)  # type: ignore[arg-type]


CASES = [
    case("human-de-01", "human", "de", MERKUR, DE_AT,
         "Guten Tag Frau Schmidt,\n\nja, wir liefern auch nach Österreich. Der Versand kostet 5,90 €, ab einem\nBestellwert von 50 € ist er kostenlos. Die Lieferung dauert in der Regel\ndrei bis fünf Werktage.\n\nMit freundlichen Grüßen\nJana Keller\n"),
    case("human-de-02", "human", "de", MERKUR, DE_RETURN,
         "Guten Tag Frau Schmidt,\n\nvielen Dank für Ihre Nachricht. Die Rückgabefrist von 30 Tagen ist bei Ihrer\nBestellung 48213 leider schon abgelaufen. Wenn die Jacke ungetragen ist,\nmachen wir aber gern eine Ausnahme: Schicken Sie sie bitte bis zum\n15. Dezember mit dem Retourenschein aus dem Paket an uns zurück. Den\nKaufpreis erstatten wir dann auf Ihr ursprüngliches Zahlungsmittel.\n\nFreundliche Grüße\nJana Keller\n",
         mode="bottom"),
    case("human-de-03", "human", "de", NORDWIND, DE_TARIF,
         "Guten Tag Frau Schmidt,\n\nein Wechsel in den Tarif Ökostrom Plus ist auch während der Laufzeit\nmöglich. Der neue Tarif gilt ab dem Folgemonat, die Mindestlaufzeit von\n12 Monaten beginnt dann neu. Wenn Sie möchten, stelle ich den Wechsel\ndirekt für Sie ein – eine kurze Bestätigung per E-Mail genügt.\n\nMit freundlichen Grüßen\nLars Petersen\n",
         html=True, user_agent=True),
    case("human-de-04", "human", "de", MERKUR, DE_CANCEL,
         "Ja, das geht. Viele Grüße, Jana Keller\n"),
    case("human-de-05", "human", "de", NORDWIND, DE_INVOICE,
         "Sehr geehrte Frau Schmidt,\n\nSie haben recht: Die Abbuchung vom 3. November wurde wegen eines\ntechnischen Fehlers doppelt ausgeführt. Wir haben den Betrag von 84,20 €\nheute zurücküberwiesen, er sollte in zwei bis drei Werktagen auf Ihrem\nKonto sein. Bitte entschuldigen Sie die Unannehmlichkeiten.\n\nMit freundlichen Grüßen\nLars Petersen\n",
         mode="bottom", flowed=True),
    case("human-de-06", "human", "de", ALPEN, DE_APPOINT,
         "Hallo Frau Schmidt,\n\ngerne! Am Dienstag, 9. Dezember, um 15:30 Uhr ist in unserem Reisebüro am\nMarktplatz noch ein Termin frei. Passt Ihnen das? Dann trage ich Sie ein.\n\nHerzliche Grüße\nSabine Ott\n",
         mode="none"),
    case("human-de-07", "human", "de", LINDENAU, DE_CANCEL,
         "Guten Tag,\n\nja, eine E-Mail reicht. Kündigen Sie bitte bis spätestens 28. Februar.\n\nFreundliche Grüße\nThomas Berg\n",
         user_agent=True),
    case("human-de-08", "human", "de", MERKUR, DE_GIFT,
         "Guten Tag Frau Schmidt,\n\nunsere Geschenkgutscheine können Sie sowohl in allen Filialen als auch im\nOnlineshop einlösen. Geben Sie den Gutscheincode im Warenkorb im Feld\n„Gutschein“ ein; ein Restbetrag bleibt auf dem Gutschein erhalten.\n\nViele Grüße\nJana Keller\n",
         html=True),
    case("human-de-09", "human", "de", ALPEN, DE_AT,
         "Guten Tag Frau Schmidt,\n\ndanke für Ihre Anfrage. Unsere Reiseunterlagen verschicken wir auch nach\nÖsterreich, das ist kostenlos und dauert etwa eine Woche. Alternativ\nkönnen wir Ihnen alles als PDF per E-Mail schicken.\n\nHerzliche Grüße\nSabine Ott\n",
         mode="bottom", html=True),
    case("deflection-de-01", "deflection", "de", LINDENAU, DE_TARIF,
         "Guten Tag Frau Schmidt,\n\nzu Vertragsfragen können wir per E-Mail leider keine Auskunft geben. Bitte\nrufen Sie unsere kostenlose Hotline 0800 123 45 67 an (Mo–Fr 8–18 Uhr).\n\nFreundliche Grüße\nThomas Berg\n"),
    case("deflection-de-02", "deflection", "de", NORDWIND, DE_INVOICE,
         "Guten Tag,\n\nbitte wenden Sie sich dazu telefonisch an unseren Kundenservice unter\n0800 555 0199. Dort hilft man Ihnen gern weiter.\n\nLars Petersen\n",
         mode="none"),
    case("deflection-de-03", "deflection", "de", MERKUR, DE_RETURN,
         "Hallo Frau Schmidt,\n\nfür Rücksendungen außerhalb der Frist rufen Sie bitte unsere Hotline\n0800 777 3300 an, die Kollegen prüfen das dann im Einzelfall.\n\nViele Grüße\nJana Keller\n",
         html=True),
    case("human-en-01", "human", "en", BRIGHT, EN_AT,
         "Hi Oliver,\n\nYes, we ship to Austria. Standard delivery takes 4-6 working days and costs\nEUR 7.50; orders over EUR 60 ship free. You'll get a tracking link as soon\nas your parcel leaves our warehouse.\n\nBest wishes,\nMia\n"),
    case("human-en-02", "human", "en", NORTHGATE, EN_RETURN,
         "Dear Mr Bennett,\n\nThank you for getting in touch. Our standard return window is 30 days, but\nas the kettle is unused we're happy to accept the return. Please send it\nback with the returns label from the box by 20 December and we'll refund\nyou within five working days of receiving it.\n\nKind regards,\nTom Fletcher\n",
         mode="bottom", html=True),
    case("human-en-03", "human", "en", BRIGHT, EN_CONTRACT,
         "Hello Oliver,\n\nYes, you can upgrade at any time. The new plan would start on your next\nbilling date and a new 18-month minimum term would begin then. Just reply\nwith the plan you'd like and I'll set it up for you.\n\nThanks,\nMia Turner\n",
         mode="bottom", user_agent=True),
    case("human-en-04", "human", "en", HARBOUR, EN_INVOICE,
         "Dear Mr Bennett,\n\nI'm sorry about this. I can confirm the duplicate payment of GBP 42.99 and\nhave issued a refund today. It usually takes 3-5 working days to show on\nyour card statement.\n\nKind regards,\nPriya Shah\n",
         flowed=True),
    case("human-en-05", "human", "en", NORTHGATE, EN_HOURS,
         "Yes, we're open 27-30 December, 10am-4pm.\n\nBest,\nTom\n",
         mode="none"),
    case("human-en-06", "human", "en", NORTHGATE, EN_WARRANTY,
         "Hi Oliver,\n\nSorry to hear that. Your kettle is still covered by our two-year warranty.\nPlease fill in the form at https://www.northgate-motors.example/warranty and\nattach a photo of your receipt; we'll email you a prepaid label and send a\nreplacement once the faulty one arrives.\n\nRegards,\nTom Fletcher\n",
         html=True),
    case("human-en-07", "human", "en", LARK, EN_GIFT,
         "Yes, that's fine. Kind regards, Emma\n"),
    case("deflection-en-01", "deflection", "en", HARBOUR, EN_CONTRACT,
         "Hello,\n\nFor account and contract queries please call our customer service team on\n0800 321 4567 (Mon-Fri 8am-8pm). We're unable to discuss account details\nby email.\n\nKind regards,\nPriya Shah\n"),
    case("deflection-en-02", "deflection", "en", LARK, EN_WARRANTY,
         "Please call us on 0800 640 2020, our team will be happy to help.\n\nEmma\n",
         mode="none"),
    case("deflection-en-03", "deflection", "en", BRIGHT, EN_INVOICE,
         "Hi Oliver,\n\nBilling issues can only be handled by our billing team by phone. Please\ncall 0800 912 3000 and have your account number ready.\n\nThanks,\nMia\n",
         html=True, mode="bottom"),
]


def main() -> int:
    ensure_packages("mutt")
    if not shutil.which("script"):
        ensure_packages("bsdutils")
    capture = Capture()
    controller, port = start_capture(capture)
    tmp = Path(tempfile.mkdtemp(prefix="mutt-replies-"))
    (tmp / "editor.py").write_text(EDITOR, encoding="utf-8")
    (tmp / "html_filter.py").write_text(HTML_FILTER, encoding="utf-8")
    entries: list[Entry] = []
    try:
        for c in CASES:
            sender = ANNA if c.language == "de" else OLIVER
            message = inquiry(sender, c.address, c.subject, c.body)
            inbox = tmp / "inbox"
            inbox.unlink(missing_ok=True)
            box = mailbox.mbox(inbox)
            box.add(mailbox.mboxMessage(message))
            box.close()
            (tmp / "signature").write_text(c.signature + "\n", encoding="utf-8")
            (tmp / "reply.txt").write_text(c.text, encoding="utf-8")
            muttrc = tmp / "muttrc"
            muttrc.write_text(MUTTRC.format(
                name=c.agent, address=c.address, domain=c.address.rpartition("@")[2], port=port, tmp=tmp,
                include="no" if c.mode == "none" else "yes", attribution=ATTRIBUTION[c.language],
                user_agent="yes" if c.user_agent else "no", html="yes" if c.html else "no",
                flowed="yes" if c.flowed else "no"), encoding="utf-8")
            env = {**os.environ, "TERM": "xterm", "REPLY_TEXT": str(tmp / "reply.txt"), "REPLY_MODE": c.mode,
                   "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(tmp)}
            before = len(capture.received)
            started = time.time()
            command = f"mutt -n -F {muttrc} -f {inbox} -e 'push <reply><send-message><quit>'"
            subprocess.run(["script", "-qec", command, "/dev/null"], env=env, capture_output=True, timeout=60)
            if not capture.wait(before + 1, 10):
                print(f"{c.name}: mutt sent nothing", file=sys.stderr)
                continue
            reply = capture.received[before]
            entries.append(Entry(f"{c.name}.eml", c.label, c.language, reply.at - started, c.subject, c.body, reply.raw))
    finally:
        controller.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    version = package_version("mutt")
    write_system(
        "mutt",
        system=f"Mutt {version.split('-')[0]} (batch-driven reply, SMTP via smtp_url)",
        source=f"Debian mutt {version}",
        generated_by="tests/corpus/tools/real/mutt_replies.py",
        notes=(
            "The agents' texts, signatures, sender names, attribution format and muttrc settings are ours; "
            "Mutt built every reply itself (Re: subject, In-Reply-To/References, attribution and '> ' quote, "
            "'-- ' signature, charset, format=flowed where text_flowed=yes, multipart/alternative where "
            "send_multipart_alternative=yes). The HTML part comes from our small "
            "send_multipart_alternative_filter (paragraphs, blockquote), not from a rich-text editor. "
            "Our editor script only places the agent text above the quote (top-posting), below it, or alone "
            "(include=no). 'seconds' is the measured wall time of the scripted Mutt session, NOT a realistic "
            "human response time (real agents take hours)."
        ),
        entries=entries,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
