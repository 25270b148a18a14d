"""Company pages: one per company, rendered in worker processes when a study has many.

A company page is the report's most expensive part (its inquiries, replies, timelines and two
charts), and the pages are independent of one another. From PARALLEL_FROM companies on, and
where the platform can fork, worker processes render them from the report data and views
the parent already built (inherited by the fork, never pickled) while the parent writes the
evidence, the index and report.json. A page's content does not depend on where it was rendered.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
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


def _render_task(slugs: Sequence[str]) -> list[str]:
    assert _JOB is not None, "a worker renders only the job it was forked with"
    return [_JOB.render(slug) for slug in slugs]


def workers() -> int:
    """Processes for company pages: the CPUs this process may use (at most 8); 1 without fork."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(usable, 8))


class CompanyPages:
    """Renders the company pages: ``start()`` sets them going, ``done()`` yields each page written."""

    def __init__(self, job: PageJob, slugs: Sequence[str]) -> None:
        self.job = job
        self.slugs = list(slugs)
        self.processes = workers() if len(self.slugs) >= PARALLEL_FROM else 1
        self._pool: Any = None
        self._results: Iterator[list[str]] | None = None

    def start(self) -> None:
        if self.processes < 2:
            return
        global _JOB
        _JOB = self.job  # inherited by the forked workers (a replaced worker too), never pickled
        # Moved out of the collector's reach first: its passes would write to every object's header
        # and so copy the parent's memory into each worker (the copy-on-write the fork saves).
        gc.freeze()
        try:
            self._pool = multiprocessing.get_context("fork").Pool(self.processes)
        finally:
            gc.unfreeze()
        tasks = [self.slugs[i : i + PAGES_PER_TASK] for i in range(0, len(self.slugs), PAGES_PER_TASK)]
        self._results = self._pool.imap(_render_task, tasks)

    def done(self) -> Iterator[str]:
        """Each page's path inside the report folder, in ranking order, as it is written."""
        if self._pool is None:
            for slug in self.slugs:
                yield self.job.render(slug)
            return
        try:
            assert self._results is not None
            for pages in self._results:
                yield from pages
            self._pool.close()
            self._pool.join()
        finally:
            self.close()

    def close(self) -> None:
        """Stop any workers still running (all done, or the report failed elsewhere)."""
        global _JOB
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None
        _JOB = None
