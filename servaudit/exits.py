"""From an exception that reached the command line to its exit code and one sentence for the user.

Typed ServauditErrors carry their code; the conditions a user meets without servaudit raising
anything (a full disk, a damaged store, a closed pipe, Ctrl-C, a path that cannot be written) are
recognised here, once, so that exit 4 means a bug and nothing else.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import sys

import typer

from servaudit.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INFRASTRUCTURE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    ServauditError,
)


def explain(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one sentence for an exception that reached the command line."""
    if isinstance(exc, ServauditError):
        return exc.exit_code, str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "interrupted; everything recorded so far is kept"
    if isinstance(exc, BrokenPipeError):
        return EXIT_BROKEN_PIPE, "the output was closed before everything was written (broken pipe)"
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f" writing {exc.filename}" if exc.filename else ""
        return EXIT_INFRASTRUCTURE, f"the disk is full{where}; free some space and run the command again"
    if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
        return EXIT_INFRASTRUCTURE, "the disk holding the store is full; free some space and run again"
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return EXIT_USAGE, f"the store is damaged ({exc}); restore it from a copy"
    if isinstance(exc, OSError) and exc.filename is not None:
        return EXIT_USAGE, f"cannot use {exc.filename}: {exc.strerror or exc}"
    return EXIT_INTERNAL, (
        f"internal error: {exc!r}. Recorded data is kept. "
        "Run again with --debug for the traceback, and please report it."
    )


def echo_err(text: str) -> None:
    with contextlib.suppress(OSError):  # stderr is gone as well: the exit code is all that is left
        typer.echo(text, err=True)


def silence_stdout() -> None:
    # Python flushes stdout once more at exit; into a closed pipe that prints a second error.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def log_to_stderr(level: int) -> None:
    """Library and servaudit log lines go to stderr scrubbed of secrets (the default handler
    would print them as they are)."""
    from servaudit.secrets import ScrubbingFilter

    handler = logging.StreamHandler()
    handler.addFilter(ScrubbingFilter())
    handler.setFormatter(logging.Formatter("servaudit: %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)  # libraries' debug output would drown servaudit's own
    logging.getLogger("servaudit").setLevel(level)
