"""The simulated companies: who they are, where inquiries go, and how each one behaves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from servaudit.sandbox.timetable import Timetable

FINDINGS_BEHAVIOURS: frozenset[str] = frozenset(
    {
        "ack_only",
        "refusing",
        "noreply_reply_to",
        "tracked",
        "informal",
        "reply_elsewhere",
        "other_language",
        "ack_then_late",
    }
)
"""Behaviours that each show findings (issue 14), planned by servaudit/sandbox/findings_fleet.py; named
here once so the set of all behaviours and that module's dispatch cannot drift apart."""
BEHAVIOURS: frozenset[str] = (
    frozenset(
        {
            "human",
            "ack_then_human",
            "out_of_office",
            "bounce",
            "silence",
            "noreply_human",
            "hotline",
            "reject",
            "after_reminder",
            "partial_then_full",
        }
    )
    | FINDINGS_BEHAVIOURS
)
LANGUAGES: frozenset[str] = frozenset({"de", "en"})
# RFC 2606 reserves .example: a sandbox address can never reach a real company.
RESERVED_TLD = ".example"


@dataclass(frozen=True)
class SandboxCompany:
    """One simulated company; ``delay_seconds`` is when its (human) answer comes."""

    slug: str
    name: str
    domain: str
    address: str
    behaviour: str
    language: str
    delay_seconds: float = 0.0
    timetable: Timetable | None = None
    """When its person answers by the inquiry's arrival (weekday, hour); None: after ``delay_seconds``."""

    def __post_init__(self) -> None:
        if self.behaviour not in BEHAVIOURS:
            raise ValueError(
                f"company {self.slug!r}: behaviour {self.behaviour!r} is not one of {sorted(BEHAVIOURS)}"
            )
        if self.language not in LANGUAGES:
            raise ValueError(f"company {self.slug!r}: language {self.language!r} is not one of de, en")
        if not self.domain.lower().endswith(RESERVED_TLD):
            raise ValueError(f"company {self.slug!r}: domain {self.domain!r} must end in {RESERVED_TLD}")
        if not self.address.lower().endswith("@" + self.domain.lower()):
            raise ValueError(f"company {self.slug!r}: address {self.address!r} is not at {self.domain!r}")
        if self.delay_seconds < 0:
            raise ValueError(f"company {self.slug!r}: delay_seconds must not be negative")


def validate_fleet(fleet: Sequence[SandboxCompany]) -> tuple[SandboxCompany, ...]:
    """Return the fleet as a tuple; slugs and addresses must be unique (case-insensitive)."""
    slugs = [company.slug for company in fleet]
    addresses = [company.address.lower() for company in fleet]
    if len(set(slugs)) != len(slugs):
        raise ValueError("sandbox fleet: company slugs must be unique")
    if len(set(addresses)) != len(addresses):
        raise ValueError("sandbox fleet: support addresses must be unique")
    return tuple(fleet)


DEFAULT_FLEET: tuple[SandboxCompany, ...] = (
    SandboxCompany(
        slug="nordwind",
        name="Nordwind Energie GmbH",
        domain="nordwind-energie.example",
        address="service@nordwind-energie.example",
        behaviour="human",
        language="de",
        delay_seconds=18.0,
    ),
    SandboxCompany(
        slug="larkspur",
        name="Larkspur Home Insurance Ltd",
        domain="larkspur-insurance.example",
        address="help@larkspur-insurance.example",
        behaviour="human",
        language="en",
        delay_seconds=8.0,
    ),
    SandboxCompany(
        slug="brightline",
        name="Brightline Broadband plc",
        domain="brightline-broadband.example",
        address="support@brightline-broadband.example",
        behaviour="ack_then_human",
        language="en",
        delay_seconds=20.0,
    ),
    SandboxCompany(
        slug="alpenblick",
        name="Alpenblick Versicherung AG",
        domain="alpenblick-versicherung.example",
        address="kundenservice@alpenblick-versicherung.example",
        behaviour="out_of_office",
        language="de",
    ),
    SandboxCompany(
        slug="harbourpine",
        name="Harbour & Pine Outfitters",
        domain="harbourandpine.example",
        address="customercare@harbourandpine.example",
        behaviour="bounce",
        language="en",
        delay_seconds=1.0,
    ),
    SandboxCompany(
        slug="lindenau",
        name="Stadtwerke Lindenau",
        domain="stadtwerke-lindenau.example",
        address="info@stadtwerke-lindenau.example",
        behaviour="silence",
        language="de",
    ),
    SandboxCompany(
        slug="merkur",
        name="Kaufhaus Merkur Online",
        domain="merkur-kaufhaus.example",
        address="kundendienst@merkur-kaufhaus.example",
        behaviour="noreply_human",
        language="de",
        delay_seconds=15.0,
    ),
    SandboxCompany(
        slug="fernwelt",
        name="Fernwelt Mobilfunk GmbH",
        domain="fernwelt-mobil.example",
        address="service@fernwelt-mobil.example",
        behaviour="hotline",
        language="de",
        delay_seconds=10.0,
    ),
    SandboxCompany(
        slug="quillledger",
        name="Quill & Ledger Bank",
        domain="quillledger-bank.example",
        address="contact@quillledger-bank.example",
        behaviour="reject",
        language="en",
    ),
)


THREAD_FLEET: tuple[SandboxCompany, ...] = (
    SandboxCompany(
        slug="spaetlese",
        name="Spätlese Versand GmbH",
        domain="spaetlese-versand.example",
        address="service@spaetlese-versand.example",
        behaviour="after_reminder",
        language="de",
        delay_seconds=12.0,
    ),
    SandboxCompany(
        slug="halbwahr",
        name="Halbwahr Telekom AG",
        domain="halbwahr-telekom.example",
        address="kundenservice@halbwahr-telekom.example",
        behaviour="partial_then_full",
        language="de",
        delay_seconds=10.0,
    ),
)
"""Companies for reminders and follow-ups (not in the demo's fleet): one answers a new inquiry
never and a reminder in its thread fully; one answers a new inquiry partly and a follow-up in its
thread fully. Both tell a message in a thread by its In-Reply-To header (or, for a form sent again,
by its ``Re:`` subject)."""
