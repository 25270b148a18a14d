"""Benchmark: web-form probes per minute against the sandbox's forms, with 1 and 4 browser contexts.

Starts the sandbox with --forms simulated companies (plain, consent and AJAX contact forms in
turn; their helpdesks stay silent, so only the probe is measured), writes an audit with one
form inquiry per company and runs it through the engine (`servaudit run --parallel N`): one
Chromium, N contexts at once (reused and wiped between probes: servaudit/browser_contexts.py), each
probe claimed, sent, judged with its before/after screenshots. Each form is served on a host of its own
(shop-001.localhost, …), so each is a site of its own to Chromium, as the companies of an audit are.
Prints probes per minute for each N (the goal: ≥ 60 per minute with 4) and the CPU
per probe, Python and every Chromium process together (read from /proc: proc_cpu.py); the
browser's start is part of each run, as it is of `servaudit run`.

The CPU is split by process (this one, which also serves the sandbox's pages; Playwright's driver;
Chromium's browser, renderer, GPU and utility processes), and turned into the ceiling it sets:
with every core of the machine free, no run can exceed cores × 60 s / CPU per probe probes per
minute, whatever it waits for. The load average is printed: the machine is shared.

Run: python bench/bench_forms.py [--forms 40] [--parallel 1,4] [--repeat 3] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from proc_cpu import CpuMeter

from servaudit.config import Audit
from servaudit.demo import MACHINE_SECONDS, demo_audit_toml
from servaudit.engine import run
from servaudit.sandbox import Sandbox
from servaudit.sandbox.fleet import SandboxCompany
from servaudit.sandbox.forms_fleet import FormCompany

PAGES = ("plain", "consent", "ajax")
GOAL_PER_MINUTE = 60.0


def fleet(count: int) -> list[FormCompany]:
    companies = []
    for i in range(count):
        slug = f"shop{i:03d}"
        domain = f"{slug}.example"
        address = f"kontakt@{domain}"
        company = SandboxCompany(slug, f"Shop {i:03d} GmbH", domain, address, "silence", "de", 0)
        companies.append(FormCompany(company, PAGES[i % len(PAGES)]))
    return companies


def own_site(url: str, number: int) -> str:
    """The form's URL on a host of its own: ``shop-007.localhost`` (RFC 6761; Chromium resolves any
    .localhost name to loopback itself), so each form is a site of its own, as the companies of an
    audit are. On the one host 127.0.0.1 every probe after the first would find Chromium's renderer
    for that site already running in a reused context, which real audits do not."""
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1", url
    return urlunsplit(parts._replace(netloc=f"shop-{number:03d}.localhost:{parts.port}"))


def one_run(
    box: Sandbox, forms: list[FormCompany], folder: Path, parallel: int
) -> tuple[float, CpuMeter, dict[str, int]]:
    folder.mkdir(parents=True)
    pages = [(form, own_site(box.form_url(form.slug), i)) for i, form in enumerate(forms)]
    text = demo_audit_toml([], box.smtp_port, str(folder / "mail"), True, MACHINE_SECONDS, forms=pages)
    (folder / "audit.toml").write_text(text, encoding="utf-8")
    audit = Audit.load(folder)
    with CpuMeter() as meter:
        summary = run(audit, parallel=parallel)
    return meter.wall, meter, dict(summary.outcomes)


def _median_split(splits: list[dict[str, float]], count: int) -> dict[str, float]:
    """CPU seconds per probe by kind of process (median over the runs), largest first."""
    kinds = {kind for split in splits for kind in split}
    per_kind = {kind: statistics.median(split.get(kind, 0.0) for split in splits) / count for kind in kinds}
    largest_first = sorted(per_kind.items(), key=lambda item: -item[1])
    return {kind: round(cpu, 3) for kind, cpu in largest_first if cpu >= 0.005}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--forms", type=int, default=40, help="form inquiries per run")
    parser.add_argument("--parallel", default="1,4", help="browser contexts at once, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="8 forms, one run each: a smoke test")
    parser.add_argument("--json", action="store_true", help="one JSON object per case (bench protocol)")
    args = parser.parse_args(argv)
    count, repeat = (8, 1) if args.quick else (args.forms, args.repeat)
    levels = [int(p) for p in args.parallel.split(",")]
    forms = fleet(count)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with Sandbox(root / "mail", root / "truth.jsonl", (), delay_scale=0.0, forms=forms, chats=()) as box:
            for parallel in levels:
                runs: list[float] = []
                cpus: list[float] = []
                splits: list[dict[str, float]] = []
                loads: list[float] = []
                outcomes: dict[str, int] = {}
                for attempt in range(repeat):
                    folder = root / f"audit-{parallel}-{attempt}"
                    wall, meter, outcomes = one_run(box, forms, folder, parallel)
                    runs.append(count / wall * 60)
                    cpus.append(meter.total)
                    splits.append(meter.by_kind())
                    loads.append(os.getloadavg()[0])
                per_probe = statistics.median(cpus) / count
                split = _median_split(splits, count)
                ceiling = (os.cpu_count() or 1) * 60 / per_probe if per_probe else float("inf")
                sent = outcomes.get("sent", 0)
                ok = sent == count and (parallel < 4 or min(runs) >= GOAL_PER_MINUTE)
                failed |= sent != count
                case: dict[str, Any] = {
                    "case": f"form probes, {count} forms, {parallel} context{'s' if parallel > 1 else ''}",
                    "unit": "probes/min",
                    "runs": [round(r, 1) for r in runs],
                    "reference": None,
                    "goal": f"≥ {GOAL_PER_MINUTE:g}/min" if parallel >= 4 else None,
                    "ok": ok if parallel >= 4 else None,
                    "extra": {
                        "cpu_s_per_probe": round(per_probe, 3),
                        "cpu_s_per_probe_by_process": split,
                        "cpu_ceiling_per_min": round(ceiling, 1),
                        "load_average": round(max(loads), 1),
                        "outcomes": outcomes,
                    },
                }
                if args.json:
                    print(json.dumps(case, ensure_ascii=False), flush=True)
                else:
                    shares = ", ".join(f"{kind} {cpu:.2f}" for kind, cpu in split.items())
                    print(
                        f"{parallel} context(s): {min(runs):.1f} / {statistics.median(runs):.1f} probes per "
                        f"minute (min / median of {repeat}), load average up to {max(loads):.1f}; CPU "
                        f"{per_probe:.2f} s per probe ({shares}), "
                        f"so at most {ceiling:.0f} per minute on {os.cpu_count()} free cores; "
                        f"outcomes {outcomes}",
                        flush=True,
                    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
