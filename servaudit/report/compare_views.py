"""Views of report.json's "comparisons" and "references" in one language (comparisons.html,
references.html, and the rank cell of the index's ranking)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from servaudit.i18n import Locale
from servaudit.report.references import METRICS
from servaudit.report.viewmodels import CompanyView, Fig, FigureView


@dataclass(frozen=True)
class ComparedRow:
    slug: str
    name: str
    page: str
    figures: FigureView
    """comparisons.companies.<slug>: delivered, rank_from/to, bootstrap_rank_from/to, restricted mean."""
    tied: bool
    too_few: bool
    compared: bool


@dataclass(frozen=True)
class ReferenceRow:
    figure: str
    source: str
    url: str | None
    year: int
    n: str
    """The sample size, formatted; empty where the source does not give it."""
    population: str
    klass: str
    class_text: str
    value: Fig | None
    """The published value, where a metric names its definition."""
    audit: dict[str, Fig]
    """The audit's figure of the same definition: value, count, of, low, high (compared only)."""
    definition: str
    reason: str


def _fig(key: str, kind: str, value: Any, locale: Locale) -> Fig:
    return Fig(key, kind, locale.format(kind, value), value)


def rank_marks(data: dict[str, Any], locale: Locale) -> dict[str, list[str]]:
    """The ranking's mark per company: 'tied: ranks 1–5' where the tests cannot tell it from others,
    'few inquiries' where its figures rest on fewer than the planning threshold."""
    marks = {}
    for slug, found in data["comparisons"]["companies"].items():
        words = []
        if found["tied"]:
            words.append(locale.t("compare.tied_ranks", low=found["rank_from"], high=found["rank_to"]))
        if found["too_few_inquiries"]:
            words.append(locale.t("compare.too_few_short"))
        marks[slug] = words
    return marks


@dataclass(frozen=True)
class ComparisonView:
    figures: FigureView
    rows: list[ComparedRow]
    pairs: list[str]
    too_few: int
    alpha: str
    low: str
    high: str
    """The shares the planning threshold tells apart (35 % and 65 %)."""


def comparison_view(data: dict[str, Any], companies: Sequence[CompanyView], locale: Locale) -> ComparisonView:
    found = data["comparisons"]
    half = found["minimum_difference"] / 2
    return ComparisonView(
        figures=FigureView("comparisons", found, locale),
        rows=comparison_rows(data, companies, locale),
        pairs=significant_pairs(data, locale),
        too_few=sum(1 for c in found["companies"].values() if c["too_few_inquiries"]),
        alpha=locale.number(found["alpha"], 2),
        low=locale.percent(found["minimum_share"] - half),
        high=locale.percent(found["minimum_share"] + half),
    )


def comparison_rows(
    data: dict[str, Any], companies: Sequence[CompanyView], locale: Locale
) -> list[ComparedRow]:
    found = data["comparisons"]["companies"]
    return [
        ComparedRow(
            slug=c.slug,
            name=c.name,
            page=c.page,
            figures=FigureView(f"comparisons.companies.{c.slug}", found[c.slug], locale),
            tied=found[c.slug]["tied"],
            too_few=found[c.slug]["too_few_inquiries"],
            compared=found[c.slug]["rank_from"] is not None,
        )
        for c in companies
        if c.slug in found
    ]


def significant_pairs(data: dict[str, Any], locale: Locale) -> list[str]:
    """'A was answered sooner than B (adjusted p = 0,003)' for each significant pair."""
    names = {slug: c["name"] for slug, c in data["companies"].items()}
    found = []
    for pair in data["comparisons"]["pairs"]:
        if not pair["significant"]:
            continue
        slower = pair["second"] if pair["faster"] == pair["first"] else pair["first"]
        found.append(
            locale.t(
                "compare.pair",
                faster=names.get(pair["faster"], pair["faster"]),
                slower=names.get(slower, slower),
                p=locale.number(pair["adjusted_p_value"], 3),
            )
        )
    return found


def reference_rows(data: dict[str, Any], locale: Locale) -> tuple[list[ReferenceRow], list[ReferenceRow]]:
    """(compared, context): the references next to the audit's figure, and those listed as context."""
    language = locale.language

    def row(index: int, reference: dict[str, Any], compared: bool) -> ReferenceRow:
        metric = reference["metric"]
        prefix = "references." + ("compared" if compared else "context")
        kind = METRICS[metric].kind if metric else ""
        shown = "percent" if kind == "share" else "duration"
        return ReferenceRow(
            figure=reference["figure"][language],
            source=reference["source"],
            url=reference["url"],
            year=reference["year"],
            n=locale.integer(reference["n"]) if reference["n"] else "",
            population=reference["population"][language],
            klass=reference["class"],
            class_text=locale.t(f"reference.class_{reference['class']}"),
            value=_fig(f"{prefix}.{index}.value", shown, reference["value"], locale) if metric else None,
            audit={
                key: _fig(
                    f"{prefix}.{index}.audit.{key}", "int" if key in ("count", "of") else shown, value, locale
                )
                for key, value in reference.get("audit", {}).items()
                if key in ("count", "of") or value is not None
            },
            definition=locale.t(f"reference.metric.{metric}") if metric else "",
            reason="" if compared else locale.t(f"reference.reason.{reference['reason']}"),
        )

    found = data["references"]
    return (
        [row(i, r, True) for i, r in enumerate(found["compared"])],
        [row(i, r, False) for i, r in enumerate(found["context"])],
    )


def index_context(data: dict[str, Any], companies: Sequence[CompanyView], locale: Locale) -> dict[str, Any]:
    """What index.html's comparisons.html and references.html read."""
    compared, context = reference_rows(data, locale)
    return {
        "comparison": comparison_view(data, companies, locale),
        "references": {"compared": compared, "context": context},
    }
