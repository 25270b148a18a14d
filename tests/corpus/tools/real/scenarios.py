"""Customer inquiries and agent answers shared by the real-helpdesk corpus generators.

Not a test module; imported by django_helpdesk.py and request_tracker.py in this folder.

Every scenario is one inquiry a mystery shopper would send. ``answer`` is the text a human agent
types as a public reply (None: nobody answers), ``answer_label`` its true label (``human`` or
``deflection``). ``after`` is what the agent does afterwards or instead:
``resolve`` (resolve the ticket with ``resolution`` text, the resolution notice is ``human``),
``close`` (close it without any text, a pure status notice, ``auto_reply``) or None.
"""

# ruff: noqa: E501

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    key: str
    lang: str
    subject: str
    body: str
    customer: str
    answer: str | None = None
    answer_label: str = "human"
    after: str | None = None
    resolution: str = ""


DE: list[Scenario] = [
    Scenario(
        "de01",
        "de",
        "Rückgabe nach 30 Tagen?",
        "Guten Tag,\n\nich habe am 2. Oktober bei Ihnen eine Kaffeemaschine (Bestellnummer 48213) gekauft. "
        "Sie ist noch originalverpackt. Kann ich sie auch nach 30 Tagen noch zurückgeben?\n\n"
        "Mit freundlichen Grüßen\nSabine Wolter",
        "Sabine Wolter <sabine.wolter@kunde-mail.example>",
        "Guten Tag Frau Wolter,\n\nvielen Dank für Ihre Nachricht. Originalverpackte Ware nehmen wir aus Kulanz bis zu 60 Tage nach dem Kauf zurück. "
        'Bitte drucken Sie dazu das Retourenetikett in Ihrem Kundenkonto unter "Meine Bestellungen" aus und kleben Sie es auf das Paket. '
        "Den Kaufpreis erstatten wir Ihnen innerhalb von 5 Werktagen nach Eingang der Ware.\n\nMit freundlichen Grüßen\nJana Keller\nKundenservice",
    ),
    Scenario(
        "de02",
        "de",
        "Lieferung nach Österreich",
        "Hallo,\n\nliefern Sie auch nach Österreich? Ich wohne in Salzburg und würde gerne zwei Gartenstühle bestellen. "
        "Was kostet der Versand dorthin?\n\nViele Grüße\nMarkus Huber",
        "Markus Huber <m.huber@alpenpost.example>",
        "Hallo Herr Huber,\n\nja, wir liefern auch nach Österreich. Die Versandkosten betragen pauschal 9,90 Euro, ab einem Bestellwert von 150 Euro liefern wir versandkostenfrei. "
        "Die Lieferzeit nach Salzburg beträgt in der Regel 3 bis 5 Werktage.\n\nFreundliche Grüße\nTobias Brandt\nIhr Kundenservice",
    ),
    Scenario(
        "de03",
        "de",
        "Vertrag kündigen",
        "Sehr geehrte Damen und Herren,\n\nwie kann ich meinen Stromvertrag (Kundennummer 700114) zum Jahresende kündigen? "
        "Reicht eine E-Mail oder brauchen Sie ein unterschriebenes Schreiben?\n\nMit freundlichen Grüßen\nPeter Lindner",
        "Peter Lindner <peter.lindner@web-post.example>",
        "Sehr geehrter Herr Lindner,\n\neine Kündigung per E-Mail genügt, eine Unterschrift ist nicht erforderlich. "
        "Ihr Vertrag hat eine Kündigungsfrist von einem Monat, eine Kündigung zum 31. Dezember muss uns also bis zum 30. November vorliegen. "
        "Wenn Sie möchten, können Sie einfach auf diese E-Mail antworten und uns den gewünschten Kündigungstermin nennen; wir senden Ihnen dann eine schriftliche Bestätigung.\n\n"
        "Mit freundlichen Grüßen\nClaudia Roth\nKundenbetreuung",
    ),
    Scenario(
        "de04",
        "de",
        "Rechnung doppelt abgebucht",
        "Guten Tag,\n\nfür meine Bestellung 51877 wurde der Betrag von 89,00 Euro zweimal von meinem Konto abgebucht. "
        "Bitte erstatten Sie mir den doppelten Betrag.\n\nMit freundlichen Grüßen\nAnna Schuster",
        "Anna Schuster <anna.schuster@kunde-mail.example>",
        "Guten Tag Frau Schuster,\n\nbitte entschuldigen Sie den Fehler. Wir haben die doppelte Abbuchung geprüft und die 89,00 Euro heute an Sie zurücküberwiesen. "
        "Der Betrag sollte in zwei bis drei Bankarbeitstagen auf Ihrem Konto sein.\n\nMit freundlichen Grüßen\nJana Keller",
    ),
    Scenario(
        "de05",
        "de",
        "Ersatzteil für Staubsauger",
        "Hallo,\n\nich suche einen neuen Filter für meinen Staubsauger Modell VX 300. Führen Sie den noch und was kostet er?\n\nGruß\nJürgen Maier",
        "Jürgen Maier <juergen.maier@netzpost.example>",
        "Hallo Herr Maier,\n\nden passenden Filter für den VX 300 führen wir unter der Artikelnummer 30-1120, er kostet 14,95 Euro. "
        "Sie finden ihn in unserem Shop unter Ersatzteile > Staubsauger.\n\nViele Grüße\nTobias Brandt",
    ),
    Scenario(
        "de06",
        "de",
        "Änderung der Lieferadresse",
        "Guten Tag,\n\nkann ich bei meiner Bestellung 52310 noch die Lieferadresse ändern? Ich bin ab Montag umgezogen: Lindenweg 4, 79098 Freiburg.\n\nDanke und viele Grüße\nLena Vogt",
        "Lena Vogt <lena.vogt@kunde-mail.example>",
        "Ja, das geht. Ich habe die Adresse geändert.\n\nViele Grüße\nJana Keller",
    ),
    Scenario(
        "de07",
        "de",
        "Öffnungszeiten an Feiertagen",
        "Hallo,\n\nhat Ihre Filiale in Mannheim am 24. Dezember geöffnet?\n\nViele Grüße\nThomas Berger",
        "Thomas Berger <t.berger@netzpost.example>",
        "Ja, am 24.12. haben wir von 9 bis 13 Uhr geöffnet.\n\nViele Grüße\nJana Keller",
    ),
    Scenario(
        "de08",
        "de",
        "Tarifwechsel",
        "Sehr geehrte Damen und Herren,\n\nich möchte von meinem Mobilfunktarif M in den Tarif L wechseln. Wie gehe ich da vor und fallen Kosten an?\n\nMit freundlichen Grüßen\nKarin Neumann",
        "Karin Neumann <karin.neumann@web-post.example>",
        "Sehr geehrte Frau Neumann,\n\nfür einen Tarifwechsel rufen Sie bitte unsere Hotline unter 0800 123 45 67 an (Mo–Fr 8–20 Uhr). "
        "Unsere Kolleginnen und Kollegen dort können den Wechsel direkt für Sie vornehmen.\n\nMit freundlichen Grüßen\nIhr Kundenservice",
        "deflection",
    ),
    Scenario(
        "de09",
        "de",
        "Frage zu meiner Kündigung",
        "Guten Tag,\n\nich habe vor zwei Wochen meinen Vertrag gekündigt, aber noch keine Bestätigung erhalten. Ist die Kündigung bei Ihnen angekommen?\n\nViele Grüße\nStefan Krüger",
        "Stefan Krüger <stefan.krueger@alpenpost.example>",
        "Guten Tag Herr Krüger,\n\nzu Fragen rund um Ihre Kündigung wenden Sie sich bitte telefonisch an unsere Kundenhotline unter 0180 6 55 44 33. "
        "Aus Datenschutzgründen können wir Vertragsdetails leider nicht per E-Mail besprechen.\n\nFreundliche Grüße\nKundenservice",
        "deflection",
    ),
    Scenario(
        "de10",
        "de",
        "Garantie auf Waschmaschine",
        "Hallo,\n\nmeine Waschmaschine (gekauft im März 2025) pumpt das Wasser nicht mehr ab. Ist das noch ein Garantiefall?\n\nMit freundlichen Grüßen\nMonika Schulz",
        "Monika Schulz <monika.schulz@kunde-mail.example>",
        "Hallo Frau Schulz,\n\nja, Ihr Gerät ist noch innerhalb der zweijährigen Garantie. Wir schicken Ihnen einen Techniker; bitte teilen Sie uns zwei mögliche Termine in der nächsten Woche mit. "
        "Die Reparatur ist für Sie kostenlos.\n\nMit freundlichen Grüßen\nClaudia Roth",
        after="resolve",
        resolution="Der Technikertermin ist für Dienstag, 14 Uhr, vereinbart. Die Reparatur erfolgt im Rahmen der Garantie und ist für Sie kostenlos.\n\nMit freundlichen Grüßen\nClaudia Roth",
    ),
    Scenario(
        "de11",
        "de",
        "Gutschein einlösen",
        "Hallo,\n\nich habe einen Geschenkgutschein über 50 Euro bekommen. Kann ich den auch in Ihrem Onlineshop einlösen?\n\nDanke\nJulia Hartmann",
        "Julia Hartmann <julia.hartmann@netzpost.example>",
        'Hallo Frau Hartmann,\n\nja, den Gutschein können Sie auch online einlösen. Geben Sie den Gutscheincode im Warenkorb im Feld "Gutschein" ein; '
        "ein Restbetrag bleibt Ihnen für spätere Einkäufe erhalten.\n\nViele Grüße\nTobias Brandt",
    ),
    Scenario(
        "de12",
        "de",
        "Ratenzahlung möglich?",
        'Guten Tag,\n\nbieten Sie für das Sofa "Malmö" (1.299 Euro) auch Ratenzahlung an?\n\nMit freundlichen Grüßen\nFrank Richter',
        "Frank Richter <frank.richter@web-post.example>",
        "Guten Tag Herr Richter,\n\nja, über unseren Partner bieten wir eine Finanzierung mit 6, 12 oder 24 Monatsraten an, bis 12 Monate sogar zinsfrei. "
        "Sie wählen die Ratenzahlung einfach im Bestellprozess als Zahlungsart aus.\n\nMit freundlichen Grüßen\nJana Keller",
    ),
    Scenario(
        "de13",
        "de",
        "Passwort vergessen",
        "Hallo,\n\nich komme nicht mehr in mein Kundenkonto, die E-Mail zum Zurücksetzen des Passworts kommt nicht an. Was kann ich tun?\n\nGruß\nDaniel Schmitt",
        "Daniel Schmitt <daniel.schmitt@alpenpost.example>",
        after="resolve",
        resolution="Hallo Herr Schmitt,\n\nwir haben Ihr Konto geprüft: Die Mails wurden an eine alte Adresse geschickt. Wir haben Ihre E-Mail-Adresse aktualisiert und Ihnen soeben einen neuen Link zum Zurücksetzen geschickt.\n\nViele Grüße\nTobias Brandt",
    ),
    Scenario(
        "de14",
        "de",
        "Lieferzeit Kühlschrank",
        "Guten Tag,\n\nwann wird der Kühlschrank KS 240 wieder lieferbar sein?\n\nMit freundlichen Grüßen\nSusanne Lehmann",
        "Susanne Lehmann <susanne.lehmann@kunde-mail.example>",
        after="close",
    ),
    Scenario(
        "de15",
        "de",
        "Newsletter abbestellen",
        "Hallo,\n\nbitte tragen Sie mich aus Ihrem Newsletter aus. Ich habe den Abmeldelink schon zweimal benutzt.\n\nDanke\nBirgit Koch",
        "Birgit Koch <birgit.koch@netzpost.example>",
        after="close",
    ),
    Scenario(
        "de16",
        "de",
        "Umtausch in andere Größe",
        "Guten Tag,\n\ndie Jacke aus Bestellung 53001 ist mir zu klein. Kann ich sie gegen Größe L umtauschen?\n\nViele Grüße\nMichael Wagner",
        "Michael Wagner <michael.wagner@web-post.example>",
        'Guten Tag Herr Wagner,\n\nsehr gerne tauschen wir die Jacke um. Schicken Sie sie uns bitte mit dem beiliegenden Retourenschein zurück und kreuzen Sie "Umtausch in Größe L" an. '
        "Sobald die Jacke bei uns ist, senden wir Ihnen die neue Größe kostenlos zu.\n\nFreundliche Grüße\nClaudia Roth",
    ),
]

EN: list[Scenario] = [
    Scenario(
        "en01",
        "en",
        "Return after 30 days?",
        "Hello,\n\nI bought a coffee machine from you on 2 October (order 48213). It is still in its original packaging. "
        "Can I still return it after 30 days?\n\nKind regards,\nSarah Mitchell",
        "Sarah Mitchell <sarah.mitchell@customer-mail.example>",
        "Hello Sarah,\n\nthank you for getting in touch. As a goodwill gesture we accept unopened items up to 60 days after purchase. "
        'Please print the return label from "My orders" in your account and attach it to the parcel. '
        "We will refund the purchase price within 5 working days of receiving the item.\n\nBest regards,\nEmily Carter\nCustomer Service",
    ),
    Scenario(
        "en02",
        "en",
        "Do you deliver to Austria?",
        "Hi,\n\ndo you ship to Austria? I live in Vienna and would like to order two garden chairs. How much is shipping?\n\nThanks,\nDavid Brooks",
        "David Brooks <d.brooks@mailbox.example>",
        "Hi David,\n\nyes, we deliver to Austria. Shipping is a flat 9.90 EUR, and free for orders over 150 EUR. "
        "Delivery to Vienna usually takes 3 to 5 working days.\n\nKind regards,\nJames Walker\nCustomer Support",
    ),
    Scenario(
        "en03",
        "en",
        "How do I cancel my contract?",
        "Dear Sir or Madam,\n\nhow can I cancel my broadband contract (customer number 700114) at the end of the year? "
        "Is an e-mail enough or do you need a signed letter?\n\nYours faithfully,\nRobert Hughes",
        "Robert Hughes <robert.hughes@webpost.example>",
        "Dear Mr Hughes,\n\nan e-mail is sufficient, no signature is needed. Your contract has a notice period of one month, "
        "so to cancel on 31 December we need your notice by 30 November. Simply reply to this e-mail with the date you would like the contract to end and we will send you a written confirmation.\n\n"
        "Kind regards,\nLaura Bennett\nAccount Services",
    ),
    Scenario(
        "en04",
        "en",
        "Charged twice for my order",
        "Hello,\n\nI was charged 89.00 EUR twice for order 51877. Please refund the duplicate payment.\n\nRegards,\nHelen Foster",
        "Helen Foster <helen.foster@customer-mail.example>",
        "Hello Helen,\n\nI'm sorry about that. We have checked the duplicate charge and refunded the 89.00 EUR today. "
        "It should appear on your account within two to three banking days.\n\nBest wishes,\nEmily Carter",
    ),
    Scenario(
        "en05",
        "en",
        "Replacement filter for vacuum cleaner",
        "Hi there,\n\nI need a new filter for my VX 300 vacuum cleaner. Do you still sell it and what does it cost?\n\nCheers,\nPaul Turner",
        "Paul Turner <paul.turner@mailbox.example>",
        "Hi Paul,\n\nthe right filter for the VX 300 is item 30-1120 and costs 14.95 EUR. "
        "You will find it in our shop under Spare parts > Vacuum cleaners.\n\nKind regards,\nJames Walker",
    ),
    Scenario(
        "en06",
        "en",
        "Change of delivery address",
        "Hello,\n\ncan I still change the delivery address for order 52310? I have moved to 4 Linden Road, Bristol BS1 4DJ.\n\nThanks,\nGrace Lewis",
        "Grace Lewis <grace.lewis@customer-mail.example>",
        "Yes, done - I've updated the address.\n\nBest,\nEmily",
    ),
    Scenario(
        "en07",
        "en",
        "Opening hours on Christmas Eve",
        "Hello,\n\nis your Manchester store open on 24 December?\n\nThanks,\nOliver Price",
        "Oliver Price <oliver.price@webpost.example>",
        "Yes, we're open 9am to 1pm on the 24th.\n\nCheers,\nJames",
    ),
    Scenario(
        "en08",
        "en",
        "Switching my mobile plan",
        "Dear Sir or Madam,\n\nI would like to switch from mobile plan M to plan L. How do I do that and are there any fees?\n\nKind regards,\nMargaret Wood",
        "Margaret Wood <margaret.wood@webpost.example>",
        "Dear Ms Wood,\n\nto change your plan, please call our hotline on 0800 123 4567 (Mon–Fri 8am–8pm). "
        "Our colleagues there can make the change for you straight away.\n\nKind regards,\nCustomer Service",
        "deflection",
    ),
    Scenario(
        "en09",
        "en",
        "Question about my cancellation",
        "Hello,\n\nI cancelled my contract two weeks ago but have not received a confirmation. Did you receive my cancellation?\n\nRegards,\nStephen Ward",
        "Stephen Ward <stephen.ward@mailbox.example>",
        "Hello Mr Ward,\n\nfor questions about your cancellation please contact our customer hotline by phone on 0345 600 1234. "
        "For data protection reasons we are unable to discuss contract details by e-mail.\n\nKind regards,\nCustomer Service Team",
        "deflection",
    ),
    Scenario(
        "en10",
        "en",
        "Warranty on washing machine",
        "Hello,\n\nmy washing machine (bought in March 2025) no longer drains the water. Is this covered by the warranty?\n\nKind regards,\nRachel Green",
        "Rachel Green <rachel.green@customer-mail.example>",
        "Hello Rachel,\n\nyes, your machine is still within the two-year warranty. We will send an engineer; please let us know two possible dates next week. "
        "The repair is free of charge for you.\n\nKind regards,\nLaura Bennett",
        after="resolve",
        resolution="The engineer visit is booked for Tuesday at 2pm. The repair is covered by the warranty and free of charge.\n\nKind regards,\nLaura Bennett",
    ),
    Scenario(
        "en11",
        "en",
        "Using a gift voucher online",
        "Hi,\n\nI received a 50 EUR gift voucher. Can I use it in your online shop as well?\n\nThanks,\nChloe Adams",
        "Chloe Adams <chloe.adams@mailbox.example>",
        'Hi Chloe,\n\nyes, you can redeem the voucher online too. Enter the code in the "Voucher" field in your basket; '
        "any remaining balance stays on the voucher for later purchases.\n\nKind regards,\nJames Walker",
    ),
    Scenario(
        "en12",
        "en",
        "Can I pay in instalments?",
        'Hello,\n\ndo you offer instalment payments for the "Malmo" sofa (1,299 EUR)?\n\nKind regards,\nAndrew Collins',
        "Andrew Collins <andrew.collins@webpost.example>",
        "Hello Andrew,\n\nyes, through our finance partner you can pay in 6, 12 or 24 monthly instalments, and up to 12 months interest-free. "
        "Just choose instalments as the payment method at checkout.\n\nBest regards,\nEmily Carter",
    ),
    Scenario(
        "en13",
        "en",
        "Forgot my password",
        "Hi,\n\nI can't log in to my account and the password reset e-mail never arrives. What can I do?\n\nThanks,\nDaniel Scott",
        "Daniel Scott <daniel.scott@customer-mail.example>",
        after="resolve",
        resolution="Hi Daniel,\n\nwe checked your account: the reset e-mails were going to an old address. We've updated your e-mail address and just sent you a new reset link.\n\nBest,\nJames Walker",
    ),
    Scenario(
        "en14",
        "en",
        "When will the KS 240 fridge be back in stock?",
        "Hello,\n\nwhen will the KS 240 fridge be available again?\n\nKind regards,\nSusan Hall",
        "Susan Hall <susan.hall@webpost.example>",
        after="close",
    ),
    Scenario(
        "en15",
        "en",
        "Please unsubscribe me",
        "Hi,\n\nplease remove me from your newsletter. I have already used the unsubscribe link twice.\n\nThanks,\nKaren Young",
        "Karen Young <karen.young@mailbox.example>",
        after="close",
    ),
    Scenario(
        "en16",
        "en",
        "Exchange for a different size",
        "Hello,\n\nthe jacket from order 53001 is too small for me. Can I exchange it for size L?\n\nBest wishes,\nMichael King",
        "Michael King <michael.king@customer-mail.example>",
        'Hello Michael,\n\nof course, we\'re happy to exchange the jacket. Please send it back with the enclosed return slip and tick "Exchange for size L". '
        "As soon as we receive it, we'll send you the new size free of charge.\n\nKind regards,\nLaura Bennett",
    ),
]

ALL: list[Scenario] = DE + EN
