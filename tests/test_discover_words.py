"""discover reads link words as whole words, through one compiled pattern per word list: a word list
matches where any one of its words stands alone, never inside a longer word."""

from __future__ import annotations

from servaudit.discover.extract import extract
from servaudit.discover.fingerprints import load_fingerprints
from servaudit.discover.page import parse_page

SITE = "http://shop.example/"
PAGE = """<!doctype html><html><body>
<a href="/kontakt">Kontakt</a>
<a href="/kontaktlinsen">Kontaktlinsen</a>
<a href="/ueber-uns">Über uns</a>
<a href="https://hilfe.shop.example/">Hilfe-Center</a>
<a href="https://whelp.example/">whelp</a>
<a href="https://forumla.example/start">Neuigkeiten</a>
<a href="https://board.example/">Zum Kundenforum</a>
<a href="https://qa.example/x">Fragen &amp; Antworten</a>
</body></html>"""


def test_link_words_count_only_as_whole_words() -> None:
    found = extract(parse_page(SITE, PAGE), 0, "shop.example", load_fingerprints(None))
    contact = {url.removeprefix(SITE.rstrip("/")): flag for url, flag in found.follow}
    assert contact == {"/kontakt": True, "/kontaktlinsen": False, "/ueber-uns": False}
    kinds = {h.url: h.kind for h in found.help}
    assert kinds == {
        "https://hilfe.shop.example/": "help-centre",
        "https://board.example/": "community",
        "https://qa.example/x": "faq",
    }
