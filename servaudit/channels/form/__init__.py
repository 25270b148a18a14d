"""Web contact forms: finding and filling fields, spotting CAPTCHAs, and telling what a submit did.

The browser work is orchestrated by servaudit/channels/form/probe.py; the words
these modules look for live in probes/forms/*.toml. This module is the channel's
description for the registry and imports no browser code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servaudit.channels.form.settings import FormSettings
from servaudit.channels.spec import READY, READY_MEANING, ChannelSpec, OutcomeMeaning

SUBMITTED, SUBMIT_FAILED, BLOCKED, NO_FORM = "submitted", "failed", "blocked", "no_form"
ORDER_FORM = "order_form"
"""The form channel's outcome words (Outcome.outcome)."""


def _found(item: Mapping[str, Any]) -> str:
    return f"{item.get('url')} ({len(item.get('fields', []))} fields)"


SPEC = ChannelSpec(
    name="form",
    order=20,
    settings=FormSettings,
    probe="servaudit.channels.form.probe:FormChannel",
    url_shorthand=True,
    needs_browser=True,
    evidence=("screenshot", "record"),
    outcomes={
        SUBMITTED: OutcomeMeaning("the form was sent and the site accepted it"),
        SUBMIT_FAILED: OutcomeMeaning("the form could not be sent, or the site refused it"),
        BLOCKED: OutcomeMeaning("a CAPTCHA stopped the probe before it could send", blocked=True),
        NO_FORM: OutcomeMeaning("no contact form was found on the page"),
        # Not "blocked": that is the company's barrier (a CAPTCHA); this one is servaudit's own rule.
        ORDER_FORM: OutcomeMeaning("the form orders, books or takes payment: servaudit never submits one"),
        READY: READY_MEANING,
    },
    discovered_as="forms",
    found_text=_found,
)
