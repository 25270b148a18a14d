"""bench/proc_cpu.py, how the browser benchmarks count CPU: every descendant process by its kind,
and this process split into the measuring thread (the probes' event loop) and its other threads (an
in-process sandbox serving pages), so a busy simulated company cannot pass for a busy probe."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

from tests.bench_support import load_bench

BURN = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"


def load() -> ModuleType:
    return load_bench("proc_cpu.py", "proc_cpu")


def burn(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_another_threads_cpu_is_kept_apart_from_the_measuring_threads() -> None:
    proc_cpu = load()
    with proc_cpu.CpuMeter() as meter:
        other = threading.Thread(target=burn, args=(0.4,))
        other.start()
        burn(0.2)
        other.join()
    split = meter.by_kind()
    assert 0.15 <= split["python"] < 0.35
    assert split["other threads"] >= 0.3
    assert meter.probe < meter.total - 0.3


def test_a_child_process_is_counted_under_its_program_name() -> None:
    proc_cpu = load()
    with proc_cpu.CpuMeter(every=0.02) as meter:
        subprocess.run([sys.executable, "-c", BURN.format(seconds=0.4)], check=True)
        time.sleep(0.05)
    program = Path(sys.executable).name
    assert meter.children >= 0.3
    # The child ended before the last reading: its kind was read while it ran.
    assert meter.by_kind().get(program, 0.0) >= 0.3, meter.by_kind()
    assert proc_cpu.kind_of(10**9) == "gone"
