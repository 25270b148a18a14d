"""Benchmark: `discover` over a simulated fleet of websites on 127.0.0.1, with injected latency.

One server process answers for every site (virtual hosts site0000.example, …), each response after
--latency seconds. Every site has a home page linking to /kontakt (form, e-mail) and /impressum
(phone). The sites take turns at showing the site findings of servaudit/measure/legal.py (a clean
one, a stale ODR link, a 0180 customer-service line, a legal notice without e-mail address, a
subscription without cancellation button, no legal notice at all: ``VARIANTS``), and the run
checks each site's findings against that ground truth, both ways. The crawler pins every host to
the server with --resolve-style entries, so nothing but loopback is ever contacted. It prints sites
per second next to the theoretical limit: with C sites crawled at once and a critical path of
robots.txt → home page → the depth-1 pages (in parallel when --per-host ≥ 2), a site takes at least
(requests on that path) × latency, so the floor for the run is ⌈sites / C⌉ × path × latency, and the
efficiency is that floor over the wall time. A run stops by itself (--deadline). One case per
concurrency: 8 is `discover`'s default, 32 and 100 are higher ones; --quick runs the same 1,000
sites once per case.

Beside the wall time it prints what bounds it: the crawler's CPU per site (its own and that of the
second crawling process `discover` forks from 32 sites at once, servaudit/discover/shards.py: one
event loop's sites × CPU per site is a second floor) and the fleet server's own CPU over the run (it
runs in its own process and must stay far from a core, or the figure would measure the server).
A small crawl before the timed runs keeps the first case from paying for imports. The load average
is printed: the machine is shared.

Run: python bench/bench_discover.py [--sites 1000] [--concurrency 8,32,100] [--latency 0.1] [--per-host 2]
     [--repeat 3] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from urllib.parse import urlsplit

from proc_cpu import process_cpu

from servaudit.discover import DiscoverOptions, SiteResult, discover_async
from servaudit.measure.legal import site_findings

HOME = (
    b"<!doctype html><html><head><title>%s</title></head><body><p>%s</p>"
    b'<a href="/kontakt">Kontakt</a> <a href="/%s">%s</a></body></html>'
)
CONTACT = (
    b"<!doctype html><html><body><p>Schreiben Sie an <a href='mailto:service@%s'>uns</a>.</p>"
    b"<form method='post'><input name='name'><input name='email' type='email'>"
    b"<textarea name='nachricht'></textarea></form></body></html>"
)
IMPRINT = b"<!doctype html><html><body><h1>%s</h1><p>Telefon: 0800 1234567</p><p>%s</p></body></html>"
ODR = b"<a href='https://ec.europa.eu/consumers/odr/'>OS-Plattform</a>"


@dataclass(frozen=True)
class Variant:
    """What one kind of simulated site shows, and the site findings that makes (its ground truth)."""

    home: bytes = b"Willkommen"
    legal_page: bytes = b"impressum"
    legal_title: bytes = b"Impressum"
    imprint: bytes = b"E-Mail: info@%s"
    findings: frozenset[str] = frozenset()


VARIANTS = (
    Variant(),
    Variant(imprint=b"E-Mail: info@%s. Streitbeilegung: " + ODR, findings=frozenset({"stale_odr_link"})),
    Variant(home=b"Kundenservice: 01805 123456", findings=frozenset({"costly_hotline"})),
    Variant(imprint=b"Kontakt: Formular", findings=frozenset({"imprint_without_email"})),
    Variant(home=b"Unser Abo: 9,99 &euro;/Monat", findings=frozenset({"cancellation_button_missing"})),
    Variant(legal_page=b"agb", legal_title=b"AGB", findings=frozenset({"imprint_missing"})),
)


def variant(host: bytes) -> Variant:
    digits = bytes(c for c in host.split(b".")[0] if 48 <= c <= 57)
    return VARIANTS[int(digits or b"0") % len(VARIANTS)]


def page(host: bytes, path: bytes) -> tuple[bytes, bytes]:
    shows = variant(host)
    if path == b"/":
        return b"200 OK", HOME % (host, shows.home, shows.legal_page, shows.legal_title)
    if path == b"/kontakt":
        return b"200 OK", CONTACT % host
    if path == b"/" + shows.legal_page:
        text = shows.imprint % host if b"%s" in shows.imprint else shows.imprint
        return b"200 OK", IMPRINT % (shows.legal_title, text)
    return b"404 Not Found", b"not found"


def legal_agreement(results: list[SiteResult]) -> int:
    """Sites whose site findings are exactly their variant's ground truth (found where present, silent
    where absent)."""
    agree = 0
    for result in results:
        site = site_findings(result.as_json())
        shown = {key for key, count in (site or {}).get("counts", {}).items() if count}
        host = (urlsplit(result.url).hostname or "").encode()
        agree += shown == variant(host).findings
    return agree


class FleetProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1 with keep-alive: enough for a crawler, and cheap, since it shares the machine's
    two cores with the crawling processes it is measured against. A protocol and one timer per answer
    take about half the CPU of a stream reader, a task and a sleep per connection: CPU that the
    crawler lost at the moments when many sites' answers fell due together."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.transport: asyncio.Transport | None = None
        self.received = b""
        self.due: asyncio.TimerHandle | None = None
        """The answer being waited for: one request at a time, as the stream server read them."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received += data
        self._next_request()

    def _next_request(self) -> None:
        if self.due is not None or self.transport is None or b"\r\n\r\n" not in self.received:
            return
        head, self.received = self.received.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        try:
            path = lines[0].split(b" ")[1]
        except IndexError:
            self.transport.close()
            return
        host = next((line[5:].strip() for line in lines if line.lower().startswith(b"host:")), b"")
        self.due = asyncio.get_running_loop().call_later(self.latency, self._answer, host, path)

    def _answer(self, host: bytes, path: bytes) -> None:
        self.due = None
        if self.transport is None or self.transport.is_closing():
            return
        status, body = page(host.split(b":")[0], path)
        self.transport.write(
            b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        self._next_request()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.due is not None:
            self.due.cancel()
        self.transport = None


def serve(latency: float, report_port: Connection) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: FleetProtocol(latency), "127.0.0.1", 0, backlog=4096)
        report_port.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def crawl(
    port: int, sites: int, concurrency: int, per_host: int, deadline: float
) -> tuple[float, float, list[SiteResult]]:
    """One discover run over ``sites`` simulated sites: (wall seconds, CPU seconds, results)."""
    hosts = [f"site{i:04d}.example" for i in range(sites)]
    options = DiscoverOptions(
        max_pages=10,
        max_depth=1,
        delay=0.0,  # politeness between requests to one host is a choice, not latency: left out
        per_host=per_host,
        concurrency=concurrency,
        timeout=30.0,
        time_budget=60.0,
        checks=False,  # DNS and TLS are not part of this figure: the crawl is
        resolve={(host, port): "127.0.0.1" for host in hosts},
    )
    urls = [f"http://{host}:{port}/" for host in hosts]
    cpu = time.process_time() + _children_cpu()
    started = time.perf_counter()
    results = asyncio.run(asyncio.wait_for(discover_async(urls, options), deadline))
    return time.perf_counter() - started, time.process_time() + _children_cpu() - cpu, results


def _children_cpu() -> float:
    """CPU of the child processes waited for: discover's second crawling process (the fleet server
    is not waited for until the end, so it is not in this figure)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def critical_path(per_host: int) -> int:
    """Responses one after another on a site: robots.txt, home page, the depth-1 pages per_host at a time."""
    depth_one_pages = 2
    return 2 + -(-depth_one_pages // per_host)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument(
        "--concurrency", default="8,32,100", help="sites crawled at the same time (comma-separated cases)"
    )
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before each response")
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--deadline", type=float, default=300.0, help="stop a run after this many seconds")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run per case: a smoke test")
    parser.add_argument("--json", action="store_true", help="one JSON object per case (bench protocol)")
    args = parser.parse_args(argv)
    levels = [int(c) for c in str(args.concurrency).split(",")]
    sites, repeat = (args.sites, 1) if args.quick else (args.sites, args.repeat)
    if sites < 1 or min(levels) < 1 or args.latency <= 0 or repeat < 1:
        sys.exit("--sites, --concurrency and --repeat must be at least 1, --latency above 0")

    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(args.latency, send), daemon=True
    )
    server.start()
    incomplete = False
    try:
        if not receive.poll(30):
            sys.exit("the fleet server did not start")
        port = receive.recv()
        crawl(port, min(sites, 20), 20, args.per_host, args.deadline)  # warm-up: imports, first-use caches
        path = critical_path(args.per_host)
        for concurrency in levels:
            at_once = min(concurrency, sites)
            # The floor for the whole run: every site needs `path` responses one after another,
            # `at_once` sites at a time.
            floor = -(-sites // at_once) * path * args.latency
            runs, cpus, server_cpus, loads = [], [], [], []
            for _ in range(repeat):
                server_before = process_cpu(server.pid or 0)
                elapsed, cpu, results = crawl(port, sites, concurrency, args.per_host, args.deadline)
                server_cpus.append(process_cpu(server.pid or 0) - server_before)
                loads.append(os.getloadavg()[0])
                runs.append(elapsed)
                cpus.append(cpu)
                complete = [
                    r for r in results if r.emails and r.phones and r.forms and r.stopped == "complete"
                ]
                incomplete |= len(complete) != len(results)
                agree = legal_agreement(results)
                incomplete |= agree != len(results)
            best = min(runs)
            ratio = floor / best
            requests = sum(len(r.pages) + 1 for r in results)  # pages + robots.txt
            peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            cpu = statistics.median(cpus)
            server_cpu = statistics.median(server_cpus)
            if args.json:
                print(json.dumps({
                    "case": f"discover, {sites} sites at {args.latency * 1000:g} ms, {concurrency} at once",
                    "unit": "s",
                    "runs": [round(r, 3) for r in runs],
                    "reference": {"name": "theoretical limit", "runs": [round(floor, 3)]},
                    "goal": "≥ 80 % of the theoretical limit",
                    "ok": ratio >= 0.8 and len(complete) == len(results) and agree == len(results),
                    "extra": {"efficiency": round(ratio, 3), "sites_per_s": round(sites / best, 1),
                              "legal_findings_as_truth": f"{agree}/{len(results)}",
                              "cpu_s": round(cpu, 2), "cpu_ms_per_site": round(cpu / sites * 1000, 2),
                              "server_cpu_s": round(server_cpu, 2), "requests": requests,
                              "critical_path": path, "peak_mib": round(peak_mib),
                              "load_average": round(max(loads), 1)},
                }, ensure_ascii=False), flush=True)  # fmt: skip
                continue
            print(
                f"{sites} sites, {at_once} at once, {args.per_host} per host, {args.latency * 1000:.0f} ms:"
            )
            print(f"  requests:         {requests} ({requests / best:.0f}/s); critical path {path} per site")
            print(f"  wall time:        {best:.2f} s (min of {repeat}), load average up to {max(loads):.1f}")
            per_site = cpu / sites * 1000
            print(f"  crawler CPU:      {cpu:.2f} s ({per_site:.2f} ms per site, every crawling process)")
            print(f"  server CPU:       {server_cpu:.2f} s ({server_cpu / best:.0%} of a core over the run)")
            print(f"  sites per second: {sites / best:.1f}")
            print(f"  theoretical:      {floor:.2f} s = ⌈{sites} / {at_once}⌉ × {path} × {args.latency} s")
            print(f"  efficiency:       {ratio:.0%}  ({len(complete)}/{len(results)} sites complete)")
            print(f"  site findings:    {agree}/{len(results)} sites exactly as their ground truth")
            print(f"  peak memory:      {peak_mib:.0f} MiB", flush=True)
    finally:
        server.terminate()
        server.join(5)
    if incomplete:
        print("some sites were not crawled completely or not read as their ground truth", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
