"""Judging a large download in processes forked from collect, a chunk of messages at a time.

Collect judges its first new messages itself (starting processes costs more than judging a few:
collect.PARALLEL_AFTER); then it starts ``JUDGES`` processes forked from it, which inherit its judge
(vocabularies loaded, inquiries indexed) and examine chunks of messages: each message's stored
headers and its decision, already encoded as the rows that will hold it, so the collect only writes
them. Chunks, not single messages, cross the pipe: the hand-over's cost is per chunk. What was found
comes back in the order the messages were given, each exactly once; a message given "not to judge"
(its bytes are stored already) passes through unjudged, in its place; a message of a chunk's size
or more is judged here, in its place (it would be copied for the pipe). A judging process that dies
loses nothing: what it was given is judged here, and so is the rest of the collect.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from servaudit.mailbox.base import IncomingMail

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from servaudit.collect import Examined

JUDGES = min(2, os.cpu_count() or 1)
"""Judging processes: as many as the machine has cores, two at most (the target machine's size)."""
CHUNK = 32
"""Messages handed to a judging process at once, at most: the hand-over costs per chunk."""
CHUNK_BYTES = 512 * 1024
"""Raw mail in one chunk, at most (besides its last message): a chunk of large mail is shorter."""
JUDGED_HERE = CHUNK_BYTES
"""A message this large (it fills a chunk by itself) is judged in the collect process, in its turn:
handed to a judging process it would be copied three times (pickled, received, unpickled) for the
one the collect process holds anyway until it is stored."""
AHEAD = 2
"""Chunks given to each judging process beyond the one it judges: enough to keep it busy, few enough
that the raw mail held for them stays small (with CHUNK_BYTES: a few MiB)."""

T = TypeVar("T")


class Examiner(Protocol):
    def examine(self, mail: IncomingMail) -> Examined:
        """A new message's stored headers and its decision, writing nothing."""
        ...

    def before_fork(self) -> None:
        """Load here, once, what each judging process would otherwise load for itself."""
        ...


_JUDGE: Examiner | None = None
"""The judge a judging process inherits when it is forked."""


def _examine_elsewhere(chunk: list[IncomingMail | None]) -> list[Examined | None]:
    """Examine a chunk in a judging process (None: a message not to judge)."""
    assert _JUDGE is not None
    return [None if mail is None else _JUDGE.examine(mail) for mail in chunk]


Given = tuple[IncomingMail, bool, T]
"""A message, whether to judge it, and what the caller keeps with it (its cursor)."""
Judged = tuple[IncomingMail, T, "Examined | None"]
"""A message, what the caller keeps with it, and what was found (None: not judged)."""


class Judging(Generic[T]):
    """Where a collect's new messages are judged: here, one after another, or (once started) in
    judging processes, while this process downloads and stores. ``put`` and ``finish`` hand back
    what is judged by then, in the order given, a chunk at a time."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.examiner: Examiner | None = None
        self.chunk: list[Given[T]] = []
        self.chunk_bytes = 0
        self.pending: deque[tuple[list[Given[T]], Future[list[Examined | None]] | None]] = deque()

    @property
    def parallel(self) -> bool:
        return self.pool is not None

    def start(self, examiner: Examiner) -> None:
        # Imported here: a collect that brings fewer than PARALLEL_AFTER messages starts no process.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        global _JUDGE
        if JUDGES < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return
        _JUDGE = self.examiner = examiner
        examiner.before_fork()  # the processes fork at the first chunk given: they share it
        self.pool = ProcessPoolExecutor(JUDGES, mp_context=multiprocessing.get_context("fork"))

    def put(
        self, examiner: Examiner | None, mail: IncomingMail, judge: bool, kept: T
    ) -> list[list[Judged[T]]]:
        """Give one message (``judge``: False for one stored already); what is judged by now."""
        self.examiner = examiner or self.examiner
        if self.pool is not None and judge and len(mail.raw) >= JUDGED_HERE:
            if self.chunk:
                self._submit()
            self.pending.append(([(mail, judge, kept)], None))  # judged here when its turn comes
        else:
            self.chunk.append((mail, judge, kept))
            self.chunk_bytes += len(mail.raw)
            if self.pool is None:
                return self.finish()
            if len(self.chunk) >= CHUNK or self.chunk_bytes >= CHUNK_BYTES:
                self._submit()
        done = []
        # What is ready is handed back at once; beyond AHEAD chunks per process, waited for.
        while self.pending and (len(self.pending) > AHEAD * JUDGES or _ready(self.pending[0][1])):
            done.append(self._oldest())
        return done

    def finish(self) -> list[list[Judged[T]]]:
        """Everything given and not yet handed back, judged, in order."""
        if self.chunk and self.pool is not None:
            self._submit()
        done = [self._oldest() for _ in range(len(self.pending))]
        if self.chunk:  # given after the processes had gone
            chunk, self.chunk, self.chunk_bytes = self.chunk, [], 0
            done.append(self._here(chunk))
        return done

    def _submit(self) -> None:
        assert self.pool is not None
        chunk, self.chunk, self.chunk_bytes = self.chunk, [], 0
        future: Future[list[Examined | None]] | None
        try:
            given = [mail if judge else None for mail, judge, _ in chunk]
            future = self.pool.submit(_examine_elsewhere, given)
        except Exception:  # the judging processes have gone: judged here, after what was given before
            self.close(failed=True)
            future = None
        self.pending.append((chunk, future))

    def _oldest(self) -> list[Judged[T]]:
        chunk, future = self.pending.popleft()
        if future is not None:
            try:
                found = future.result()
                return [(mail, kept, found) for (mail, _, kept), found in zip(chunk, found, strict=True)]
            except Exception:  # a judging process died: this collect judges the rest itself
                self.close(failed=True)
        return self._here(chunk)

    def _here(self, chunk: list[Given[T]]) -> list[Judged[T]]:
        done: list[Judged[T]] = []
        for mail, judge, kept in chunk:
            if judge:
                assert self.examiner is not None
                done.append((mail, kept, self.examiner.examine(mail)))
            else:
                done.append((mail, kept, None))
        return done

    def close(self, failed: bool = False) -> None:
        """Stop the judging processes; after a failure without waiting for them (what they were
        given is judged here)."""
        global _JUDGE
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=not failed, cancel_futures=True)
        _JUDGE = None


def _ready(future: Future[list[Examined | None]] | None) -> bool:
    return future is None or future.done()
