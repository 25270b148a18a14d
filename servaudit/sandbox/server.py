"""The running sandbox: SMTP server on localhost, reply scheduler, Maildir delivery, ground truth."""

from __future__ import annotations

import dataclasses
import functools
import logging
import mailbox
import os
import random
import socket
import threading
import time
import uuid
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from servaudit import timing
from servaudit.errors import InfrastructureError
from servaudit.sandbox.behaviours import Inbound, PlannedReply, plan_replies
from servaudit.sandbox.chat_site import CHAT_FLEET, ChatCompany, ChatSite
from servaudit.sandbox.fleet import DEFAULT_FLEET, SandboxCompany, validate_fleet
from servaudit.sandbox.forms_site import FORM_FLEET, FormCompany, FormsSite
from servaudit.sandbox.ground_truth import GroundTruth, Listener, Record, truth_record
from servaudit.sandbox.scheduler import STOP_TIMEOUT_SECONDS, ReplyScheduler

# Ground truth and the reply scheduler live in ground_truth.py and scheduler.py; importable from here too.
__all__ = [
    "MAILBOX_HOSTNAME",
    "SERVER_HOSTNAME",
    "STOP_TIMEOUT_SECONDS",
    "GroundTruth",
    "Listener",
    "Record",
    "ReplyScheduler",
    "Sandbox",
    "serve_forever",
]

log = logging.getLogger(__name__)


SERVER_HOSTNAME = "mx.sandbox.example"
MAILBOX_HOSTNAME = "mailbox.sandbox.example"
_USER_UNKNOWN = "550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table"


class _Handler:
    """aiosmtpd handler: accepts mail for the fleet's support addresses only, never relays."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        # A form company's helpdesk answers from its address: a reply to that answer (a follow-up) reaches it.
        companies = (*sandbox.companies, *(form.company for form in sandbox.forms))
        self._by_address = {company.address.lower(): company for company in companies}
        self._domains = {company.domain.lower() for company in companies}

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        company = self._by_address.get(address.lower())
        if company is None:
            if address.rpartition("@")[2].lower() in self._domains:
                return _USER_UNKNOWN.format(address=address)
            return f"550 5.7.1 <{address}>: Relaying denied"
        if company.behaviour == "reject":
            self._sandbox._record_rejected(company, envelope.mail_from or "")
            return _USER_UNKNOWN.format(address=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        received_at = timing.now()
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        inquiry = Inbound.parse(raw, envelope.mail_from or "", received_at)
        for address in envelope.rcpt_tos:
            self._sandbox._accept(self._by_address[address.lower()], inquiry)
        return f"250 2.0.0 Ok: queued as {uuid.uuid4().hex[:11].upper()}"


class _BoundController(Controller):
    """aiosmtpd Controller serving on a socket we bound ourselves.

    Binding first lets port 0 pick a free port (the stock Controller would try
    to connect to port 0 to check readiness) and turns a busy port into a clear
    error before any thread starts.
    """

    def __init__(self, handler: _Handler, sock: socket.socket) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(
            handler,
            hostname=host,
            port=port,
            server_hostname=SERVER_HOSTNAME,
            ident="ESMTP servaudit sandbox",
        )
        self._sock = sock

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class Sandbox:
    """Simulated companies on localhost; replies go into ``maildir``, the truth into ``ground_truth``."""

    def __init__(
        self,
        maildir: Path,
        ground_truth: Path,
        fleet: Sequence[SandboxCompany] = DEFAULT_FLEET,
        host: str = "127.0.0.1",
        port: int = 0,
        delay_scale: float = 1.0,
        forms: Sequence[FormCompany] = FORM_FLEET,
        chats: Sequence[ChatCompany] = CHAT_FLEET,
        simulated_time: bool = False,
    ) -> None:
        if not host:
            # An empty host would listen on every interface; the sandbox stays on the one it is given.
            raise ValueError("sandbox host must be an explicit address such as 127.0.0.1")
        if delay_scale < 0:
            raise ValueError("delay_scale must not be negative")
        self.companies: tuple[SandboxCompany, ...] = validate_fleet(fleet)
        self.smtp_host = host
        self.smtp_port = port
        self.maildir = Path(maildir)
        self.ground_truth = Path(ground_truth)
        self._truth = GroundTruth(self.ground_truth)
        self._delay_scale = delay_scale
        self.simulated_time = simulated_time
        """Living in time: an inquiry is received at its Date header's moment (our probes write it from
        the simulated clock, SERVAUDIT_NOW) and its replies are delivered at once, each file dated
        (mtime, which Dovecot gives as INTERNALDATE) receipt + the company's delay: no real waiting."""
        self._scheduler = ReplyScheduler()
        self._controller: _BoundController | None = None
        self._maildir_box: mailbox.Maildir | None = None
        self._received = 0
        self._lock = threading.Lock()
        self._rng = random.Random()
        self.forms: tuple[FormCompany, ...] = tuple(forms)
        """Companies reached through a web contact form, served by the forms site (forms_site.py)."""
        self._forms_site = FormsSite(self.forms, self.accept_form, host)
        self.chats: tuple[ChatCompany, ...] = tuple(chats)
        """Companies with a live-chat widget, served by the chat site (chat_site.py)."""
        self._chat_site = ChatSite(self._truth.write, self.chats, host, delay_scale)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            raise RuntimeError("sandbox already started")
        self.maildir.parent.mkdir(parents=True, exist_ok=True)
        self._maildir_box = mailbox.Maildir(self.maildir, create=True)
        self.ground_truth.parent.mkdir(parents=True, exist_ok=True)
        sock = self._bind()
        controller = _BoundController(_Handler(self), sock)
        self._scheduler.start()
        try:
            controller.start()
        except Exception as error:
            controller.stop(no_assert=True)
            sock.close()
            self._scheduler.stop()
            raise InfrastructureError(f"The sandbox SMTP server did not start: {error}") from error
        self._controller = controller
        self.smtp_port = sock.getsockname()[1]
        log.info("sandbox SMTP listening on %s:%d", self.smtp_host, self.smtp_port)
        if self.forms:
            try:
                self._forms_site.start()
            except InfrastructureError:
                self.stop()
                raise
        if self.chats:
            try:
                self._chat_site.start()
            except OSError as error:
                self.stop()
                raise InfrastructureError(f"The sandbox chat site did not start: {error}") from error

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
        self._forms_site.stop()
        self._chat_site.stop()
        # Replies still waiting are dropped: the sandbox is gone, so are its companies.
        self._scheduler.stop()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.smtp_host else socket.AF_INET
        try:
            return socket.create_server((self.smtp_host, self.smtp_port), family=family)
        except OSError as error:
            raise InfrastructureError(
                f"The sandbox cannot listen on {self.smtp_host}:{self.smtp_port}: "
                f"{error.strerror or error}. Choose another port or stop what is using it."
            ) from error

    # -- state -------------------------------------------------------------------------------

    def pending(self) -> int:
        """Replies scheduled but not yet delivered."""
        return self._scheduler.pending()

    def wait_idle(self, timeout: float) -> bool:
        """Block until every scheduled reply is delivered (True) or ``timeout`` passes (False)."""
        return self._scheduler.wait_idle(timeout)

    def received(self) -> int:
        """Inquiries accepted so far; one message to two companies counts as two."""
        with self._lock:
            return self._received

    def chat_url(self, slug: str) -> str:
        """The page with chat company ``slug``'s widget (the sandbox must be running)."""
        return self._chat_site.url(slug)

    def form_url(self, slug: str) -> str:
        """The contact page of form company ``slug`` (the sandbox must be running)."""
        return self._forms_site.url(slug)

    @property
    def forms_site(self) -> FormsSite:
        """The web server of the form companies: its submissions show what reached it."""
        return self._forms_site

    def accept_form(self, company: SandboxCompany, inquiry: Inbound) -> None:
        """A form that got through: the company's helpdesk answers it like an e-mail."""
        self._accept(company, inquiry)

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` with every ground-truth record as it is written."""
        self._truth.add_listener(listener)

    def remove_listener(self, listener: Listener) -> None:
        self._truth.remove_listener(listener)

    # -- called by the SMTP handler (event-loop thread) -------------------------------------

    def _record_rejected(self, company: SandboxCompany, envelope_sender: str) -> None:
        # Refused at RCPT, so there is no message yet: no Message-ID, no subject.
        self._truth.write(truth_record(company, "rejected", None, datetime.now(UTC), to=envelope_sender))

    def _accept(self, company: SandboxCompany, inquiry: Inbound) -> None:
        with self._lock:
            self._received += 1
        if self.simulated_time:
            inquiry = dataclasses.replace(inquiry, received_at=inquiry.sent_at().astimezone(UTC))
        planned = plan_replies(company, inquiry, self._rng)
        if company.timetable is not None:
            planned = company.timetable.replan(inquiry.received_at, planned)
        if not planned:
            self._truth.write(
                truth_record(company, "silence", inquiry, inquiry.received_at, to=inquiry.reply_address)
            )
        for reply in planned:
            if self.simulated_time:
                at = inquiry.received_at + timedelta(seconds=reply.delay_seconds)
                self._scheduler.schedule(0.0, functools.partial(self._deliver, company, inquiry, reply, at))
                continue
            job = functools.partial(self._deliver, company, inquiry, reply)
            self._scheduler.schedule(reply.delay_seconds * self._delay_scale, job)

    # -- called by the scheduler thread ------------------------------------------------------

    def _deliver(
        self, company: SandboxCompany, inquiry: Inbound, reply: PlannedReply, at: datetime | None = None
    ) -> None:
        """Deliver a reply now, or (living in time) dated ``at``: its headers and its file's mtime."""
        box = self._maildir_box
        if box is None:
            return
        # A simulated sandbox answers at receipt + delay (``at``); else at the clock's now (SERVAUDIT_NOW
        # when the audit runs on one). Arrival is the file's time: what Dovecot's INTERNALDATE reports.
        now = at or timing.now()
        message = reply.build(now)
        key = self._add_dated(_trace_headers(company, reply, now) + message, now)
        delivered_at = self._delivery_time(key)
        message_id = BytesHeaderParser(policy=policy.default).parsebytes(message).get("Message-ID")
        self._truth.write(
            truth_record(
                company,
                reply.kind,
                inquiry,
                inquiry.received_at,
                to=reply.to,
                reply_message_id=str(message_id).strip() if message_id else None,
                delivered_at=delivered_at,
                maildir_file=key,
                expected_at=at,
            )
        )

    def _add_dated(self, data: bytes, when: datetime) -> str:
        """Deliver as a Maildir MDA does (tmp/, then renamed into new/), the file dated ``when`` before
        it becomes visible: a reader that lists new/ at once must never index it with another date."""
        key = f"{int(time.time())}.M{uuid.uuid4().hex}.sandbox"
        draft = self.maildir / "tmp" / key
        with draft.open("xb") as handle:
            handle.write(data)
        os.utime(draft, (when.timestamp(), when.timestamp()))
        os.rename(draft, self.maildir / "new" / key)
        return key

    def _delivery_time(self, key: str) -> datetime:
        """The delivered file's mtime: what a Maildir reader and Dovecot's INTERNALDATE see."""
        return datetime.fromtimestamp(os.stat(self._delivered_file(key)).st_mtime, UTC)

    def _delivered_file(self, key: str) -> Path:
        path = self.maildir / "new" / key
        if path.exists():
            return path
        # A reader (Dovecot) may already have moved it to cur/, adding ":2,<flags>".
        return next(p for p in (self.maildir / "cur").iterdir() if p.name.startswith(key))


def _trace_headers(company: SandboxCompany, reply: PlannedReply, now: datetime) -> bytes:
    """Return-Path and Received as the auditor's MX and delivery agent would prepend them."""
    # TEST-NET-1 (RFC 5737) addresses, one per company: documentation-only, never routable.
    ip = f"192.0.2.{zlib.crc32(company.domain.encode()) % 200 + 20}"
    mx = f"mx.{company.domain}"
    queue_id = uuid.uuid4().hex[:11].upper()
    lines = [
        f"Return-Path: <{reply.envelope_sender}>",
        f"Received: from {mx} ({mx} [{ip}])",
        f"\tby {MAILBOX_HOSTNAME} (servaudit sandbox) with ESMTP id {queue_id}",
        f"\tfor <{reply.to}>; {format_datetime(now.astimezone())}",
    ]
    return ("\n".join(lines) + "\n").encode("ascii", errors="replace")


def serve_forever(sandbox: Sandbox, on_event: Listener | None = None) -> None:
    """Run ``sandbox`` (starting it if needed) until Ctrl-C, then stop it.

    ``on_event`` gets each ground-truth record as it is written.
    """
    if on_event is not None:
        sandbox.add_listener(on_event)
    try:
        if not sandbox.running:
            sandbox.start()
        while True:
            # Short sleeps rather than one long wait: KeyboardInterrupt arrives between them everywhere.
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        if on_event is not None:
            sandbox.remove_listener(on_event)
