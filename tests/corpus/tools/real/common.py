"""Helpers shared by the real-helpdesk corpus generators: the captured outbox and manifest.toml."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path


class Outbox:
    """The mails a helpdesk sent: ``<n>.eml`` with ``<n>.json`` (receive time, recipients) beside it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: set[str] = set()

    def wait_new(self, rcpt: str, count: int = 1, timeout: float = 30) -> list[tuple[Path, dict]]:
        """The next ``count`` mails to ``rcpt`` not returned before, oldest first."""
        end = time.time() + timeout
        found: list[tuple[Path, dict]] = []
        while time.time() < end:
            for meta_path in sorted(self.folder.glob("*.json")):
                if meta_path.name in self.seen:
                    continue
                meta = json.loads(meta_path.read_text())
                self.seen.add(meta_path.name)
                if rcpt.lower() in [r.lower() for r in meta["rcpt_tos"]]:
                    found.append((meta_path.with_suffix(".eml"), meta))
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise RuntimeError(f"expected {count} mail(s) to {rcpt}, got {len(found)}")

    def drain(self, wait: float = 1.5) -> list[str]:
        """Mails that arrived but were never asked for (sent to someone else)."""
        time.sleep(wait)
        stray = [p.name for p in sorted(self.folder.glob("*.json")) if p.name not in self.seen]
        self.seen.update(stray)
        return stray


def toml_str(value: str) -> str:
    if "\n" in value and '"""' not in value and "\\" not in value and not value.endswith('"'):
        return '"""' + value + '"""'
    return json.dumps(value, ensure_ascii=False)


def write_manifest(
    out: Path, system: str, source: str, generated_by: str, notes: str, records: list[dict]
) -> None:
    lines = [
        f"system = {toml_str(system)}",
        f"source = {toml_str(source)}",
        f"generated_by = {toml_str(generated_by)}",
        f"notes = {toml_str(notes)}",
        "",
    ]
    for r in records:
        lines.append("[[message]]")
        for key in ("file", "label", "language"):
            lines.append(f"{key} = {json.dumps(r[key])}")
        lines.append(f"seconds = {r['seconds']}")
        lines.append(f"inquiry_subject = {toml_str(r['inquiry_subject'])}")
        lines.append(f"inquiry_text = {toml_str(r['inquiry_text'])}")
        lines.append("")
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 20) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"aiosmtpd did not start on port {port}")


AGENT_DELAY = 120.0
"""Seconds the simulated agents wait after the last inquiry before they answer: longer than
servaudit's fast-arrival threshold (60 s), so no agent-triggered mail arrives implausibly fast.
Real agents take hours; the measured seconds are honest but short."""


def wait_for_agents(sent_at: dict[str, float], delay: float = AGENT_DELAY) -> None:
    """Sleep until ``delay`` seconds have passed since the last inquiry was sent."""
    remaining = max(sent_at.values()) + delay - time.time()
    if remaining > 0:
        print(f"agents answer in {remaining:.0f} s")
        time.sleep(remaining)
