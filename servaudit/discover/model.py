"""What discovery finds on one site, and its JSON form (the store and `--json` keep exactly this).

Depth is counted in clicks from the home page: an item shown on a page has
that page's depth (0 = the home page); a profile or help centre reached
through a link has the depth of the linking page plus one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from servaudit import channels as registry
from servaudit.discover.mailcheck import MailDomain

JSON_FORMAT = 1
OTHER_CONTACTS = {"phone": "phones", "social": "social", "help": "help", "hours": "hours"}
"""What discovery finds beside the channels servaudit probes: name → the key of its list in a site's JSON."""
LIST_KEYS = {spec.name: spec.discovered_as for spec in registry.SPECS} | OTHER_CONTACTS
"""Channel name (as in audits and reports; probed ones from the registry) → its list's key in site JSON."""


@dataclass(frozen=True)
class TlsResult:
    origin: str
    valid: bool
    detail: str
    expires: str | None = None


@dataclass(frozen=True)
class EmailFound:
    address: str
    depth: int
    page: str
    source: str
    """"mailto" (a link) or "text" (written on the page, also as name (at) domain)."""

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


@dataclass(frozen=True)
class PhoneFound:
    number: str
    e164: str
    type: str
    depth: int
    page: str
    source: str
    """"tel" (a link) or "text"."""


@dataclass(frozen=True)
class FieldFound:
    name: str
    type: str
    label: str
    required: bool


@dataclass(frozen=True)
class FormFound:
    url: str
    """The page that shows the form (what an audit's ``form`` names)."""
    action: str
    method: str
    fields: tuple[FieldFound, ...]
    depth: int


@dataclass(frozen=True)
class ChatFound:
    vendor: str
    """The fingerprint id (userlike, intercom, …) or "unknown"."""
    vendor_name: str
    evidence: str
    url: str
    """The page the widget was seen on."""
    depth: int


@dataclass(frozen=True)
class HelpFound:
    kind: str
    """faq | help-centre | community."""
    url: str
    text: str
    vendor: str | None
    depth: int


@dataclass(frozen=True)
class SocialFound:
    network: str
    url: str
    depth: int


@dataclass(frozen=True)
class HoursFound:
    text: str
    depth: int
    page: str


@dataclass(frozen=True)
class LegalFound:
    """A hint about a duty of the site (servaudit/discover/legal.py): an indication, never a verdict."""

    kind: str
    """imprint (the legal-notice page, read) | imprint_link (a link to it) | costly_hotline (a 0180x/0900
    number) | odr_link (the closed EU ODR platform) | cancel_button (§ 312k) | contract_sign (the
    site offers continuing contracts)."""
    page: str
    """The page it was seen on."""
    depth: int
    snippet: str
    """What the page says there (its text around it), for the evidence."""
    target: str = ""
    """imprint_link, odr_link, cancel_button: the link's address; costly_hotline: the number (E.164)."""
    detail: str = ""
    """imprint: the e-mail addresses it names (comma-separated, "" for none); costly_hotline: its context
    (contract | sales | listed) and tariff (shared-cost | premium) as "context tariff"; contract_sign:
    the word."""
    screenshot: str = ""
    """The rendered page as the hint was seen, relative to the audit folder (evidence/discover/…), when
    discover rendered it for an audit; "" otherwise."""
    screenshot_sha256: str = ""


@dataclass(frozen=True)
class PageVisit:
    url: str
    depth: int
    status: int | None
    ttfb_ms: float | None
    """Time from sending the request to the response's first byte (headers), connection included."""
    error: str | None
    contact: bool
    """Reached through a contact-like link, or shows a channel."""


@dataclass(kw_only=True)
class Findings:
    """What a page, or a whole site, shows of each way to reach the company."""

    emails: list[EmailFound] = field(default_factory=list)
    phones: list[PhoneFound] = field(default_factory=list)
    forms: list[FormFound] = field(default_factory=list)
    chats: list[ChatFound] = field(default_factory=list)
    help: list[HelpFound] = field(default_factory=list)
    social: list[SocialFound] = field(default_factory=list)
    hours: list[HoursFound] = field(default_factory=list)
    legal: list[LegalFound] = field(default_factory=list)


@dataclass
class SiteResult(Findings):
    url: str
    """As given."""
    final_url: str | None = None
    """The home page after redirects."""
    name: str = ""
    slug: str = ""
    stopped: str = "complete"
    """complete | page limit | time budget | error."""
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    pages: list[PageVisit] = field(default_factory=list)
    robots_disallowed: list[str] = field(default_factory=list)
    tls: TlsResult | None = None
    mail_domains: dict[str, MailDomain] = field(default_factory=dict)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        def email(item: EmailFound) -> dict[str, Any]:
            check = self.mail_domains.get(item.domain)
            return {
                **asdict(item),
                "domain": item.domain,
                "mail": None if check is None else {k: v for k, v in asdict(check).items() if k != "domain"},
            }

        contact_pages = [asdict(p) for p in self.pages if p.contact]
        data = {
            "format": JSON_FORMAT,
            "url": self.url,
            "final_url": self.final_url,
            "name": self.name,
            "slug": self.slug,
            "stopped": self.stopped,
            "error": self.error,
            "notes": self.notes,
            "pages_crawled": sum(1 for p in self.pages if p.status is not None),
            "seconds": round(self.seconds, 3),
            "emails": [email(e) for e in self.emails],
            "phones": [asdict(p) for p in self.phones],
            "forms": [asdict(f) for f in self.forms],
            "chats": [asdict(c) for c in self.chats],
            "help": [asdict(h) for h in self.help],
            "social": [asdict(s) for s in self.social],
            "hours": [asdict(h) for h in self.hours],
            "legal": [asdict(h) for h in self.legal],
            "checks": {
                "tls": None if self.tls is None else asdict(self.tls),
                "contact_pages": contact_pages,
                "robots_disallowed": self.robots_disallowed,
            },
            "pages": [asdict(p) for p in self.pages],
        }
        # Exactly what --json prints and the store keeps (tuples become lists).
        result: dict[str, Any] = json.loads(json.dumps(data))
        return result


def min_depth(items: Iterable[Mapping[str, Any]]) -> int | None:
    depths = [i["depth"] for i in items if isinstance(i.get("depth"), int)]
    return min(depths) if depths else None
