"""Consistency across channels: the same question answered the same way (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from servaudit.measure.facts import InquiryFacts, Reply
from servaudit.measure.stats import part_of


def consistency(facts: Sequence[InquiryFacts], stated: Mapping[int, frozenset[str]]) -> dict[str, Any]:
    """The same question answered the same way across channels.

    For each company and scenario asked over two or more channels with a human answer, the
    first human answer per channel (the earliest over that channel's inquiries) is compared by
    the set of scenario facts it states (``stated``: message row id → fact names). Consistent
    when every channel states the same facts. Answers without a fact check are left out.
    """
    firsts: dict[tuple[str, str], dict[str, Reply]] = {}
    for f in facts:
        human = f.first_human if f.delivered else None
        if human is None or human.message_id not in stated:
            continue
        channels = firsts.setdefault((f.inquiry.company, f.inquiry.scenario), {})
        known = channels.get(f.inquiry.channel)
        if known is None or human.arrived_at < known.arrived_at:
            channels[f.inquiry.channel] = human
    cases = []
    for (company, scenario), channels in sorted(firsts.items()):
        if len(channels) < 2:
            continue
        sets = {channel: stated[reply.message_id] for channel, reply in channels.items()}
        cases.append(
            {
                "company": company,
                "scenario": scenario,
                "consistent": len(set(sets.values())) == 1,
                "channels": {channel: sorted(found) for channel, found in sorted(sets.items())},
            }
        )
    consistent = sum(1 for c in cases if c["consistent"])
    return {**part_of(consistent, len(cases)), "inconsistent": len(cases) - consistent, "cases": cases}
