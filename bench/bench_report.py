"""Benchmark: how long `servaudit report` and `servaudit gate`'s figures take for a market-study-sized store.

Builds a synthetic audit (companies × scenarios × waves, e-mail replies with
mixed classes, each with the reading collect stores beside its class) directly
in a real SQLite store, then times the figures alone (what `gate` computes)
and the full report (HTML, charts, JSON, CSV).
Prints figures; asserts nothing.

    python bench/bench_report.py --companies 60 --scenarios 3 --waves 2
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.judgement import AcknowledgementTraits, ReplyJudgement
from servaudit.report import render_report, report_data

LABELS = ("human", "human", "acknowledgement", "auto_reply", "deflection")


def build(folder: Path, companies: int, scenarios: int, waves: int, seed: int = 7) -> Audit:
    lines = [
        '[audit]\nname = "bench"\n',
        '[persona]\nname = "Anna Schmidt"\nemail = "anna@mailbox.example"\n',
    ]
    lines += [f'[scenarios.s{i}]\nsubject = "Frage {i}"\nbody = "Hallo"\n' for i in range(scenarios)]
    lines += [
        f'[companies.c{i:03d}]\nname = "Company {i}"\nemail = "service@c{i}.example"\n'
        for i in range(companies)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "audit.toml").write_text("\n".join(lines), encoding="utf-8")
    audit = Audit.load(folder)
    store = open_store(audit)
    rng = random.Random(seed)
    traits_rng = random.Random(seed + 1)  # apart, so the classes and times stay those of earlier runs
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    number = 0
    for c in range(companies):
        for s in range(scenarios):
            for w in range(1, waves + 1):
                inquiry_id = f"c{c:03d}.email.s{s}.w{w}"
                attempt = store.claim(
                    {
                        "id": inquiry_id,
                        "company": f"c{c:03d}",
                        "channel": "email",
                        "scenario": f"s{s}",
                        "wave": w,
                        "target": f"service@c{c}.example",
                        "message_id": f"<{inquiry_id}@mailbox.example>",
                    }
                )
                sent = start + timedelta(hours=rng.randrange(0, 24 * 5))
                store.finish(inquiry_id, attempt or 0, "sent", "250 ok", sent)
                for _ in range(rng.choice((0, 1, 1, 2))):
                    number += 1
                    raw = (
                        f"From: agent@c{c}.example\r\nSubject: Re: Frage\r\nMessage-ID: <r{number}@x>\r\n\r\n"
                        f"Guten Tag, hier ist die Antwort Nummer {number}.\r\n"
                    ).encode()
                    arrived = sent + timedelta(seconds=rng.expovariate(1 / 20000))
                    message = store.add_message(f"bench:{number}", raw, arrived, f"<r{number}@x>", None, "Re")
                    assert message is not None
                    store.set_match(message, inquiry_id, "thread")
                    store.set_classification(message, rng.choice(LABELS), ["bench"])
                    traits = AcknowledgementTraits(*(traits_rng.random() < 0.5 for _ in range(3)))
                    text = f"Guten Tag, hier ist die Antwort Nummer {number}."
                    store.set_judgement(ReplyJudgement(message, "bench", text, frozenset(), traits))
    store.close()
    return audit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=60)
    parser.add_argument("--scenarios", type=int, default=3)
    parser.add_argument("--waves", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        audit = build(folder / "audit", args.companies, args.scenarios, args.waves)
        inquiries = args.companies * args.scenarios * args.waves
        print(
            f"built {args.companies} companies, {inquiries} inquiries in {time.perf_counter() - began:.1f} s"
        )
        began = time.perf_counter()
        data = report_data(audit)
        print(f"figures only (gate): {time.perf_counter() - began:.2f} s, {len(data['inquiries'])} inquiries")
        for language in ("en", "de"):
            began = time.perf_counter()
            result = render_report(audit, folder / f"report-{language}", language)
            elapsed = time.perf_counter() - began
            size = sum(p.stat().st_size for p in result.pages) / 2**20
            print(
                f"full report ({language}): {elapsed:.2f} s, {len(result.pages)} pages, {size:.1f} MiB HTML"
            )
        tracemalloc.start()  # a separate run: tracing slows Python down several times
        render_report(audit, folder / "report-memory", "en")
        print(f"peak Python memory of a report: {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MiB")
        tracemalloc.stop()


if __name__ == "__main__":
    main()
