"""Charts for the report as small hand-written inline SVG: no script, no external resource, prints sharp.

Each chart is an ``<svg role="img">`` with its title as ``aria-label`` and ``<title>``, text labels
on its axes and a legend, and a ``<title>`` on every bar, segment and line that names what it
shows and its value (the tooltip a browser shows, and what a screen reader reads). Every text is
escaped here, so the markup is safe to inline. Charts take plain numbers from report.json's
data, never from the store. (They were drawn by pygal, whose set-up was most of a company
page's cost at study size: about 40 ms a chart against well under 1 ms now.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup, escape

from servaudit.i18n import Locale

COLOURS = ("#1f5fbf", "#1b7f4b", "#b3261e", "#9a6700", "#6b3fa0", "#00838f", "#c2185b", "#5d4037", "#455a64")
BUCKET_COLOURS = ("#1b7f4b", "#7cb342", "#fbc02d", "#ef6c00", "#b0b7c3")
INK, SUBTLE, GRID = "#1d2433", "#5b6478", "#e3e6ec"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
WIDTH = 860
LEGEND_COLUMNS = 4
LABEL_CHARS = 28
"""A row or bar label longer than this is shortened with an ellipsis (its full text in its <title>)."""


def _e(text: Any) -> str:
    return str(escape(text))


def _n(value: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


class _Chart:
    """One chart's markup, written piece by piece."""

    def __init__(self, title: str, height: float) -> None:
        self.title = title
        self.height = height
        self.parts: list[str] = []

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(self, x: float, y: float, text: str, anchor: str = "middle", **attrs: str) -> None:
        extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
        self.add(f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{extra}>{_e(text)}</text>')

    def rect(self, x: float, y: float, w: float, h: float, fill: str, tip: str) -> None:
        self.add(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}">'
            f"<title>{_e(tip)}</title></rect>"
        )

    def legend(self, top: float, entries: Sequence[tuple[str, str]]) -> None:
        """Coloured squares with their names, LEGEND_COLUMNS to a row, from ``top``."""
        column = (WIDTH - 40) / LEGEND_COLUMNS
        for i, (name, colour) in enumerate(entries):
            x = 20 + (i % LEGEND_COLUMNS) * column
            y = top + (i // LEGEND_COLUMNS) * 20
            self.add(f'<rect x="{_n(x)}" y="{_n(y)}" width="12" height="12" fill="{colour}"/>')
            self.text(x + 18, y + 10, _short(name), "start", font_size="12")

    def markup(self) -> Markup:
        label = _e(self.title)
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_n(self.height)}" role="img" '
            f'aria-label="{label}" class="chart" font-family="{_e(FONT)}" font-size="11" fill="{INK}">'
            f'<title>{label}</title><rect width="100%" height="100%" fill="#ffffff"/>'
            f'<text x="{WIDTH / 2:g}" y="22" text-anchor="middle" font-size="14">{label}</text>'
        )
        # Every text and attribute above was escaped, so the markup is safe to inline.
        return Markup(head + "".join(self.parts) + "</svg>")


def _legend_height(entries: int) -> float:
    return 20 * math.ceil(entries / LEGEND_COLUMNS)


def _value_axis(
    chart: _Chart,
    left: float,
    right: float,
    top: float,
    bottom: float,
    ticks: Sequence[float],
    label: Callable[[float], str],
    top_value: float,
) -> None:
    """Horizontal grid lines with their labels on the left, for a vertical value axis from 0."""
    for tick in ticks:
        y = bottom - (bottom - top) * tick / top_value
        chart.add(f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID}"/>')
        chart.text(left - 6, y + 4, label(tick), "end", fill=SUBTLE)


def _percent(locale: Locale) -> Callable[[float], str]:
    return lambda v: locale.format("percent", v / 100)


def distribution(rows: Sequence[tuple[str, dict[str, Any]]], locale: Locale) -> Markup:
    """Per company a bar split by when the first human answer came, as shares of delivered inquiries."""
    buckets = ("within_1h", "within_24h", "within_7d", "later", "none")
    names = [locale.t(f"chart.bucket.{b}") for b in buckets]
    percent = _percent(locale)
    bar, gap = 24, 10
    top, left, right = 40, 200, WIDTH - 20
    bottom = top + len(rows) * (bar + gap)
    chart = _Chart(locale.t("chart.distribution"), bottom + 30 + _legend_height(len(buckets)) + 10)
    scale = (right - left) / 100
    for tick in range(0, 101, 20):
        x = left + tick * scale
        chart.add(f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{top}" y2="{bottom}" stroke="{GRID}"/>')
        chart.text(x, bottom + 16, percent(tick), fill=SUBTLE)
    for row, (name, figs) in enumerate(rows):
        y = top + row * (bar + gap) + gap / 2
        chart.add(
            f'<text x="{left - 8}" y="{_n(y + bar / 2 + 4)}" text-anchor="end">'
            f"<title>{_e(name)}</title>{_e(_short(name))}</text>"
        )
        delivered = figs["delivered"]
        if not delivered:
            continue
        within = figs["answered_within"]
        counts = (
            within["1h"]["count"],
            within["24h"]["count"] - within["1h"]["count"],
            within["7d"]["count"] - within["24h"]["count"],
            figs["human_responded"] - within["7d"]["count"],
            delivered - figs["human_responded"],
        )
        x = left
        for bucket, count, colour in zip(names, counts, BUCKET_COLOURS, strict=True):
            share = 100 * count / delivered
            if share <= 0:
                continue
            chart.rect(
                x, y, share * scale, bar, colour, f"{name} · {bucket}: {percent(share)} ({count}/{delivered})"
            )
            x += share * scale
    chart.legend(bottom + 30, list(zip(names, BUCKET_COLOURS, strict=True)))
    return chart.markup()


def _log_x(seconds: float) -> float:
    return math.log10(max(seconds, 1.0))


def answered_over_time(
    series: Sequence[tuple[str, Sequence[Sequence[float]]]], window_seconds: float, locale: Locale
) -> Markup:
    """Kaplan–Meier steps per company: share answered by a person by time t (log time axis)."""
    percent = _percent(locale)
    top, left, right, bottom = 40, 60, WIDTH - 20, 300
    chart = _Chart(locale.t("chart.curve"), bottom + 30 + _legend_height(len(series)) + 10)
    end = _log_x(window_seconds) or 1.0

    def x_of(seconds: float) -> float:
        return left + (right - left) * _log_x(seconds) / end

    def y_of(share: float) -> float:
        return bottom - (bottom - top) * share

    _value_axis(chart, left, right, top, bottom, range(0, 101, 20), percent, 100)
    ticks = [1, 60, 300, 3600, 4 * 3600, 86400, 7 * 86400, window_seconds]
    last_label = -math.inf
    for seconds in sorted({t for t in ticks if t <= window_seconds}):
        x = x_of(seconds)
        chart.add(f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{top}" y2="{bottom}" stroke="{GRID}"/>')
        if x - last_label >= 44 or seconds == window_seconds:  # no labels on top of each other
            chart.text(x, bottom + 16, locale.format("duration", round(seconds)), fill=SUBTLE)
            last_label = x
    for i, (name, curve) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        points: list[str] = []
        last = 0.0
        for seconds, share in curve:
            at = _n(x_of(seconds))
            points.append(
                f"{at},{_n(y_of(last))} {at},{_n(y_of(share))}"
            )  # a step: flat until the next answer
            last = share
        points.append(f"{_n(x_of(window_seconds))},{_n(y_of(last))}")
        chart.add(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{_e(name)}: {_e(percent(100 * last))}</title></polyline>"
        )
    chart.legend(bottom + 30, [(name, COLOURS[i % len(COLOURS)]) for i, (name, _) in enumerate(series)])
    return chart.markup()


def _bars(
    chart: _Chart,
    groups: Sequence[tuple[str, Sequence[tuple[str, float | None]]]],
    top_value: float,
    ticks: Sequence[float],
    label: Callable[[float], str],
    bottom: float,
    rotate: bool,
    print_values: bool = False,
) -> None:
    """Vertical bars, grouped: per group a label below and per entry (name, value or None) a bar."""
    top, left = 40, 60
    right = WIDTH - (150 if rotate else 20)  # room for the last rotated label
    _value_axis(chart, left, right, top, bottom, ticks, label, top_value)
    width = (right - left) / max(len(groups), 1)
    for g, (group, values) in enumerate(groups):
        x0 = left + g * width
        bar = width * 0.8 / max(len(values), 1)
        for i, (name, value) in enumerate(values):
            if value is None:
                continue
            height = (bottom - top) * value / top_value if top_value else 0
            x = x0 + width * 0.1 + i * bar
            chart.rect(
                x,
                bottom - height,
                bar * 0.92,
                height,
                COLOURS[i % len(COLOURS)],
                f"{group} · {name}: {label(value)}",
            )
            if print_values:
                chart.text(x + bar * 0.46, bottom - height - 4, label(value))
        centre = x0 + width / 2
        if rotate:
            chart.add(
                f'<text x="{_n(centre)}" y="{_n(bottom + 14)}" text-anchor="start" '
                f'transform="rotate(20 {_n(centre)} {_n(bottom + 14)})">'
                f"<title>{_e(group)}</title>{_e(_short(group))}</text>"
            )
        else:
            chart.text(centre, bottom + 16, group)


def channel_matrix(
    companies: Sequence[tuple[str, dict[str, float | None]]], channels: Sequence[str], locale: Locale
) -> Markup:
    """Human response rate per company, one bar per channel."""
    names = [locale.t_channel(c) for c in channels]
    bottom = 270
    chart = _Chart(locale.t("chart.channels"), bottom + 90 + _legend_height(len(names)) + 10)
    groups = [
        (
            name,
            [
                (n, None if (v := rates.get(c)) is None else 100 * v)
                for c, n in zip(channels, names, strict=True)
            ],
        )
        for name, rates in companies
    ]
    _bars(chart, groups, 100, range(0, 101, 20), _percent(locale), bottom, rotate=True)
    chart.legend(bottom + 90, [(n, COLOURS[i % len(COLOURS)]) for i, n in enumerate(names)])
    return chart.markup()


def _nice_ticks(most: float) -> tuple[float, list[float]]:
    """The axis's top and its ticks for counts up to ``most``: steps of 1, 2 or 5 × 10ⁿ, at most 6."""
    if most <= 0:
        return 1, [0, 1]
    step = 1.0
    while most / step > 5:
        for factor in (2, 2.5, 2):
            step *= factor
            if most / step <= 5:
                break
    top_value = step * math.ceil(most / step)
    return top_value, [step * i for i in range(int(top_value / step) + 1)]


def send_times(by_weekday: Sequence[tuple[str, int]], locale: Locale) -> Markup:
    """Inquiries sent per weekday, each bar with its count."""
    inquiries = locale.t("chart.inquiries")
    bottom = 200
    chart = _Chart(locale.t("chart.send_times"), bottom + 30)
    top_value, ticks = _nice_ticks(max((n for _, n in by_weekday), default=0))
    groups = [(day, [(inquiries, float(count))]) for day, count in by_weekday]
    _bars(
        chart,
        groups,
        top_value,
        ticks,
        lambda v: locale.format("int", v),
        bottom,
        rotate=False,
        print_values=True,
    )
    return chart.markup()
