"""The sandbox's form companies: which kind of contact form each has, and how its helpdesk answers.

Pure data; forms_site.py serves them.
"""

from __future__ import annotations

from dataclasses import dataclass

from servaudit.sandbox.fleet import SandboxCompany

PAGES = frozenset(
    {
        "plain",
        "consent",
        "iframe",
        "jsrender",
        "captcha",
        "servererror",
        "fakethanks",
        "ajax",
        "richtext",
        "jsfake",
        "validation",
        "noform",
        "honeypot",
        "scripterror",
        "a11y_unlabelled",
        "a11y_divbutton",
        "a11y_trap",
        "a11y_nokeys",
        "checkout",
        "booking",
        "ordernumber",
        "remembers",
    }
)


@dataclass(frozen=True)
class FormCompany:
    """A simulated company reached through a web form; ``page`` says which kind of form it has.

    ``company.behaviour`` is how its helpdesk answers a form that got through.
    """

    company: SandboxCompany
    page: str

    def __post_init__(self) -> None:
        if self.page not in PAGES:
            raise ValueError(f"form company {self.company.slug!r}: page {self.page!r} is not one of {PAGES}")

    @property
    def slug(self) -> str:
        return self.company.slug


def _form(
    slug: str, name: str, domain: str, page: str, behaviour: str, lang: str, delay: float
) -> FormCompany:
    address = ("kontakt@" if lang == "de" else "contact@") + domain
    return FormCompany(SandboxCompany(slug, name, domain, address, behaviour, lang, delay), page)


FORM_FLEET: tuple[FormCompany, ...] = (
    _form(
        "copperfield",
        "Copperfield Appliances Ltd",
        "copperfield-appliances.example",
        "plain",
        "human",
        "en",
        12,
    ),
    _form(
        "sonnenhof",
        "Sonnenhof Reisen GmbH",
        "sonnenhof-reisen.example",
        "consent",
        "ack_then_human",
        "de",
        16,
    ),
    _form("bluewater", "Bluewater Telecom", "bluewater-telecom.example", "iframe", "human", "en", 10),
    _form("kaltenbach", "Kaltenbach Möbel KG", "kaltenbach-moebel.example", "jsrender", "human", "de", 14),
    _form("ashdown", "Ashdown Rail Services", "ashdown-rail.example", "captcha", "human", "en", 10),
    _form("elbufer", "Elbufer Versand GmbH", "elbufer-versand.example", "servererror", "human", "de", 10),
    _form("pinecrest", "Pinecrest Finance", "pinecrest-finance.example", "fakethanks", "silence", "en", 0),
    _form("moosgrund", "Moosgrund Gartenbedarf", "moosgrund-garten.example", "ajax", "human", "de", 6),
    _form("tidewell", "Tidewell Water plc", "tidewell-water.example", "richtext", "human", "en", 6),
    _form("hollerbusch", "Hollerbusch Optik", "hollerbusch-optik.example", "jsfake", "human", "de", 6),
    _form("greyfriars", "Greyfriars Club", "greyfriars-club.example", "validation", "human", "en", 6),
    _form("steinach", "Steinach Bau AG", "steinach-bau.example", "noform", "human", "de", 6),
    _form("marlowe", "Marlowe Books", "marlowe-books.example", "honeypot", "human", "en", 6),
    _form("wendelstein", "Wendelstein Bäder", "wendelstein-baeder.example", "scripterror", "human", "de", 6),
)
"""Every kind of form the sandbox knows, one company each."""

THREAD_FORMS: tuple[FormCompany, ...] = (
    _form(
        "zoegerlich",
        "Zögerlich Versicherung AG",
        "zoegerlich-versicherung.example",
        "plain",
        "after_reminder",
        "de",
        12,
    ),
    _form(
        "halbgar", "Halbgar Küchen GmbH", "halbgar-kuechen.example", "plain", "partial_then_full", "de", 12
    ),
)
"""Forms for reminders and follow-ups (not in the demo): one helpdesk answers only a form sent again
(a reminder, ``Re: …``), one answers partly and then fully to the follow-up e-mail."""

DEMO_FORMS = ("copperfield", "sonnenhof", "bluewater", "kaltenbach", "ashdown", "elbufer", "pinecrest")
"""The form companies of `servaudit demo`: the cases a consultant meets most."""

A11Y_FORMS: tuple[FormCompany, ...] = (
    _form("lindgrund", "Lindgrund Stadtwerke", "lindgrund-sw.example", "a11y_unlabelled", "human", "de", 6),
    _form("fernhaus", "Fernhaus Versand GmbH", "fernhaus.example", "a11y_divbutton", "human", "de", 6),
    _form("quayside", "Quayside Energy Ltd", "quayside-energy.example", "a11y_trap", "human", "en", 6),
    _form("ostwind", "Ostwind Mobile Ltd", "ostwind-mobile.example", "a11y_nokeys", "human", "en", 6),
)
"""Forms with known accessibility barriers (not in the demo): ``Sandbox(forms=FORM_FLEET + A11Y_FORMS)``."""

@dataclass(frozen=True)
class A11yTruth:
    """What the accessibility check must find on a form (None: not asserted there)."""

    criteria: frozenset[str] | None
    """The WCAG success criteria axe-core must name, no more and no fewer."""
    keyboard: bool | None
    """Whether the keyboard alone gets through filling and submitting."""
    captcha_only: bool


A11Y_TRUTH: dict[str, A11yTruth] = {
    "copperfield": A11yTruth(frozenset(), True, False),
    "lindgrund": A11yTruth(frozenset({"4.1.2"}), True, False),  # inputs without labels
    "fernhaus": A11yTruth(frozenset(), False, False),  # a div as submit button, not reachable by Tab
    "quayside": A11yTruth(frozenset(), False, False),  # a message field that keeps Tab: a keyboard trap
    "ostwind": A11yTruth(frozenset(), False, False),  # a focusable span button that ignores Enter
    "ashdown": A11yTruth(None, None, True),  # a CAPTCHA guards the form
}
"""Ground truth of the accessibility check per form company: tests/test_accessibility.py."""


ORDER_FORMS: tuple[FormCompany, ...] = (
    _form("kassenwerk", "Kassenwerk Haushaltswaren", "kassenwerk.example", "checkout", "human", "de", 6),
    _form("seeblick", "Hotel Seeblick", "hotel-seeblick.example", "booking", "human", "de", 6),
    _form("paketwerk", "Paketwerk Versand GmbH", "paketwerk.example", "ordernumber", "human", "de", 6),
)
"""Forms that order, book or take payment, and a contact form about an order (not in the demo):
``Sandbox(forms=FORM_FLEET + ORDER_FORMS)``. servaudit never submits the first two."""

ORDER_TRUTH: dict[str, bool] = {"kassenwerk": False, "seeblick": False, "paketwerk": True}
"""Whether a probe may submit the company's form: a checkout with card fields and a "Weiter" button, a
room booking with "Kostenpflichtig buchen" (no payment field), a contact form with a "Bestellnummer".
The forms site's submissions are the ground truth (tests/test_form_commitment.py)."""
