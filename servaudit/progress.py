"""Progress in the terminal for long commands (run, collect, report), silent everywhere else.

A progress display belongs on a person's terminal. In cron, CI or a pipe it
is noise, so it shows only when stderr is a terminal and --quiet was not
given; results always go to stdout, unaffected.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress


class Tracker:
    """What a command reports while it works; every method is a no-op when progress is off."""

    def __init__(self, progress: Progress | None, description: str, total: int | None) -> None:
        self._progress = progress
        self._task = progress.add_task(description, total=total) if progress else None

    @property
    def active(self) -> bool:
        return self._progress is not None

    def update(self, done: int | None = None, total: int | None = None, text: str | None = None) -> None:
        if self._progress is None or self._task is None:
            return
        self._progress.update(self._task, completed=done, total=total, description=text)

    def advance(self, text: str | None = None) -> None:
        if self._progress is None or self._task is None:
            return
        self._progress.update(self._task, advance=1, description=text)

    def log(self, text: str) -> None:
        """A line above the progress display (e.g. one per inquiry sent)."""
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)


def wanted(quiet: bool, console: Console | None = None) -> bool:
    if quiet or (console is None and not _may_be_terminal()):
        return False
    from rich.console import Console

    return (console or Console(stderr=True)).is_terminal


def _may_be_terminal() -> bool:
    """False when rich would surely say stderr is no terminal: it is no tty and the environment
    forces nothing (rich's TTY_COMPATIBLE, FORCE_COLOR). Then rich is not even imported: in cron,
    CI or a pipe that was a tenth of an hourly `collect` with no new mail (issue 16)."""
    if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return True
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stderr: rich says no terminal too
        return False


@contextmanager
def progress(description: str, quiet: bool, total: int | None = None) -> Iterator[Tracker]:
    if quiet or not _may_be_terminal():
        yield Tracker(None, description, total)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:
        yield Tracker(None, description, total)
        return
    display = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with display:
        yield Tracker(display, description, total)
