"""Progress in the terminal for long commands (run, collect, report), silent everywhere else.

A progress display belongs on a person's terminal. In cron, CI or a pipe it
is noise, so it shows only when stderr is a terminal and --quiet was not
given; results always go to stdout, unaffected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)


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
    return not quiet and (console or Console(stderr=True)).is_terminal


@contextmanager
def progress(description: str, quiet: bool, total: int | None = None) -> Iterator[Tracker]:
    console = Console(stderr=True)
    if not wanted(quiet, console):
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
