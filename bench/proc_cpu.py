"""CPU time of this process and of everything it started (Playwright's driver, Chromium and its
renderers), read from /proc while they run.

getrusage(RUSAGE_CHILDREN) is not enough for a browser: it counts only children that were waited
for, and Chromium's renderers are grandchildren that come and go with each context. So a thread
reads /proc/<pid>/stat of every descendant every ``every`` seconds and keeps, per process, the CPU
used since it was first seen (a process that ends loses at most its last ``every`` seconds).
The sampling thread's own CPU is taken out of this process's figure.
Used by bench_forms.py and bench_chat.py; Linux only, no dependency.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import TracebackType

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of ``pid``, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS  # ppid, utime + stime


def descendants(root: int) -> dict[int, float]:
    """CPU seconds of every process below ``root``."""
    parents: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None:
                parents.setdefault(found[0], []).append(int(entry.name))
                cpu[int(entry.name)] = found[1]
    result: dict[int, float] = {}
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            result[child] = cpu[child]
            todo.append(child)
    return result


class CpuMeter:
    """``with CpuMeter() as meter: ...`` then meter.python, meter.children, meter.wall (seconds)."""

    def __init__(self, every: float = 0.1) -> None:
        self.every = every
        self.python = self.children = self.wall = 0.0
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _read(self, baseline: bool = False) -> None:
        for pid, cpu in descendants(os.getpid()).items():
            # A process born during the measurement counts from zero.
            self._first.setdefault(pid, cpu if baseline else 0.0)
            self._last[pid] = cpu

    def _sample(self) -> None:
        started = time.thread_time()
        while not self._stop.wait(self.every):
            self._read()
        self._own = time.thread_time() - started

    def __enter__(self) -> CpuMeter:
        self._read(baseline=True)
        self._own = 0.0
        self._python = time.process_time()
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._read()
        self.wall = time.perf_counter() - self._started
        # The sampling thread's own reading of /proc is not the measured work.
        self.python = time.process_time() - self._python - self._own
        self.children = sum(self._last[pid] - self._first[pid] for pid in self._last)

    @property
    def total(self) -> float:
        return self.python + self.children
