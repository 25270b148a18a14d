"""Company pages: one per company, rendered in worker processes when a study has many.

A company page is the report's most expensive part (its inquiries, replies, timelines and two
charts), and the pages are independent of one another. From PARALLEL_FROM companies on, and
where the platform can fork, worker processes render them from the report data and views
the parent already built (inherited by the fork, never pickled) while the parent writes the
evidence, the index and report.json; then the parent renders pages too. Workers take batches
of pages from the front of the ranking, the parent from the back, until they meet: one worker
fewer than CPUs, so the parent's work costs no core, and each worker's copy of the parent's
memory (pages touched are copied on write) is one less. A page's content does not depend on
where it was rendered.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Template

from servaudit.report import folder as report_folder
from servaudit.report.views import Views

PARALLEL_FROM = 40
"""Companies from which pages are rendered in worker processes (below, starting them costs more)."""
PAGES_PER_TASK = 10


@dataclass(frozen=True)
class PageJob:
    views: Views
    template: Template
    common: dict[str, Any]
    out: Path

    def render(self, slug: str) -> str:
        company = self.views.company(slug)
        write_page(self.out / company.page, self.template.render(**self.common, root="../", company=company))
        return company.page


def write_page(target: Path, html: str) -> None:
    report_folder.write_bytes(target, html.encode("utf-8"))


_JOB: PageJob | None = None
"""The job a forked worker inherits from its parent."""


def workers() -> int:
    """Processes for company pages, the parent among them: the CPUs this process may use (at
    most 8); 1 without fork."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(usable, 8))


class _Batches:
    """Batches of pages claimed from both ends of the ranking: workers from the front, the parent
    from the back (shared between the processes, under one lock)."""

    def __init__(self, context: Any, count: int) -> None:
        self.front = context.Value("i", 0, lock=False)
        self.back = context.Value("i", count, lock=False)
        self.lock = context.Lock()

    def claim(self, from_back: bool) -> int | None:
        with self.lock:
            if self.front.value >= self.back.value:
                return None
            if from_back:
                self.back.value -= 1
                return int(self.back.value)
            self.front.value += 1
            return int(self.front.value - 1)


def _work(batches: Sequence[Sequence[str]], shared: _Batches, done: Any) -> None:
    """A worker's loop: render batches from the front until none is left; report each one."""
    assert _JOB is not None, "a worker renders only the job it was forked with"
    try:
        while (index := shared.claim(from_back=False)) is not None:
            done.put((index, [_JOB.render(slug) for slug in batches[index]]))
    except BaseException:
        done.put((-1, [traceback.format_exc()]))
        raise
    finally:
        done.close()
        done.join_thread()


class CompanyPages:
    """Renders the company pages: ``start()`` sets them going, ``done()`` yields each page written."""

    def __init__(self, job: PageJob, slugs: Sequence[str]) -> None:
        self.job = job
        self.slugs = list(slugs)
        self.processes = workers() if len(self.slugs) >= PARALLEL_FROM else 1
        self._batches = [
            self.slugs[i : i + PAGES_PER_TASK] for i in range(0, len(self.slugs), PAGES_PER_TASK)
        ]
        self._workers: list[Any] = []
        self._shared: _Batches | None = None
        self._done: Any = None
        self._frozen = False

    def start(self) -> None:
        if self.processes < 2:
            return
        global _JOB
        _JOB = self.job  # inherited by the forked workers, never pickled
        context = multiprocessing.get_context("fork")
        self._shared = _Batches(context, len(self._batches))
        self._done = context.Queue()
        # Moved out of the collector's reach first: its passes would write to every object's header
        # and so copy the parent's memory into each worker (the copy-on-write the fork saves). The
        # parent keeps it there until the pages are done (close): else the one full pass while it
        # renders its share read the whole report data again (0.26 s of CPU at 500 companies).
        gc.freeze()
        self._frozen = True
        for _ in range(self.processes - 1):
            worker = context.Process(
                target=_work, args=(self._batches, self._shared, self._done), daemon=True
            )
            worker.start()
            self._workers.append(worker)

    def done(self) -> Iterator[str]:
        """Each page's path inside the report folder, in ranking order, as it is written."""
        if self._shared is None:
            for slug in self.slugs:
                yield self.job.render(slug)
            return
        try:
            finished: dict[int, list[str]] = {}
            shown = 0
            while (index := self._shared.claim(from_back=True)) is not None:
                finished[index] = [self.job.render(slug) for slug in self._batches[index]]
                self._collect(finished, wait=False)
                while shown in finished:
                    yield from finished.pop(shown)
                    shown += 1
            while shown < len(self._batches):
                if shown not in finished:
                    self._collect(finished, wait=True)
                    continue
                yield from finished.pop(shown)
                shown += 1
            for worker in self._workers:
                worker.join()
        finally:
            self.close()

    def _collect(self, finished: dict[int, list[str]], wait: bool) -> None:
        """Take the batches workers have reported; with ``wait``, at least one (or fail loudly)."""
        while True:
            try:
                index, pages = self._done.get(timeout=1.0) if wait else self._done.get_nowait()
            except queue.Empty:
                if not wait:
                    return
                failed = [w.exitcode for w in self._workers if w.exitcode not in (None, 0)]
                if failed:
                    raise RuntimeError(
                        f"a worker rendering company pages stopped (exit code {failed[0]})"
                    ) from None
                continue
            if index < 0:
                raise RuntimeError("a worker rendering company pages failed:\n" + pages[0])
            finished[index] = pages
            wait = False

    def close(self) -> None:
        """Stop any workers still running (all done, or the report failed elsewhere)."""
        global _JOB
        for worker in self._workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        self._workers = []
        _JOB = None
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
