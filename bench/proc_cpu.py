"""CPU time of this process and of everything it started (Playwright's driver, Chromium and its
renderers), read from /proc while they run.

getrusage(RUSAGE_CHILDREN) is not enough for a browser: it counts only children that were waited
for, and Chromium's renderers are grandchildren that come and go with each context. So a thread
reads /proc/<pid>/stat of every descendant every ``every`` seconds and keeps, per process, the CPU
used since it was first seen (a process that ends loses at most its last ``every`` seconds).
The sampling thread's own CPU is taken out of this process's figure.
Used by bench_forms.py, bench_chat.py and bench_discover.py; Linux only, no dependency.
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


def process_cpu(pid: int) -> float:
    """CPU seconds ``pid`` has used so far (0 when it is gone): a server the benchmark started."""
    found = _stat(pid)
    return 0.0 if found is None else found[1]


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


def kind_of(pid: int) -> str:
    """What a descendant is: Chromium's process type (browser, renderer, gpu-process, utility,
    zygote), Playwright's driver (node), or the command's name."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    for word in words.split():
        if word.startswith("--type="):
            return word.removeprefix("--type=")
    if "--remote-debugging-pipe" in words:
        return "browser"
    program = words.split()[0].rsplit("/", 1)[-1] if words.strip() else "?"
    return "driver" if program == "node" else program


class CpuMeter:
    """``with CpuMeter() as meter: ...`` then meter.python, meter.children, meter.wall (seconds);
    meter.by_kind() splits the children's CPU by what they are (kind_of), and this process's into
    the thread that entered the meter (the probes' event loop) and its other threads (a sandbox
    serving its pages from threads of the same process: the simulated company, not the probe)."""

    def __init__(self, every: float = 0.1) -> None:
        self.every = every
        self.python = self.children = self.wall = self.main_thread = 0.0
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._kinds: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _read(self, baseline: bool = False) -> None:
        for pid, cpu in descendants(os.getpid()).items():
            # A process born during the measurement counts from zero.
            self._first.setdefault(pid, cpu if baseline else 0.0)
            self._last[pid] = cpu
            if self._kinds.get(pid, "zygote") == "zygote":
                # A renderer is forked from the zygote and shows the zygote's command line until it
                # renames itself: read it again until it does.
                self._kinds[pid] = kind_of(pid)

    def _sample(self) -> None:
        started = time.thread_time()
        while not self._stop.wait(self.every):
            self._read()
        self._own = time.thread_time() - started

    def __enter__(self) -> CpuMeter:
        self._read(baseline=True)
        self._own = 0.0
        self._python = time.process_time()
        self._main_thread = time.thread_time()
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.main_thread = time.thread_time() - self._main_thread
        self._stop.set()
        self._thread.join()
        self._read()
        self.wall = time.perf_counter() - self._started
        # The sampling thread's own reading of /proc is not the measured work.
        self.python = time.process_time() - self._python - self._own
        self.children = sum(self._last[pid] - self._first[pid] for pid in self._last)

    def by_kind(self) -> dict[str, float]:
        """CPU seconds per kind of process; this one's as "python" (the measuring thread) and
        "other threads"."""
        split = {"python": self.main_thread, "other threads": max(self.python - self.main_thread, 0.0)}
        for pid, last in self._last.items():
            kind = self._kinds.get(pid, "?")
            split[kind] = split.get(kind, 0.0) + last - self._first[pid]
        return split

    @property
    def total(self) -> float:
        return self.python + self.children

    @property
    def probe(self) -> float:
        """The measuring thread and every descendant: the probe's CPU without the in-process
        sandbox's server threads."""
        return self.main_thread + self.children
