"""The plan: which inquiries an audit intends (servaudit/agenda.py decides which are due now).

Pure functions. Idempotence lives here: an inquiry's id is derived from
company, channel, scenario and wave only, so the same audit file always
plans the same ids and the store tells which are done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol


class PlannedCompany(Protocol):
    @property
    def channels(self) -> dict[str, str]: ...
    @property
    def scenarios(self) -> tuple[str, ...] | None: ...


class PlannedWaves(Protocol):
    @property
    def count(self) -> int: ...


class PlannedAudit(Protocol):
    @property
    def waves(self) -> PlannedWaves | None: ...


class PlanSource(Protocol):
    """What the plan reads of an audit file: the models' reading (config.AuditConfig) or, for
    `servaudit status`, the light one without pydantic (config_light.LightConfig)."""

    @property
    def audit(self) -> PlannedAudit: ...
    @property
    def companies(self) -> Mapping[str, PlannedCompany]: ...
    @property
    def scenarios(self) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class Inquiry:
    id: str
    company: str
    channel: str
    scenario: str
    wave: int
    target: str
    """Where it goes: an e-mail address, a form or chat URL."""
    kind: str = "inquiry"
    """``inquiry`` (planned here), or a ``reminder``/``followup`` of ``parent_id`` (reminders.py)."""
    parent_id: str | None = None


def inquiry_id(company: str, channel: str, scenario: str, wave: int) -> str:
    # Readable on purpose: consultants type it (`servaudit grade`), and it never
    # appears in anything sent to a company.
    return f"{company}.{channel}.{scenario}.w{wave}"


def planned(config: PlanSource, wave: int = 1, channels: Iterable[str] | None = None) -> list[Inquiry]:
    wanted = set(channels) if channels is not None else None
    result = []
    for slug, company in config.companies.items():
        for channel, target in company.channels.items():
            if wanted is not None and channel not in wanted:
                continue
            for scenario in company.scenarios or tuple(config.scenarios):
                result.append(
                    Inquiry(inquiry_id(slug, channel, scenario, wave), slug, channel, scenario, wave, target)
                )
    return result
