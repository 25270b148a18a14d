"""The web-form channel: open a company's contact form in Chromium, fill it in as the persona, submit it.

One probe = one browser context as if new (a pooled one, wiped: no cookies from the last company),
an ordinary desktop browser's identity and human-paced typing. The probe
decides what happened and keeps the evidence: a full-page screenshot before
and after the submit, both URLs, and a record of what went into which field.
Outcome words (Outcome.outcome):

- ``submitted``: the form's request succeeded; the detail names the evidence
  (a confirmation text, a redirect, or the success status alone).
- ``failed``: the site answered with an HTTP error, showed a validation or
  error message, a script stopped the form, or the page claimed success
  while no request left the browser.
- ``blocked``: a CAPTCHA guards the form. servaudit never solves one.
- ``no_form``: no contact form on the page.

Send statuses: ``sent`` (clock starts when the form's request completed),
``rejected`` (nothing was sent: a finding, never retried), ``uncertain`` (the
request may have arrived), ``not_sent`` + infrastructure_failed (our browser).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from servaudit.browser import visitor_user_agent
from servaudit.browser_contexts import ContextUnavailable, visitor_context
from servaudit.channels.base import (
    CheckResult,
    Composed,
    Outcome,
    ProbeContext,
    check_pages,
    fill_placeholders,
)
from servaudit.channels.email.probe import TAG_ALPHABET, plus_address
from servaudit.channels.form.fields import Control
from servaudit.channels.form.page import Timing
from servaudit.channels.form.visit import FormProbe, audit_folder, reason
from servaudit.channels.form.vocabulary import FormVocabulary
from servaudit.plan import Inquiry

LOCALES = {"de": ("de-DE", "Europe/Berlin"), "en": ("en-GB", "Europe/London")}
# A real Chrome says navigator.webdriver === false; an automated one says true.
HIDE_AUTOMATION = (
    "Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false, configurable: true});"
)


class FormChannel:
    name = "form"
    needs_browser = True

    def __init__(self, timing: Timing | None = None) -> None:
        self.timing = timing or Timing()

    def ready(self, context: ProbeContext) -> None:
        # The URLs were checked when the audit file was loaded; a broken vocabulary is the one thing left.
        FormVocabulary.load(audit_folder(context))

    def compose(self, inquiry: Inquiry, context: ProbeContext) -> Composed:
        config = context.config
        persona = config.persona
        scenario = config.scenarios[inquiry.scenario]
        company = config.companies[inquiry.company]
        reply_address = None
        if persona.plus_addressing:
            tag = "".join(secrets.choice(TAG_ALPHABET) for _ in range(6))
            reply_address = plus_address(persona.email, tag)
        return Composed(
            inquiry=inquiry,
            subject=fill_placeholders(scenario.subject, persona, company.name),
            body=fill_placeholders(scenario.body, persona, company.name),
            sender=persona.email,
            reply_address=reply_address,
        )

    async def send(self, composed: Composed, context: ProbeContext) -> Outcome:
        return await self._visit(composed, context, dry_run=False)

    async def check(self, inquiries: Sequence[Inquiry], context: ProbeContext) -> list[CheckResult]:
        return await check_pages(self, inquiries, context)

    async def preflight(self, composed: Composed, context: ProbeContext) -> Outcome:
        return await self._visit(composed, context, dry_run=True)

    async def _visit(self, composed: Composed, context: ProbeContext, dry_run: bool) -> Outcome:
        if context.browser is None or not context.browser.is_connected():
            return Outcome("not_sent", "no browser is open for the form probe", infrastructure_failed=True)
        config = context.config
        scenario = config.scenarios[composed.inquiry.scenario]
        locale, timezone = LOCALES[scenario.language or config.audit.language]
        try:
            async with visitor_context(
                context.browser,
                HIDE_AUTOMATION,
                user_agent=visitor_user_agent(context.browser),
                locale=locale,
                timezone_id=timezone,
                viewport={"width": 1366, "height": 900},
            ) as browser_context:
                probe = FormProbe(self.timing, composed, context, browser_context, dry_run=dry_run)
                return await probe.run()
        except ContextUnavailable as exc:
            return Outcome(
                "not_sent", f"Chromium failed to open a page: {reason(exc)}", infrastructure_failed=True
            )


__all__ = ["Control", "FormChannel", "Timing"]
