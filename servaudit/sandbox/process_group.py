"""Stopping a process group (the Dovecot master and every child it forked) fast and completely."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

log = logging.getLogger(__name__)

_STOP_TIMEOUT = 5.0
# How long the master may linger once its children are gone.
_MASTER_GRACE = 0.1


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM every Dovecot process at once, then wait for all of them.

    Signalling only the master makes it shut its children down one by one and
    then sleep out a fixed second; each process handles SIGTERM as a clean
    shutdown, so signalling the group stops it in milliseconds.
    """
    deadline = time.monotonic() + _STOP_TIMEOUT
    children_gone_at: float | None = None
    while proc.poll() is None:
        now = time.monotonic()
        if now > deadline:
            _signal_group(proc.pid, signal.SIGKILL)
            break
        if _group_members(proc.pid) - {proc.pid}:
            # Repeated: a child forked just after the last signal missed it.
            _signal_group(proc.pid, signal.SIGTERM)
            children_gone_at = None
        elif children_gone_at is None:
            _signal_group(proc.pid, signal.SIGTERM)
            children_gone_at = now
        elif now - children_gone_at > _MASTER_GRACE:
            # All children are gone; the master only sleeps out its fixed wait.
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(0.02)
    proc.wait()
    _wait_group_gone(proc.pid)


def _wait_group_gone(pgid: int) -> None:
    # Children outlive a master that died on its own; they get the same clean SIGTERM.
    if _group_members(pgid):
        _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_TIMEOUT
    killed = False
    while _group_members(pgid):
        if time.monotonic() > deadline:
            if killed:
                log.warning("Dovecot processes of group %d survived SIGKILL", pgid)
                return
            _signal_group(pgid, signal.SIGKILL)
            killed, deadline = True, time.monotonic() + _STOP_TIMEOUT
        time.sleep(0.01)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def group_alive(pgid: int) -> bool:
    """Whether any process of this process group still runs (zombies do not count)."""
    return bool(_group_members(pgid))


def _group_members(pgid: int) -> set[int]:
    if not os.path.isdir("/proc"):
        # No /proc (macOS): only "someone is left" is known, reported as the group leader.
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return set()
        except PermissionError:
            pass
        return {pgid}
    return {int(pid) for pid in os.listdir("/proc") if pid.isdigit() and _in_group(pid, pgid)}


def _in_group(pid: str, pgid: int) -> bool:
    try:
        stat = Path("/proc", pid, "stat").read_text()
    except OSError:
        return False
    # The command name in parentheses may contain spaces: parse after it.
    state, _ppid, group = stat.rsplit(")", 1)[1].split()[:3]
    return state != "Z" and int(group) == pgid
