"""The evidence files written by a forked process while this one gathers the report's data.

At study size writing the evidence (tens of thousands of files, mostly the kernel's time to
create them) cost as much as gathering every figure, and both waited for each other on one
core while the other stayed idle. The evidence needs only the store, so a process forked before
this one opens the store writes it with a store connection of its own (a database connection is
never carried across a fork) and hands back what it withheld, or the error that stopped it.
"""

from __future__ import annotations

import multiprocessing
import traceback
from pathlib import Path
from typing import Any

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.report.evidence import write_evidence


def write_in_process(audit: Audit, folder: Path, writer: Any) -> None:
    """The forked process: write the evidence, send ("ok", withheld) or ("error", exception)."""
    try:
        store = open_store(audit)
        try:
            withheld = write_evidence(store, folder, audit.folder, audit.config.audit.bucket)
        finally:
            store.close()
        writer.send(("ok", withheld))
    except BaseException as exc:
        try:
            writer.send(("error", exc))
        except Exception:
            writer.send(("error", RuntimeError("writing the evidence failed:\n" + traceback.format_exc())))
    finally:
        writer.close()


class EvidenceProcess:
    """``start()`` forks the writer; ``withheld()`` waits for it and returns what it withheld (or
    raises what stopped it); ``close()`` ends it if the report failed first."""

    def __init__(self, audit: Audit, folder: Path) -> None:
        self.audit = audit
        self.folder = folder
        self._process: Any = None
        self._reader: Any = None

    def start(self) -> None:
        context = multiprocessing.get_context("fork")
        self._reader, writer = context.Pipe(duplex=False)
        self._process = context.Process(
            target=write_in_process, args=(self.audit, self.folder, writer), daemon=True
        )
        self._process.start()
        writer.close()  # the child's end: once the child has gone, reading ends instead of waiting

    def withheld(self) -> list[str]:
        try:
            outcome, value = self._reader.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"the process writing the evidence stopped (exit code {self._process.exitcode})"
            ) from None
        self._process.join()
        if outcome == "error":
            raise value
        return list(value)

    def close(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None
