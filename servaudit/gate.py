"""`servaudit gate`: service-level rules over the report's figures, for scheduled CI runs.

A rule reads ``[COMPANY:]CHANNEL.METRIC OP VALUE [level=warn|error] [agg=each|median|p90|worst]``:

    email.median_first_human_response < 24h
    chat.human_response_rate >= 0.8 level=warn
    acme:form.outcome == submitted
    all.human_response_rate >= 60% agg=p90
    all.wave_drop == 0

CHANNEL is a channel name or ``all`` (every channel of a company together);
METRIC is a key of report.json's figures (``_seconds`` may be left out), or a finding's count
under ``findings.`` (``all.findings.promise_broken == 0``: servaudit/measure/findings.py FINDINGS), or
``wave_drop``: 1 when the company got significantly worse between waves (servaudit/measure/waves.py), else 0.
Without ``agg`` (``each``) every company is one check; ``median``, ``p90`` and
``worst`` aggregate the companies into one check, pessimistically: p90 is the
value 90% of companies do at least as well as, worst is the weakest company,
and a company with no value (nothing answered) counts as the worst possible.
Only a failed ``error`` rule fails the gate (exit 1); ``warn`` only reports.
Like lighthouse-ci's assertions: collect and report are separate steps.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from servaudit.errors import UsageError
from servaudit.i18n import Locale
from servaudit.measure.stats import median

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
LEVELS = ("warn", "error")
AGGREGATIONS = ("each", "median", "p90", "worst")
UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
RULE = re.compile(
    r"^\s*(?:(?P<company>[a-z0-9][a-z0-9_-]*):)?(?P<channel>[a-z0-9_-]+)\.(?P<metric>[a-z0-9_.]+)"
    r"\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<value>\S+)(?P<options>(?:\s+\w+=\S+)*)\s*$"
)
PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"
ENGLISH = Locale("en")


@dataclass(frozen=True)
class Rule:
    text: str
    company: str | None
    channel: str
    metric: str
    op: str
    value: float | str
    level: str = "error"
    aggregation: str = "each"

    @property
    def lower_is_better(self) -> bool:
        return self.op in ("<", "<=")


def parse_value(text: str) -> float | str:
    """'24h' → 86400, '80%' → 0.8, '0.8' → 0.8, 'submitted' → 'submitted'."""
    number = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*(%|[a-z]+)?", text)
    if not number:
        return text
    value, unit = float(number.group(1)), number.group(2)
    if unit is None:
        return value
    if unit == "%":
        return value / 100
    if unit in UNITS:
        return value * UNITS[unit]
    return text


def parse_rule(text: str) -> Rule:
    found = RULE.match(text)
    if not found:
        raise UsageError(
            f"rule {text!r} is not of the form '[company:]channel.metric OP value [level=warn|error] "
            "[agg=each|median|p90|worst]', e.g. 'email.median_first_human_response < 24h'"
        )
    options: dict[str, str] = {}
    for option in found.group("options").split():
        key, _, value = option.partition("=")
        options[key] = value
    unknown = set(options) - {"level", "agg"}
    if unknown:
        raise UsageError(f"rule {text!r}: unknown option {sorted(unknown)[0]!r}; use level= or agg=")
    level = options.get("level", "error")
    aggregation = options.get("agg", "each")
    if level not in LEVELS:
        raise UsageError(f"rule {text!r}: level must be one of {', '.join(LEVELS)}, not {level!r}")
    if aggregation not in AGGREGATIONS:
        raise UsageError(f"rule {text!r}: agg must be one of {', '.join(AGGREGATIONS)}, not {aggregation!r}")
    value = parse_value(found.group("value"))
    if isinstance(value, str) and found.group("op") not in ("==", "!="):
        raise UsageError(f"rule {text!r}: {found.group('op')} needs a number, not {value!r}")
    if isinstance(value, str) and aggregation in ("median", "p90"):
        raise UsageError(f"rule {text!r}: agg={aggregation} needs a numeric metric")
    return Rule(
        text=text.strip(),
        company=found.group("company"),
        channel=found.group("channel"),
        metric=found.group("metric"),
        op=found.group("op"),
        value=value,
        level=level,
        aggregation=aggregation,
    )


def read_rules(path: Path) -> list[str]:
    """One rule per line; blank lines and # comments are ignored."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read the rules file {path}: {exc}") from None
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


@dataclass(frozen=True)
class Result:
    rule: str
    level: str
    scope: str
    """A company slug, or e.g. 'all companies (p90)'."""
    value: Any
    shown: str
    status: str
    """pass, fail (an error-level rule failed), warn (a warn-level rule failed), skip (no data)."""
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def lookup(figures: dict[str, Any], metric: str, rule: Rule) -> Any:
    value: Any = figures
    for candidate in (metric, metric + "_seconds"):
        value = figures
        try:
            for part in candidate.split("."):
                value = value[part]
        except (KeyError, TypeError):
            continue
        if isinstance(value, dict | list):
            break
        return value
    scalars = sorted(k for k, v in figures.items() if not isinstance(v, dict | list))
    raise UsageError(f"rule {rule.text!r}: no metric {metric!r}; known: {', '.join(scalars)}")


def _show(metric: str, value: Any) -> str:
    if value is None:
        return "no value"
    if isinstance(value, str | bool):
        return str(value)
    if metric.endswith(("_seconds", "_response")) or "response_seconds" in metric:
        return ENGLISH.duration(value)
    if metric.endswith(("_rate", "_low", "_high", "share_of_delivered", "share_of_answered")):
        return f"{value:.1%}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _group(company: dict[str, Any], channel: str) -> dict[str, Any] | None:
    found = company.get("findings") or {}
    if channel == "all":
        return {**company["overall"], "findings": _findings(found)}
    figures = company["channels"].get(channel)
    if figures is None:
        return None
    return {**figures, "findings": _findings(found.get("channels", {}).get(channel) or {})}


def _findings(found: dict[str, Any]) -> dict[str, Any]:
    """A group's findings as gate metrics: each finding's count by its key (findings.promise_broken),
    plus the promise figures (findings.promises.kept_rate.share) and the clicks from the home page to
    the first human contact channel (findings.clicks_to_contact); a report without findings counts 0."""
    from servaudit.measure.findings import FINDINGS

    counts = found.get("counts") or {}
    # Fewest clicks from the home page to a person (servaudit/measure/legal.py); None when the company
    # was not discovered or shows no way, which a rule treats like any missing value.
    clicks = ((found.get("site") or {}).get("clicks") or {}).get("first")
    return {
        **{key: counts.get(key, 0) for key in FINDINGS},
        "promises": found.get("promises") or {},
        "clicks_to_contact": clicks,
    }


def _with_waves(
    group: dict[str, Any] | None, data: dict[str, Any], slug: str, channel: str
) -> dict[str, Any] | None:
    """The group's figures plus ``wave_drop``: 1 when the company (or its channel) got significantly
    worse between consecutive waves (report.json's "waves"), else 0."""
    waves = data.get("waves", {}).get("companies", {}).get(slug)
    if group is None or waves is None:
        return group
    # A company asked in one channel only has its waves compared as a whole: that is the channel's.
    figures = waves if channel == "all" or not waves["channels"] else waves["channels"].get(channel)
    return group if figures is None else {**group, "wave_drop": int(figures["worse"])}


def _passes(rule: Rule, value: Any) -> bool:
    if value is None:
        return rule.op == "!=" and rule.value is not None
    if isinstance(rule.value, str) or isinstance(value, str):
        return bool(OPERATORS[rule.op](str(value), str(rule.value)))
    return bool(OPERATORS[rule.op](float(value), rule.value))


def evaluate(rule: Rule, data: dict[str, Any]) -> list[Result]:
    companies = data["companies"]
    if rule.company is not None and rule.company not in companies:
        raise UsageError(f"rule {rule.text!r}: no company {rule.company!r}; known: {', '.join(companies)}")
    slugs = [rule.company] if rule.company else list(companies)
    values: list[tuple[str, Any]] = []
    for slug in slugs:
        group = _with_waves(_group(companies[slug], rule.channel), data, slug, rule.channel)
        if group is not None:
            values.append((slug, lookup(group, rule.metric, rule)))
    fail_status = FAIL if rule.level == "error" else WARN
    if not values:
        scope = rule.company or "all companies"
        return [Result(rule.text, rule.level, scope, None, "–", SKIP, f"no {rule.channel} inquiries")]
    if rule.aggregation == "each" or (len(values) == 1 and rule.company):
        return [
            Result(
                rule.text,
                rule.level,
                slug,
                value,
                _show(rule.metric, value),
                PASS if _passes(rule, value) else fail_status,
                ""
                if _passes(rule, value)
                else f"{_show(rule.metric, value)} is not {rule.op} {_show(rule.metric, rule.value)}",
            )
            for slug, value in values
        ]
    value, culprit = _aggregate(rule, values)
    passed = _passes(rule, value)
    scope = f"all companies ({rule.aggregation}, n={len(values)})"
    message = (
        "" if passed else f"{_show(rule.metric, value)} is not {rule.op} {_show(rule.metric, rule.value)}"
    )
    if not passed and culprit:
        message += f" (weakest: {culprit})"
    return [
        Result(
            rule.text,
            rule.level,
            scope,
            value,
            _show(rule.metric, value),
            PASS if passed else fail_status,
            message,
        )
    ]


def _aggregate(rule: Rule, values: Sequence[tuple[str, Any]]) -> tuple[Any, str | None]:
    if isinstance(rule.value, str):  # == / != on words: the worst is any company that fails
        failing = [(slug, v) for slug, v in values if not _passes(rule, v)]
        return (failing[0][1], failing[0][0]) if failing else (values[0][1], None)
    worst_missing = math.inf if rule.lower_is_better else -math.inf
    numbers = [(slug, worst_missing if v is None else float(v)) for slug, v in values]
    pick = max if rule.lower_is_better else min
    culprit = pick(numbers, key=lambda item: item[1])
    if rule.aggregation == "worst":
        found: float | None = culprit[1]
    elif rule.aggregation == "median":
        found = median(v for _, v in numbers)
    else:
        # Nearest rank, from the best: the value that 90% of companies reach or beat.
        ordered = sorted((v for _, v in numbers), reverse=not rule.lower_is_better)
        found = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    if found is not None and math.isinf(found):
        return None, culprit[0]
    return found, culprit[0]


def run_gate(rules: Sequence[str], data: dict[str, Any]) -> list[Result]:
    if not rules:
        raise UsageError("no rules: give --rule 'email.median_first_human_response < 24h' or --rules FILE")
    parsed = [parse_rule(text) for text in rules]  # every rule checked before any is evaluated
    return [result for rule in parsed for result in evaluate(rule, data)]


def failed(results: Sequence[Result]) -> bool:
    return any(r.status == FAIL for r in results)


def junit_xml(results: Sequence[Result]) -> str:
    """JUnit XML: one test case per check; error-level failures fail, warnings appear in system-out."""
    suite = ET.Element(
        "testsuite",
        name="servaudit gate",
        tests=str(len(results)),
        failures=str(sum(1 for r in results if r.status == FAIL)),
        skipped=str(sum(1 for r in results if r.status == SKIP)),
        errors="0",
    )
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=f"servaudit.gate.{r.scope}", name=r.rule)
        if r.status == FAIL:
            ET.SubElement(
                case, "failure", message=r.message, type="ServiceLevel"
            ).text = f"{r.rule}: {r.scope}: {r.message}"
        elif r.status == SKIP:
            ET.SubElement(case, "skipped", message=r.message)
        elif r.status == WARN:
            ET.SubElement(case, "system-out").text = f"WARNING {r.rule}: {r.scope}: {r.message}"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


MARK = {PASS: "✅ pass", FAIL: "❌ fail", WARN: "⚠️ warn", SKIP: "➖ skip"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(results: Sequence[Result]) -> str:
    """A summary for CI job pages (e.g. $GITHUB_STEP_SUMMARY)."""
    counts = {status: sum(1 for r in results if r.status == status) for status in (PASS, FAIL, WARN, SKIP)}
    verdict = "failed" if counts[FAIL] else "passed"
    lines = [
        f"## servaudit gate: {verdict}",
        "",
        f"{counts[PASS]} passed, {counts[FAIL]} failed, {counts[WARN]} warnings, {counts[SKIP]} skipped",
        "",
        "| result | rule | level | company | value | detail |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {MARK[r.status]} | `{_cell(r.rule)}` | {r.level} | {_cell(r.scope)} | {_cell(r.shown)} "
            f"| {_cell(r.message)} |"
        )
    return "\n".join(lines) + "\n"


def table_rows(results: Sequence[Result]) -> list[tuple[str, str, str, str, str, str]]:
    return [(r.status, r.rule, r.level, r.scope, r.shown, r.message) for r in results]
