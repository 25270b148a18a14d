"""Test helpers for discovery: the fixture sites of tests/sites/ served on 127.0.0.1 as virtual hosts,
and a real DNS server (dnsmasq) on a loopback port with a local zone.

Each folder of tests/sites/ is one site, answering for ``<folder>.example`` (the Host header picks
it). An optional ``_site.toml`` gives a site behaviours: ``[delay]`` (path glob → seconds),
``[status]`` (path → HTTP status) and ``[redirect]`` (path → Location).
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from servaudit.discover.options import DiscoverOptions, DnsServer

SITES = Path(__file__).with_name("sites")
CONTENT_TYPES = {".html": "text/html", ".js": "application/javascript", ".txt": "text/plain"}


@dataclass(frozen=True)
class Hit:
    host: str
    path: str
    started: float
    finished: float
    user_agent: str
    in_flight: int
    """Requests to the same host in flight when this one started (itself included)."""


class SiteServer:
    """One threaded HTTP(S) server answering for every fixture site by its Host header."""

    def __init__(self, root: Path = SITES, tls: ssl.SSLContext | None = None) -> None:
        self.root = root
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.in_flight: dict[str, int] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                owner.answer(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, site: str, path: str = "/", scheme: str = "http") -> str:
        return f"{scheme}://{site}.example:{self.port}{path}"

    def resolve(self, *sites: str) -> dict[tuple[str, int], str]:
        """--resolve entries: every fixture site (or the given ones) → 127.0.0.1 on this port."""
        names = sites or tuple(p.name for p in self.root.iterdir() if p.is_dir())
        return {(f"{name}.example", self.port): "127.0.0.1" for name in names}

    def resolve_args(self, *sites: str) -> list[str]:
        args = []
        for (host, port), address in self.resolve(*sites).items():
            args += ["--resolve", f"{host}:{port}:{address}"]
        return args

    def paths(self, host: str) -> list[str]:
        return [h.path for h in self.hits if h.host == host]

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        host = request.headers.get("Host", "").rsplit(":", 1)[0].lower()
        path = request.path.split("?", 1)[0]
        with self.lock:
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            in_flight = self.in_flight[host]
        started = time.monotonic()
        try:
            self._respond(request, host, path)
        finally:
            with self.lock:
                self.in_flight[host] -= 1
                ua = request.headers.get("User-Agent", "")
                self.hits.append(Hit(host, path, started, time.monotonic(), ua, in_flight))

    def _respond(self, request: BaseHTTPRequestHandler, host: str, path: str) -> None:
        site = self.root / host.removesuffix(".example")
        behaviour = _behaviour(site)
        for pattern, seconds in behaviour.get("delay", {}).items():
            if fnmatch.fnmatch(path, pattern):
                time.sleep(seconds)
        if path in behaviour.get("redirect", {}):
            _send(request, 302, b"", "text/html", {"Location": behaviour["redirect"][path]})
            return
        file = _file_for(site, path)
        status = behaviour.get("status", {}).get(path, 200 if file else 404)
        body = file.read_bytes() if file else b"<html><body>Nicht gefunden</body></html>"
        kind = CONTENT_TYPES.get(file.suffix, "application/octet-stream") if file else "text/html"
        _send(request, status, body, kind)


def _behaviour(site: Path) -> dict[str, Any]:
    file = site / "_site.toml"
    return tomllib.loads(file.read_text()) if file.is_file() else {}


def _file_for(site: Path, path: str) -> Path | None:
    if not site.is_dir() or ".." in path:
        return None
    relative = path.strip("/")
    candidates = [site / relative / "index.html"] if not relative or path.endswith("/") else []
    candidates += [site / relative, site / f"{relative}.html", site / relative / "index.html"]
    return next((c for c in candidates if c.is_file() and c.name != "_site.toml"), None)


def _send(
    request: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    kind: str,
    headers: dict[str, str] | None = None,
) -> None:
    request.send_response(status)
    request.send_header("Content-Type", kind)
    request.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(body)


# -- DNS ---------------------------------------------------------------------------------------------


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (dnsmasq serves both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"

ZONE = [
    # nordwind, spa, robots, secure: ordinary MX records.
    "--mx-host=nordwind.example,mx.nordwind.example,10",
    "--host-record=mx.nordwind.example,127.0.0.1",
    "--mx-host=spa.example,mx.spa.example,10",
    "--mx-host=robots.example,mx.robots.example,10",
    "--mx-host=secure.example,mx.secure.example,10",
    "--mx-host=broken.example,mx.broken.example,10",
    # lindenau: no MX, only an address record (mail goes there, RFC 5321 implicit MX).
    "--host-record=lindenau.example,127.0.0.1",
    # gone.example: nothing at all (NXDOMAIN): unreachable by e-mail.
]


class Dnsmasq:
    """dnsmasq answering only from its command-line zone, never forwarding anything anywhere."""

    def __init__(self, workdir: Path, extra: list[str] | None = None) -> None:
        self.log = workdir / "dnsmasq.log"
        self.extra = extra or []
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Dnsmasq:
        if not Path(DNSMASQ).is_file():
            raise RuntimeError("dnsmasq is missing: run scripts/install-system-deps.sh")
        for _ in range(5):
            self.port = free_port()
            self.process = subprocess.Popen(
                [
                    DNSMASQ,
                    "--keep-in-foreground",
                    "--conf-file=/dev/null",
                    "--no-resolv",
                    "--no-hosts",
                    "--no-poll",
                    "--bind-interfaces",
                    "--listen-address=127.0.0.1",
                    f"--port={self.port}",
                    "--local=/example/",
                    "--log-queries",
                    f"--log-facility={self.log}",
                    f"--pid-file={self.log.with_suffix('.pid')}",
                    f"--user={_user()}",
                    *ZONE,
                    *self.extra,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            if self._ready():
                return self
            self.__exit__()
        raise RuntimeError(f"dnsmasq did not start: {self._stderr()}")

    def _ready(self) -> bool:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return True
            time.sleep(0.02)
        return False

    def _stderr(self) -> str:
        if self.process is None or self.process.stderr is None:
            return ""
        return self.process.stderr.read().decode(errors="replace")[-500:]

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(5)

    @property
    def server(self) -> DnsServer:
        return DnsServer("127.0.0.1", self.port)

    def queries(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _user() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


# -- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture
def sites() -> Iterator[SiteServer]:
    with SiteServer() as server:
        yield server


@pytest.fixture
def dns(tmp_path: Path) -> Iterator[Dnsmasq]:
    with Dnsmasq(tmp_path) as server:
        yield server


def options(sites: SiteServer, dns: Dnsmasq, **overrides: Any) -> DiscoverOptions:
    """Fast, still polite settings for tests: every fixture host pinned to the site server."""
    settings: dict[str, Any] = {
        "delay": 0.02,
        "per_host": 2,
        "timeout": 5.0,
        "time_budget": 30.0,
        "resolve": sites.resolve(),
        "dns_server": dns.server,
    }
    settings.update(overrides)
    return DiscoverOptions(**settings)


# -- TLS ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca: Path
    """The private CA's certificate: pass it as --ca-file to trust the site."""
    cert: Path
    key: Path


def make_certificates(folder: Path, host: str) -> Certificates:
    """A private CA and a certificate for ``host`` signed by it, made by openssl."""
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = folder / "ca.pem", folder / "ca.key"
    cert, key, csr = folder / "site.pem", folder / "site.key", folder / "site.csr"
    extensions = folder / "site.ext"
    extensions.write_text(
        f"subjectAltName=DNS:{host}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(ca_key), "-out", str(ca), "-days", "2", "-subj", "/CN=servaudit test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={host}",
    )  # fmt: skip
    openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert), "-days", "2", "-extfile", str(extensions),
    )  # fmt: skip
    return Certificates(ca, cert, key)


def server_tls(certificates: Certificates) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.cert, certificates.key)
    return context
