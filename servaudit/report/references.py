"""Reference figures from published studies, next to the audit's figure of the same definition.

The figures are data in probes/references/*.toml (probes/references/README.md describes the
keys); an audit's own probes/references/<name>.toml replaces the shipped file of that name.
``load_references`` validates them: every error names the file, the reference and the key.

Like with like: a reference names the metric it corresponds to (``METRICS``), and it stands
next to the audit's figure only when that figure has the very same definition, over the
same channel, and the reference was measured from outside (class M, as an audit is).
Anything else (operational data, surveys, a figure without a metric, or a metric the audit
has no data for) is listed as context, marked by its class, with the reason.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servaudit import channels as registry
from servaudit.errors import ConfigError
from servaudit.i18n import LANGUAGES
from servaudit.measure.stats import wilson
from servaudit.resources import search_path

FOLDER = "references"
CLASSES = ("M", "O", "S")
"""M measured from outside (comparable with an audit), O operational data, S survey."""
COMPARABLE_CLASSES = ("M",)


@dataclass(frozen=True)
class Metric:
    """An audit figure a reference can correspond to: its kind and how to read it from a channel's figures."""

    kind: str
    """'share' (0–1, of ``of``) or 'seconds'."""
    read: Callable[[Mapping[str, Any]], tuple[float | None, int, int]]
    """figures → (value, count, of): count of of for a share; n for seconds (count = of)."""


def _within(key: str) -> Callable[[Mapping[str, Any]], tuple[float | None, int, int]]:
    def read(figs: Mapping[str, Any]) -> tuple[float | None, int, int]:
        found = figs["answered_within"][key]
        return found["share_of_delivered"], found["count"], figs["delivered"]

    return read


def _missing(answered: str) -> Callable[[Mapping[str, Any]], tuple[float | None, int, int]]:
    def read(figs: Mapping[str, Any]) -> tuple[float | None, int, int]:
        delivered = figs["delivered"]
        count = delivered - figs[answered]
        return (count / delivered if delivered else None), count, delivered

    return read


def _mean_over_responders(figs: Mapping[str, Any]) -> tuple[float | None, int, int]:
    n = figs["human_responded"]
    return figs["mean_first_human_response_seconds"], n, n


METRICS: dict[str, Metric] = {
    "answered_within_1h": Metric("share", _within("1h")),
    "answered_within_24h": Metric("share", _within("24h")),
    "no_response": Metric("share", _missing("responded")),
    "no_human_answer": Metric("share", _missing("human_responded")),
    "mean_first_human_over_responders": Metric("seconds", _mean_over_responders),
}
"""The definitions a reference may name; the catalogues explain each (reference.metric.<name>)."""

_REQUIRED = ("id", "source", "year", "population", "class", "figure")
_OPTIONAL = ("url", "n", "metric", "channel", "value")


def reference_files(audit_folder: Path | None = None) -> list[Path]:
    """Every references file, by name: an audit's own file replaces the shipped one of its name."""
    chosen: dict[str, Path] = {}
    for base in reversed(search_path("probes", audit_folder)):
        folder = base / FOLDER
        if folder.is_dir():
            chosen.update({path.name: path for path in folder.glob("*.toml")})
    return [chosen[name] for name in sorted(chosen)]


def load_references(audit_folder: Path | None = None) -> list[dict[str, Any]]:
    """The validated reference figures, in file order."""
    found: list[dict[str, Any]] = []
    seen: dict[str, Path] = {}
    for path in reference_files(audit_folder):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from None
        rows = data.get("reference", [])
        if not isinstance(rows, list) or set(data) - {"reference"}:
            raise ConfigError(f"{path}: expected only [[reference]] tables")
        for number, row in enumerate(rows, start=1):
            reference = _validated(row, f"{path}: reference {number}")
            if reference["id"] in seen:
                raise ConfigError(
                    f"{path}: reference {reference['id']!r}: id is also used in {seen[reference['id']]}"
                )
            seen[reference["id"]] = path
            found.append(reference)
    return found


def _validated(row: Any, where: str) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise ConfigError(f"{where}: expected a table")
    where = f"{where} ({row['id']!r})" if isinstance(row.get("id"), str) else where
    missing = [key for key in _REQUIRED if key not in row]
    if missing:
        raise ConfigError(f"{where}: missing key {', '.join(missing)}")
    unknown = sorted(set(row) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {', '.join(unknown)} (allowed: {', '.join(_REQUIRED + _OPTIONAL)})"
        )
    for key in ("id", "source"):
        if not isinstance(row[key], str) or not row[key].strip():
            raise ConfigError(f"{where}: {key} must be a non-empty text")
    if "url" in row and not (isinstance(row["url"], str) and row["url"].startswith(("https://", "http://"))):
        raise ConfigError(f"{where}: url must be an http(s) address")
    for key in ("year", "n"):
        if key in row and (not isinstance(row[key], int) or isinstance(row[key], bool) or row[key] <= 0):
            raise ConfigError(f"{where}: {key} must be a positive whole number")
    for key in ("population", "figure"):
        texts = row[key]
        if not isinstance(texts, dict) or any(not isinstance(texts.get(lang), str) for lang in LANGUAGES):
            raise ConfigError(
                f"{where}: {key} must be a table with a text for each of {', '.join(LANGUAGES)}"
            )
    if row["class"] not in CLASSES:
        raise ConfigError(f"{where}: class must be one of {', '.join(CLASSES)}, not {row['class']!r}")
    if "metric" in row:
        _validate_metric(row, where)
    elif "channel" in row or "value" in row:
        raise ConfigError(f"{where}: channel and value need a metric")
    return {
        "id": row["id"],
        "source": row["source"],
        "url": row.get("url"),
        "year": row["year"],
        "n": row.get("n"),
        "population": {lang: row["population"][lang] for lang in LANGUAGES},
        "class": row["class"],
        "figure": {lang: row["figure"][lang] for lang in LANGUAGES},
        "metric": row.get("metric"),
        "channel": row.get("channel"),
        "value": row.get("value"),
    }


def _validate_metric(row: dict[str, Any], where: str) -> None:
    metric = METRICS.get(row["metric"])
    if metric is None:
        raise ConfigError(f"{where}: metric must be one of {', '.join(METRICS)}, not {row['metric']!r}")
    if row.get("channel") not in registry.names():
        raise ConfigError(f"{where}: channel must be one of {', '.join(registry.names())}")
    value = row.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{where}: value must be a number (a share from 0 to 1, or seconds)")
    if metric.kind == "share" and value > 1:
        raise ConfigError(f"{where}: value of metric {row['metric']} is a share from 0 to 1, not {value}")


def reference_figures(references: list[dict[str, Any]], channels: Mapping[str, Any]) -> dict[str, Any]:
    """report.json's "references": each reference compared with the audit's figure of its definition
    over the same channel ("compared"), or listed as context with the reason ("context")."""
    compared, context = [], []
    for reference in references:
        reason = _not_comparable(reference, channels)
        if reason:
            context.append({**reference, "reason": reason})
            continue
        metric = METRICS[reference["metric"]]
        value, count, of = metric.read(channels[reference["channel"]])
        interval = wilson(count, of) if metric.kind == "share" else None
        compared.append(
            {
                **reference,
                "kind": metric.kind,
                "audit": {
                    "value": value,
                    "count": count,
                    "of": of,
                    "low": interval[0] if interval else None,
                    "high": interval[1] if interval else None,
                },
            }
        )
    return {"compared": compared, "context": context}


def _not_comparable(reference: dict[str, Any], channels: Mapping[str, Any]) -> str | None:
    if reference["metric"] is None:
        return "no_metric"
    if reference["class"] not in COMPARABLE_CLASSES:
        return f"class_{reference['class']}"
    figs = channels.get(reference["channel"])
    if figs is None or not figs["delivered"]:
        return "no_audit_figure"
    value, _, _ = METRICS[reference["metric"]].read(figs)
    return "no_audit_figure" if value is None else None
