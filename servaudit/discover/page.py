"""One HTML page read defensively into plain facts: links, forms, scripts, frames and visible text.

Pages are hostile input: the standard library's tolerant parser reads them,
nothing is executed, and every collection is capped so that a huge or
malicious page cannot exhaust memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

MAX_LINKS = 2000
MAX_TEXT = 400_000
MAX_INLINE_SCRIPT = 20_000
MAX_FIELDS = 60
MAX_LABELS = 200
"""Headings and buttons kept per page at most."""

_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "form", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
        "table", "tbody", "td", "th", "tr", "ul",
    }
)  # fmt: skip
_HIDDEN = frozenset({"script", "style", "template", "noscript", "svg", "head", "title"})
_FIELD_TAGS = frozenset({"input", "textarea", "select"})
_READ = frozenset(
    {"title", "base", "meta", "a", "script", "iframe", "form", "label", "h1", "button", *_FIELD_TAGS}
)
"""Tags whose attributes or text handle_starttag reads; any other tag only breaks or hides text."""
_ROOTED_PATH = re.compile(r"/|(?:/[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*)+/?")
"""A path from the site's root that urljoin keeps as it is: no empty or dot segments to resolve, no
query, parameters or fragment, nothing urlsplit strips."""


@dataclass
class Link:
    href: str
    """Absolute URL (or a mailto:/tel: URL as written)."""
    text: str


@dataclass
class FormField:
    tag: str
    type: str
    name: str
    id: str
    label: str
    required: bool


@dataclass
class Form:
    action: str
    method: str
    role: str
    fields: list[FormField] = field(default_factory=list)


@dataclass
class PageFacts:
    url: str
    title: str = ""
    site_name: str = ""
    generator: str = ""
    links: list[Link] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    script_srcs: list[str] = field(default_factory=list)
    inline_scripts: list[str] = field(default_factory=list)
    iframe_srcs: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    """The text of each <h1>: what the page says it is."""
    buttons: list[str] = field(default_factory=list)
    """The text of each <button> and submit input: what a visitor can press besides links."""
    text: str = ""
    html: str = ""
    """The page's HTML, lower-cased (for fingerprints)."""


class _Parser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = url
        self.origin = _origin(url)
        self.facts = PageFacts(url=url)
        self.hidden = 0
        self.text: list[str] = []
        self.text_size = 0
        self.link: Link | None = None
        self.link_text: list[str] = []
        self.form: Form | None = None
        self.labels_for: dict[str, list[str]] = {}
        self.label: list[str] | None = None
        self.label_fields: list[FormField] = []
        self.in_title = False
        self.script: list[str] | None = None
        self.captured: tuple[str, list[str]] | None = None
        """An <h1> or <button> being read: its tag and its text so far."""

    def updatepos(self, i: int, j: int) -> int:
        # The base parser counts lines and columns up to every tag for getpos(), which nothing here
        # asks for (nor does html.parser itself): skipping it saves a count per tag.
        return j

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._add_text("\n")
        if tag not in _READ:  # most tags (div, span, li, img, …): their attributes are not read
            if tag in _HIDDEN:
                self.hidden += 1
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self.in_title = True
        elif tag == "base" and a.get("href"):
            self.base = urljoin(self.base, a["href"])
            self.origin = _origin(self.base)
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or "").lower()
            if key == "og:site_name":
                self.facts.site_name = a.get("content", "")[:200]
            elif key == "generator":
                self.facts.generator = a.get("content", "")[:200]
        elif tag == "a" and a.get("href") and len(self.facts.links) < MAX_LINKS:
            if self.link is not None:  # an unclosed <a>: browsers end it where the next one starts
                self.handle_endtag("a")
            self.link, self.link_text = Link(self._absolute(a["href"]), ""), []
            if a.get("aria-label") or a.get("title"):
                self.link_text.append(a.get("aria-label") or a.get("title") or "")
        elif tag == "script":
            if a.get("src"):
                self.facts.script_srcs.append(self._absolute(a["src"]))
            else:
                self.script = []
        elif tag == "iframe" and a.get("src"):
            self.facts.iframe_srcs.append(self._absolute(a["src"]))
        elif tag == "form":
            self.form = Form(
                action=self._absolute(a.get("action") or self.facts.url),
                method=(a.get("method") or "get").lower(),
                role=a.get("role", "").lower(),
            )
            self.facts.forms.append(self.form)
        elif tag == "label":
            self.label = []
            if a.get("for"):
                self.labels_for.setdefault(a["for"], self.label)
            self.label_fields = []
        elif tag in ("h1", "button") and self.captured is None:
            self.captured = (tag, [a.get("aria-label", "")])
        if tag == "input" and a.get("type", "").lower() in ("submit", "button") and a.get("value"):
            self._keep(self.facts.buttons, a["value"])
        if tag in _FIELD_TAGS and self.form is not None and len(self.form.fields) < MAX_FIELDS:
            kind = tag if tag != "input" else (a.get("type") or "text").lower()
            found = FormField(
                tag=tag,
                type=kind,
                name=a.get("name", ""),
                id=a.get("id", ""),
                label=a.get("aria-label") or a.get("placeholder") or "",
                required="required" in a or a.get("aria-required") == "true",
            )
            self.form.fields.append(found)
            if self.label is not None:
                self.label_fields.append(found)
        if tag in _HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self.hidden:
            self.hidden -= 1
        if tag in _BLOCK:
            self._add_text("\n")
        if tag == "title":
            self.in_title = False
        elif tag == "a" and self.link is not None:
            self.link.text = " ".join(" ".join(self.link_text).split())[:300]
            self.facts.links.append(self.link)
            self.link = None
        elif tag == "script" and self.script is not None:
            self.facts.inline_scripts.append("".join(self.script)[:MAX_INLINE_SCRIPT])
            self.script = None
        elif tag == "form":
            self._name_fields()
            self.form = None
        elif self.captured is not None and tag == self.captured[0]:
            target = self.facts.headings if tag == "h1" else self.facts.buttons
            self._keep(target, " ".join(self.captured[1]))
            self.captured = None
        elif tag == "label" and self.label is not None:
            text = " ".join(" ".join(self.label).split())
            for wrapped in self.label_fields:
                wrapped.label = wrapped.label or text
            self.label = None

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            if sum(map(len, self.script)) < MAX_INLINE_SCRIPT:
                self.script.append(data)
            return
        if self.in_title:
            self.facts.title = (self.facts.title + data)[:300]
            return
        if self.hidden:
            return
        if self.link is not None:
            self.link_text.append(data)
        if self.label is not None:
            self.label.append(data)
        if self.captured is not None and len(self.captured[1]) < 50:
            self.captured[1].append(data)
        self._add_text(data)

    def _keep(self, target: list[str], text: str) -> None:
        text = " ".join(text.split())[:300]
        if text and len(target) < MAX_LABELS:
            target.append(text)

    def _add_text(self, data: str) -> None:
        if self.text_size < MAX_TEXT:
            self.text.append(data)
            self.text_size += len(data)

    def _absolute(self, href: str) -> str:
        href = href.strip()
        if href.lower().startswith(("mailto:", "tel:", "callto:")):
            return href
        if self.origin is not None and _ROOTED_PATH.fullmatch(href):
            return self.origin + href  # what urljoin makes of it, for a tenth of its CPU
        try:
            return urljoin(self.base, href)
        except ValueError:
            return ""

    def _name_fields(self) -> None:
        assert self.form is not None
        for f in self.form.fields:
            if not f.label and f.id in self.labels_for:
                f.label = " ".join(" ".join(self.labels_for[f.id]).split())

    def close(self) -> None:
        super().close()
        if self.form is not None:
            self._name_fields()
        # Labels may follow their fields in the page: name the fields once everything is read.
        for form in self.facts.forms:
            for f in form.fields:
                if not f.label and f.id in self.labels_for:
                    f.label = " ".join(" ".join(self.labels_for[f.id]).split())
        lines = (" ".join(line.split()) for line in "".join(self.text).splitlines())
        self.facts.text = "\n".join(line for line in lines if line)
        self.facts.title = " ".join(self.facts.title.split())


def _origin(base: str) -> str | None:
    """What urljoin puts before a rooted path (_ROOTED_PATH) on an http(s) page: its scheme (as
    urlsplit lower-cases it), "://" and its network location as written; None where urljoin is asked."""
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def parse_page(url: str, html: str) -> PageFacts:
    parser = _Parser(url)
    parser.facts.html = html.lower()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):
        # html.parser can still give up on pathological markup; keep what was read until then.
        parser.facts.text = parser.facts.text or " ".join("".join(parser.text).split())
    return parser.facts
