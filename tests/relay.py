"""A real SMTP relay on 127.0.0.1 (aiosmtpd) that wants a login and, like some careless relays,
echoes the AUTH payload back in its refusal; it records every envelope it accepted."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session


@dataclass
class EchoingRelay:
    username: str
    password: str
    port: int = 0
    accepted: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def auth_PLAIN(self, server: SMTP, args: list[str]) -> AuthResult:
        payload = args[1] if len(args) > 1 else ""
        decoded = base64.b64decode(payload).decode("utf-8", "replace")
        _, user, secret = [*decoded.split("\0"), "", "", ""][:3]
        if (user, secret) == (self.username, self.password):
            self.logins.append(user)
            return AuthResult(success=True, auth_data=user)
        # The careless part: the refusal quotes what the client sent, encoded and decoded.
        shown = decoded.replace("\0", " ")
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad login {payload} ({shown})")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        content = envelope.original_content or b""
        self.accepted.append((str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 2.0.0 Ok: queued"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def echoing_relay(username: str, password: str) -> Iterator[EchoingRelay]:
    relay = EchoingRelay(username, password, free_port())
    kwargs: dict[str, Any] = {"auth_require_tls": False, "auth_exclude_mechanism": ["LOGIN"]}
    controller = Controller(relay, hostname="127.0.0.1", port=relay.port, **kwargs)
    controller.start()
    try:
        yield relay
    finally:
        controller.stop()
