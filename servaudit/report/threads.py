"""report.json's ``reminders_and_followups``: both figures per channel and over all (measure/followups.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from servaudit import channels as registry
from servaudit.measure.followups import reminder_and_followup_figures

if TYPE_CHECKING:
    from servaudit.report.data import ReportBuilder


def threads_data(builder: ReportBuilder) -> dict[str, Any]:
    """Per channel (of the planned inquiry: a form's follow-up goes by e-mail, it counts for the form)."""
    config = builder.audit.config
    in_session = [spec.name for spec in registry.SPECS if spec.replies == "in_channel"]
    scenarios = {f.inquiry.id: config.scenarios.get(f.inquiry.scenario) for f in builder.facts}
    reminding = [i for i, scenario in scenarios.items() if scenario and scenario.reminder]
    followed = [
        i for i, scenario in scenarios.items() if scenario and (scenario.followups or scenario.followup)
    ]

    def over(channel: str | None) -> dict[str, Any]:
        facts = [f for f in builder.facts if channel is None or f.inquiry.channel == channel]
        return reminder_and_followup_figures(
            facts, builder.children, builder.quality, reminding, in_session, followed
        )

    channels = {f.inquiry.channel for f in builder.facts}
    return {
        "overall": over(None),
        "channels": {channel: over(channel) for channel in builder.channels if channel in channels},
    }
