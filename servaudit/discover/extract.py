"""Contact channels in one page: e-mail, phone, forms, chat widgets, help, social profiles, hours."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from servaudit.discover.fingerprints import ChatVendor, Fingerprints
from servaudit.discover.legal import legal_hints
from servaudit.discover.model import (
    ChatFound,
    EmailFound,
    FieldFound,
    Findings,
    FormFound,
    HelpFound,
    HoursFound,
    PhoneFound,
    SocialFound,
)
from servaudit.discover.page import Form, PageFacts
from servaudit.discover.phones import parse_phone, phones_in_text

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b"
)
# "service (at) shop (dot) de", "service[at]shop.de", "service ät shop punkt de"
_AT = re.compile(r"\s*[\[(\{<]\s*(?:at|ät|@)\s*[\])\}>]\s*|\s+(?:at|ät)\s+", re.I)
_DOT = re.compile(r"\s*[\[(\{<]\s*(?:dot|punkt)\s*[\])\}>]\s*|\s+(?:dot|punkt)\s+", re.I)
_NOT_MAIL_SUFFIX = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".js", ".css")
_SEARCH_NAMES = frozenset({"q", "s", "search", "query", "suche", "searchterm", "keyword", "term"})
_FILLABLE = frozenset({"text", "email", "tel", "textarea", "select", "number", "url", "date"})
_TIME = r"\d{1,2}(?:[:.]\d{2})?\s*(?:uhr|h|am|pm)?"
_TIME_RANGE = rf"{_TIME}\s*(?:-|–|—|bis|to|until)\s*{_TIME}"
_MAX_HOURS_TEXT = 160


@dataclass
class PageFindings(Findings):
    follow: list[tuple[str, bool]] = field(default_factory=list)
    """Same-site links to crawl, each with whether it looks like a way to contact."""

    @property
    def shows_a_channel(self) -> bool:
        return bool(self.emails or self.phones or self.forms or self.chats)


def same_site(host: str, site_host: str) -> bool:
    """www.shop.example and shop.example are one site; any other host is not."""
    return host.removeprefix("www.") == site_host.removeprefix("www.")


def extract(page: PageFacts, depth: int, site_host: str, prints: Fingerprints) -> PageFindings:
    found = extract_links(page, depth, site_host, prints)
    extract_channels(page, depth, prints, found)
    return found


def extract_links(page: PageFacts, depth: int, site_host: str, prints: Fingerprints) -> PageFindings:
    """A page's links: the same-site ones to follow (``follow``), social profiles and help centres.

    The first half of extract(), for a crawler that sends the next requests before it reads the
    rest of the page with extract_channels(page, depth, prints, found) on what this returns: the
    halves fill separate lists, so both in turn make exactly what extract() makes."""
    found = PageFindings()
    _links(page, depth, site_host, prints, found)
    return found


def extract_channels(page: PageFacts, depth: int, prints: Fingerprints, found: PageFindings) -> None:
    """The rest of a page into ``found``: e-mail, phones, forms, chats, opening hours, legal hints."""
    _emails(page, depth, found)
    _phones(page, depth, found)
    _forms(page, depth, found)
    _chats(page, depth, prints, found)
    _hours(page, depth, prints, found)
    if prints.legal is not None:
        found.legal += legal_hints(page, depth, found.emails, found.phones, prints.legal)


def _clean_address(address: str) -> str | None:
    address = address.strip().strip(".,;:<>()[]\"'").lower()
    if address.count("@") != 1 or address.endswith(_NOT_MAIL_SUFFIX) or not _EMAIL.fullmatch(address):
        return None
    return address


def _emails(page: PageFacts, depth: int, found: PageFindings) -> None:
    for link in page.links:
        if link.href.lower().startswith("mailto:"):
            targets = unquote(link.href[7:].split("?", 1)[0])
            for raw in targets.split(","):
                address = _clean_address(raw)
                if address:
                    found.emails.append(EmailFound(address, depth, page.url, "mailto"))
    text = _DOT.sub(".", _AT.sub("@", page.text))
    for match in _EMAIL.finditer(text):
        address = _clean_address(match.group(0))
        if address:
            found.emails.append(EmailFound(address, depth, page.url, "text"))


def _phones(page: PageFacts, depth: int, found: PageFindings) -> None:
    for link in page.links:
        scheme, _, target = link.href.partition(":")
        if scheme.lower() in ("tel", "callto"):
            phone = parse_phone(target)
            if phone:
                found.phones.append(PhoneFound(phone.display, phone.e164, phone.type, depth, page.url, "tel"))
    for phone in phones_in_text(page.text):
        found.phones.append(PhoneFound(phone.display, phone.e164, phone.type, depth, page.url, "text"))


def is_contact_form(form: Form) -> bool:
    """A form a customer writes to the company with: not a search, login or newsletter sign-up."""
    kinds = [f.type for f in form.fields]
    if form.role == "search" or "search" in kinds or "password" in kinds:
        return False
    fillable = [f for f in form.fields if f.type in _FILLABLE]
    if len(fillable) == 1 and fillable[0].name.lower() in _SEARCH_NAMES:
        return False
    return "textarea" in kinds or (len(fillable) >= 3 and any(f.type == "email" for f in fillable))


def _forms(page: PageFacts, depth: int, found: PageFindings) -> None:
    for form in page.forms:
        if not is_contact_form(form):
            continue
        fields = tuple(
            FieldFound(f.name, f.type, f.label[:120], f.required)
            for f in form.fields
            if f.type not in ("hidden", "submit", "button", "reset", "image")
        )
        found.forms.append(FormFound(page.url, form.action, form.method, fields, depth))


def _chats(page: PageFacts, depth: int, prints: Fingerprints, found: PageFindings) -> None:
    scripts = [s.lower() for s in page.script_srcs]
    frames = [s.lower() for s in page.iframe_srcs]
    inline = "\n".join(page.inline_scripts).lower()
    if not _any_chat_pattern(prints, scripts, frames, inline, page.html):
        return  # the usual page: one search per place instead of one per vendor, place and pattern
    for vendor in prints.chats:
        evidence = (
            _first_in(vendor.script_src, scripts, "script")
            or _first_in(vendor.iframe_src, frames, "iframe")
            or _first_in(vendor.inline, [inline], "inline script")
            or _first_in(vendor.html, [page.html], "page")
        )
        if evidence:
            found.chats.append(ChatFound(vendor.id, vendor.name, evidence, page.url, depth))


_last_chats: tuple[ChatVendor, ...] | None = None
_last_places: tuple[re.Pattern[str] | None, ...] = ()
"""The last fingerprints' chat vendors and their alternations (one set of fingerprints a run)."""


def _any_chat_pattern(
    prints: Fingerprints, scripts: list[str], frames: list[str], inline: str, html: str
) -> bool:
    """Whether any vendor's pattern is in its place at all: exactly when the loop in _chats finds
    one, since each place's alternation holds every vendor's literal patterns for that place."""
    global _last_chats, _last_places
    if _last_chats is not prints.chats:  # (hashing the vendors per page cost as much as the search)
        _last_chats, _last_places = prints.chats, _chat_places(prints.chats)
    for pattern, haystacks in zip(_last_places, (scripts, frames, [inline], [html]), strict=True):
        if pattern is not None and any(pattern.search(hay) for hay in haystacks):
            return True
    return False


def _chat_places(chats: tuple[ChatVendor, ...]) -> tuple[re.Pattern[str] | None, ...]:
    """Per place (script, iframe, inline script, page), one alternation of the vendors' literal
    patterns; None where no vendor has one (no string contains one of no patterns)."""
    places = []
    for place in ("script_src", "iframe_src", "inline", "html"):
        literals = [re.escape(p) for vendor in chats for p in getattr(vendor, place)]
        places.append(re.compile("|".join(literals)) if literals else None)
    return tuple(places)


def _first_in(patterns: tuple[str, ...], haystacks: list[str], where: str) -> str | None:
    for pattern in patterns:
        if any(pattern in hay for hay in haystacks):
            return f"{where} contains {pattern!r}"
    return None


@functools.lru_cache(maxsize=8)
def _hours_pattern(weekdays: tuple[str, ...], always: tuple[str, ...]) -> re.Pattern[str]:
    """ "Mo–Fr 8–20 Uhr", "Montag bis Freitag von 8 bis 18 Uhr", "Mon-Fri 9am-5pm", "rund um die Uhr"."""
    day = "(?:" + "|".join(re.escape(d) for d in sorted(weekdays, key=len, reverse=True)) + r")\.?"
    days = rf"\b{day}(?:\s*(?:-|–|—|bis|to|through|und|and|,|/)\s*{day})*"
    times = rf"{_TIME_RANGE}(?:\s*(?:,|und|and|&)\s*{_TIME_RANGE})*"
    alternatives = [rf"{days}\W{{0,12}}(?:von\s+|from\s+)?{times}", *(re.escape(a) for a in always)]
    return re.compile("|".join(alternatives), re.I)


def _hours(page: PageFacts, depth: int, prints: Fingerprints, found: PageFindings) -> None:
    pattern = _hours_pattern(prints.weekdays, prints.always)
    if pattern.search(page.text) is None:
        # One search instead of one per line: a match in a line is one in the whole text too (its
        # one assertion, \b before a weekday, sees a line break beside the line as it sees its edge).
        return
    for line in page.text.splitlines():
        for match in pattern.finditer(line):
            text = " ".join(match.group(0).split())[:_MAX_HOURS_TEXT]
            found.hours.append(HoursFound(text, depth, page.url))


@dataclass(frozen=True)
class _LinkLookups:
    """One set of fingerprints' link vocabularies made ready for one search a link instead of a loop."""

    network_by_host: dict[str, int]
    """A network's host → the first network (index in prints.networks) that lists it."""
    help_urls: re.Pattern[str] | None
    """Every help vendor's URL literals in one alternation; None where no vendor has any."""
    help_words: re.Pattern[str]
    """Every help kind's words, as whole words, in one alternation."""


_last_prints: Fingerprints | None = None
_last_lookups: _LinkLookups | None = None
"""The last fingerprints and their lookups (one set of fingerprints a run)."""


def _link_lookups(prints: Fingerprints) -> _LinkLookups:
    global _last_prints, _last_lookups
    if _last_prints is not prints or _last_lookups is None:
        network_by_host: dict[str, int] = {}
        for index, network in enumerate(prints.networks):
            for host in network.hosts:
                network_by_host.setdefault(host, index)
        literals = [re.escape(p) for vendor in prints.help_vendors for p in vendor.url]
        words = tuple(w for _, kind_words in prints.help_kinds for w in kind_words)
        if any(not kind_words for _, kind_words in prints.help_kinds):
            words += ("",)  # a kind without words matches wherever its empty alternation does
        _last_prints = prints
        _last_lookups = _LinkLookups(
            network_by_host, re.compile("|".join(literals)) if literals else None, _whole_words(words)
        )
    return _last_lookups


def _network_index(host: str, lookups: _LinkLookups) -> int | None:
    """The first network one of whose hosts is ``host`` or a domain ``host`` is in (shop.instagram.com)."""
    found = lookups.network_by_host.get(host)
    start = host.find(".")
    while start != -1:
        index = lookups.network_by_host.get(host[start + 1 :])
        if index is not None and (found is None or index < found):
            found = index
        start = host.find(".", start + 1)
    return found


def _network(url: str, prints: Fingerprints) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path_query = parts.path + ("?" + parts.query if parts.query else "")
    first = _network_index(host, _link_lookups(prints))
    for network in prints.networks[first:] if first is not None else ():
        # (the loop as it was, from the first network that lists the host: it ends there)
        if not any(host == h or host.endswith("." + h) for h in network.hosts):
            continue
        lowered = path_query.lower()
        if any(lowered.startswith(p.lower()) for p in network.not_paths):
            return None
        if network.needs_path and parts.path.strip("/") == "":
            return None
        return network.id
    return None


def _help_kind(url: str, text: str, prints: Fingerprints) -> tuple[str, str | None] | None:
    lowered_url, lowered_text = url.lower(), text.lower()
    lookups = _link_lookups(prints)
    # Each loop runs only when one search over all its patterns finds one: the usual link is no help.
    if lookups.help_urls is not None and lookups.help_urls.search(lowered_url):
        for vendor in prints.help_vendors:
            if any(p in lowered_url for p in vendor.url):
                return vendor.kind, vendor.id
    path = urlsplit(lowered_url).path + " " + (urlsplit(lowered_url).hostname or "")
    if lookups.help_words.search(lowered_text) or lookups.help_words.search(path):
        for kind, words in prints.help_kinds:
            if _any_word_in(words, lowered_text) or _any_word_in(words, path):
                return kind, None
    return None


def _any_word_in(words: tuple[str, ...], text: str) -> bool:
    return _whole_words(words).search(text) is not None


@functools.lru_cache(maxsize=64)
def _whole_words(words: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled alternation per word list, made once a run (a pattern built per word and link
    was about 5 % of discovery's CPU: bench/bench_discover.py). Whole words only: "help" must not
    match "whelp", nor "forum" "forumla"; the alternation matches where any one of the words would."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-zäöüß])(?:{alternatives})(?![a-zäöüß])")


def page_help_vendor(page: PageFacts, prints: Fingerprints) -> tuple[str, str] | None:
    """A crawled page that is itself a help centre or community, recognised by its HTML."""
    for vendor in prints.help_vendors:
        if any(p in page.html for p in vendor.html):
            return vendor.kind, vendor.id
    return None


def _links(page: PageFacts, depth: int, site_host: str, prints: Fingerprints, found: PageFindings) -> None:
    for link in page.links:
        parts = urlsplit(link.href)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        url = link.href.split("#", 1)[0]
        network = _network(url, prints)
        if network:
            found.social.append(SocialFound(network, url, depth + 1))
            continue
        help_kind = _help_kind(url, link.text, prints)
        if help_kind:
            found.help.append(HelpFound(help_kind[0], url, link.text[:120], help_kind[1], depth + 1))
        if same_site(parts.hostname.lower(), site_host):
            words = f"{link.text} {parts.path}".lower()
            found.follow.append((url, _any_word_in(prints.contact_links, words)))
