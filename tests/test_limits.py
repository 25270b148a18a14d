"""Limits before a send: do-not-contact and a monthly cap refuse, record why, send once the reason is gone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.errors import ConfigError
from servaudit.sandbox import Sandbox
from servaudit.status import status_rows
from servaudit.store import REFUSED, SENT
from tests.audit_fixtures import company


def states(audit: Audit) -> dict[str, tuple[str, str | None]]:
    store = open_store(audit)
    try:
        return {r.company: (r.state, r.detail) for r in store.inquiries()}
    finally:
        store.close()


def test_do_not_contact_refuses_records_and_sends_once_taken_off_the_list(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    asked, other = company(sandbox, "human"), company(sandbox, "silence")
    audit = make_audit([asked, other], extra='[audit.limits]\ndo_not_contact = "do-not-contact.txt"\n')
    listing = audit.folder / "do-not-contact.txt"
    listing.write_text(f"# asked by phone on 2026-11-30\n{asked.domain.upper()}  # the whole company\n")
    summary = run(audit)
    assert summary.outcomes[SENT] == 1 and sandbox.received() == 1
    state, detail = states(audit)[asked.slug]
    assert state == REFUSED
    assert f"do-not-contact: {asked.domain}" in (detail or "") and "do-not-contact.txt:2" in (detail or "")
    assert len(summary.refused) == 1 and next(iter(summary.refused)).startswith(f"{asked.slug}.")
    [row] = [r for r in status_rows(audit) if r["company"] == asked.slug]
    assert row["state"] == REFUSED and "do-not-contact" in row["refused_because"]
    run(audit)
    assert sandbox.received() == 1, "still on the list: never sent"
    listing.write_text("# cleared: they agreed again\n")
    run(audit)
    assert sandbox.received() == 2
    assert states(audit)[asked.slug][0] == SENT


def test_an_address_entry_stops_only_that_address(sandbox: Sandbox, make_audit: Callable[..., Audit]) -> None:
    asked = company(sandbox, "human")
    extra = f'[audit.limits]\ndo_not_contact = ["other@{asked.domain}"]\n'
    audit = make_audit([asked], extra=extra)
    run(audit)
    assert states(audit)[asked.slug][0] == SENT
    extra = f'[audit.limits]\ndo_not_contact = ["{asked.address}"]\n'
    audit = make_audit([asked], extra=extra)
    run(audit, wave=2)
    assert {r.state for r in open_store(audit).inquiries() if r.wave == 2} == {REFUSED}


def test_a_bad_do_not_contact_line_is_named_and_nothing_is_sent(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    audit = make_audit([company(sandbox, "human")], extra='[audit.limits]\ndo_not_contact = "dnc.txt"\n')
    with pytest.raises(ConfigError, match="cannot read"):
        run(audit)
    (audit.folder / "dnc.txt").write_text("ok.example\nnot a domain\n")
    with pytest.raises(ConfigError, match=r"dnc\.txt:2: not an e-mail address or a domain"):
        run(audit)
    assert sandbox.received() == 0


def test_the_monthly_cap_per_company_refuses_the_next_send(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    audit = make_audit([company(sandbox, "human")], extra="[audit.limits]\nper_company_per_month = 1\n")
    run(audit, wave=1)
    summary = run(audit, wave=2)
    assert sandbox.received() == 1
    [reason] = summary.refused.values()
    assert reason.startswith("cap: 1 sends to") and "per_company_per_month" in reason
    wave2 = [r for r in open_store(audit).inquiries() if r.wave == 2]
    assert [r.state for r in wave2] == [REFUSED]
