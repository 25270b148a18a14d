"""The shortcuts discovery reads pages with find exactly what the plain way finds: each is held to the
plain computation it replaces over generated input (hypothesis), not over a few examples."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from servaudit.discover import extract as extract_module
from servaudit.discover import phones
from servaudit.discover.extract import extract, extract_channels, extract_links
from servaudit.discover.fingerprints import Fingerprints, HelpVendor, Network, load_fingerprints
from servaudit.discover.page import _Parser, parse_page
from servaudit.discover.phones import HOME_REGION, MAX_TRIES, Phone, phones_in_text

PHONE_PIECES = (
    "0800 1234567", "+49 30 1234567", "(030) 123 45 67", "0180 5 123456", "01805 123456", "0049 89 123456",
    "030/1234567", "+1 650 253 0000", "0900 1 234567", "12/10/2020", "2012-01-02 08", ":30", " ext. 12",
    " x 5", "123-456", "211-227 (2003)", "Tel.:", "Fax", "abc", "€", "%", "-", " - ", ".", "/", "\n", " ",
    "\u00a0", "\u2013", "٣", "Mo–Fr 8–20 Uhr", "info@site0003.example", "site0000",
)  # fmt: skip


def whole_text(text: str, max_tries: int) -> list[Phone]:
    """phones_in_text as it was: phonenumbers' matcher over the whole text at once, every number read anew."""
    if "0" not in text and "+" not in text:
        return []
    found = []
    matcher = phonenumbers.PhoneNumberMatcher(text, HOME_REGION, phonenumbers.Leniency.VALID, max_tries)
    for match in matcher:
        if phones._DIALLED.match(match.raw_string):
            phone = phones._phone(match.number)
            if phone is not None:
                found.append(phone)
    return found


texts = st.lists(
    st.one_of(st.sampled_from(PHONE_PIECES), st.text(alphabet="0123456789 +-/().\nx€%a:", max_size=14)),
    max_size=14,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts, st.one_of(st.just(MAX_TRIES), st.integers(1, 6)))
def test_phones_line_by_line_are_the_whole_texts(text: str, max_tries: int) -> None:
    # The lines (and numbers) remembered from earlier examples are used here as they would be on a
    # site's next page, also under a smaller budget of failed tries than they were first read with.
    assert phones_in_text(text, max_tries) == whole_text(text, max_tries)


NOISE = "1-1 " * 3
"""Each "1-1" is a failed try of the matcher's (a few, in fact): enough of them and its budget runs out."""


def test_a_remembered_line_spends_its_tries_again() -> None:
    text = f"{NOISE}\n{NOISE}\nTel. 0800 1234567"
    phones_in_text(NOISE)  # remembered with the tries it took
    assert [p.e164 for p in whole_text(text, MAX_TRIES)] == ["+498001234567"]
    assert whole_text(text, 6) == phones_in_text(text, 6) == []
    assert [p.e164 for p in phones_in_text(text)] == ["+498001234567"]


def test_a_remembered_line_is_read_again_when_fewer_tries_are_left() -> None:
    line = f"{NOISE}Tel. 0800 1234567"
    assert [p.e164 for p in phones_in_text(line)] == ["+498001234567"]  # remembered with its tries
    assert whole_text(line, 3) == phones_in_text(line, 3) == []


def test_a_line_cut_short_by_the_budget_is_not_remembered() -> None:
    line = f"{NOISE}Tel. 0800 1234568"
    assert phones_in_text(line, 3) == []  # the budget ran out before the number
    assert [p.e164 for p in phones_in_text(line)] == ["+498001234568"]


def plain_join(base: str, href: str) -> str:
    """page.py's _absolute as it was: urljoin for every link, "" where urljoin gives up."""
    try:
        return urljoin(base, href)
    except ValueError:
        return ""


bases = st.builds(
    "{}://{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "Https", "ftp", "foo", ""]),
    st.one_of(
        st.sampled_from(["shop.example", "www.shop.example:8080", "u@h", "[::1]"]), st.text("abAB.-:@[]19 ")
    ),
    st.text(alphabet="/a.?#;%\t", max_size=10),
)
hrefs = st.one_of(
    st.lists(
        st.sampled_from(["/", "a", ".", "..", "b.html", "~x", "-", "_", "Z9", "//", "?q", "#f", ";p"])
    ).map("".join),
    st.text(alphabet="/a.-_~Z9?#;%: @\t\n", max_size=16),
)


@settings(max_examples=2000, deadline=None)
@given(bases, hrefs)
def test_links_are_made_absolute_as_urljoin_makes_them(base: str, href: str) -> None:
    assert _Parser(base)._absolute(href) == plain_join(base, href.strip())


@settings(max_examples=500, deadline=None)
@given(
    bases, st.sampled_from(["/x/", "//other.example/", "https://b.example/d/", "../up/", "ftp://f/"]), hrefs
)
def test_links_after_a_base_tag_are_made_absolute_as_urljoin_makes_them(
    base: str, tag: str, href: str
) -> None:
    parser = _Parser(base)
    try:
        parser.handle_starttag("base", [("href", tag)])
    except ValueError:
        return  # parse_page keeps what was read until then: no link after it is made
    assert parser._absolute(href) == plain_join(parser.base, href.strip())


def fixture_pages() -> list[tuple[str, str]]:
    """Every HTML fixture of the tests and the sandbox's form pages, each under a made-up address."""
    root = Path(__file__).resolve().parent.parent
    files = sorted(root.glob("tests/**/*.html")) + sorted(root.glob("servaudit/sandbox/forms_pages/*.html"))
    assert len(files) > 50
    base = "https://www.fixture.example/"
    return [(base + f.relative_to(root).as_posix(), f.read_text("utf-8", "replace")) for f in files]


def test_links_then_channels_make_what_extract_makes() -> None:
    prints = load_fingerprints()
    for depth, (url, html) in enumerate(fixture_pages()):
        page = parse_page(url, html)
        found = extract_links(page, depth % 3, "fixture.example", prints)
        extract_channels(page, depth % 3, prints, found)
        assert found == extract(page, depth % 3, "fixture.example", prints), url


def network_as_it_was(url: str, prints: Fingerprints) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path_query = parts.path + ("?" + parts.query if parts.query else "")
    for network in prints.networks:
        if not any(host == h or host.endswith("." + h) for h in network.hosts):
            continue
        lowered = path_query.lower()
        if any(lowered.startswith(p.lower()) for p in network.not_paths):
            return None
        if network.needs_path and parts.path.strip("/") == "":
            return None
        return network.id
    return None


def help_kind_as_it_was(url: str, text: str, prints: Fingerprints) -> tuple[str, str | None] | None:
    lowered_url, lowered_text = url.lower(), text.lower()
    for vendor in prints.help_vendors:
        if any(p in lowered_url for p in vendor.url):
            return vendor.kind, vendor.id
    path = urlsplit(lowered_url).path + " " + (urlsplit(lowered_url).hostname or "")
    for kind, words in prints.help_kinds:
        if extract_module._any_word_in(words, lowered_text) or extract_module._any_word_in(words, path):
            return kind, None
    return None


LABELS = ("a", "b", "shop", "instagram", "com", "de", "x-y", "hilfe", "")
domains = st.lists(st.sampled_from(LABELS), min_size=1, max_size=4).map(".".join)
words = st.lists(
    st.sampled_from(["hilfe", "faq", "help", "forum", "community", "a", "ä", "com", ""]), max_size=4
)
networks = st.lists(
    st.builds(
        lambda index, hosts, not_paths, needs_path: Network(
            f"n{index}", "N", tuple(hosts), tuple(not_paths), needs_path
        ),
        st.integers(0, 99),
        st.lists(domains, max_size=3),
        st.lists(st.sampled_from(["/", "/p", "/explore", "/a?"]), max_size=2),
        st.booleans(),
    ),
    max_size=5,
)
help_kinds = st.lists(
    st.tuples(st.sampled_from(["faq", "community", "help-centre"]), words.map(tuple)), max_size=4
)
help_vendors = st.lists(
    st.builds(
        lambda index, urls: HelpVendor(f"v{index}", "V", "help-centre", tuple(urls), ()),
        st.integers(0, 99),
        st.lists(st.sampled_from(["zendesk.com", "/hc/", "hilfe.", "a", ""]), max_size=3),
    ),
    max_size=4,
)
link_urls = st.builds(
    "https://{}{}".format,
    domains,
    st.lists(st.sampled_from(["/", "p", "hilfe", "faq", "?a", "explore", "Hc"])).map("".join),
)


@settings(max_examples=1500, deadline=None)
@given(
    networks,
    help_kinds,
    help_vendors,
    link_urls,
    st.sampled_from(["", "Hilfe", "FAQ und Hilfe", "forumla", "ä"]),
)
def test_link_lookups_find_what_the_loops_found(
    nets: list[Network],
    kinds: list[tuple[str, tuple[str, ...]]],
    vendors: list[HelpVendor],
    url: str,
    text: str,
) -> None:
    prints = replace(
        load_fingerprints(), networks=tuple(nets), help_kinds=tuple(kinds), help_vendors=tuple(vendors)
    )
    assert extract_module._network(url, prints) == network_as_it_was(url, prints)
    assert extract_module._help_kind(url, text, prints) == help_kind_as_it_was(url, text, prints)


def hours_as_they_were(text: str, prints: Fingerprints) -> list[str]:
    pattern = extract_module._hours_pattern(prints.weekdays, prints.always)
    return [" ".join(m.group(0).split()) for line in text.splitlines() for m in pattern.finditer(line)]


HOURS_PIECES = (
    "Mo–Fr 8–20 Uhr", "Montag bis Freitag von 8 bis 18 Uhr", "Mon-Fri 9am-5pm", "rund um die Uhr", "Sa", "mo",
    "9", "10:30", "-", " ", "\n", "bis", "x", "Öffnungszeiten:", "und", ",", "24/7", "Samstag", ".",
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(HOURS_PIECES), max_size=14).map("".join))
def test_hours_are_found_as_line_by_line(text: str) -> None:
    prints = load_fingerprints()
    page = parse_page("https://shop.example/", "<p>" + text.replace("\n", "<br>") + "</p>")
    found = extract_module.PageFindings()
    extract_module._hours(page, 0, prints, found)
    assert [h.text for h in found.hours] == hours_as_they_were(page.text, prints)
