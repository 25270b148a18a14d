"""Work of the report done by a forked process while this one goes on: the evidence files
(evidence_process.py) and one share of the report's data (data.py).

At study size gathering the figures took this process some 1.3 s of CPU after the store was read,
on one core, while the other had nothing to do once the evidence was written. The companies'
figures (each computed from its own inquiries alone), the waves and the inquiry rows need nothing
but what the builder read from the store, so a process forked after reading computes one share of
them and hands it back pickled (every value comes back equal, floats to the bit, dicts in their
order). The forked process never touches the store: a database connection is never used across a
fork.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _compute(compute: Callable[[], Any], doing: str, writer: Any) -> None:
    """The forked process: send ("ok", result) or ("error", the exception that stopped it)."""
    try:
        writer.send(("ok", compute()))
    except BaseException as exc:
        try:
            writer.send(("error", exc))
        except Exception:
            writer.send(("error", RuntimeError(f"{doing} failed:\n" + traceback.format_exc())))
    finally:
        writer.close()


class ForkedPart(Generic[T]):
    """``start()`` forks a process computing ``compute()``; ``result()`` waits for it and returns what
    it computed (or raises what stopped it); ``close()`` ends it if this process failed first.
    ``doing`` names the work in an error ("writing the evidence")."""

    def __init__(self, compute: Callable[[], T], doing: str) -> None:
        self.compute = compute
        self.doing = doing
        self._process: Any = None
        self._reader: Any = None

    def start(self) -> None:
        context = multiprocessing.get_context("fork")
        self._reader, writer = context.Pipe(duplex=False)
        self._process = context.Process(target=_compute, args=(self.compute, self.doing, writer), daemon=True)
        self._process.start()
        writer.close()  # the child's end: once the child has gone, reading ends instead of waiting

    def result(self) -> T:
        try:
            outcome, value = self._reader.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"the process {self.doing} stopped (exit code {self._process.exitcode})"
            ) from None
        self._process.join()
        if outcome == "error":
            raise value
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None
