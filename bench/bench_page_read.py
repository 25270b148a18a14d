"""Benchmark: CPU per page read by `discover` (parse, extract, help vendor, follow links' normal form).

The crawler's per-answer CPU is what queues a site's next request behind the others' (issue 16,
goal 5); this times the reading part of it alone, page by page, over three sets so that a gain is
not an artefact of one kind of page:

- fleet: the pages bench_discover.py's simulated sites serve (tiny, one per variant and path);
- fixtures: every HTML file under tests/ and the sandbox's form pages (small real-world-like sites,
  shop systems' legal notices, chat widget pages);
- large: the fixtures' largest pages repeated to about 200 KB, the size of a shop's home page.

It prints microseconds of CPU per page (min over --repeat rounds) for each set; there is no goal of
its own (goal 5 is about the whole crawl: bench_discover.py). With --dump FILE it writes instead what
each page reads as (the page's facts, extract()'s findings, the help vendor, the follow links' normal
forms), so that two trees can be compared byte for byte.

Run: python bench/bench_page_read.py [--repeat 5] [--quick] [--json] [--dump FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench_discover import VARIANTS, page

from servaudit.discover.extract import extract, page_help_vendor
from servaudit.discover.fingerprints import Fingerprints, load_fingerprints
from servaudit.discover.identity import normalise
from servaudit.discover.page import parse_page

ROOT = Path(__file__).resolve().parent.parent
LARGE = 200_000


def fleet_pages() -> list[tuple[str, str, int]]:
    pages = []
    for number in range(len(VARIANTS)):
        host = f"site{number:04d}.example"
        for path in ("/", "/kontakt", "/impressum", "/agb"):
            status, body = page(host.encode(), path.encode())
            if status.startswith(b"200"):
                pages.append((f"http://{host}:8080{path}", body.decode(), 0 if path == "/" else 1))
    return pages


def fixture_pages() -> list[tuple[str, str, int]]:
    files = sorted((ROOT / "tests").rglob("*.html")) + sorted(
        (ROOT / "servaudit" / "sandbox" / "forms_pages").glob("*.html")
    )
    pages = []
    for file in files:
        relative = file.relative_to(ROOT).as_posix()
        depth = 0 if file.name == "index.html" else 1
        pages.append((f"https://www.fixture.example/{relative}", file.read_text("utf-8", "replace"), depth))
    return pages


def large_pages(fixtures: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    biggest = sorted(fixtures, key=lambda p: len(p[1]), reverse=True)[:4]
    return [(url, html * (LARGE // len(html) + 1), depth) for url, html, depth in biggest]


def read(url: str, html: str, depth: int, prints: Fingerprints) -> tuple[object, ...]:
    """What the crawler does with one decoded HTML page (crawler.Visit.visit and schedule)."""
    facts = parse_page(url, html)
    found = extract(facts, depth, "www.fixture.example", prints)
    vendor = page_help_vendor(facts, prints)
    keys = [normalise(follow) for follow, _ in found.follow]
    return facts, found, vendor, keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one round per set: a smoke test")
    parser.add_argument("--json", action="store_true", help="one JSON object per set (bench protocol)")
    parser.add_argument("--dump", type=Path, help="write what each page reads as, for comparing trees")
    args = parser.parse_args()
    prints = load_fingerprints()
    fixtures = fixture_pages()
    sets = {"fleet": fleet_pages(), "fixtures": fixtures, "large": large_pages(fixtures)}
    if args.dump:
        with args.dump.open("w") as out:
            for name, pages in sets.items():
                for url, html, depth in pages:
                    facts, found, vendor, keys = read(url, html, depth, prints)
                    facts.html = f"<{len(facts.html)} chars>"  # type: ignore[attr-defined]
                    out.write(f"== {name} {url}\n{facts!r}\n{found!r}\n{vendor!r}\n{keys!r}\n")
        return
    for url, html, depth in sets["fixtures"]:
        read(url, html, depth, prints)  # warm the caches the run keeps (patterns, phonenumbers' metadata)
    repeat = 1 if args.quick else args.repeat
    for name, pages in sets.items():
        runs = []
        for _ in range(repeat):
            rounds = max(1, 2000 // len(pages)) if name != "large" else 2
            started = time.process_time()
            for _ in range(rounds):
                for url, html, depth in pages:
                    read(url, html, depth, prints)
            runs.append((time.process_time() - started) / (rounds * len(pages)) * 1e6)
        size = sum(len(p[1]) for p in pages) // len(pages)
        if args.json:
            print(json.dumps({
                "case": f"discover: a page read ({name}: {len(pages)} pages, {size:,} chars on average)",
                "unit": "µs CPU/page",
                "runs": [round(r, 1) for r in runs],
                "reference": None,
                "goal": "",
                "ok": None,
            }, ensure_ascii=False), flush=True)  # fmt: skip
            continue
        print(f"{name:9s} {len(pages):3d} pages, {size:7d} chars on average: {min(runs):8.1f} µs CPU a page")


if __name__ == "__main__":
    main()
