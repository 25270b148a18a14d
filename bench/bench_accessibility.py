"""Benchmark: what the accessibility check ([audit] accessibility) costs a form probe and a chat probe.

Forms: the same sandbox forms as bench_forms.py (plain, consent and AJAX forms, silent helpdesks).
Chats: the sandbox's light widget with an agent answering after a second and 2 s of waiting, so a
chat is bounded by its waits and CPU is the figure that shows the check's cost. Each is run through
the engine with one browser context, twice per repeat, side by side: without the check (the
reference) and with it (axe-core's WCAG A/AA scan, a marked screenshot, the keyboard-only walk).
Prints seconds per probe (wall) and CPU per probe (Python and every Chromium process, read from
/proc: proc_cpu.py), which the 2-core machine's other load does not inflate.

Run: python bench/bench_accessibility.py [--forms 12] [--chats 4] [--repeat 3] [--quick] [--json]
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
from servaudit.sandbox.chat_fleet import ChatCompany
from servaudit.sandbox.forms_fleet import FormCompany

Figures = dict[bool, dict[str, list[float]]]
"""checked or not → wall / cpu → seconds per probe, one per repeat."""


def probe_all(
    box: Sandbox, forms: list[FormCompany], chats: list[ChatCompany], folder: Path, checked: bool
) -> tuple[float, float, int]:
    """(wall s, CPU s, inquiries sent) for one run over every form or chat."""
    folder.mkdir(parents=True)
    pages = [(form, box.form_url(form.slug)) for form in forms]
    widgets = [(chat, box.chat_url(chat.slug)) for chat in chats]
    mail = str(folder / "mail")
    text = demo_audit_toml([], box.smtp_port, mail, True, MACHINE_SECONDS, widgets, 2.0, forms=pages)
    if checked:
        text = text.replace("[audit]\n", "[audit]\naccessibility = true\n", 1)
    (folder / "audit.toml").write_text(text, encoding="utf-8")
    with CpuMeter() as meter:
        summary = run(Audit.load(folder), parallel=1)
    return meter.wall, meter.total, summary.outcomes.get("sent", 0)


def measure(forms: list[FormCompany], chats: list[ChatCompany], repeat: int) -> tuple[Figures, bool]:
    """Both ways, side by side in each repeat so that both see the same load."""
    n = len(forms) + len(chats)
    figures: Figures = {False: {"wall": [], "cpu": []}, True: {"wall": [], "cpu": []}}
    sent_all = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with Sandbox(
            root / "mail", root / "truth.jsonl", (), delay_scale=1.0, forms=forms, chats=chats
        ) as box:
            for attempt in range(repeat):
                for checked in (False, True):
                    wall, cpu, sent = probe_all(
                        box, forms, chats, root / f"audit-{checked}-{attempt}", checked
                    )
                    figures[checked]["wall"].append(wall / n)
                    figures[checked]["cpu"].append(cpu / n)
                    sent_all &= sent == n
    return figures, sent_all


def report(kind: str, n: int, figures: Figures, as_json: bool) -> None:
    plain, with_check = figures[False], figures[True]
    for what, unit in (("wall", "s/probe"), ("cpu", "CPU s/probe")):
        added = statistics.median(with_check[what]) - statistics.median(plain[what])
        case: dict[str, Any] = {
            "case": f"{kind} probe with the accessibility check ({what}), {n} {kind}s",
            "unit": unit,
            "runs": [round(r, 3) for r in with_check[what]],
            "reference": {"name": "the same probe without it", "runs": [round(r, 3) for r in plain[what]]},
            "goal": None,
            "ok": None,
            "extra": {"added_s_per_probe": round(added, 3)},
        }
        if as_json:
            print(json.dumps(case, ensure_ascii=False), flush=True)
        else:
            print(
                f"{kind}, {what}: {statistics.median(with_check[what]):.2f} s per probe with the check, "
                f"{statistics.median(plain[what]):.2f} without (medians of {len(plain[what])}; min "
                f"{min(with_check[what]):.2f} / {min(plain[what]):.2f})",
                flush=True,
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--forms", type=int, default=12, help="form inquiries per run")
    parser.add_argument("--chats", type=int, default=4, help="chat inquiries per run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="4 forms, 2 chats, one run each: a smoke test")
    parser.add_argument("--json", action="store_true", help="one JSON object per case (bench protocol)")
    args = parser.parse_args(argv)
    forms, chats, repeat = (4, 2, 1) if args.quick else (args.forms, args.chats, args.repeat)
    companies = [ChatCompany(f"chat{i:02d}", f"Chat {i:02d} GmbH", "human", "de", 1.0) for i in range(chats)]
    sent_all = True
    for kind, form_fleet, chat_fleet in (("form", fleet(forms), []), ("chat", [], companies)):
        figures, sent = measure(form_fleet, chat_fleet, repeat)
        report(kind, len(form_fleet) + len(chat_fleet), figures, args.json)
        sent_all &= sent
    return 0 if sent_all else 1


if __name__ == "__main__":
    sys.exit(main())
