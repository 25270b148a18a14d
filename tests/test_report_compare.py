"""Reference figures and comparisons in the report: the loader's errors, like with like, and the
demo audit's report (report.json fields and page text, in English and German)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from servaudit.errors import ConfigError
from servaudit.i18n import Locale
from servaudit.report.references import load_references, reference_figures
from tests.test_report_golden import GENERATED_AT, copy_fixture, page_text

GOOD = """
[[reference]]
id = "own-1h"
source = "Our own study"
year = 2025
n = 40
population = { en = "Our clients", de = "Unsere Kunden" }
class = "M"
figure = { en = "30% within 1 h", de = "30 % binnen 1 Std." }
metric = "answered_within_1h"
channel = "email"
value = 0.3
"""


def write(folder: Path, name: str, text: str) -> Path:
    (folder / "probes" / "references").mkdir(parents=True, exist_ok=True)
    path = folder / "probes" / "references" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_references_load_and_carry_source_year_population_and_class() -> None:
    found = load_references()
    assert len(found) >= 10
    for reference in found:
        assert reference["source"] and reference["year"] and reference["class"] in ("M", "O", "S")
        assert set(reference["population"]) == set(reference["figure"]) == {"en", "de"}
    assert {r["class"] for r in found} == {"M", "O", "S"}


def test_an_audit_adds_its_own_references_and_replaces_a_shipped_file(tmp_path: Path) -> None:
    write(tmp_path, "own.toml", GOOD)
    write(tmp_path, "email.toml", GOOD.replace("own-1h", "replaced-1h"))
    ids = [r["id"] for r in load_references(tmp_path)]
    assert "own-1h" in ids and "replaced-1h" in ids
    assert "parcellab-2023-email-1h" not in ids  # the shipped email.toml was replaced
    assert "eptica-2015-chat" in ids  # the other shipped files stay


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('class = "M"', 'class = "X"'), "'own-1h'.*class must be one of M, O, S"),
        (('class = "M"\n', ""), "'own-1h'.*missing key class"),
        (("value = 0.3", "value = 30"), "value of metric answered_within_1h is a share from 0 to 1"),
        (('metric = "answered_within_1h"', 'metric = "median"'), "metric must be one of answered_within_1h"),
        (('channel = "email"', 'channel = "fax"'), "channel must be one of"),
        (('de = "Unsere Kunden"', 'fr = "Nos clients"'), "population must be a table with a text for each"),
        (("year = 2025", 'year = "2025"'), "year must be a positive whole number"),
        (("n = 40", "sample = 40"), "unknown key sample"),
        (('metric = "answered_within_1h"\n', ""), "channel and value need a metric"),
    ],
)
def test_a_bad_reference_is_named_by_file_reference_and_key(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    assert change[0] in GOOD
    path = write(tmp_path, "own.toml", GOOD.replace(*change))
    with pytest.raises(ConfigError, match=message) as caught:
        load_references(tmp_path)
    assert str(path) in str(caught.value)


def test_a_reference_id_is_used_once(tmp_path: Path) -> None:
    write(tmp_path, "own.toml", GOOD + GOOD)
    with pytest.raises(ConfigError, match="'own-1h': id is also used in"):
        load_references(tmp_path)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "own.toml", "[[reference]\n")
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        load_references(tmp_path)


def channel_figures(delivered: int, human: int, within_1h: int, mean: float | None) -> dict[str, Any]:
    return {
        "delivered": delivered,
        "responded": human,
        "human_responded": human,
        "answered_within": {
            "1h": {"count": within_1h, "share_of_delivered": within_1h / delivered if delivered else None},
            "24h": {"count": human, "share_of_delivered": human / delivered if delivered else None},
        },
        "mean_first_human_response_seconds": mean,
        "median_first_human_response_seconds": 1.0,
    }


def test_like_with_like_only() -> None:
    by_id = {r["id"]: r for r in load_references()}
    chosen = [by_id[i] for i in ("parcellab-2023-email-1h", "superoffice-2018-mean", "comm100-2020-chat-wait",
                                 "toister-2020-expect-1h", "eptica-2015-chat")]  # fmt: skip
    found = reference_figures(chosen, {"email": channel_figures(10, 6, 3, 7200.0)})
    compared = {r["id"]: r for r in found["compared"]}
    context = {r["id"]: r["reason"] for r in found["context"]}
    # A share within 1 h over all delivered inquiries, with its count, denominator and Wilson interval.
    assert compared["parcellab-2023-email-1h"]["audit"]["value"] == pytest.approx(0.3)
    assert compared["parcellab-2023-email-1h"]["audit"]["of"] == 10
    assert 0 < compared["parcellab-2023-email-1h"]["audit"]["low"] < 0.3
    # An average over responders stands next to the audit's average over responders, never its median.
    assert compared["superoffice-2018-mean"]["audit"] == {
        "value": 7200.0, "count": 6, "of": 6, "low": None, "high": None,
    }  # fmt: skip
    # Operational data and surveys are context; a channel the audit did not measure too.
    assert context == {
        "comm100-2020-chat-wait": "class_O",
        "toister-2020-expect-1h": "no_metric",
        "eptica-2015-chat": "no_audit_figure",
    }


# -- the demo audit's report -------------------------------------------------------------------


@pytest.fixture(scope="module", params=["en", "de"])
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from servaudit.config import Audit
    from servaudit.rejudge import refresh
    from servaudit.report import render_report

    language = request.param
    folder = copy_fixture(tmp_path_factory.mktemp(f"audit-{language}") / "audit")
    out = folder.parent / "report"
    audit = Audit.load(folder)
    refresh(audit, lambda _text: None)
    render_report(audit, out, language=language, generated_at=GENERATED_AT)
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    index = (out / "index.html").read_text(encoding="utf-8")
    return language, data, index, Locale(language, audit.config.audit.timezone, folder)


def test_the_demo_companies_differ_only_by_chance_and_are_tied(rendered: Any) -> None:
    _, data, index, locale = rendered
    found = data["comparisons"]
    delivered = [s for s, c in data["companies"].items() if c["overall"]["delivered"]]
    assert found["compared"] == len(delivered) >= 2
    assert found["test"] == "logrank" and found["correction"] == "holm"
    # One inquiry per channel and company: no difference survives the correction; every company tied.
    assert len(found["pairs"]) == len(delivered) * (len(delivered) - 1) // 2
    assert not any(p["significant"] for p in found["pairs"])
    assert all(0 <= p["p_value"] <= p["adjusted_p_value"] <= 1 for p in found["pairs"])
    for slug in delivered:
        mine = found["companies"][slug]
        assert (mine["rank_from"], mine["rank_to"], mine["tied"]) == (1, len(delivered), True)
        assert mine["too_few_inquiries"] and mine["bootstrap_rank_from"] is None
    text = page_text(index)
    assert locale.t("compare.title") in text
    assert locale.t("compare.no_difference", count=len(delivered)) in text
    assert locale.t("compare.tied_ranks", low=1, high=len(delivered)) in text  # the ranking marks ties
    never = [s for s in data["companies"] if s not in delivered]
    assert never and not any(found["companies"][s]["too_few_inquiries"] for s in never)  # nothing to rest on
    assert locale.t("compare.too_few", count=len(delivered), minimum=found["minimum_inquiries"]) in text
    assert 'data-key="comparisons.companies.' in index


def test_the_demo_report_sets_references_next_to_figures_of_the_same_definition(rendered: Any) -> None:
    language, data, index, locale = rendered
    compared = {r["id"]: r for r in data["references"]["compared"]}
    email = data["channels"]["email"]
    one_hour = compared["parcellab-2023-email-1h"]
    assert one_hour["audit"]["value"] == email["answered_within"]["1h"]["share_of_delivered"]
    assert one_hour["audit"]["count"] == email["answered_within"]["1h"]["count"]
    assert compared["superoffice-2018-mean"]["audit"]["value"] == email["mean_first_human_response_seconds"]
    context = {r["id"]: r for r in data["references"]["context"]}
    assert context["comm100-2020-chat-wait"]["reason"] == "class_O"
    assert all(r["class"] == "M" for r in compared.values())
    text = page_text(index)
    assert locale.t("reference.title") in text and locale.t("reference.like_with_like") in text
    assert locale.t("reference.metric.answered_within_1h") in text
    assert one_hour["figure"][language] in text and one_hour["population"][language] in text
    assert context["toister-2020-expect-1h"]["figure"][language] in text
    assert locale.t("reference.class_S") in text
    assert " ".join(locale.percent(one_hour["value"]).split()) in text  # page_text folds no-break spaces
    assert 'data-key="references.compared.' in index


def test_a_real_difference_is_found_and_ranks_the_companies_apart() -> None:
    from dataclasses import replace
    from datetime import timedelta

    from servaudit.labels import HUMAN
    from servaudit.measure.facts import gather
    from servaudit.report.comparisons import company_comparisons
    from servaudit.store import InquiryRecord, MessageRecord
    from tests.test_metrics import T0, context, inquiry, reply

    inquiries: list[InquiryRecord] = []
    messages: list[MessageRecord] = []
    # "quick" answers each of 50 inquiries within minutes; "slow" answers half of its 50 after days
    # and leaves the rest unanswered; "fewer" does the same with 4 inquiries: too few for an interval.
    plan = [
        ("quick", 50, lambda i: timedelta(minutes=5 + i)),
        ("slow", 50, lambda i: timedelta(days=2, hours=i)),
    ]
    plan.append(("fewer", 4, lambda i: timedelta(days=2, hours=3 * i)))
    for company, count, delay in plan:
        for i in range(count):
            inquiries.append(replace(inquiry(f"{company}-{i}"), company=company))
            if company == "quick" or i % 2 == 0:
                messages.append(reply(len(messages) + 1, f"{company}-{i}", T0 + delay(i), HUMAN))
    facts = gather(inquiries, messages, timedelta(days=14))
    by_company = {c: [f for f in facts if f.inquiry.company == c] for c in ("quick", "slow", "fewer")}
    found = company_comparisons(by_company, context())
    pairs = {(p["first"], p["second"]): p for p in found["pairs"]}
    assert pairs[("quick", "slow")]["significant"] and pairs[("quick", "slow")]["faster"] == "quick"
    assert pairs[("quick", "fewer")]["significant"]
    assert not pairs[("slow", "fewer")]["significant"]
    ranks = {slug: (c["rank_from"], c["rank_to"]) for slug, c in found["companies"].items()}
    assert ranks == {"quick": (1, 1), "slow": (2, 3), "fewer": (2, 3)}
    assert not found["companies"]["quick"]["tied"] and found["companies"]["slow"]["tied"]
    assert found["companies"]["quick"]["bootstrap_rank_to"] == 1.0
    assert found["companies"]["fewer"]["bootstrap_rank_from"] is None  # 4 inquiries: no interval
    assert [c["too_few_inquiries"] for c in found["companies"].values()] == [False, False, True]
