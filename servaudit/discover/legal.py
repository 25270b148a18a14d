"""Hints about a site's duties in one page: its legal notice, costly hotlines, stale dispute-resolution
links, the contract-cancellation button and signs that the site sells continuing contracts.

Each hint is what the page shows, with the text around it as evidence; whether it is an indication
of a legal risk is measure's decision (servaudit/measure/legal.py), worded there as an indication
with its norm, never as a verdict. The words are data: probes/fingerprints/legal.toml.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from servaudit.discover.model import EmailFound, LegalFound, PhoneFound
from servaudit.discover.page import PageFacts
from servaudit.discover.phones import parse_phone
from servaudit.errors import ConfigError
from servaudit.resources import load_toml

LEGAL_FILE = "fingerprints/legal.toml"
COSTLY = ("shared-cost", "premium")
"""Tariffs a caller pays more than the basic rate for (0180x, 0900): phones.py's types."""
CONTRACT, SALES, LISTED = "contract", "sales", "listed"
SCREENSHOT_KINDS = frozenset({"imprint", "costly_hotline", "odr_link", "cancel_button"})
"""Hints whose page is evidence of a finding (or of its absence): screenshotted when discover renders."""
SNIPPET = 240
"""Characters of a page's text kept as evidence around what was found."""
CONTEXT_LINES = 1
"""Lines of text before a number read as its context: its heading ("Kundenservice") stands right above."""
HEADING_CHARS = 80
"""A line before the number counts as its heading only when it is this short; a paragraph is another topic."""
MAX_BUTTON_TEXT = 60
"""Longer link texts are sentences, not a button's label."""
_NEWSLETTER = re.compile(r"newsletter[\s-]*$", re.I)
NEWSLETTER_REACH = 12
"""Characters before a contract word searched for "Newsletter"."""
_ODR_TEXT = re.compile(r"(?:https?://)?(?:webgate\.)?ec\.europa\.eu/(?:consumers/)?odr\b[^\s\"'<>)]*", re.I)


@dataclass(frozen=True)
class LegalWords:
    imprint: tuple[str, ...]
    contract_context: tuple[str, ...]
    sales_context: tuple[str, ...]
    cancel_button: tuple[str, ...]
    contract_signs: tuple[str, ...]
    odr_hosts: tuple[str, ...]
    odr_paths: tuple[str, ...]

    def pattern(self, name: str) -> re.Pattern[str]:
        # Context words start a German compound as well ("Rechnungsfragen", "Kundenservice-Team");
        # everything else is matched as a whole word ("abo" is not "about").
        return _words_pattern(getattr(self, name), name not in ("contract_context", "sales_context"))


@functools.lru_cache(maxsize=64)
def _words_pattern(words: tuple[str, ...], whole: bool) -> re.Pattern[str]:
    # One alternation, longest first. "€/monat" starts with a symbol, so the edges are "not a
    # letter or digit" rather than \b.
    body = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    end = r"(?![\wäöüß])" if whole else ""
    return re.compile(rf"(?<![\wäöüß])(?:{body}){end}", re.I)


def _strings(data: dict[str, object], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
        raise ConfigError(f"{LEGAL_FILE}: {key} must be a non-empty list of strings")
    return tuple(v.lower() for v in value)


def load_legal_words(audit_folder: Path | None = None) -> LegalWords:
    data = load_toml(LEGAL_FILE, audit_folder)
    return LegalWords(
        imprint=_strings(data, "imprint_words"),
        contract_context=_strings(data, "contract_context"),
        sales_context=_strings(data, "sales_context"),
        cancel_button=_strings(data, "cancel_button"),
        contract_signs=_strings(data, "contract_signs"),
        odr_hosts=_strings(data, "odr_hosts"),
        odr_paths=_strings(data, "odr_paths"),
    )


def _snippet(text: str, start: int, end: int) -> str:
    half = max(0, (SNIPPET - (end - start)) // 2)
    lo, hi = max(0, start - half), min(len(text), end + half)
    return ("…" if lo else "") + " ".join(text[lo:hi].split()) + ("…" if hi < len(text) else "")


def is_imprint_page(page: PageFacts, words: LegalWords) -> bool:
    """The page is a legal notice by its address, its title or its main heading (not by a footer link)."""
    pattern = words.pattern("imprint")
    path = urlsplit(page.url).path.lower().replace("/", " ")
    return any(pattern.search(where) for where in (path, page.title, *page.headings[:2]))


def legal_hints(
    page: PageFacts,
    depth: int,
    emails: Sequence[EmailFound],
    phones: Sequence[PhoneFound],
    words: LegalWords,
) -> list[LegalFound]:
    """What one page shows of the site's duties; ``emails`` and ``phones`` are what extract found on it."""
    found: list[LegalFound] = []
    if is_imprint_page(page, words):
        addresses = ", ".join(dict.fromkeys(e.address for e in emails))
        heading = page.headings[0] if page.headings else page.title
        found.append(
            LegalFound("imprint", page.url, depth, _snippet(heading, 0, len(heading)), "", addresses)
        )
    found += _links(page, depth, words)
    found += _hotlines(page, depth, phones, words)
    found += _odr_in_text(page, depth)
    found += _contract_signs(page, depth, words)
    return found


def _links(page: PageFacts, depth: int, words: LegalWords) -> Iterable[LegalFound]:
    imprint, cancel = words.pattern("imprint"), words.pattern("cancel_button")
    for link in page.links:
        parts = urlsplit(link.href)
        host, path = (parts.hostname or "").lower(), parts.path.lower()
        if parts.scheme not in ("http", "https"):
            continue
        if host in words.odr_hosts and any(path.startswith(p) for p in words.odr_paths):
            yield LegalFound("odr_link", page.url, depth, link.text[:SNIPPET] or link.href, link.href)
        elif imprint.search(link.text) or imprint.search(path.replace("/", " ")):
            yield LegalFound("imprint_link", page.url, depth + 1, link.text[:SNIPPET], link.href)
        elif len(link.text) <= MAX_BUTTON_TEXT and cancel.search(link.text):
            yield LegalFound("cancel_button", page.url, depth, link.text, link.href)
    for text in page.buttons:
        if len(text) <= MAX_BUTTON_TEXT and cancel.search(text):
            yield LegalFound("cancel_button", page.url, depth, text, "")


def hotline_context(text: str, words: LegalWords) -> str:
    """contract: the number is offered for customers' questions; sales: only for orders or new
    customers; listed: nothing around it says what it is for."""
    if words.pattern("contract_context").search(text):
        return CONTRACT
    if words.pattern("sales_context").search(text):
        return SALES
    return LISTED


def _hotlines(
    page: PageFacts, depth: int, phones: Sequence[PhoneFound], words: LegalWords
) -> Iterable[LegalFound]:
    costly = {p.e164: p for p in phones if p.type in COSTLY}
    if not costly:
        return
    lines = page.text.splitlines()
    digits = [re.sub(r"\D", "", line) for line in lines]
    for number, phone in costly.items():
        national = "0" + number.removeprefix("+49")
        # The line that shows the number (its digits, however they are grouped), else a tel: link's text.
        at = next((i for i, d in enumerate(digits) if national in d or number[1:] in d), None)
        if at is not None:
            start = at
            while start > max(0, at - CONTEXT_LINES) and len(lines[start - 1]) <= HEADING_CHARS:
                start -= 1
            context = "\n".join(lines[start : at + 1])
            shown = lines[at]
        else:
            link = next((k for k in page.links if _dials(k.href, number)), None)
            context = shown = link.text if link is not None else phone.number
        kind = hotline_context(context, words)
        snippet = (
            " ".join(context.split())[-SNIPPET:] if len(context) > SNIPPET else " ".join(context.split())
        )
        yield LegalFound("costly_hotline", page.url, depth, snippet or shown, number, f"{kind} {phone.type}")


def _dials(href: str, number: str) -> bool:
    scheme, _, target = href.partition(":")
    if scheme.lower() not in ("tel", "callto"):
        return False
    phone = parse_phone(target)
    return phone is not None and phone.e164 == number


def _odr_in_text(page: PageFacts, depth: int) -> Iterable[LegalFound]:
    for match in _ODR_TEXT.finditer(page.text):
        yield LegalFound(
            "odr_link",
            page.url,
            depth,
            _snippet(page.text, match.start(), match.end()),
            match.group(0).rstrip(".,;:"),
        )


def _contract_signs(page: PageFacts, depth: int, words: LegalWords) -> Iterable[LegalFound]:
    seen: set[str] = set()
    for match in words.pattern("contract_signs").finditer(page.text):
        word = match.group(0).lower()
        if _NEWSLETTER.search(page.text, max(0, match.start() - NEWSLETTER_REACH), match.start()):
            continue  # "Newsletter-Abo", "Newsletter abonnieren": a mailing, not a contract
        if word not in seen:
            seen.add(word)
            yield LegalFound(
                "contract_sign", page.url, depth, _snippet(page.text, match.start(), match.end()), "", word
            )
