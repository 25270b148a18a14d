"""Quality scoring: facts answered, the form checks, and the rule behind every point."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from servaudit.i18n import Locale
from servaudit.replies.classify import DEFLECTION, HUMAN, MARKETING, Signals, Vocabulary
from servaudit.replies.quality import (
    POINTS,
    Check,
    QualityScore,
    QualityVocabulary,
    score_reply,
    stock_facts,
)
from servaudit.report import environment
from servaudit.report.render import language_globals

VOCABULARY = Vocabulary.load()
QUALITY = QualityVocabulary.load()
FACTS = (
    "Wechsel vor Ablauf möglich: vor ablauf * möglich | jederzeit möglich",
    "Kosten des Wechsels: kostenlos | keine kosten | kostet * euro",
)


def reply(
    body: str, sender: str = "Jana Wolff <j.wolff@nordwind.example>", subject: str = "AW: Tarif"
) -> Signals:
    built = EmailMessage()
    built["From"] = sender
    built["To"] = "anna.schmidt@mailbox.example"
    built["Subject"] = subject
    built.set_content(body)
    return Signals(built, VOCABULARY, 3600)


def scored(body: str, language: str = "de", facts: tuple[str, ...] = FACTS, **kwargs: str) -> QualityScore:
    result = score_reply(reply(body, **kwargs), HUMAN, "Anna Schmidt", language, facts, QUALITY)
    assert result is not None
    return result


def check(result: QualityScore, name: str) -> Check:
    return next(c for c in result.checks if c.name == name)


GOOD = (
    "Sehr geehrte Frau Schmidt,\n\nein Wechsel ist auch vor Ablauf der Laufzeit möglich "
    "und für Sie kostenlos. Antworten Sie einfach auf diese E-Mail, dann stelle ich den Tarif um. "
    "Ihre Vorgangsnummer: 2026-4471.\n\n"
    "Mit freundlichen Grüßen\nJana Wolff\nKundenservice\nTelefon: 040 123456\n\n"
    "Am 02.03.2026 schrieb Anna Schmidt:\n> Was kostet ein Wechsel? Ist er kostenlos?\n"
)


def test_points_add_up_to_100_and_a_model_answer_gets_them_all() -> None:
    assert sum(POINTS.values()) == 100
    result = scored(GOOD)
    failed = [c for c in result.checks if not c.passed]
    assert result.score == 100 and result.answered == "fully", failed
    assert all(c.rule for c in result.checks)
    assert "'Jana Wolff'" in check(result, "named_agent").rule


def test_facts_fully_partly_not_and_only_in_the_new_text() -> None:
    partly = scored("Guten Tag Frau Schmidt,\n\nder Wechsel ist kostenlos.\n\nGrüße\nJana Wolff")
    assert partly.answered == "partly" and check(partly, "facts").points == 20
    assert "missing: 'Wechsel vor Ablauf möglich'" in check(partly, "facts").rule
    # The quoted inquiry mentions "kostenlos": quoted words never answer a fact.
    quoted_only = scored("Guten Tag,\n\nwir prüfen das.\n\nAm 02.03. schrieb Anna:\n> Ist es kostenlos?")
    assert quoted_only.answered == "not" and check(quoted_only, "facts").points == 0
    no_facts = scored(GOOD, facts=())
    assert no_facts.answered == "not" and "lists no facts" in check(no_facts, "facts").rule


def test_a_fact_without_phrases_needs_all_of_its_own_words() -> None:
    facts = ("Rücksendung innerhalb dreißig Tagen",)
    assert (
        scored("Guten Tag,\n\ndie Rücksendung ist innerhalb von dreißig Tagen frei.", facts=facts).answered
        == "fully"
    )
    partial = scored("Guten Tag,\n\ndie Rücksendung ist möglich.", facts=facts)
    assert partial.answered == "not" and "by its own words" in check(partial, "facts").rule


def test_informal_german_and_missing_greeting_fail_their_checks() -> None:
    result = scored("Hey,\n\nklar, du kannst jederzeit wechseln, das ist kostenlos für dich.\n\nLG Team")
    assert not check(result, "formal_address").passed and "du" in check(result, "formal_address").rule
    assert not check(result, "greeting_by_name").passed
    english = scored("Hi there,\n\nyou can switch at any time.", language="en")
    assert check(english, "formal_address").passed and "English" in check(english, "formal_address").rule


def test_team_signature_is_not_a_named_agent_and_noreply_costs_points() -> None:
    body = "Guten Tag Frau Schmidt,\n\nder Wechsel ist kostenlos.\n\nFreundliche Grüße\nIhr Service Team"
    result = scored(body, sender="Nordwind <noreply@nordwind.example>")
    assert not check(result, "named_agent").passed
    assert (
        not check(result, "noreply_sender").passed
        and "noreply@nordwind.example" in check(result, "noreply_sender").rule
    )
    assert not check(result, "signature_contact").passed


def test_unneeded_data_request_and_redirect_are_named() -> None:
    body = (
        "Guten Tag Frau Schmidt,\n\nbitte nennen Sie uns Ihre Kundennummer und Ihr Geburtsdatum. "
        "Für alles Weitere rufen Sie bitte unsere Hotline unter 0800 123456 an.\n\nGrüße\nJana Wolff"
    )
    result = scored(body)
    data = check(result, "unneeded_data_request")
    assert not data.passed and "customer number" in data.rule and "date of birth" in data.rule
    assert not check(result, "redirected").passed and "0800 123456" in check(result, "redirected").rule
    assert check(scored(GOOD), "unneeded_data_request").passed


def test_reference_number_in_subject_or_text() -> None:
    subject = scored("Guten Tag,\n\nerledigt.", subject="AW: [Ticket#2026030210000123] Tarif")
    assert check(subject, "reference_number").passed and "subject" in check(subject, "reference_number").rule
    assert not check(scored("Guten Tag,\n\nerledigt."), "reference_number").passed


def test_only_replies_with_content_are_scored() -> None:
    signals = reply(GOOD)
    assert score_reply(signals, MARKETING, "Anna Schmidt", "de", FACTS, QUALITY) is None
    assert score_reply(signals, DEFLECTION, "Anna Schmidt", "de", FACTS, QUALITY) is not None


def test_stock_scenarios_carry_facts_in_the_documented_format() -> None:
    for name in ("tarifwechsel", "delivery"):
        facts = stock_facts(name)
        assert facts and all(":" in f and "|" in f for f in facts), name
    assert stock_facts("no-such-scenario") == ()
    assert stock_facts("../vocabulary/replies") == ()


def test_score_survives_the_store_round_trip() -> None:
    result = scored(GOOD)
    assert QualityScore.from_json(result.to_json()) == result


@dataclass
class FakeReply:
    label: str
    auto_label: str
    manual_label: str | None
    manual_score: str


def test_partial_shows_both_values_and_escapes_hostile_rules() -> None:
    env = environment(None)
    env.globals.update(language_globals(Locale("en")))
    hostile = Check("next_step", True, 10, "names a next step ('<script>alert(1)</script>')")
    quality = QualityScore(55, "partly", (hostile,))
    html = env.get_template("partials/reply_quality.html").render(
        quality=quality, reply=FakeReply(DEFLECTION, HUMAN, DEFLECTION, "40")
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>55</strong>/100" in html and "<strong>40</strong>/100" in html
    assert "label human" in html and "label deflection" in html
    assert env.get_template("partials/reply_quality.html").render(quality=None, reply=None).strip() == ""
