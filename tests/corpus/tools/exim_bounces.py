"""Generate the corpus's Exim bounces by running a real Exim 4 on loopback (run once, as root).

The same set-up as postfix_bounces.py with Debian's exim4-daemon-light: the
inquiries are injected with `exim -odi`, routed to simulated company MXs on
127.0.0.1 that refuse them, and the bounces Exim sends back are written to
tests/corpus/bounce/. Exim's config is written to /etc/exim4/exim4.conf for
the run (Debian's exim uses that file when it exists) and removed afterwards.

    apt-get install exim4-daemon-light && python tests/corpus/tools/exim_bounces.py
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent))
from postfix_bounces import OUT, PERSONA, PERSONA_EN, Handler, inquiry

CONFIG = Path("/etc/exim4/exim4.conf")

EXIM_CONF = """\
primary_hostname = mail.mailbox.example
qualify_domain = mailbox.example
domainlist local_domains = service.nordwind-energie.example
log_file_path = /tmp/exim-corpus-%slog
never_users = nobody
ignore_bounce_errors_after = 1m
timeout_frozen_after = 1m

begin routers

local_user:
  driver = accept
  domains = +local_domains
  check_local_user
  transport = devnull

company_mx:
  driver = manualroute
  domains = ! +local_domains
  route_list = * 127.0.0.1
  self = send
  transport = loopback_smtp

begin transports

loopback_smtp:
  driver = smtp
  port = {port}
  allow_localhost
  hosts_avoid_tls = *

devnull:
  driver = appendfile
  file = /dev/null

begin retry

*  *  F,2s,1s
"""

SENDS = [
    (
        PERSONA,
        "kontakt@service.nordwind-energie.example",
        "Abschlag anpassen",
        "Guten Tag,\n\nwie kann ich meinen monatlichen Abschlag ändern?\n\nViele Grüße\nAnna Schmidt\n",
    ),
    (
        PERSONA_EN,
        "help@brightline-telecom.example",
        "Moving house",
        "Hello,\n\ncan I take my broadband contract with me when I move?\n\nThanks,\nOliver Bennett\n",
    ),
    (
        PERSONA_EN,
        "service@larkspur-insurance.example",
        "Policy documents",
        "Hello,\n\ncould you resend my policy documents?\n\nBest wishes,\nOliver Bennett\n",
    ),
    (
        PERSONA,
        "buchung@alpenblick-reisen.example",
        "Umbuchung meiner Reise",
        "Guten Tag,\n\nkann ich meine Reise um eine Woche verschieben?\n\nFreundliche Grüße\nAnna Schmidt\n",
    ),
]


def main() -> int:
    handler = Handler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        CONFIG.write_text(EXIM_CONF.replace("{port}", str(port)), encoding="utf-8")
        for sender, rcpt, subject, body in SENDS:
            subprocess.run(
                ["exim", "-odi", "-f", sender[1], rcpt],
                input=inquiry(sender, rcpt, subject, body),
                check=True,
            )
        # The temporary failure stays queued; past its retry time a queue run gives up on it.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(handler.received) < len(SENDS):
            time.sleep(3)
            subprocess.run(["exim", "-qff"], capture_output=True)
        time.sleep(2)
    finally:
        CONFIG.unlink(missing_ok=True)
        controller.stop()
    OUT.mkdir(parents=True, exist_ok=True)
    for number, raw in enumerate(handler.received, start=1):
        path = OUT / f"exim-{number:02d}.eml"
        path.write_bytes(raw)
        subject = raw.split(b"\nSubject:", 1)[1].split(b"\n", 1)[0].decode(errors="replace")
        print(path.name, subject)
    return 0


if __name__ == "__main__":
    sys.exit(main())
