"""Benchmark: `discover` over a simulated fleet of websites on 127.0.0.1, with injected latency.

One server process answers for every site (virtual hosts site0000.example, …), each response after
--latency seconds. Every site has a home page linking to /kontakt (form, e-mail) and /impressum
(phone). The crawler pins every host to the server with --resolve-style entries, so nothing but
loopback is ever contacted. It prints sites per second next to the theoretical limit: with C sites
crawled at once and a critical path of robots.txt → home page → the depth-1 pages (in parallel when
--per-host ≥ 2), a site takes at least (requests on that path) × latency, so the limit is
C / (path × latency). The run stops by itself (--deadline).

Run: python bench/bench_discover.py [--sites 1000] [--concurrency 100] [--latency 0.05] [--per-host 2]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import time
from multiprocessing.connection import Connection

from servaudit.discover import DiscoverOptions, discover_async

HOME = (
    b"<!doctype html><html><head><title>%s</title></head><body>"
    b'<a href="/kontakt">Kontakt</a> <a href="/impressum">Impressum</a></body></html>'
)
CONTACT = (
    b"<!doctype html><html><body><p>Schreiben Sie an <a href='mailto:service@%s'>uns</a>.</p>"
    b"<form method='post'><input name='name'><input name='email' type='email'>"
    b"<textarea name='nachricht'></textarea></form></body></html>"
)
IMPRINT = b"<!doctype html><html><body><p>Telefon: 0800 1234567</p></body></html>"


def page(host: bytes, path: bytes) -> tuple[bytes, bytes]:
    if path == b"/":
        return b"200 OK", HOME % host
    if path == b"/kontakt":
        return b"200 OK", CONTACT % host
    if path == b"/impressum":
        return b"200 OK", IMPRINT
    return b"404 Not Found", b"not found"


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float) -> None:
    """Minimal HTTP/1.1 with keep-alive: enough for a crawler, fast enough not to be the bottleneck."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            path = lines[0].split(b" ")[1]
            host = next((line[5:].strip() for line in lines if line.lower().startswith(b"host:")), b"")
            await asyncio.sleep(latency)
            status, body = page(host.split(b":")[0], path)
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, IndexError):
        pass
    finally:
        writer.close()


def serve(latency: float, report_port: Connection) -> None:
    async def main() -> None:
        server = await asyncio.start_server(
            lambda r, w: handle(r, w, latency), "127.0.0.1", 0, backlog=4096, limit=65536
        )
        report_port.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=100, help="sites crawled at the same time")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before each response")
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--deadline", type=float, default=300.0, help="stop after this many seconds")
    args = parser.parse_args()
    if args.sites < 1 or args.concurrency < 1 or args.latency <= 0:
        sys.exit("--sites and --concurrency must be at least 1, --latency above 0")

    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(args.latency, send), daemon=True
    )
    server.start()
    try:
        if not receive.poll(30):
            sys.exit("the fleet server did not start")
        port = receive.recv()
        hosts = [f"site{i:04d}.example" for i in range(args.sites)]
        options = DiscoverOptions(
            max_pages=10,
            max_depth=1,
            delay=0.0,
            per_host=args.per_host,
            concurrency=args.concurrency,
            timeout=30.0,
            time_budget=60.0,
            checks=False,  # DNS and TLS are not part of this figure: the crawl is
            resolve={(host, port): "127.0.0.1" for host in hosts},
        )
        urls = [f"http://{host}:{port}/" for host in hosts]
        started = time.perf_counter()
        results = asyncio.run(asyncio.wait_for(discover_async(urls, options), args.deadline))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.join(5)

    complete = [r for r in results if r.emails and r.phones and r.forms and r.stopped == "complete"]
    requests = sum(len(r.pages) + 1 for r in results)  # pages + robots.txt
    depth_one_pages = 2
    path = 2 + (depth_one_pages if args.per_host == 1 else -(-depth_one_pages // args.per_host))
    limit = min(args.concurrency, args.sites) / (path * args.latency)
    rate = len(results) / elapsed
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"sites:            {len(results)} ({len(complete)} with e-mail, phone and form found)")
    print(f"requests:         {requests} ({requests / elapsed:.0f}/s)")
    print(
        f"latency:          {args.latency * 1000:.0f} ms per response; concurrency {args.concurrency} sites,"
    )
    print(f"                  {args.per_host} per host; critical path {path} responses per site")
    print(f"wall time:        {elapsed:.2f} s")
    print(f"sites per second: {rate:.1f}")
    at_once = min(args.concurrency, args.sites)
    print(f"theoretical:      {limit:.1f} sites/s = {at_once} / ({path} × {args.latency} s)")
    print(f"efficiency:       {rate / limit:.0%}")
    print(f"peak memory:      {peak_mb:.0f} MB")
    if len(complete) != len(results):
        sys.exit("some sites were not crawled completely")


if __name__ == "__main__":
    main()
