"""Classification: no single header decides, and every decision says why."""

from __future__ import annotations

from email.message import EmailMessage, Message
from pathlib import Path

from servaudit import message as mail
from servaudit.replies.classify import (
    ACKNOWLEDGEMENT,
    AUTO_REPLY,
    BOUNCE,
    DEFLECTION,
    HUMAN,
    MARKETING,
    UNKNOWN,
    Classification,
    Vocabulary,
    classify,
    written_text,
)
from tests.corpus import CORPUS, REAL, Scores, by_language, by_system, held_out, run, samples, score, table

VOCABULARY = Vocabulary.load()


def message(
    subject: str, body: str, sender: str = "Jana Wolff <service@shop.example>", **headers: str
) -> EmailMessage:
    built = EmailMessage()
    built["From"] = sender
    built["To"] = "anna.schmidt@mailbox.example"
    built["Subject"] = subject
    for name, value in headers.items():
        built[name.replace("_", "-")] = value
    built.set_content(body)
    return built


def says(result: Classification, text: str) -> bool:
    return any(text in reason for reason in result.reasons)


def corpus_file(relative: str) -> Message:
    return mail.parse((CORPUS / relative).read_bytes())


HUMAN_ANSWER = (
    "Guten Tag Frau Schmidt,\n\nein Wechsel in den Tarif Smart ist jederzeit möglich und kostet nichts. "
    "Ich habe Ihnen die Unterlagen vorbereitet.\n\nMit freundlichen Grüßen\nJana Wolff\n"
    "Hotline: 0800 123456\n\nAm 02.03.2026 schrieb Anna Schmidt:\n> Bitte rufen Sie mich an\n"
)


def test_the_corpus_is_large_labelled_and_bilingual() -> None:
    found = samples()
    assert len(found) >= 60
    labels = {s.label for s in found}
    assert labels == {BOUNCE, AUTO_REPLY, ACKNOWLEDGEMENT, DEFLECTION, HUMAN, MARKETING}
    texts = [s.path.read_bytes() for s in found]
    assert sum(b"Guten Tag" in t or b"Sehr geehrte" in t for t in texts) >= 15
    assert sum(b"Hello" in t or b"Dear " in t or b"Hi " in t for t in texts) >= 15
    # Bounces written by a real Postfix and a real Exim, not by hand.
    bounces = [t for s, t in zip(found, texts, strict=True) if s.label == BOUNCE]
    assert sum(b"(Postfix)" in t for t in bounces) >= 8
    assert sum(b"(Exim 4." in t for t in bounces) >= 4


RESULTS = run(VOCABULARY)


def meets_the_targets(scores: Scores, where: str, wrong: str) -> None:
    """Issue #10's targets: machine-sent mail labelled human at most 1 %; recall 95 % for bounces,
    auto-replies and acknowledgements, 97 % for human answers."""
    as_human, machine = scores.machine_as_human
    assert as_human <= 0.01 * machine, (where, as_human, machine, wrong)
    for label, target in ((BOUNCE, 0.95), (AUTO_REPLY, 0.95), (ACKNOWLEDGEMENT, 0.95), (HUMAN, 0.97)):
        if label in scores.per_class:
            assert scores.per_class[label][1] >= target, (where, label, scores.per_class[label], wrong)


def test_corpus_precision_and_recall_per_class_and_language() -> None:
    scores = score(RESULTS)
    print("\n" + table(scores))
    wrong = "\n".join(
        f"{s.name}: {s.label} -> {c.label} ({c.reasons[0]})" for s, c in RESULTS if s.label != c.label
    )
    assert scores.accuracy >= 0.97, wrong
    meets_the_targets(scores, "all", wrong)
    for language, found in by_language(RESULTS).items():
        meets_the_targets(found, language, wrong)


def test_messages_from_real_third_party_systems_are_most_of_the_corpus() -> None:
    systems = by_system(RESULTS)
    real = {s.system for s, _ in RESULTS if s.path.is_relative_to(REAL)}
    # Ticket systems, MTAs, vacation responders and a mail client, each run on loopback.
    assert {"request-tracker", "django-helpdesk", "roundup", "sieve-vacation", "opensmtpd", "mutt"} <= real
    assert sum(1 for s, _ in RESULTS if s.system in real) >= 250
    # Per system, the figures that decide a client's headline: no machine mail counted as a person's
    # answer, and the persons' answers found. (Which machine class a list manager's subscription
    # notice gets is reported by bench/bench_classify.py, not held to a per-system target.)
    for system in real:
        as_human, machine = systems[system].machine_as_human
        assert as_human <= 0.01 * machine, (system, as_human, machine)
        if "human" in systems[system].per_class:
            assert systems[system].per_class["human"][1] >= 0.97, (system, systems[system].per_class)


def test_held_out_systems_are_reported_and_never_call_most_machine_mail_human() -> None:
    # Each real system judged without the phrases only its messages contain: how a helpdesk nobody
    # has seen fares. Printed by bench/bench_classify.py; bounded here so that it cannot silently rot.
    held = held_out(VOCABULARY)
    machine_as_human = sum(s.machine_as_human[0] for s in held.values())
    machine = sum(s.machine_as_human[1] for s in held.values())
    assert machine > 150
    assert machine_as_human <= 0.05 * machine, {k: v.machine_as_human for k, v in held.items()}


def test_every_decision_has_reasons() -> None:
    for sample, result in RESULTS:
        assert result.reasons, sample.name


def test_dsn_bounce_names_the_failed_recipient_and_whether_permanent() -> None:
    failed = classify(corpus_file("bounce/postfix-03.eml"), VOCABULARY)
    assert failed.label == BOUNCE and failed.bounce is not None
    assert failed.bounce.recipients == ("support@brightline-telecom.example",)
    assert failed.bounce.permanent and failed.bounce.status == "5.1.1"
    delayed = classify(corpus_file("bounce/postfix-05.eml"), VOCABULARY)
    assert delayed.label == BOUNCE and delayed.bounce is not None
    assert not delayed.bounce.permanent and "Action: delayed" in delayed.reasons


def test_non_standard_bounces_name_the_recipient() -> None:
    qmail = classify(corpus_file("bounce/qmail-failure-notice.eml"), VOCABULARY)
    assert qmail.bounce is not None and qmail.bounce.recipients == ("buchung@fernwelt-reisen.example",)
    exchange = classify(corpus_file("bounce/exchange-ndr-de.eml"), VOCABULARY)
    assert exchange.bounce is not None and exchange.bounce.recipients == ("verkauf@lindenau-moebel.example",)
    assert exchange.bounce.permanent


def test_rfc2047_encoded_auto_submitted_is_decoded() -> None:
    result = classify(corpus_file("auto_reply/vacation-rfc2047-b.eml"), VOCABULARY)
    assert result.label == AUTO_REPLY
    assert says(result, "Auto-Submitted: auto-replied")


def test_human_answer_with_precedence_bulk_stays_human() -> None:
    result = classify(message("AW: Tarif", HUMAN_ANSWER, Precedence="bulk"), VOCABULARY, 3 * 3600)
    assert result.label == HUMAN
    assert any("Precedence: bulk" in reason for reason in result.reasons)


def test_auto_generated_is_weak_but_auto_replied_is_never_outweighed_by_word_count() -> None:
    # RFC 3834: auto-generated is "made by a process", as helpdesks send an agent's answer.
    relayed = classify(message("AW: Tarif", HUMAN_ANSWER, Auto_Submitted="auto-generated"), VOCABULARY, 3600)
    assert relayed.label == HUMAN
    assert says(relayed, "weak machine evidence: Auto-Submitted: auto-generated")
    # auto-replied declares an automatic response: however many words, a machine's.
    automatic = classify(message("AW: Tarif", HUMAN_ANSWER, Auto_Submitted="auto-replied"), VOCABULARY, 3600)
    assert automatic.label == AUTO_REPLY
    assert automatic.reasons[0].startswith("declares itself automatic (auto-submitted")


def test_a_reply_within_a_minute_is_machine_evidence_that_words_do_not_outweigh() -> None:
    assert classify(message("AW: Tarif", HUMAN_ANSWER), VOCABULARY, 3 * 3600).label == HUMAN
    fast = classify(message("AW: Tarif", HUMAN_ANSWER), VOCABULARY, 12)
    assert fast.label == UNKNOWN and says(fast, "arrived 12 s after the inquiry")
    # The audit can lower the limit (the sandbox compresses time): then the same reply is human.
    assert classify(message("AW: Tarif", HUMAN_ANSWER), VOCABULARY, 12, fast_seconds=5).label == HUMAN
    ack = "Danke für die Nachricht, wir melden uns."
    assert classify(message("AW: Tarif", ack), VOCABULARY, 3600).label == ACKNOWLEDGEMENT
    assert classify(message("AW: Tarif", ack), VOCABULARY, 1).label == ACKNOWLEDGEMENT


def test_nothing_falls_through_to_human() -> None:
    # A few words, not in a thread, no machine evidence: neither clearly a person nor a machine.
    assert classify(message("Ihre Nachricht", "Siehe Anhang."), VOCABULARY, 3600).label == UNKNOWN
    # The same few words as a threaded answer that quotes the inquiry are a person's short answer.
    short = "Ja, das geht.\n\nViele Grüße\nJana Keller\n\nAm 02.03.2026 schrieb Anna Schmidt:\n> Geht das?"
    assert classify(message("AW: Tarif", short), VOCABULARY, 3600).label == HUMAN


def test_an_echo_of_the_inquiry_is_not_the_authors_own_text() -> None:
    inquiry = (
        "Guten Tag, ich möchte meinen Tarif zum Monatsende wechseln. Geht das ohne Gebühr, und "
        "bekomme ich die neuen Unterlagen per Post oder per E-Mail? Viele Grüße, Anna Schmidt"
    )
    receipt = (
        "Guten Tag,\n\nfolgende Anfrage haben wir am 02.03.2026 entgegengenommen:\n\n"
        f"Name: Anna Schmidt\nE-Mail: anna.schmidt@mailbox.example\nNachricht: {inquiry}\n\n"
        "Ihr Service-Team"
    )
    sent = ("Tarifwechsel", inquiry, "Anna Schmidt", "anna.schmidt@mailbox.example")
    echoed = classify(message("Kontaktformular", receipt), VOCABULARY, 3600, sent)
    assert echoed.label != HUMAN
    assert says(echoed, "repeat the inquiry")
    # Without knowing what was sent, the same text looks like a written answer.
    assert classify(message("Kontaktformular", receipt), VOCABULARY, 3600).label == HUMAN


def test_quoted_text_and_signature_do_not_make_a_deflection() -> None:
    assert "rufen" not in written_text(HUMAN_ANSWER, VOCABULARY).lower()
    assert "0800" not in written_text(HUMAN_ANSWER, VOCABULARY)
    assert classify(message("AW: Tarif", HUMAN_ANSWER), VOCABULARY, 3600).label == HUMAN


def test_acknowledgement_without_any_auto_reply_header() -> None:
    body = (
        "Vielen Dank für Ihre Nachricht. Ihre Anfrage ist bei uns eingegangen und wird unter der "
        "Ticketnummer 48213 bearbeitet. Wir melden uns innerhalb von zwei Werktagen."
    )
    result = classify(message("Ihre Anfrage [#48213]", body), VOCABULARY, 40)
    assert result.label == ACKNOWLEDGEMENT
    assert "text: 'ist bei uns eingegangen'" in result.reasons


def test_german_out_of_office_without_headers() -> None:
    body = "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 14.03. nicht im Büro."
    assert classify(message("Abwesenheitsnotiz: Tarif", body), VOCABULARY, 2).label == AUTO_REPLY


def test_auto_submitted_header_alone_is_automated_but_says_so() -> None:
    result = classify(message("Re: Tarif", "OK.", Auto_Submitted="auto-replied"), VOCABULARY, 2)
    assert result.label == AUTO_REPLY
    assert says(result, "Auto-Submitted: auto-replied")


def test_deflection_to_the_hotline_but_an_answer_that_offers_a_call_is_human() -> None:
    body = "Guten Tag,\n\nbitte rufen Sie uns für Ihr Anliegen unter unserer Hotline an.\n\nViele Grüße\nTeam"
    assert classify(message("AW: Tarif", body), VOCABULARY, 3600).label == DEFLECTION
    answered = (
        "Guten Tag,\n\nder Wechsel ist zum Monatsende möglich, die Gebühr beträgt einmalig 10 Euro und "
        "wird mit der nächsten Rechnung verrechnet. Ihr neuer Tarif gilt dann ab dem ersten Tag des "
        "Folgemonats.\nFür Details rufen Sie uns bitte unter 0800 123456 an.\n\nViele Grüße\nJana Wolff"
    )
    result = classify(message("AW: Tarif", answered), VOCABULARY, 3600)
    assert result.label == HUMAN and says(result, "mentions another channel, but answers too")


def test_marketing_needs_bulk_markers_and_is_never_a_reply() -> None:
    promo = "Nur heute 20 % Rabatt mit dem Gutscheincode SALE20!\n\nNewsletter abbestellen: hier klicken."
    result = classify(message("Sale", promo, List_Unsubscribe="<mailto:u@shop.example>"), VOCABULARY)
    assert result.label == MARKETING and "header List-Unsubscribe" in result.reasons
    threaded = message("AW: Sale", promo, List_Unsubscribe="<mailto:u@shop.example>", In_Reply_To="<a@b.c>")
    assert classify(threaded, VOCABULARY).label != MARKETING


def test_bounce_by_sender_and_subject_without_a_dsn() -> None:
    built = message("Undeliverable: Tarif", "Delivery has failed.", sender="MAILER-DAEMON@mx.shop.example")
    assert classify(built, VOCABULARY).label == BOUNCE


def test_an_audit_vocabulary_replaces_the_shipped_one(tmp_path: Path) -> None:
    own = tmp_path / "probes" / "vocabulary"
    own.mkdir(parents=True)
    shipped = (Path(__file__).resolve().parents[1] / "probes/vocabulary/replies.toml").read_text()
    own.joinpath("replies.toml").write_text(shipped.replace('"abwesenheitsnotiz", ', '"hors du bureau", '))
    body = "Bonjour, je suis absent."
    assert classify(message("Hors du bureau", body), VOCABULARY).label == UNKNOWN
    assert classify(message("Hors du bureau", body), Vocabulary.load(tmp_path)).label == AUTO_REPLY


def test_hostile_and_empty_messages_do_not_break_classification() -> None:
    result = classify(EmailMessage(), VOCABULARY)
    assert result.label == UNKNOWN and result.reasons  # an empty message is nobody's answer
    broken = mail.parse(
        b"From: =?x-unknown?q?=FF?= <a@b.example>\r\nSubject: =?utf-8?b?!!!?=\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: message/delivery-status\r\n\r\ngarbage\r\n--x--\r\n"
    )
    assert classify(broken, VOCABULARY).label == BOUNCE
