"""The evidence table is one: the code reads it, the documentation shows it, every signal has a detector."""

from __future__ import annotations

import re
from pathlib import Path

from servaudit.replies import classify, evidence

DOCS = Path(__file__).resolve().parents[1] / "docs" / "classification.md"


def test_the_documented_table_is_the_table_the_code_reads() -> None:
    text = DOCS.read_text(encoding="utf-8")
    documented = text.split("<!-- evidence-table: start -->")[1].split("<!-- evidence-table: end -->")[0]
    assert documented.strip() == evidence.markdown().strip(), "run: python -m servaudit.replies.evidence"


def test_every_signal_in_the_table_is_detected_in_code_and_no_other() -> None:
    source = "".join(
        Path(module.__file__).read_text(encoding="utf-8")
        for module in (classify, evidence)
        if module.__file__
    )
    used = set(re.findall(r'found\(\s*"([a-z-]+)"', source))
    used |= set(re.findall(r'"([a-z-]+-phrase)"', source))
    assert used == set(evidence.table())


def test_rfc_signals_are_strong_and_helpdesk_habits_weak() -> None:
    table = evidence.table()
    for signal in ("auto-submitted", "null-return-path", "autoreply-header", "automatic-subject"):
        assert (table[signal].direction, table[signal].strength) == ("machine", "decisive")
    for signal in ("delivery-status", "feedback-report", "fast-arrival"):
        assert (table[signal].direction, table[signal].strength) == ("machine", "strong")
    for signal in ("precedence-bulk", "auto-response-suppress", "loop-guard", "auto-generated"):
        assert (table[signal].direction, table[signal].strength) == ("machine", "weak")
