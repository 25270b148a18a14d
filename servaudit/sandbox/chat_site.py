"""The sandbox's chat companies: web pages with live-chat widgets on 127.0.0.1, scripted agents, ground truth.

Each company has a page at ``/<slug>/`` whose widget talks to this server:
answers are pushed (Server-Sent Events) or fetched by the widget every few
seconds. When an answer is made available to the widget, a ground-truth
record is written with the server's clock, so tests can compare the wait the
probe measured in the page with the true one.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from servaudit.sandbox.chat_fleet import BEHAVIOURS, CHAT_FLEET, DEMO_CHATS, TEXTS, WIDGETS, ChatCompany
from servaudit.sandbox.web import LocalSite

# The chat companies themselves live in chat_fleet.py; their names stay importable from here.
__all__ = ["BEHAVIOURS", "CHAT_FLEET", "DEMO_CHATS", "WIDGETS", "ChatCompany", "ChatSite", "wait_idle"]

PAGES = Path(__file__).parent / "chat_pages"
SSE_KEEPALIVE_SECONDS = 10.0

Record = dict[str, Any]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass
class ChatLine:
    seq: int
    author: str
    name: str | None
    text: str


@dataclass
class ChatSessionState:
    id: str
    company: ChatCompany
    details: dict[str, str]
    lines: list[ChatLine] = field(default_factory=list)
    visitor_messages: int = 0
    condition: threading.Condition = field(default_factory=threading.Condition)


class ChatSite(LocalSite):
    """The chat companies' web server; ``write`` receives every ground-truth record."""

    label = "sandbox chat site"

    def __init__(
        self,
        write: Callable[[Record], None],
        fleet: Sequence[ChatCompany] = CHAT_FLEET,
        host: str = "127.0.0.1",
        delay_scale: float = 1.0,
    ) -> None:
        super().__init__(host)
        self.fleet = {company.slug: company for company in fleet}
        self._write = write
        self._delay_scale = delay_scale
        self._sessions: dict[str, ChatSessionState] = {}
        self._lock = threading.Lock()
        self._timers: list[threading.Timer] = []
        self._stopping = threading.Event()

    def start(self) -> None:
        site = self

        class Handler(_Handler):
            chat_site = site

        self._stopping.clear()
        self.serve(Handler)

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            timers, self._timers = self._timers, []
            sessions = list(self._sessions.values())
        for timer in timers:
            timer.cancel()
        for session in sessions:
            with session.condition:
                session.condition.notify_all()
        self.shutdown()

    def pending(self) -> int:
        with self._lock:
            return sum(1 for timer in self._timers if timer.is_alive())

    # -- sessions --------------------------------------------------------------------------

    def open_session(self, company: ChatCompany, details: dict[str, str]) -> ChatSessionState | None:
        if company.prechat and not all(details.get(key) for key in ("name", "email", "topic")):
            return None
        session = ChatSessionState(secrets.token_hex(8), company, details)
        with self._lock:
            self._sessions[session.id] = session
        opened = datetime.now(UTC)
        self._write(
            {
                "channel": "chat",
                "company": company.slug,
                "behaviour": company.behaviour,
                "kind": "chat_session",
                "session": session.id,
                "opened_at": _iso(opened),
                "details": details,
            }
        )
        return session

    def session(self, slug: str, session_id: str) -> ChatSessionState | None:
        with self._lock:
            session = self._sessions.get(session_id)
        return session if session is not None and session.company.slug == slug else None

    def visitor_message(self, session: ChatSessionState, text: str) -> None:
        received = datetime.now(UTC)
        company = session.company
        with session.condition:
            number = session.visitor_messages
            session.visitor_messages += 1
        self._truth(company, session, "chat_visitor", received, received, text)
        words = TEXTS[company.speaks]
        plan: list[tuple[float, str, str]] = []
        delay = company.delay_seconds
        if company.behaviour == "bot_only":
            plan.append((0.3, "bot", words["bot_answer"]))
        elif company.behaviour == "bot_then_human":
            if number == 0:
                plan.append((0.3, "bot", words["bot_greeting"]))
            plan.append(
                (delay if number == 0 else delay / 2, "agent", words["human" if number == 0 else "followup"])
            )
        elif company.behaviour == "human":
            plan.append(
                (delay if number == 0 else delay / 2, "agent", words["human" if number == 0 else "followup"])
            )
        elif company.behaviour == "human_informal":
            plan.append(
                (
                    delay if number == 0 else delay / 2,
                    "agent",
                    words["human_du" if number == 0 else "followup_du"],
                )
            )
        elif company.behaviour == "bot_undisclosed":
            plan.append((0.3, "bot", words["bot_plain"]))
        elif company.behaviour == "after_nudge" and number > 0:
            plan.append((delay, "agent", words["human" if number == 1 else "followup"]))
        elif company.behaviour == "redirect":
            plan.append((delay, "agent", words["redirect"]))
        for seconds, author, reply in plan:
            self._schedule(seconds * self._delay_scale, session, author, reply, received)

    def _schedule(
        self, seconds: float, session: ChatSessionState, author: str, text: str, answering: datetime
    ) -> None:
        timer = threading.Timer(seconds, self._post, (session, author, text, answering))
        timer.daemon = True
        with self._lock:
            if self._stopping.is_set():
                return
            self._timers.append(timer)
        timer.start()

    def _post(self, session: ChatSessionState, author: str, text: str, answering: datetime) -> None:
        words = TEXTS[session.company.speaks]
        bot = words["bot_alias" if session.company.behaviour == "bot_undisclosed" else "bot"]
        name = words["agent"] if author == "agent" else bot if author == "bot" else None
        with session.condition:
            line = ChatLine(len(session.lines), author, name, text)
            session.lines.append(line)
            available = datetime.now(UTC)
            session.condition.notify_all()
        self._truth(
            session.company,
            session,
            f"chat_{'human' if author == 'agent' else author}",
            answering,
            available,
            text,
        )

    def _truth(
        self,
        company: ChatCompany,
        session: ChatSessionState,
        kind: str,
        answering: datetime,
        available: datetime,
        text: str,
    ) -> None:
        self._write(
            {
                "channel": "chat",
                "company": company.slug,
                "behaviour": company.behaviour,
                "kind": kind,
                "session": session.id,
                "transport": company.transport,
                "poll_seconds": company.poll_seconds,
                "visitor_message_at": _iso(answering),
                "delivered_at": _iso(available),
                "wait_seconds": round((available - answering).total_seconds(), 6),
                "text": text,
            }
        )

    # -- pages -----------------------------------------------------------------------------

    def page(self, company: ChatCompany) -> str:
        title = html.escape(company.name)
        intro = "Kontakt" if company.language == "de" else "Contact us"
        widget = ""
        slug = html.escape(company.slug)
        if company.widget == "light" and company.behaviour != "no_widget":
            launcher = ' data-launcher="div"' if company.div_launcher else ""
            widget = f'<script src="/static/widget.js" data-company="{slug}"{launcher}></script>'
        elif company.widget == "shadow":
            # Injected a moment after load, as tag managers do.
            widget = (
                "<script>setTimeout(function () { var s = document.createElement('script');"
                f" s.src = '/static/widget.js'; s.dataset.company = '{slug}'; s.dataset.mode = 'shadow';"
                " document.body.appendChild(s); }, 800);</script>"
            )
        elif company.widget == "iframe":
            widget = (
                f'<iframe src="/{slug}/frame?skin=generic" title="Chat" '
                'style="position:fixed;right:0;bottom:0;width:400px;height:600px;border:0"></iframe>'
            )
        elif company.widget == "userlike":
            widget = f'<script src="/static/userlike-loader.js" data-company="{slug}" async></script>'
        return (
            f"<!doctype html><html lang='{company.language}'><head><meta charset='utf-8'>"
            f"<title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>{intro}: service@{slug}.example</p>{widget}</body></html>"
        )

    def frame(self, company: ChatCompany, skin: str) -> str:
        slug = html.escape(company.slug)
        skin = "userlike" if skin == "userlike" else "generic"
        return (
            "<!doctype html><html><head><meta charset='utf-8'></head><body>"
            f'<script src="/static/widget.js" data-company="{slug}" data-skin="{skin}"></script>'
            "</body></html>"
        )

    def config(self, company: ChatCompany) -> dict[str, Any]:
        words = TEXTS[company.speaks]
        welcome = []
        if company.widget == "userlike":
            welcome.append({"author": "bot", "name": words["bot"], "text": words["welcome"]})
        return {
            "online": company.behaviour != "offline",
            "offline_text": words["offline"],
            "prechat": company.prechat,
            "transport": company.transport,
            "poll_seconds": company.poll_seconds,
            "welcome": welcome,
        }


USERLIKE_LOADER = """(function () {
  var slug = document.currentScript.dataset.company;
  var frame = document.createElement('iframe');
  frame.id = 'userlike-messenger';
  frame.title = 'Userlike messenger';
  frame.src = '/' + slug + '/frame?skin=userlike';
  frame.style.cssText = 'position:fixed;right:0;bottom:0;width:380px;height:560px;border:0';
  document.body.appendChild(frame);
})();
"""


class _Handler(BaseHTTPRequestHandler):
    chat_site: ChatSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the sandbox's record is the ground truth, not an access log

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: Any, status: int = 200) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _not_found(self) -> None:
        self._send(404, b"not found", "text/plain")

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def do_GET(self) -> None:
        site = self.chat_site
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        if parts == ["static", "widget.js"]:
            self._send(200, (PAGES / "widget.js").read_bytes(), "text/javascript")
            return
        if parts == ["static", "userlike-loader.js"]:
            self._send(200, USERLIKE_LOADER.encode(), "text/javascript")
            return
        if parts and parts[0] == "api" and len(parts) >= 3:
            company = site.fleet.get(parts[1])
            if company is None:
                self._not_found()
            elif parts[2] == "config":
                self._json(site.config(company))
            elif len(parts) == 4 and (session := site.session(company.slug, parts[2])) is not None:
                if parts[3] == "events":
                    self._events(session)
                elif parts[3] == "messages":
                    after = int((parse_qs(url.query).get("after") or ["0"])[0] or 0)
                    with session.condition:
                        lines = [line.__dict__ for line in session.lines[after:]]
                    self._json(lines)
                else:
                    self._not_found()
            else:
                self._not_found()
            return
        company = site.fleet.get(parts[0]) if parts else None
        if company is None:
            self._not_found()
        elif len(parts) == 1:
            self._send(200, site.page(company).encode(), "text/html; charset=utf-8")
        elif parts[1:] == ["frame"]:
            skin = (parse_qs(url.query).get("skin") or ["generic"])[0]
            self._send(200, site.frame(company, skin).encode(), "text/html; charset=utf-8")
        else:
            self._not_found()

    def do_POST(self) -> None:
        site = self.chat_site
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        company = site.fleet.get(parts[1]) if len(parts) >= 3 and parts[0] == "api" else None
        if company is None:
            self._not_found()
            return
        body = self._body()
        if parts[2] == "session" and len(parts) == 3:
            if company.behaviour == "offline":
                self._json({"error": "offline"}, 409)
                return
            details = {str(k): str(v) for k, v in body.items()}
            session = site.open_session(company, details)
            if session is None:
                self._json({"error": "name, email and topic are required"}, 400)
            else:
                self._json({"session": session.id})
            return
        session = site.session(company.slug, parts[2])
        if session is None or parts[3:] != ["messages"]:
            self._not_found()
            return
        site.visitor_message(session, str(body.get("text") or ""))
        self._json({"ok": True})

    def _events(self, session: ChatSessionState) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        sent = 0
        try:
            while not self.chat_site._stopping.is_set():
                with session.condition:
                    if sent >= len(session.lines):
                        session.condition.wait(SSE_KEEPALIVE_SECONDS)
                    new = session.lines[sent:]
                if new:
                    for line in new:
                        self.wfile.write(f"data: {json.dumps(line.__dict__)}\n\n".encode())
                    sent += len(new)
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


def wait_idle(site: ChatSite, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while site.pending():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True
