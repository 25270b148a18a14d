"""The live-chat channel: open the company's chat widget as the persona, ask, and record the chat.

The chat itself is driven by servaudit.channels.chat.session; this module turns an
inquiry and the audit's settings into a chat plan and the result into an
Outcome. The first visitor message starts the clock (``delivered_at``, the
page time it appeared in the widget); every later message keeps its page
timestamp in the transcript; the company's answers go to the engine as in-channel replies.
"""

from __future__ import annotations

from collections.abc import Sequence

from servaudit.channels.base import (
    CheckResult,
    Composed,
    Evidence,
    Outcome,
    ProbeContext,
    check_pages,
    fill_placeholders,
)
from servaudit.channels.chat.recipe import Recipe, load_all, load_recipe
from servaudit.channels.chat.session import ChatPlan, ChatSession
from servaudit.channels.chat.settings import ChatSettings, chat_settings
from servaudit.channels.chat.transcript import reply_rows
from servaudit.errors import ConfigError
from servaudit.labels import Author
from servaudit.plan import Inquiry


def settings_of(context: ProbeContext, inquiry: Inquiry) -> ChatSettings:
    settings = chat_settings(context.config.companies[inquiry.company])
    if settings is None:
        raise ConfigError(f"company {inquiry.company!r} has no chat page")
    return settings


def chat_text(text: str) -> str:
    """A letter as a chat message: no blank lines between paragraphs."""
    return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())


class ChatChannel:
    name = "chat"
    needs_browser = True

    def ready(self, context: ProbeContext) -> None:
        audit_folder = context.evidence_dir.parent
        load_all(audit_folder)  # every recipe must parse: detection may pick any of them
        for slug, company in context.config.companies.items():
            settings = chat_settings(company)
            if settings is not None and settings.recipe is not None:
                try:
                    load_recipe(settings.recipe, audit_folder)
                except ConfigError as exc:
                    raise ConfigError(f"companies.{slug}.chat.recipe: {exc}") from None

    def compose(self, inquiry: Inquiry, context: ProbeContext) -> Composed:
        config = context.config
        scenario = config.scenarios[inquiry.scenario]
        company = config.companies[inquiry.company]
        persona = config.persona
        return Composed(
            inquiry=inquiry,
            subject=fill_placeholders(scenario.subject, persona, company.name),
            body=chat_text(fill_placeholders(scenario.body, persona, company.name)),
            sender=persona.email,
        )

    async def send(self, composed: Composed, context: ProbeContext) -> Outcome:
        return await self._visit(composed, context, dry_run=False)

    async def check(self, inquiries: Sequence[Inquiry], context: ProbeContext) -> list[CheckResult]:
        return await check_pages(self, inquiries, context)

    async def preflight(self, composed: Composed, context: ProbeContext) -> Outcome:
        return await self._visit(composed, context, dry_run=True)

    async def _visit(self, composed: Composed, context: ProbeContext, dry_run: bool) -> Outcome:
        if context.browser is None:
            return Outcome("not_sent", "no browser for the chat probe", infrastructure_failed=True)
        inquiry = composed.inquiry
        config = context.config
        settings = settings_of(context, inquiry)
        scenario = config.scenarios[inquiry.scenario]
        company = config.companies[inquiry.company]
        # A chat follows up inside the session: ``followups``, else the scenario's one ``followup``.
        asked = scenario.followups or ((scenario.followup.body,) if scenario.followup else ())
        followups = tuple(chat_text(fill_placeholders(text, config.persona, company.name)) for text in asked)
        recipes: dict[str, Recipe] = load_all(context.evidence_dir.parent)
        plan = ChatPlan(
            url=settings.url,
            messages=(composed.body, *followups),
            name=config.persona.name,
            email=config.persona.email,
            topic=composed.subject,
            wait_seconds=settings.wait_seconds,
            widget_seconds=settings.widget_seconds,
            fill_prechat=settings.fill_prechat,
            evidence=lambda name: context.evidence_path(inquiry, name),
            recipe=settings.recipe,
            dry_run=dry_run,
            accessibility=config.audit.accessibility,
            audit_folder=context.evidence_dir.parent,
            reminder=(
                chat_text(fill_placeholders(scenario.reminder.body, config.persona, company.name))
                if scenario.reminder
                else None
            ),
        )
        result = await ChatSession(context.browser, plan, recipes).run()
        return Outcome(
            status=result.status,  # type: ignore[arg-type]
            detail=result.detail,
            delivered_at=result.delivered_at,
            outcome=result.outcome or None,
            evidence=tuple(Evidence(kind, path, caption) for kind, path, caption in result.evidence),
            infrastructure_failed=result.infrastructure_failed,
            replies=tuple(reply_rows(inquiry.id, result.transcript)),
            said=tuple(m.text for m in result.transcript if m.author == Author.VISITOR),
            reminded_at=result.reminded_at,
        )
