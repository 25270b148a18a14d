"""Shared helpers for the scripts that run real mail software on loopback.

An aiosmtpd server on 127.0.0.1 stands in for every remote host: it records
each message the software under test sends (with the time it arrived) and can
refuse recipients by domain like a company MX would. Manifests are written
as tests/corpus/real/<system>/manifest.toml: the system, its source and
one ``[[message]]`` table (file, label, language, seconds, inquiry) per .eml.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

REPO = Path(__file__).resolve().parents[4]
REAL = REPO / "tests" / "corpus" / "real"

ANNA = ("Anna Schmidt", "anna.schmidt@mailbox.example")
OLIVER = ("Oliver Bennett", "oliver.bennett@mailbox.example")


@dataclass
class Received:
    at: float
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def subject(self) -> str:
        head = self.raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        for line in head.splitlines():
            if line.lower().startswith(b"subject:"):
                return line[8:].strip().decode(errors="replace")
        return ""


@dataclass
class Capture:
    """An SMTP handler that records every message and refuses some recipients."""

    refusals: dict[str, str] = field(default_factory=dict)
    """domain -> SMTP reply to RCPT TO (``{rcpt}`` is filled in)."""
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        domain = address.rpartition("@")[2].lower()
        if domain in self.refusals:
            return self.refusals[domain].format(rcpt=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self.received.append(
            Received(time.time(), str(envelope.mail_from or ""), list(envelope.rcpt_tos), raw)
        )
        return "250 2.0.0 Ok: queued"

    def wait(self, count: int, seconds: float, poke: Callable[[], object] | None = None) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return True
            if poke:
                poke()
            time.sleep(0.2)
        return len(self.received) >= count


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_capture(capture: Capture, port: int | None = None) -> tuple[Controller, int]:
    port = port or free_port()
    controller = Controller(capture, hostname="127.0.0.1", port=port, data_size_limit=0)
    controller.start()
    return controller, port


def inquiry(
    sender: tuple[str, str], to: str, subject: str, body: str, *, message_id: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC).astimezone())
    message["Message-ID"] = message_id or make_msgid(domain="mailbox.example")
    message.set_content(body)
    return message


def ensure_packages(*packages: str) -> None:
    """apt-get install the Debian packages that are missing (root only)."""
    missing = [
        p
        for p in packages
        if subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True
        ).stdout.strip()
        != "install ok installed"
    ]
    if missing:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env)


def package_version(package: str) -> str:
    return subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=True
    ).stdout.strip()


def _toml_string(value: str) -> str:
    if "\n" in value:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"""{escaped}"""'
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Entry:
    file: str
    label: str
    language: str
    seconds: float
    inquiry_subject: str
    inquiry_text: str
    raw: bytes


def write_system(
    folder: str, *, system: str, source: str, generated_by: str, notes: str, entries: list[Entry]
) -> Path:
    """Replace tests/corpus/real/<folder>/ with the entries' .eml files and manifest.toml."""
    if not entries:
        raise SystemExit(f"{folder}: no messages captured, nothing written")
    out = REAL / folder
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    lines = [
        f"system = {_toml_string(system)}",
        f"source = {_toml_string(source)}",
        f"generated_by = {_toml_string(generated_by)}",
        f"notes = {_toml_string(notes)}",
    ]
    for entry in entries:
        (out / entry.file).write_bytes(entry.raw)
        lines += [
            "",
            "[[message]]",
            f"file = {_toml_string(entry.file)}",
            f"label = {_toml_string(entry.label)}",
            f"language = {_toml_string(entry.language)}",
            f"seconds = {entry.seconds:.2f}",
            f"inquiry_subject = {_toml_string(entry.inquiry_subject)}",
            f"inquiry_text = {_toml_string(entry.inquiry_text)}",
        ]
    manifest = out / "manifest.toml"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = tomllib.loads(manifest.read_text(encoding="utf-8"))
    assert [m["inquiry_text"] for m in parsed["message"]] == [e.inquiry_text for e in entries]
    for entry in entries:
        print(f"{folder}/{entry.file}: {entry.label} {entry.language} {entry.seconds:.2f}s")
    return out
