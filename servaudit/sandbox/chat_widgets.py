"""Third-party chat widgets on 127.0.0.1 with a scripted operator behind them, and ground truth.

The widgets are real open-source packages from npm (their prebuilt bundles, fetched by
scripts/build-chat-widgets.sh into tests/chat_widgets/static/); the pages beside them only
connect each widget to this server. Every visitor message and every operator message is
recorded with this server's clock at the moment it reaches or leaves the wire, so a probe's
attribution and timing can be checked against what really happened.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from servaudit.sandbox.web import LocalSite

Record = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    seconds: float
    """After the visitor message it answers."""
    author: str
    """bot or human: who the operator plays (ground truth, the widget may not show it)."""
    text: str


@dataclass(frozen=True)
class RealWidget:
    """One third-party widget and what its operator answers to the 1st, 2nd … visitor message."""

    slug: str
    package: str
    page: str
    script: tuple[tuple[Reply, ...], ...]


HUMAN_ANSWER = (
    "Guten Tag, hier ist Jana vom Kundenservice. Ja, ein Tarifwechsel ist jederzeit zum Monatsende "
    "möglich, ohne Gebühr. Ich schicke Ihnen die Unterlagen gern per E-Mail."
)
HUMAN_FOLLOWUP = "Gern, die Kundennummer brauchen wir dafür nicht. Einen schönen Tag noch!"
BOT_DISCLOSURE = (
    "Ich bin der digitale Assistent von Versicherung Beispiel, ein automatisches System. "
    "Ich verbinde Sie mit einem Mitarbeiter."
)

REAL_WIDGETS: tuple[RealWidget, ...] = (
    RealWidget(
        "deep-chat",
        "deep-chat",
        "deep-chat.html",
        ((Reply(3.0, "human", HUMAN_ANSWER),), (Reply(1.5, "human", HUMAN_FOLLOWUP),)),
    ),
    RealWidget(
        "botframework-webchat",
        "botframework-webchat",
        "botframework-webchat.html",
        (
            (Reply(0.4, "bot", BOT_DISCLOSURE), Reply(3.5, "human", HUMAN_ANSWER)),
            (Reply(1.5, "human", HUMAN_FOLLOWUP),),
        ),
    ),
    RealWidget(
        "botui",
        "botui",
        "botui.html",
        ((Reply(2.5, "human", HUMAN_ANSWER),), (Reply(1.5, "human", HUMAN_FOLLOWUP),)),
    ),
)


HANDOVER = RealWidget(
    "webchat-handover",
    "botframework-webchat",
    "botframework-webchat.html",
    (
        (
            Reply(0.4, "bot", BOT_DISCLOSURE.replace(" Ich verbinde Sie mit einem Mitarbeiter.", "")),
            Reply(0.8, "bot", "Bitte nennen Sie mir zuerst Ihre Kundennummer und Ihr Geburtsdatum."),
        ),
        (Reply(2.5, "human", HUMAN_ANSWER),),
    ),
)
"""Web Chat with a bot in front that hands over to a person only when the visitor asks for one."""
MIRRORED = RealWidget(
    "botui-mirrored", "botui", "botui-mirrored.html", ((Reply(2.0, "human", HUMAN_ANSWER),),)
)
"""BotUI set up so the operator's messages look exactly like the visitor's: nobody can tell them apart."""
ALL_WIDGETS = (*REAL_WIDGETS, HANDOVER, MIRRORED)


def now_ms() -> int:
    return int(time.time() * 1000)


def versions(static: Path) -> dict[str, str]:
    """package → version, as the build script pinned them (static/VERSIONS)."""
    found = {}
    for line in (static / "VERSIONS").read_text(encoding="utf-8").split():
        name, _, version = line.rpartition("@")
        found[name] = version
    return found


class _Session:
    def __init__(self, widget: RealWidget) -> None:
        self.widget = widget
        self.outbox: queue.Queue[Reply | None] = queue.Queue()
        self.received = 0


class WidgetSite(LocalSite):
    """Serves /<slug>/ for each real widget; ``write`` gets every ground-truth record."""

    label = "real chat widgets"

    def __init__(
        self,
        folder: Path,
        write: Callable[[Record], None],
        widgets: tuple[RealWidget, ...] = ALL_WIDGETS,
        scale: float = 1.0,
    ) -> None:
        super().__init__()
        self.folder = folder
        self.write = write
        self.widgets = {w.slug: w for w in widgets}
        self.scale = scale
        self.sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()
        self._timers: list[threading.Timer] = []

    def start(self) -> WidgetSite:
        site = self

        class Handler(_Handler):
            owner = site

        self.serve(Handler)
        return self

    def stop(self) -> None:
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            for session in self.sessions.values():
                session.outbox.put(None)
        self.shutdown()

    def __enter__(self) -> WidgetSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def session(self, slug: str, session_id: str) -> _Session | None:
        widget = self.widgets.get(slug)
        if widget is None or not session_id:
            return None
        with self._lock:
            return self.sessions.setdefault(f"{slug}|{session_id}", _Session(widget))

    def visitor(self, slug: str, session_id: str, text: str) -> None:
        session = self.session(slug, session_id)
        if session is None:
            return
        self.write(
            {"widget": slug, "session": session_id, "kind": "visitor", "text": text, "at_ms": now_ms()}
        )
        script = session.widget.script
        turn = session.received
        session.received += 1
        for reply in script[turn] if turn < len(script) else ():
            timer = threading.Timer(reply.seconds * self.scale, session.outbox.put, (reply,))
            timer.daemon = True
            with self._lock:
                self._timers.append(timer)
            timer.start()


class _Handler(BaseHTTPRequestHandler):
    owner: WidgetSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the ground truth is the record, not an access log

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        folder = self.owner.folder
        if len(parts) == 1 and parts[0] in self.owner.widgets:
            page = folder / "pages" / self.owner.widgets[parts[0]].page
            return self._send(200, page.read_bytes(), "text/html; charset=utf-8")
        if parts == ["operator.js"]:
            return self._send(200, (folder / "pages" / "operator.js").read_bytes(), "text/javascript")
        if len(parts) == 3 and parts[0] == "static" and ".." not in parts:
            path = folder / "static" / parts[1] / parts[2]
            kind = "text/css" if path.suffix == ".css" else "text/javascript"
            if path.is_file():
                return self._send(200, path.read_bytes(), kind)
        if len(parts) == 3 and parts[0] == "api" and parts[2] == "events":
            session_id = parse_qs(url.query).get("session", [""])[0]
            session = self.owner.session(parts[1], session_id)
            if session is not None:
                return self._events(parts[1], session_id, session)
        self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        if len(parts) == 3 and parts[0] == "api" and parts[2] == "send" and isinstance(body, dict):
            self.owner.visitor(parts[1], str(body.get("session") or ""), str(body.get("text") or ""))
            return self._send(200, b"{}", "application/json")
        self._send(404, b"not found", "text/plain")

    def _events(self, slug: str, session_id: str, session: _Session) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(b": open\n\n")
            self.wfile.flush()
            while True:
                try:
                    reply = session.outbox.get(timeout=10)
                except queue.Empty:
                    self.wfile.write(b": keepalive\n\n")
                    self.wfile.flush()
                    continue
                if reply is None:
                    return
                data = json.dumps({"author": reply.author, "text": reply.text})
                self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()
                self.owner.write(
                    {"widget": slug, "session": session_id, "kind": reply.author, "text": reply.text,
                     "at_ms": now_ms()}
                )  # fmt: skip
        except OSError:
            return
