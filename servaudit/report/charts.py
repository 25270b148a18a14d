"""Charts for the report, drawn by pygal as inline SVG: no script, no external resource, prints sharp.

pygal puts a <script> into every SVG for its interactive tooltips (and would
fetch its JavaScript from the internet); the report is a static, offline
page, so every script element is removed from the drawn tree. Charts take
plain numbers from report.json's data, never from the store.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

import pygal
from markupsafe import Markup
from pygal.style import Style

from servaudit.i18n import Locale

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
COLOURS = ("#1f5fbf", "#1b7f4b", "#b3261e", "#9a6700", "#6b3fa0", "#00838f", "#c2185b", "#5d4037", "#455a64")
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2433",
    foreground_strong="#1d2433",
    foreground_subtle="#5b6478",
    colors=COLOURS,
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    title_font_size=14,
    value_font_size=11,
)
BUCKET_COLOURS = ("#1b7f4b", "#7cb342", "#fbc02d", "#ef6c00", "#b0b7c3")


def _config(**options: Any) -> dict[str, Any]:
    return {
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": False,
        "style": STYLE,
        "width": 860,
        "height": 360,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 4,
        "print_values": False,
        **options,
    }


def _svg(chart: Any, label: str) -> Markup:
    root = chart.render_tree()
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("class", "chart")
    # ElementTree has escaped every text and attribute, so the markup is safe to inline.
    return Markup(ET.tostring(root, encoding="unicode"))


def distribution(rows: Sequence[tuple[str, dict[str, Any]]], locale: Locale) -> Markup:
    """Per company a bar split by when the first human answer came, as shares of delivered inquiries."""
    chart = pygal.HorizontalStackedBar(
        **_config(
            title=locale.t("chart.distribution"),
            height=max(160, 60 + 34 * len(rows)),
            range=(0, 100),
            style=Style(**{**STYLE.__dict__, "colors": BUCKET_COLOURS}),
            value_formatter=lambda v: locale.format("percent", v / 100),
        )
    )
    chart.x_labels = [name for name, _ in rows]
    buckets = ("within_1h", "within_24h", "within_7d", "later", "none")
    series: dict[str, list[float | None]] = {b: [] for b in buckets}
    for _, figs in rows:
        delivered = figs["delivered"]
        within = figs["answered_within"]
        counts = {
            "within_1h": within["1h"]["count"],
            "within_24h": within["24h"]["count"] - within["1h"]["count"],
            "within_7d": within["7d"]["count"] - within["24h"]["count"],
            "later": figs["human_responded"] - within["7d"]["count"],
            "none": delivered - figs["human_responded"],
        }
        for bucket in buckets:
            series[bucket].append(100 * counts[bucket] / delivered if delivered else None)
    for bucket in buckets:
        chart.add(locale.t(f"chart.bucket.{bucket}"), series[bucket])
    return _svg(chart, locale.t("chart.distribution"))


def _log_x(seconds: float) -> float:
    return math.log10(max(seconds, 1.0))


def answered_over_time(
    series: Sequence[tuple[str, Sequence[Sequence[float]]]], window_seconds: float, locale: Locale
) -> Markup:
    """Kaplan–Meier steps per company: share answered by a person by time t (log time axis)."""
    chart = pygal.XY(
        **_config(
            title=locale.t("chart.curve"),
            range=(0, 100),
            xrange=(0, _log_x(window_seconds)),
            show_dots=False,
            stroke_style={"width": 2},
            value_formatter=lambda v: locale.format("percent", v / 100),
            x_value_formatter=lambda x: locale.format("duration", round(10**x)),
        )
    )
    ticks = [1, 60, 300, 3600, 4 * 3600, 86400, 7 * 86400, window_seconds]
    chart.x_labels = sorted({_log_x(t) for t in ticks if t <= window_seconds})
    for name, curve in series:
        points: list[tuple[float, float]] = []
        last = 0.0
        for seconds, share in curve:
            x = _log_x(seconds)
            points.append((x, 100 * last))  # a step: flat until the next answer
            points.append((x, 100 * share))
            last = share
        points.append((_log_x(window_seconds), 100 * last))
        chart.add(name, points)
    return _svg(chart, locale.t("chart.curve"))


def channel_matrix(
    companies: Sequence[tuple[str, dict[str, float | None]]], channels: Sequence[str], locale: Locale
) -> Markup:
    """Human response rate per company, one bar per channel."""
    chart = pygal.Bar(
        **_config(
            title=locale.t("chart.channels"),
            range=(0, 100),
            value_formatter=lambda v: locale.format("percent", v / 100),
            x_label_rotation=20,
        )
    )
    chart.x_labels = [name for name, _ in companies]
    for channel in channels:
        chart.add(
            locale.t_channel(channel),
            [None if (v := rates.get(channel)) is None else 100 * v for _, rates in companies],
        )
    return _svg(chart, locale.t("chart.channels"))


def send_times(by_weekday: Sequence[tuple[str, int]], locale: Locale) -> Markup:
    chart = pygal.Bar(**_config(title=locale.t("chart.send_times"), height=240, show_legend=False))
    chart.x_labels = [label for label, _ in by_weekday]
    chart.add(locale.t("chart.inquiries"), [count for _, count in by_weekday])
    return _svg(chart, locale.t("chart.send_times"))
