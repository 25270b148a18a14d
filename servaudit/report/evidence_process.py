"""The evidence files written by a forked process while this one gathers the report's data.

At study size writing the evidence (tens of thousands of files, mostly the kernel's time to
create them) cost as much as gathering every figure, and both waited for each other on one
core while the other stayed idle. The evidence needs only the store, so a process forked before
this one opens the store writes it with a store connection of its own (a database connection is
never carried across a fork) and hands back what it withheld, or the error that stopped it.
"""

from __future__ import annotations

from pathlib import Path

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.report.evidence import write_evidence
from servaudit.report.forkedpart import ForkedPart


def _write(audit: Audit, folder: Path) -> list[str]:
    """In the forked process: the evidence, written through a store connection of its own."""
    store = open_store(audit)
    try:
        return write_evidence(store, folder, audit.folder, audit.config.audit.bucket)
    finally:
        store.close()


class EvidenceProcess(ForkedPart[list[str]]):
    """``start()`` forks the writer; ``withheld()`` waits for it and returns what it withheld (or
    raises what stopped it); ``close()`` ends it if the report failed first."""

    def __init__(self, audit: Audit, folder: Path) -> None:
        super().__init__(lambda: _write(audit, folder), "writing the evidence")

    def withheld(self) -> list[str]:
        return list(self.result())
