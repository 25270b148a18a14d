"""Chat transcripts: evidence file, report lines, and reply rows that metrics count like e-mails."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from servaudit import message as mail
from servaudit.channels.chat.transcript import (
    TranscriptMessage,
    load_transcript,
    read_messages,
    reply_rows,
    save_transcript,
    summarise,
)
from servaudit.i18n import Locale
from servaudit.labels import Author
from servaudit.measure.facts import gather
from servaudit.measure.figures import figures
from servaudit.report import environment
from servaudit.report.render import language_globals
from servaudit.store import Store, from_text, now

T0 = 1_795_400_000_000
CHAT = (
    TranscriptMessage(Author.BOT, "Hi! How can we help?", T0 - 3_000, "Assistant", "bot", ("marked as bot",)),
    TranscriptMessage(Author.VISITOR, "Can you deliver by Friday?", T0),
    TranscriptMessage(Author.SYSTEM, "You are number 2 in the queue.", T0 + 200, None, "system"),
    TranscriptMessage(Author.BOT, "An agent will be with you shortly.", T0 + 400, "Assistant", "bot"),
    TranscriptMessage(
        Author.PERSON, "Hello, Jörg here. <b>Your</b> customer number?", T0 + 12_300, "Jörg", "human"
    ),
    TranscriptMessage(Author.VISITOR, "I have none.", T0 + 20_000),
    TranscriptMessage(Author.PERSON, "Please call us on 0800 000.", T0 + 31_000, "Jörg", "deflection"),
)


def test_summary_times_from_the_first_visitor_message() -> None:
    summary = summarise(CHAT)
    assert summary.first_reply_seconds == 0.4, "the system notice is no reply; the greeting came before"
    assert summary.first_human_seconds == 12.3
    assert summary.duration_seconds == 31.0
    assert summary.messages == 5


def test_transcript_file_round_trips_and_reads_as_report_lines(tmp_path: Path) -> None:
    path = tmp_path / "chat-transcript.json"
    save_transcript(path, CHAT, {"recipe": "generic"})
    assert read_messages(path) == CHAT
    lines = load_transcript(path)
    assert [line.side for line in lines] == [m.author for m in CHAT]
    assert lines[0].offset == "−0:03" and lines[4].offset == "+0:12" and lines[6].offset == "+0:31"
    assert lines[4].author == "Jörg" and lines[1].author == "Visitor"

    env = environment(None)
    env.globals.update(language_globals(Locale("en")))
    html = env.get_template("partials/transcript.html").render(transcript=lines)
    assert "&lt;b&gt;Your&lt;/b&gt;" in html and "<b>Your" not in html
    assert html.count('data-side="human"') == 2 and "deflection" in html


def test_reply_rows_are_small_rfc822_messages_for_the_company_side_only() -> None:
    rows = reply_rows("acme.chat.s.w1", CHAT)
    assert [r.label for r in rows] == ["system", "bot", "human", "deflection"], "no greeting, no visitor"
    parsed = mail.parse(rows[2].raw)
    assert "Jörg" in mail.header(parsed, "From")
    assert mail.body_text(parsed).strip() == "Hello, Jörg here. <b>Your</b> customer number?"
    assert rows[2].arrived_at.timestamp() * 1000 == T0 + 12_300
    assert len({r.source for r in rows}) == len(rows)


def test_stored_rows_count_as_replies_but_only_human_counts_as_a_human_answer(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite")
    sent = CHAT[1].at
    attempt = store.claim(
        {
            "id": "acme.chat.s.w1",
            "company": "acme",
            "channel": "chat",
            "scenario": "s",
            "wave": 1,
            "target": "u",
        }
    )
    assert attempt is not None
    store.finish("acme.chat.s.w1", attempt, "sent", "ok", sent, "human")
    for row in reply_rows("acme.chat.s.w1", CHAT):
        stored = store.add_message(row.source, row.raw, row.arrived_at, None, row.from_name, None)
        assert stored is not None
        store.set_match(stored, "acme.chat.s.w1", "chat")
        store.set_classification(stored, row.label, list(row.reasons))
    [facts] = gather(store.inquiries(), store.messages(), timedelta(days=14))
    assert facts.seconds_to(facts.first_human) == 12.3
    assert facts.seconds_to(facts.first_response) == 0.4, "a bot counts as a response, a notice does not"
    figs = figures([facts], now(), timedelta(days=14))
    assert figs.human_responded == 1 and figs.median_first_human_response_seconds == 12.3
    assert figs.outcome == "human"
    assert from_text(store.inquiries()[0].sent_at.isoformat()) == sent  # type: ignore[union-attr]


def test_a_transcript_written_before_the_author_enum_still_reads(tmp_path: Path) -> None:
    # Exactly what the earlier code wrote: the person's author spelled "human", like its label.
    path = tmp_path / "chat-transcript.json"
    path.write_text(
        '{"format": 1, "recipe": "generic", "messages": ['
        '{"author": "visitor", "text": "Hallo?", "at_ms": 1000, "name": null, "label": null, "reasons": []},'
        '{"author": "human", "text": "Guten Tag!", "at_ms": 4000, "name": "Jörg", "label": "human",'
        ' "reasons": ["marked as agent"]},'
        '{"author": "chatbot", "text": "?", "at_ms": 5000}]}',
        encoding="utf-8",
    )
    visitor, person, unknown = read_messages(path)
    assert (visitor.author, person.author, person.label) == (Author.VISITOR, Author.PERSON, "human")
    assert unknown.author is Author.SYSTEM, "an author word the program does not know reads as a notice"
    assert summarise((visitor, person, unknown)).first_human_seconds == 3.0
    save_transcript(path, (visitor, person), {})
    assert '"author": "human"' in path.read_text(encoding="utf-8"), "new files keep the old spelling"
