"""The composite score: 0–100 per company from weighted components, with presets (METRICS.md).

Components, each 0–100 per channel:
- reachability: 100 when the channel worked, 0 when it failed (channels not tried are left out);
- response: the human response rate × 100;
- speed: the mean over delivered inquiries of points for the first human answer
  (≤1 h 100, ≤4 h 80, ≤24 h 60, ≤48 h 40, ≤7 days 20, later or none 0);
- quality: the mean answer-quality score of first human answers (only when scored).

A channel's score is the weighted mean of the components it has; a company's
score is the channel-weighted mean of its channels' scores. Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from servaudit.config import Scoring
from servaudit.measure.facts import InquiryFacts
from servaudit.measure.figures import CHANNEL_FAILED, WORKING, Figures, MeasureContext
from servaudit.measure.stats import mean

COMPONENTS = ("reachability", "response", "speed", "quality")
SPEED_POINTS: tuple[tuple[float, float], ...] = (
    (3600, 100),
    (4 * 3600, 80),
    (24 * 3600, 60),
    (48 * 3600, 40),
    (7 * 86400, 20),
)
PRESETS: dict[str, dict[str, Any]] = {
    "balanced": {
        "weights": {"reachability": 20, "response": 30, "speed": 30, "quality": 20},
        "channel_weights": {},
    },
    # SuperOffice's benchmark: speed, answered, tone/quality of the answer (follow-up is not measured).
    "superoffice": {
        "weights": {"reachability": 0, "response": 25, "speed": 25, "quality": 50},
        "channel_weights": {},
    },
    # DISQ-style channel weights: phone 50 / online (form, chat) 30 / e-mail 20.
    "disq": {
        "weights": {"reachability": 20, "response": 30, "speed": 30, "quality": 20},
        "channel_weights": {"phone": 50, "form": 15, "chat": 15, "email": 20},
    },
}


@dataclass(frozen=True)
class Weights:
    preset: str
    components: dict[str, float]
    channels: dict[str, float]
    """Channel → weight; a channel not listed weighs 1 when none are listed, else 0."""
    pass_mark: float

    @classmethod
    def from_config(cls, scoring: Scoring) -> Weights:
        preset = PRESETS[scoring.preset]
        components = {**preset["weights"], **(scoring.weights or {})}
        channels = dict(scoring.channel_weights or preset["channel_weights"])
        return cls(scoring.preset, components, channels, scoring.pass_mark)

    def channel_weight(self, channel: str) -> float:
        if not self.channels:
            return 1.0
        return float(self.channels.get(channel, 0.0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "components": self.components,
            "channels": self.channels,
            "pass_mark": self.pass_mark,
        }


def speed_points(seconds: float | None) -> float:
    if seconds is None:
        return 0.0
    return next((points for limit, points in SPEED_POINTS if seconds <= limit), 0.0)


def channel_components(
    facts: Sequence[InquiryFacts], figs: Figures, status: str, context: MeasureContext
) -> dict[str, float | None]:
    delivered = [f for f in facts if f.delivered]
    reach = 100.0 if status == WORKING else 0.0 if status == CHANNEL_FAILED else None
    return {
        "reachability": reach,
        "response": None if figs.human_response_rate is None else 100 * figs.human_response_rate,
        "speed": mean(speed_points(f.seconds_to(f.first_human, context.clock)) for f in delivered),
        "quality": figs.mean_quality_score,
    }


def weighted(values: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """The weighted mean of the values present; None when no weighted value is present."""
    present = [(v, weights.get(k, 0.0)) for k, v in values.items() if v is not None]
    total = sum(w for _, w in present)
    return sum(v * w for v, w in present) / total if total > 0 else None


@dataclass(frozen=True)
class Score:
    value: float | None
    passed: bool | None
    channels: dict[str, dict[str, Any]]
    """Channel → {"score": …, "components": {...}, "weight": …}."""

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "passed": self.passed, "channels": self.channels}


def company_score(channel_parts: Mapping[str, Mapping[str, float | None]], weights: Weights) -> Score:
    channels: dict[str, dict[str, Any]] = {}
    for channel, parts in channel_parts.items():
        channels[channel] = {
            "score": weighted(parts, weights.components),
            "components": dict(parts),
            "weight": weights.channel_weight(channel),
        }
    value = weighted(
        {c: v["score"] for c, v in channels.items()}, {c: v["weight"] for c, v in channels.items()}
    )
    return Score(value, None if value is None else value >= weights.pass_mark, channels)
