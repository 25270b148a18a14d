"""What is due at one moment: the schedule held against the store and the limits.

`run` sends an agenda's due inquiries and records its refusals; `run --dry-run` and the consent
prompt print it; `plan` shows it whole. An audit without ``[audit.waves]`` has no schedule: every
inquiry of the wave asked for (default 1) is due at once, as `run` always did.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from servaudit.config import Audit
from servaudit.consent import is_sandbox, sandbox_target
from servaudit.errors import UsageError
from servaudit.labels import PENDING, REFUSED
from servaudit.labels import PLANNED as PLANNED_KIND
from servaudit.limits import decide, do_not_contact, unwanted
from servaudit.plan import Inquiry, planned
from servaudit.reminders import Due
from servaudit.reminders import due as threads_due
from servaudit.schedule import Study, draw_seed, schedule, window_zone
from servaudit.store import Store
from servaudit.store.study import REFUSAL_FIELDS
from servaudit.timing import SIMULATED_CLOCK, now, simulated

PLANNED, DUE = "planned", "due"
"""An inquiry whose time has not come, and one to send now; otherwise an entry has the store's state
(sent, rejected, uncertain, sending) or ``refused``."""
OPEN = (PENDING, REFUSED)
"""Store states of an inquiry nothing was sent for: due again when its time has come."""
BEYOND = (
    "outside the sandbox (the company's answer named this address): `run` asks before sending it, or --yes"
)
UNCONFIRMED = (
    "outside the sandbox (the company's answer named this address) and nobody agreed to send it: "
    "run on a terminal to confirm, or pass --yes"
)
SIMULATED_BEYOND = (
    f"outside the sandbox (the company's answer named this address) and {SIMULATED_CLOCK} is set: "
    "a simulated clock sends only to the sandbox"
)


@dataclass(frozen=True)
class Entry:
    inquiry: Inquiry
    at: datetime | None
    """Planned send time (UTC); None without a schedule (due whenever `run` is called)."""
    stratum: str | None
    state: str
    detail: str | None = None
    """Why it is refused, or what the store says about its send."""

    def as_dict(self, zone: str) -> dict[str, Any]:
        local = self.at.astimezone(ZoneInfo(zone)).isoformat() if self.at else None
        return {
            "inquiry": self.inquiry.id,
            "company": self.inquiry.company,
            "channel": self.inquiry.channel,
            "scenario": self.inquiry.scenario,
            "wave": self.inquiry.wave,
            "target": self.inquiry.target,
            "planned_at": local,
            "stratum": self.stratum,
            "state": self.state,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Agenda:
    entries: tuple[Entry, ...]
    now: datetime
    zone: str
    """The send window's time zone: planned times are shown in it."""
    study: Study | None
    provisional: bool
    """The study has not begun: its times come from a seed drawn just now and not kept (a dry run)."""
    sandbox: bool
    threads: tuple[Due, ...] = ()
    """The reminders and follow-ups among the due entries, with what threads each to its parent."""

    def having(self, *states: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.state in states]

    def beyond_sandbox(self) -> list[Entry]:
        """The due entries that may reach a real company, so need a person's consent (or --yes): all of
        an audit outside the sandbox; in the sandbox, those a company's answer sent elsewhere (a
        follow-up goes to the answer's Reply-To or From, which may be any address)."""
        return [
            e
            for e in self.having(DUE)
            if not self.sandbox or not sandbox_target(e.inquiry.channel, e.inquiry.target)
        ]

    def unconfirmed(self) -> Agenda:
        """This agenda when nobody agreed to send anything: a sandbox audit's entries beyond the sandbox
        are refused (not recorded: due again at a run somebody confirms)."""
        if not self.sandbox:
            return self
        beyond = {e.inquiry.id for e in self.beyond_sandbox()}
        entries = tuple(
            replace(e, state=REFUSED, detail=UNCONFIRMED) if e.inquiry.id in beyond else e
            for e in self.entries
        )
        return replace(self, entries=entries)


def build(
    audit: Audit,
    store: Store | None,
    now: datetime,
    wave: int | None = None,
    channels: Iterable[str] | None = None,
    begin: bool = False,
) -> Agenda:
    """The agenda at ``now``; ``store`` None: nothing was ever recorded (and nothing may be created).

    ``begin``: a study without a seed draws one and keeps it in the store (`run`, `plan`)."""
    config = audit.config
    records = {r.id: r for r in store.inquiries()} if store is not None else {}
    study, provisional = None, False
    slots: list[tuple[Inquiry, datetime | None, str | None]]
    wanted = list(channels) if channels is not None else None
    if config.audit.waves is None:
        slots = [(inquiry, None, None) for inquiry in planned(config, wave or 1, wanted)]
    else:
        count = config.audit.waves.count
        if wave is not None and wave > count:
            raise UsageError(f"--wave {wave}: this study has {count} wave(s) (audit.waves.count)")
        found = store.study() if store is not None else None
        if found is None and begin and store is not None:
            found = store.begin_study(draw_seed(), now)
        provisional = found is None
        study = found or Study(draw_seed(), now)
        slots = [
            (s.inquiry, s.at, s.stratum)
            for s in schedule(config, study, wanted)
            if wave is None or s.inquiry.wave == wave
        ]
    zone = window_zone(config)
    blocked = do_not_contact(audit)
    entries: list[Entry] = []
    candidates: list[Inquiry] = []
    for inquiry, at, stratum in slots:
        record = records.get(inquiry.id)
        state = record.state if record else PENDING
        if state not in OPEN:
            entries.append(Entry(inquiry, at, stratum, state, record.detail if record else None))
        elif at is not None and at > now:
            # Said now, not only when it is due: the list is what a consultant checks before a study.
            entries.append(Entry(inquiry, at, stratum, PLANNED, unwanted(config, blocked, inquiry)))
        else:
            candidates.append(inquiry)
            entries.append(Entry(inquiry, at, stratum, DUE))
    # Reminders and follow-ups due now go through the same limits, consent and dry run as planned ones.
    threads = tuple(threads_due(audit, store, wanted)) if store is not None else ()
    sandbox = is_sandbox(config)
    for item in threads:
        if item.withheld:
            entries.append(Entry(item.inquiry, None, item.inquiry.kind, REFUSED, item.withheld))
            continue
        inquiry = item.inquiry
        if not sandbox or sandbox_target(inquiry.channel, inquiry.target):
            candidates.append(inquiry)
            entries.append(Entry(inquiry, None, inquiry.kind, DUE))
        elif simulated():
            entries.append(Entry(inquiry, None, inquiry.kind, REFUSED, SIMULATED_BEYOND))
        else:
            candidates.append(inquiry)
            entries.append(Entry(inquiry, None, inquiry.kind, DUE, BEYOND))
    if candidates:
        history = store.send_history() if store is not None else []
        decisions = decide(config, blocked, candidates, history, now, zone)
        entries = [
            Entry(e.inquiry, e.at, e.stratum, REFUSED, decisions[e.inquiry.id])
            if e.state == DUE and decisions[e.inquiry.id]
            else e
            for e in entries
        ]
    return Agenda(tuple(entries), now, zone, study, provisional, sandbox, threads)


def select(
    audit: Audit,
    store: Store,
    wave: int | None,
    channels: Iterable[str] | None,
    only: Collection[str] | None,
) -> tuple[Agenda, list[Inquiry], list[Due]]:
    """`run`'s choice at the clock's now: the agenda (the study begun if it had not), its refusals
    recorded in the store, the due planned inquiries and the due reminders/follow-ups to send (of
    ``only``, when given: what a person confirmed, none else; None: nobody was asked, so nothing
    beyond the sandbox is sent)."""
    agenda = build(audit, store, now(), wave, channels, begin=True)
    if only is None:
        agenda = agenda.unconfirmed()
    withheld = {item.inquiry.id for item in agenda.threads if item.withheld}
    for entry in agenda.having(REFUSED):
        inquiry = entry.inquiry
        if inquiry.kind != PLANNED_KIND and inquiry.id not in withheld:
            continue  # a refused reminder stays unrecorded: it is due again once the reason has gone
        # A withheld follow-up is recorded: its reason (an address nobody reads) does not go away.
        fields = {name: getattr(inquiry, name) for name in (*REFUSAL_FIELDS, "kind", "parent_id")}
        store.refuse(fields, entry.detail or "refused")
    wanted = {e.inquiry.id for e in agenda.having(DUE) if only is None or e.inquiry.id in only}
    due = [entry.inquiry for entry in agenda.having(DUE) if entry.inquiry.id in wanted]
    todo = [inquiry for inquiry in due if inquiry.kind == PLANNED_KIND]
    threads = [item for item in agenda.threads if item.inquiry.id in wanted]
    return agenda, todo, threads
