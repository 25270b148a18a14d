"""An aiosmtpd handler that stores every message exactly as received (shared by the real-helpdesk generators).

Run as ``python -m aiosmtpd -n -l 127.0.0.1:PORT -c mailsink.Sink`` with this folder on PYTHONPATH and
``MAILSINK_DIR`` set. Each message is written as ``<MAILSINK_DIR>/<n>.eml`` (the raw DATA bytes, no
headers added) with ``<n>.json`` beside it (receive time, envelope sender and recipients). A message
for a recipient listed in ``MAILSINK_INBOUND`` (``addr=dir,addr=dir``) is instead dropped into that
directory: the helpdesk's incoming mailbox.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from pathlib import Path


class Sink:
    def __init__(self) -> None:
        self.dir = Path(os.environ["MAILSINK_DIR"])
        self.dir.mkdir(parents=True, exist_ok=True)
        self.inbound: dict[str, Path] = {}
        for pair in filter(None, os.environ.get("MAILSINK_INBOUND", "").split(",")):
            addr, _, folder = pair.partition("=")
            self.inbound[addr.lower()] = Path(folder)
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        received = time.time()
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        rcpts = [r.lower() for r in envelope.rcpt_tos]
        n = next(self.counter)
        inbound = [self.inbound[r] for r in rcpts if r in self.inbound]
        if inbound:
            for folder in inbound:
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / f".{n:05d}.tmp"
                tmp.write_bytes(raw)
                tmp.rename(folder / f"{n:05d}.eml")
            return "250 OK queued for the helpdesk"
        meta = {"received": received, "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}
        (self.dir / f"{n:05d}.eml").write_bytes(raw)
        (self.dir / f"{n:05d}.json").write_text(json.dumps(meta))
        return "250 OK"
