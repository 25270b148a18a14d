"""One language per report: every text a reader sees on the demo report's pages comes from the
catalogue of the report's language, or is data of the audit itself (a company's name, a reply's
words, a subject, an address, a matched phrase), or a number, date or duration.

Checked against the catalogue, not a word list: each visible text node and each title, alt and
aria-label is stripped of every fixed part of the language's messages; whatever letters remain
must be found verbatim in the audit's own data. An English reason in a German report (or a
German word in an English one) is neither, and fails.
"""

from __future__ import annotations

import email
import email.policy
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.i18n import load_catalogue
from servaudit.rejudge import refresh
from servaudit.report import render_report
from servaudit.resources import search_path
from tests.test_report_golden import GENERATED_AT, copy_fixture

SEEN_ATTRIBUTES = ("title", "alt", "aria-label")
NOTATION = ("n=", ".eml", "/100")
"""Symbols the templates write themselves: a count, a file type, a score's scale."""
_LETTERS = re.compile(r"[^\W\d_]")
_PLACEHOLDER = re.compile(r"\{\w+\}")
_URL = re.compile(r"https?://[\w.:/-]+|[\w/.-]+\.toml")
"""A page of the audit's sites (the probe visited it)."""
_ELEMENT = re.compile(r"<[a-z][\w.-]*>")
"""An element of a chat page named in a reason (``<ol.chat-log>``): the page's own markup."""


class VisibleText(HTMLParser):
    """Text nodes (not in <style>) and the attributes a reader sees, whitespace-normalised."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style":
            self._skip += 1
        for name, value in attrs:
            if name in SEEN_ATTRIBUTES and value:
                self._add(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._add(data)

    def _add(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.found.append(text)


def fragments(language: str) -> list[re.Pattern[str]]:
    """The fixed parts of every message of the language, longest first, as whole-word patterns."""
    parts = {
        part.strip()
        for text in load_catalogue(language).values()
        for part in _PLACEHOLDER.split(text)
        if _LETTERS.search(part)
    }
    return [_whole(part) for part in sorted(parts, key=len, reverse=True) if part]


def _whole(part: str) -> re.Pattern[str]:
    """A fixed part, never a piece of a longer word."""
    before = r"(?<!\w)" if part[0].isalnum() else ""
    after = r"(?!\w)" if part[-1].isalnum() else ""
    return re.compile(before + re.escape(part) + after)


def _list_items(data: object) -> list[str]:
    """The phrases of a probes/ vocabulary file: its list items (never its descriptions)."""
    if isinstance(data, dict):
        return [item for value in data.values() for item in _list_items(value)]
    if isinstance(data, list):
        return [str(v) for v in data if isinstance(v, str)] + [i for v in data for i in _list_items(v)]
    return []


def _names(data: object) -> list[str]:
    """Proper names in probes/ files: a CAPTCHA's or a chat widget's vendor (``name = …``)."""
    if isinstance(data, dict):
        return [str(v) for k, v in data.items() if k in ("name", "vendor") and isinstance(v, str)] + [
            n for v in data.values() for n in _names(v)
        ]
    return []


def _published(data: object, language: str) -> list[str]:
    """A reference's data (probes/references): its source and address as published, and of its texts
    kept in both languages ({en = …, de = …}) only the report's language's."""
    if isinstance(data, dict):
        if set(data) == {"en", "de"}:
            return [str(data[language])]
        own = [str(data[k]) for k in ("source", "url") if isinstance(data.get(k), str)]
        return own + [t for v in data.values() for t in _published(v, language)]
    if isinstance(data, list):
        return [t for v in data for t in _published(v, language)]
    return []


def audit_data(audit: Audit, language: str) -> str:
    """Everything of the audit's own that a page may show verbatim, one string per line."""
    texts: list[str] = [audit.config.audit.name, audit.config.audit.timezone, audit.config.persona.name]
    for slug, company in audit.config.companies.items():
        texts += [slug, company.name, *company.channels.values()]
    store = open_store(audit)
    try:
        for inquiry in store.inquiries():
            texts += [inquiry.id, inquiry.scenario, inquiry.target, inquiry.subject or ""]
            # A mail server's own refusal, quoted as it said it (its words are evidence, not ours).
            texts.append((inquiry.detail or "").partition("recipient refused: ")[2])
            texts += re.findall(r"“([^”]*)”", inquiry.detail or "")  # a page's words the probe quoted
        for message in store.messages():
            texts += [message.from_addr or "", message.subject or ""]
            raw = store.raw_message(message.id)
            texts.append(raw.decode("utf-8", "replace"))  # a DSN's fields (Action: failed) too
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            texts += [f"{name}: {value}" for name, value in parsed.items()]
            for part in parsed.walk():
                if part.get_content_maintype() == "text":
                    texts.append(str(part.get_content()))
        for chat in store.chats().values():
            texts += [f"{line.author}\n{line.text}\n{line.offset}" for line in chat.transcript]
        for record in store.evidence():
            texts.append(record.path)
            if record.path.endswith(".json"):  # what the probe saw on the page: confirmations, URLs
                texts.append((audit.folder / record.path).read_text(encoding="utf-8", errors="replace"))
    finally:
        store.close()
    for folder in search_path("probes", audit.folder):
        for path in folder.rglob("*.toml"):
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            texts += _list_items(data)
            texts += _names(data)
            texts += _published(data, language)
            texts += [str(f) for scenario in [data] for f in scenario.get("facts", {})]
    for scenario in audit.config.scenarios.values():
        texts += [scenario.subject, scenario.body, *scenario.followups]
    return "\n".join(" ".join(text.split()) for text in texts)


def foreign_texts(page: str, language: str, data: str, fixed: list[re.Pattern[str]]) -> list[str]:
    """The texts of a page that are neither the language's catalogue nor the audit's data."""
    messages = [*load_catalogue(language).values(), *data.splitlines()]
    parser = VisibleText()
    parser.feed(page)
    foreign = []
    for text in parser.found:
        if text in data or (text.endswith("…") and any(m.startswith(text[:-1]) for m in messages)):
            continue  # data, or a chart's label its drawing cut short
        rest = _URL.sub("\x00", _ELEMENT.sub("\x00", text))
        for pattern in fixed:
            rest = pattern.sub("\x00", rest)
        for symbol in NOTATION:
            rest = rest.replace(symbol, "\x00")
        for piece in re.split(r"[\x00'\"“”„‚‘’]|, |: | → | · ", rest):
            piece = piece.strip(" \t·;:,.()[]/+−–-=%?!✓✗…→←|")
            if _LETTERS.search(piece) and piece not in data:
                foreign.append(f"{piece!r} in {text!r}")
    return foreign


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_visible_text_is_in_the_reports_language(language: str, tmp_path: Path) -> None:
    audit = Audit.load(copy_fixture(tmp_path / "audit"))
    refresh(audit, lambda _said: None)
    result = render_report(audit, tmp_path / "report", language, generated_at=GENERATED_AT)
    data = audit_data(audit, language)
    fixed = fragments(language)
    foreign = {}
    for page in result.pages:
        found = foreign_texts(page.read_text(encoding="utf-8"), language, data, fixed)
        if found:
            foreign[page.name] = sorted(set(found))
    assert not foreign, foreign


def test_an_english_reason_in_a_german_page_is_found() -> None:
    """The check itself: catalogue words and audit data pass, a stored English sentence does not."""
    fixed = fragments("de")
    data = "Nordwind Energie GmbH\nFrage zu meinem Vertrag"
    page = (
        "<p>Gründe: eine geschriebene Antwort: 41 eigene Wörter in 3 Sätzen</p>"
        "<p title='Nordwind Energie GmbH'>“Frage zu meinem Vertrag” · 3 Sek.</p>"
    )
    assert foreign_texts(page, "de", data, fixed) == []
    page += "<p>zugeordnet über thread</p><span aria-label='accepted by 127.0.0.1:2525'></span>"
    found = foreign_texts(page, "de", data, fixed)
    assert any("thread" in f for f in found) and any("accepted by" in f for f in found), found
