# ruff: noqa: E501
"""A foreground OpenSMTPD on loopback that delivers company mail to a local user's ~/.forward pipe.

Used by the autoresponder scripts (vacation, maildrop's mailbot): an inquiry
arrives over SMTP at OpenSMTPD, is delivered to a throwaway Unix user whose
~/.forward pipes it into the autoresponder, and the autoresponder's reply goes
back through /usr/sbin/sendmail (OpenSMTPD's smtpctl) and is relayed to the
aiosmtpd capture server on 127.0.0.1. Every domain is under .example; nothing
leaves the machine.
"""

from __future__ import annotations

import shutil
import smtplib
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType

from _common import Capture, Received, ensure_packages, free_port, start_capture

CONFIG = """\
table virtuals file:{tmp}/virtuals
table companies {{ {companies} }}
listen on 127.0.0.1 port {listen}
action "local" mbox virtual <virtuals>
action "mx" relay host smtp://127.0.0.1:{mx}
match from any for domain <companies> action "local"
match from any for any action "mx"
"""


class LocalMta:
    """OpenSMTPD + a local user ``corpusbot`` (home in a temp dir) + an aiosmtpd capture."""

    user = "corpusbot"

    def __init__(self, companies: list[str]) -> None:
        self.companies = companies
        self.capture = Capture()

    def __enter__(self) -> LocalMta:
        ensure_packages("opensmtpd")
        self.tmp = Path(tempfile.mkdtemp(prefix="local-mta-"))
        self.tmp.chmod(0o755)
        self.home = self.tmp / "home"
        subprocess.run(["useradd", "-d", str(self.home), "-m", "-s", "/bin/sh", self.user], check=True)
        self.controller, mx = start_capture(self.capture)
        self.listen = free_port()
        (self.tmp / "virtuals").write_text("".join(f"@{d} {self.user}\n" for d in self.companies), encoding="utf-8")
        config = self.tmp / "smtpd.conf"
        companies = ", ".join(f'"{d}"' for d in self.companies)
        config.write_text(CONFIG.format(tmp=self.tmp, listen=self.listen, mx=mx, companies=companies), encoding="utf-8")
        check = subprocess.run(["smtpd", "-n", "-f", str(config)], capture_output=True, text=True)
        if check.returncode:
            self.controller.stop()
            subprocess.run(["userdel", self.user], capture_output=True)
            raise SystemExit(f"smtpd rejects the config: {check.stderr}")
        self.log = (self.tmp / "smtpd.log").open("wb")
        self.daemon = subprocess.Popen(["smtpd", "-d", "-f", str(config)], stdout=self.log, stderr=self.log)
        for _ in range(50):
            try:
                smtplib.SMTP("127.0.0.1", self.listen, timeout=2).quit()
                break
            except OSError:
                time.sleep(0.2)
        # OpenSMTPD's queue (/var/spool/smtpd) outlives the daemon: drop what an earlier run left there.
        subprocess.run(["smtpctl", "remove", "all"], capture_output=True)
        return self

    def set_forward(self, command: str) -> None:
        """Make ~/.forward pipe every delivery into ``command`` (a shell script we write)."""
        script = self.home / "respond.sh"
        script.write_text(f"#!/bin/sh\nexec timeout 30 {command}\n", encoding="utf-8")
        script.chmod(0o755)
        forward = self.home / ".forward"
        forward.write_text(f'"|{script}"\n', encoding="utf-8")
        forward.chmod(0o644)
        for path in (script, forward):
            shutil.chown(path, self.user, self.user)

    def write(self, name: str, text: str) -> Path:
        path = self.home / name
        path.write_text(text, encoding="utf-8")
        shutil.chown(path, self.user, self.user)
        return path

    def exchange(self, sender: str, message: EmailMessage, seconds: float = 20) -> tuple[float, Received] | None:
        """Send ``message`` to the company over SMTP; return (seconds until the response, response)."""
        before = len(self.capture.received)
        with smtplib.SMTP("127.0.0.1", self.listen) as client:
            started = time.time()
            client.send_message(message, from_addr=sender)
        if not self.capture.wait(before + 1, seconds):
            return None
        time.sleep(0.3)
        reply = self.capture.received[before]
        return reply.at - started, reply

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.daemon.terminate()
        self.daemon.wait(10)
        self.log.close()
        self.controller.stop()
        subprocess.run(["userdel", "-f", self.user], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
