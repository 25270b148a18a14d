"""Benchmark: what the accessibility check ([audit] accessibility) costs a form probe.

The same sandbox forms as bench_forms.py (plain, consent and AJAX forms, silent helpdesks), one
browser context, run through the engine twice per repeat: without the check (the reference) and
with it (axe-core's WCAG A/AA scan before typing, a marked screenshot, the keyboard-only fill and
submit). Prints seconds per probe (wall) for both, and CPU per probe (Python and every Chromium
process, read from /proc: proc_cpu.py), which the 2-core machine's other load does not inflate.

Run: python bench/bench_accessibility.py [--forms 12] [--repeat 3] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench_forms import fleet
from proc_cpu import CpuMeter

from servaudit.config import Audit
from servaudit.demo import MACHINE_SECONDS, demo_audit_toml
from servaudit.engine import run
from servaudit.sandbox import Sandbox
from servaudit.sandbox.forms_fleet import FormCompany


def probe_all(
    box: Sandbox, forms: list[FormCompany], folder: Path, checked: bool
) -> tuple[float, float, int]:
    """(wall s, CPU s, forms sent) for one run over every form."""
    folder.mkdir(parents=True)
    pages = [(form, box.form_url(form.slug)) for form in forms]
    text = demo_audit_toml([], box.smtp_port, str(folder / "mail"), True, MACHINE_SECONDS, forms=pages)
    if checked:
        text = text.replace("[audit]\n", "[audit]\naccessibility = true\n", 1)
    (folder / "audit.toml").write_text(text, encoding="utf-8")
    with CpuMeter() as meter:
        summary = run(Audit.load(folder), parallel=1)
    return meter.wall, meter.total, summary.outcomes.get("sent", 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--forms", type=int, default=12, help="form inquiries per run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="4 forms, one run each: a smoke test")
    parser.add_argument("--json", action="store_true", help="one JSON object per case (bench protocol)")
    args = parser.parse_args(argv)
    count, repeat = (4, 1) if args.quick else (args.forms, args.repeat)
    forms = fleet(count)
    figures: dict[bool, dict[str, list[float]]] = {
        False: {"wall": [], "cpu": []},
        True: {"wall": [], "cpu": []},
    }
    sent_all = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with Sandbox(root / "mail", root / "truth.jsonl", (), delay_scale=0.0, forms=forms, chats=()) as box:
            for attempt in range(repeat):
                for checked in (False, True):  # side by side, so both see the same load
                    wall, cpu, sent = probe_all(box, forms, root / f"audit-{checked}-{attempt}", checked)
                    figures[checked]["wall"].append(wall / count)
                    figures[checked]["cpu"].append(cpu / count)
                    sent_all &= sent == count
    plain, with_check = figures[False], figures[True]
    for measure, unit in (("wall", "s/probe"), ("cpu", "CPU s/probe")):
        case: dict[str, Any] = {
            "case": f"form probe with the accessibility check ({measure}), {count} forms",
            "unit": unit,
            "runs": [round(r, 3) for r in with_check[measure]],
            "reference": {"name": "the same probe without it", "runs": [round(r, 3) for r in plain[measure]]},
            "goal": None,
            "ok": None,
            "extra": {
                "added_s_per_probe": round(
                    statistics.median(with_check[measure]) - statistics.median(plain[measure]), 3
                )
            },
        }
        if args.json:
            print(json.dumps(case, ensure_ascii=False), flush=True)
        else:
            print(
                f"{measure}: {statistics.median(with_check[measure]):.2f} s per probe with the check, "
                f"{statistics.median(plain[measure]):.2f} without (medians of {repeat}; min "
                f"{min(with_check[measure]):.2f} / {min(plain[measure]):.2f})",
                flush=True,
            )
    return 0 if sent_all else 1


if __name__ == "__main__":
    sys.exit(main())
