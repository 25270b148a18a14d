"""What acknowledgements offer, and answers that send the customer to another channel (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from servaudit import channels as registry
from servaudit.judgement import AcknowledgementTraits
from servaudit.labels import (
    ACKNOWLEDGEMENT,
    DEFLECTION,
)
from servaudit.measure.facts import InquiryFacts
from servaudit.measure.stats import part_of

ACKNOWLEDGEMENT_PARTS = (
    ("states_response_time", "response_time"),
    ("reference_number", "reference_number"),
    ("offers_alternatives", "alternatives"),
)


def acknowledgement_figures(
    acknowledged: Sequence[InquiryFacts], traits: Mapping[int, AcknowledgementTraits]
) -> dict[str, dict[str, Any]]:
    """Of the acknowledged inquiries: what the (first) acknowledgement offers, and how many stayed
    without a human answer. An acknowledgement whose text was not examined counts as offering nothing."""
    firsts = [(f, f.first(ACKNOWLEDGEMENT)) for f in acknowledged]
    found = [traits.get(r.message_id) if r else None for _, r in firsts]
    result = {
        key: part_of(sum(1 for t in found if t is not None and getattr(t, attribute)), len(firsts))
        for key, attribute in ACKNOWLEDGEMENT_PARTS
    }
    result["without_human"] = part_of(sum(1 for f, _ in firsts if f.first_human is None), len(firsts))
    return result


def answered_elsewhere(f: InquiryFacts) -> bool:
    """The company answered by sending the customer to another channel (call us, use the form, …)."""
    meaning = registry.meaning(f.inquiry.channel, f.inquiry.outcome)
    return f.first(DEFLECTION) is not None or bool(meaning and meaning.answered_elsewhere)
