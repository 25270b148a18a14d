"""The waves section's view: report.json's "waves" (servaudit/measure/waves.py) as the template
report_templates/waves.html lays it out. Shown only when it has something measured to compare:
more than one wave, or sends on more than one weekday or hour band."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from servaudit.i18n import Locale
from servaudit.report.viewmodels import FigureView


@dataclass(frozen=True)
class WaveRow:
    slug: str
    name: str
    worse: bool
    better: bool


@dataclass(frozen=True)
class WavesView:
    figures: FigureView
    """Over report.json's "waves": keys such as ``companies.<slug>.waves.2.within_24h.share``."""
    waves: tuple[str, ...]
    changes: tuple[tuple[int, str, str], ...]
    """(index into a company's "changes", from wave, to wave)."""
    rows: tuple[WaveRow, ...]
    weekdays: tuple[tuple[str, str], ...]
    """(key, name) of the weekdays with sends."""
    bands: tuple[str, ...]
    """Hour bands with sends."""
    alpha_text: str

    @property
    def compares_waves(self) -> bool:
        return len(self.waves) > 1

    @property
    def compares_send_times(self) -> bool:
        return len(self.weekdays) > 1 or len(self.bands) > 1


def waves_view(data: dict[str, Any], locale: Locale) -> WavesView | None:
    """The section's view, or None when there is nothing to compare."""
    section = data.get("waves")
    if not section:
        return None
    waves = tuple(str(w) for w in section["waves"])
    send_time = section["send_time"]
    view = WavesView(
        figures=FigureView("waves", section, locale),
        waves=waves,
        changes=tuple((i, waves[i], waves[i + 1]) for i in range(len(waves) - 1)),
        rows=tuple(
            WaveRow(
                slug=slug,
                name=data["companies"][slug]["name"],
                worse=figures["worse"],
                better=any(change["better"] for change in figures["changes"]),
            )
            for slug, figures in section["companies"].items()
        ),
        weekdays=tuple((k, locale.t(f"weekday.{k}")) for k, v in send_time["weekday"].items() if v["of"]),
        bands=tuple(k for k, v in send_time["hour_band"].items() if v["of"]),
        alpha_text=locale.number(section["alpha"], 2),
    )
    return view if view.compares_waves or view.compares_send_times else None
