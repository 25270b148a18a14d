"""When the sandbox's companies answer: one thread running reply jobs at their due time."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 5.0


class ReplyScheduler:
    """One thread running jobs at their due time (monotonic clock) from a heap."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._in_flight = 0
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._condition:
            self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sandbox-replies", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._heap.clear()
            self._condition.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(STOP_TIMEOUT_SECONDS)

    def schedule(self, delay: float, job: Callable[[], None]) -> None:
        with self._condition:
            if self._stopping:
                return
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._sequence), job))
            self._condition.notify_all()

    def pending(self) -> int:
        with self._condition:
            return len(self._heap) + self._in_flight

    def wait_idle(self, timeout: float) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: not self._heap and not self._in_flight, timeout)

    def _run(self) -> None:
        while True:
            job = self._next_due_job()
            if job is None:
                return
            try:
                job()
            except Exception:
                log.exception("sandbox reply delivery failed")
            finally:
                with self._condition:
                    self._in_flight -= 1
                    self._condition.notify_all()

    def _next_due_job(self) -> Callable[[], None] | None:
        """Block until a job is due (and claim it) or the scheduler stops (None)."""
        with self._condition:
            while not self._stopping:
                if not self._heap:
                    self._condition.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                _, _, job = heapq.heappop(self._heap)
                self._in_flight += 1
                return job
            return None
