"""The report's charts: well-formed inline SVG with no script, every text escaped, named for a
screen reader, and showing the figures they are drawn from (as text labels and per-mark titles)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from markupsafe import Markup

from servaudit.i18n import Locale
from servaudit.report import charts

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = 'Evil <script>alert(1)</script> & "Co"'


def parsed(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    root = ET.fromstring(str(markup))  # fails on anything not well-formed, e.g. an unescaped name
    assert root.tag == f"{NS}svg" and root.get("role") == "img" and root.get("class") == "chart"
    assert root.get("aria-label") and root.findtext(f"{NS}title") == root.get("aria-label")
    assert not [e for e in root.iter() if e.tag in (f"{NS}script", f"{NS}foreignObject")]
    assert not [k for e in root.iter() for k in e.attrib if k.startswith("on") or "href" in k]
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter() if e.tag in (f"{NS}text", f"{NS}title")]


def figures(delivered: int, within: tuple[int, int, int], human: int) -> dict[str, object]:
    return {
        "delivered": delivered,
        "human_responded": human,
        "answered_within": {k: {"count": n} for k, n in zip(("1h", "24h", "7d"), within, strict=True)},
    }


def test_distribution_shows_each_bucket_share_and_escapes_names() -> None:
    locale = Locale("en")
    root = parsed(
        charts.distribution(
            [(HOSTILE, figures(10, (2, 5, 6), 6)), ("Empty", figures(0, (0, 0, 0), 0))], locale
        )
    )
    shown = texts(root)
    assert HOSTILE in shown  # the full name, as text, in the row label's title
    for bucket, share, count in (("within 1 h", "20%", 2), ("1–24 h", "30%", 3), ("1–7 days", "10%", 1)):
        assert f"{HOSTILE} · {bucket}: {share} ({count}/10)" in shown
    assert f"{HOSTILE} · no human answer: 40% (4/10)" in shown
    assert not any(t.startswith(f"{HOSTILE} · later") for t in shown), "an empty share draws nothing"
    assert {"0%", "100%", "within 1 h", "no human answer"} <= set(shown)


def test_curve_labels_its_log_time_axis_and_each_line() -> None:
    locale = Locale("de")
    window = 14 * 86400
    root = parsed(charts.answered_over_time([("A", [(30, 0.5), (7200, 0.75)]), ("B", [])], window, locale))
    lines = root.findall(f"{NS}polyline")
    assert len(lines) == 2
    assert [line.findtext(f"{NS}title") for line in lines] == ["A: 75\u00a0%", "B: 0\u00a0%"]
    assert {locale.format("duration", s) for s in (3600, 86400, window)} <= set(texts(root))
    assert "A" in texts(root) and "B" in texts(root)  # the legend


def test_channel_matrix_and_send_times_show_their_values() -> None:
    locale = Locale("en")
    root = parsed(charts.channel_matrix([("Co", {"email": 0.5, "form": None})], ["email", "form"], locale))
    bars = [r.findtext(f"{NS}title") for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]
    assert bars == [f"Co · {locale.t_channel('email')}: 50%"], "no bar for a channel not tested"
    root = parsed(charts.send_times([("Mon", 17), ("Tue", 0)], locale))
    assert {"17", "Mon", "Tue", "20"} <= set(texts(root))


def test_charts_are_the_same_every_time() -> None:
    locale = Locale("en")
    rows = [("A", figures(4, (1, 2, 3), 4))]
    assert charts.distribution(rows, locale) == charts.distribution(rows, locale)
