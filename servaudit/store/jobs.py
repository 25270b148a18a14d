"""Named queries of the distributed path (docs/distributed.md): an inquiry enqueued with its job in one
transaction, a worker's claim with the limits checked inside it, what a dead worker left, and who ran
which job.

The job queue is procrastinate's, in the same PostgreSQL schema as the store: its jobs are inserted
here through procrastinate's own SQL function (``procrastinate_defer_jobs_v1``), so that an inquiry
marked ``queued`` and its job are committed together. Everything else about the queue (fetching,
heartbeats, retries) is procrastinate's; the store only reads its job table to count.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servaudit.scrubbing import scrub
from servaudit.store.inquiries import CLAIM_FIELDS, InquiryQueries
from servaudit.store.records import (
    PENDING,
    QUEUED,
    REFUSED,
    RELEASED,
    SENDING,
    UNCERTAIN,
    from_text,
    now,
    to_text,
)
from servaudit.store.study import SendRecord, StudyQueries

QUEUED_COLUMNS = (
    *("id", "company", "channel", "scenario", "wave", "target", "kind", "parent_id"),
    *("sender", "reply_address", "subject", "body", "message_id", "sent_raw", "state"),
)
"""What a worker reads back to send a queued inquiry exactly as it was composed."""
DONE, FAILED = "done", "failed"
"""How a job run ended (``job_runs.outcome``; NULL while it runs)."""


@dataclass(frozen=True)
class Job:
    """A job to insert into procrastinate's queue."""

    task: str
    args: dict[str, Any]
    queue: str
    lock: str | None = None
    """No two jobs with the same lock run at once."""
    queueing_lock: str | None = None
    """At most one waiting job with this key."""
    scheduled_at: datetime | None = None


@dataclass(frozen=True)
class Claim:
    """What a worker's claim found: the attempt to send under, or why not now."""

    attempt: int | None = None
    state: str | None = None
    """The inquiry's state when it was not claimable (None: no such inquiry)."""
    not_before: datetime | None = None
    """The limits hold it until then (domain spacing): the job comes back at that time."""
    refused: str | None = None
    """The limits refuse it for now (recorded as ``refused``; a later `run` checks it again)."""


Admit = Callable[[Sequence[SendRecord]], "datetime | str | None"]
"""Given every send that may have reached a company: None to send now, a time to wait for, or a reason."""


@dataclass(frozen=True)
class WorkerJobs:
    worker: str
    queued: int
    running: int
    done: int
    failed: int


class JobQueries(InquiryQueries, StudyQueries):
    """Writes inquiries as a claim does (InquiryQueries) and reads the send history (StudyQueries)."""

    def queue_installed(self) -> bool:
        """procrastinate's tables are in the store's schema (PostgreSQL only)."""
        row = self.db.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
        return bool(row[0])

    def enqueue(self, fields: dict[str, Any], job: Job) -> bool:
        """Store a composed inquiry as ``queued`` and insert its job, both or neither; False when the
        inquiry is not open any more (another `run` queued it, a worker sent it)."""
        unknown = set(fields) - CLAIM_FIELDS
        if unknown or "id" not in fields:
            raise ValueError(f"an enqueued inquiry sets claim fields only, not {', '.join(sorted(unknown))}")
        with self.transaction():
            row = self.db.execute("SELECT state FROM inquiries WHERE id=?", (fields["id"],)).fetchone()
            if row is not None and row["state"] not in (PENDING, REFUSED):
                return False
            self._write_inquiry(row is not None, {**fields, "state": QUEUED, "detail": None}, to_text(now()))
            self.defer(job)
        return True

    def defer(self, job: Job) -> None:
        """Insert one job into procrastinate's queue (inside the caller's transaction, if any)."""
        self.db.execute(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(?, ?, 0, ?, ?, CAST(? AS jsonb),"
            " CAST(? AS timestamptz))::procrastinate_job_to_defer_v1])",
            (
                job.queue,
                job.task,
                job.lock,
                job.queueing_lock,
                json.dumps(job.args),
                to_text(job.scheduled_at),
            ),
        )

    def queued_inquiry(self, inquiry_id: str) -> dict[str, Any] | None:
        names = ", ".join(QUEUED_COLUMNS)
        row = self.db.execute(f"SELECT {names} FROM inquiries WHERE id=?", (inquiry_id,)).fetchone()
        return None if row is None else {name: row[name] for name in QUEUED_COLUMNS}

    def sends_near(self, company: str, domain: str) -> list[SendRecord]:
        """The sends that count against a claim for ``company`` at ``domain``: the company's own (its
        monthly cap) and every send whose target names the domain (its spacing), oldest first. A
        superset of the domain's (the caller compares domains exactly), and not the whole history:
        a claim of a study's 5,000th inquiry reads a few rows, not 5,000, under the common lock."""
        rows = self.db.execute(
            "SELECT i.company, i.target, a.started_at FROM attempts a JOIN inquiries i ON i.id = a.inquiry_id"
            " WHERE a.outcome NOT IN (?, ?) AND (i.company = ? OR lower(i.target) LIKE ?)"
            " ORDER BY a.started_at",
            (PENDING, RELEASED, company, f"%{domain.lower()}%"),
        )
        return [SendRecord(r["company"], r["target"], from_text(r["started_at"]) or now()) for r in rows]

    def claim_queued(self, inquiry_id: str, worker: str, domain: str, admit: Admit) -> Claim:
        """A worker's claim: ``queued`` → ``sending`` with an attempt naming the worker, committed before
        the send. ``admit`` sees the sends that count for it (its company's, those to ``domain``, the
        inquiry's target domain) inside the same transaction, so limits such as a domain's spacing
        hold across all workers (every transaction takes the same lock)."""
        if self.db.in_transaction:
            raise RuntimeError("a claim must be committed on its own, before the send: not inside a batch")
        started = to_text(now())
        with self.transaction():
            row = self.db.execute("SELECT state, company FROM inquiries WHERE id=?", (inquiry_id,)).fetchone()
            if row is None or row["state"] != QUEUED:
                return Claim(state=None if row is None else row["state"])
            verdict = admit(self.sends_near(row["company"], domain))
            if isinstance(verdict, datetime):
                return Claim(state=QUEUED, not_before=verdict)
            if isinstance(verdict, str):
                self.db.execute(
                    "UPDATE inquiries SET state=?, detail=? WHERE id=?", (REFUSED, verdict, inquiry_id)
                )
                return Claim(state=REFUSED, refused=verdict)
            self.db.execute("UPDATE inquiries SET state=?, detail=? WHERE id=?", (SENDING, None, inquiry_id))
            attempt = self._insert(
                "INSERT INTO attempts (inquiry_id, started_at, outcome, detail) VALUES (?, ?, ?, ?)",
                (inquiry_id, started, SENDING, scrub(f"claimed by worker {worker}")),
            )
            return Claim(attempt=attempt, state=SENDING)

    def give_back(self, inquiry_id: str, detail: str) -> bool:
        """A queued inquiry whose job cannot send it (nothing left the machine): due again."""
        with self.transaction():
            cursor = self.db.execute(
                "UPDATE inquiries SET state=?, detail=? WHERE id=? AND state=?",
                (PENDING, scrub(detail), inquiry_id, QUEUED),
            )
            return bool(cursor.rowcount)

    def mark_uncertain(self, inquiry_id: str, detail: str) -> bool:
        """An inquiry claimed by a worker that died: it may have gone out, so never again by itself."""
        stamp = to_text(now())
        with self.transaction():
            row = self.db.execute("SELECT state FROM inquiries WHERE id=?", (inquiry_id,)).fetchone()
            if row is None or row["state"] != SENDING:
                return False
            self.db.execute(
                "UPDATE attempts SET finished_at=?, outcome=?, detail=?"
                " WHERE inquiry_id=? AND finished_at IS NULL",
                (stamp, UNCERTAIN, scrub(detail), inquiry_id),
            )
            self.db.execute(
                "UPDATE inquiries SET state=?, detail=? WHERE id=?", (UNCERTAIN, scrub(detail), inquiry_id)
            )
            return True

    def inquiry_state(self, inquiry_id: str) -> str | None:
        row = self.db.execute("SELECT state FROM inquiries WHERE id=?", (inquiry_id,)).fetchone()
        return None if row is None else str(row["state"])

    # -- who ran which job --------------------------------------------------------------

    def job_run_started(self, job_id: int, worker: str, task: str, inquiry_id: str | None) -> int:
        with self.transaction():
            run = self._insert(
                "INSERT INTO job_runs (job_id, worker, task, inquiry_id, started_at) VALUES (?, ?, ?, ?, ?)",
                (job_id, worker, task, inquiry_id, to_text(now())),
            )
        assert run is not None  # a plain INSERT inserts
        return run

    def job_run_ended(self, run_id: int, outcome: str, detail: str | None = None) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE job_runs SET finished_at=?, outcome=?, detail=? WHERE id=?",
                (to_text(now()), outcome, scrub(detail) if detail else None, run_id),
            )

    def job_runs_abandoned(self, job_id: int, detail: str) -> None:
        """The runs of a job whose worker died end as failed (status shows them under that worker)."""
        with self.transaction():
            self.db.execute(
                "UPDATE job_runs SET finished_at=?, outcome=?, detail=? WHERE job_id=? AND outcome IS NULL",
                (to_text(now()), FAILED, scrub(detail), job_id),
            )

    def jobs_per_worker(self, queue: bool) -> list[WorkerJobs]:
        """Queued jobs (no worker yet: under ``""``; ``queue``: the store is PostgreSQL, where the
        queue may be), and per worker the runs going on, done and failed."""
        counts: dict[str, dict[str, int]] = {}
        rows = self.db.execute(
            "SELECT worker, outcome, COUNT(*) AS n FROM job_runs GROUP BY worker, outcome ORDER BY worker"
        )
        for row in rows:
            bucket = counts.setdefault(row["worker"], {"running": 0, DONE: 0, FAILED: 0})
            bucket["running" if row["outcome"] is None else row["outcome"]] += int(row["n"])
        queued = 0
        if queue and self.queue_installed():
            found = self.db.execute(
                "SELECT COUNT(*) FROM procrastinate_jobs WHERE status = 'todo'"
            ).fetchone()
            queued = int(found[0])
        table = [WorkerJobs("", queued, 0, 0, 0)] if queued else []
        for worker, bucket in sorted(counts.items()):
            table.append(WorkerJobs(worker, 0, bucket["running"], bucket[DONE], bucket[FAILED]))
        return table

    def job_run_times(self, task: str) -> list[tuple[datetime, datetime | None, str | None]]:
        """When each run of ``task`` started and ended (None: still running), and what it said."""
        rows = self.db.execute(
            "SELECT started_at, finished_at, detail FROM job_runs WHERE task=? ORDER BY started_at", (task,)
        )
        return [(from_text(r["started_at"]) or now(), from_text(r["finished_at"]), r["detail"]) for r in rows]
