"""Judging in parallel: a large download is judged by processes forked from collect, and what is
stored is exactly what judging one message after another stores, each message once, in order.

The mailbox is the labelled corpus (bounces, DSNs, auto-replies, helpdesks, newsletters, real
third-party software), answers threaded to inquiries in the store, and broken messages; the
store's rows are compared field by field (times of writing aside) with a collect that judges
every message itself. A judging process that dies does not lose or skip a message.
"""

from __future__ import annotations

import hashlib
import mailbox
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import servaudit.collect as collecting
import servaudit.collect_parallel as judging_processes
import servaudit.store.messages as store_messages
from servaudit.collect import Decision, Examined, Judge, collect
from servaudit.config import Audit
from servaudit.mailbox.base import IncomingMail
from servaudit.store import MessageRecord
from tests.corpus import samples
from tests.test_collect_incremental import AUDIT, reply, send

BROKEN = (
    b"From: =?utf-8?q?broken\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n\xff\xfe",
    b"Content-Type: text/plain; charset=no-such-charset\r\nSubject: =?x?q?=FF?=\r\n\r\n\xc3(",
    b"From: a@b.example\r\nSubject: explodes\r\n\r\nA message the judge fails on (see below).",
)

REFUSED_WHEN_WRITTEN = (
    b"From: e@f.example\r\nSubject: stored\r\n\r\nA reading the store refuses (see below).\r\n"
)


def _refuse_one_reading(audit: Audit) -> None:
    """The store itself refuses to write one message's reading (a trigger: a real failure of the
    database, as a full disk or an unencodable text would be), whoever wrote it."""
    db = sqlite3.connect(audit.folder / "servaudit.sqlite")
    db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON judgements WHEN NEW.excerpt LIKE '%the store refuses%'"
        " BEGIN SELECT RAISE(ABORT, 'refused by the store'); END"
    )
    db.commit()
    db.close()


def _failing_on_one(judge: Callable[..., Decision]) -> Callable[..., Decision]:
    """The judge, failing on the message whose subject is 'explodes', wherever it judges."""

    def judging(self: Judge, record: MessageRecord, *args: Any, **kwargs: Any) -> Decision:
        if record.subject == "explodes":
            raise ValueError("a judge that fails on this message")
        return judge(self, record, *args, **kwargs)

    return judging


def _rows(audit: Audit) -> list[tuple[object, ...]]:
    """Everything a collect decides, message by message (without when it was written)."""
    db = sqlite3.connect(audit.folder / "servaudit.sqlite")
    try:
        queries = (
            "SELECT source, sha256, header_message_id, from_addr, subject, inquiry_id, match_method,"
            " decided, unreadable FROM messages ORDER BY source",
            "SELECT m.source, c.origin, c.label, c.reasons, c.version FROM classifications c"
            " JOIN messages m ON m.id = c.message_id ORDER BY m.source, c.origin",
            "SELECT m.source, q.score, q.answered, q.detail FROM quality_scores q"
            " JOIN messages m ON m.id = q.message_id ORDER BY m.source",
            "SELECT m.source, j.version, j.excerpt, j.stated, j.acknowledgement, j.findings FROM judgements j"
            " JOIN messages m ON m.id = j.message_id ORDER BY m.source",
            "SELECT cursor FROM mailbox_cursors",  # the key names the folder, which differs
        )
        return [row for query in queries for row in db.execute(query)]
    finally:
        db.close()


@pytest.fixture
def audits(tmp_path: Path) -> tuple[Audit, Audit]:
    """Two copies of one audit whose Maildir holds the corpus, threaded answers and broken mail."""
    first = tmp_path / "one"
    first.mkdir()
    (first / "audit.toml").write_text(AUDIT)
    audit = Audit.load(first)
    for index in range(1, 6):
        send(audit, index)
        reply(audit, index)
    box = mailbox.Maildir(first / "mail", create=True)
    for sample in samples():
        box.add(sample.path.read_bytes())
    for raw in (*BROKEN, REFUSED_WHEN_WRITTEN):
        box.add(raw)
    second = tmp_path / "two"
    shutil.copytree(first, second)
    return audit, Audit.load(second)


def test_judging_processes_store_what_judging_here_stores(
    audits: tuple[Audit, Audit], monkeypatch: pytest.MonkeyPatch
) -> None:
    here, parallel = audits
    monkeypatch.setattr(Judge, "judge", _failing_on_one(Judge.judge))
    monkeypatch.setattr(collecting, "PARALLEL_AFTER", 10**9)
    alone = collect(here)
    monkeypatch.setattr(collecting, "PARALLEL_AFTER", 3)
    monkeypatch.setattr(judging_processes, "JUDGES", 2)
    monkeypatch.setattr(judging_processes, "CHUNK", 5)  # many chunks, of odd sizes, in flight across batches
    monkeypatch.setattr(collecting, "BATCH", 64)  # several batches, committed while chunks are judged
    forked = collect(parallel)
    assert forked.downloaded == alone.downloaded > 450
    assert (forked.new, forked.totals) == (alone.new, alone.totals)
    assert forked.new.unreadable == alone.new.unreadable == 1
    assert forked.unreadable_reasons[0].endswith("ValueError: a judge that fails on this message")
    assert _rows(parallel) == _rows(here)
    again = collect(parallel)  # judged once: nothing is left to decide
    assert (again.downloaded, again.decided) == (0, 0)


_JUDGED_IN_THIS_PROCESS: list[IncomingMail] = []


def _dies_on_the_tenth(chunk: list[IncomingMail | None]) -> list[Examined | None]:
    """A judging process that dies at its tenth message (as if killed): no answer for its chunk, nor
    for the chunks queued behind it. Module-level, so the pool can name it to the process."""
    for mail in chunk:
        if mail is not None:
            _JUDGED_IN_THIS_PROCESS.append(mail)
            if len(_JUDGED_IN_THIS_PROCESS) == 10:
                os._exit(3)
    return _EXAMINE_ELSEWHERE(chunk)


_EXAMINE_ELSEWHERE = judging_processes._examine_elsewhere


def test_a_judging_process_that_dies_loses_no_message(
    audits: tuple[Audit, Audit], monkeypatch: pytest.MonkeyPatch
) -> None:
    here, parallel = audits
    monkeypatch.setattr(collecting, "PARALLEL_AFTER", 10**9)
    collect(here)
    collector = os.getpid()
    judged_here: list[int] = []
    judge = Judge.judge

    def counted(self: Judge, record: MessageRecord, *args: Any, **kwargs: Any) -> Decision:
        if os.getpid() == collector:
            judged_here.append(record.id)
        return judge(self, record, *args, **kwargs)

    monkeypatch.setattr(Judge, "judge", counted)
    monkeypatch.setattr(judging_processes, "_examine_elsewhere", _dies_on_the_tenth)
    monkeypatch.setattr(collecting, "PARALLEL_AFTER", 3)
    monkeypatch.setattr(judging_processes, "JUDGES", 2)
    monkeypatch.setattr(judging_processes, "CHUNK", 4)  # the dying process had more than one chunk queued
    summary = collect(parallel)
    assert _rows(parallel) == _rows(here)
    # Two were judged here before the processes started, some by them, the rest here after the death.
    assert 20 < len(judged_here) < summary.downloaded


def test_a_decision_the_store_refuses_undoes_only_that_messages_writes(
    audits: tuple[Audit, Audit], monkeypatch: pytest.MonkeyPatch
) -> None:
    here, parallel = audits
    for audit in audits:
        _refuse_one_reading(audit)
    monkeypatch.setattr(collecting, "PARALLEL_AFTER", 10**9)
    alone = collect(here)
    monkeypatch.setattr(collecting, "PARALLEL_AFTER", 3)
    monkeypatch.setattr(judging_processes, "JUDGES", 2)
    monkeypatch.setattr(judging_processes, "CHUNK", 7)  # its chunk holds others, written all the same
    forked = collect(parallel)
    for summary in (alone, forked):
        assert summary.new.unreadable == 1
        assert summary.unreadable_reasons[0].endswith("IntegrityError: refused by the store")
    assert (forked.downloaded, forked.new, forked.totals) == (alone.downloaded, alone.new, alone.totals)
    assert _rows(parallel) == _rows(here)
    refused = [row for row in _rows(parallel) if len(row) == 9 and row[8]]
    assert [row[4] for row in refused] == ["stored"]  # kept, as received, with why it is unreadable


def test_large_messages_are_judged_in_the_collect_process_in_their_turn_and_stored_whole(
    audits: tuple[Audit, Audit], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message that fills a chunk alone is not handed to a judging process (it would be copied for
    the pipe) but judged in the collect process, in its place; its bytes are written in
    place into a row of their own: what is stored is what judging everything here stores."""
    here, parallel = audits
    monkeypatch.setattr(collecting, "PARALLEL_AFTER", 10**9)
    collect(here)
    collector = os.getpid()
    judged_here: list[int] = []
    examine = Judge.examine

    def counted(self: Judge, mail: IncomingMail) -> Examined:
        if os.getpid() == collector:
            judged_here.append(len(mail.raw))
        return examine(self, mail)

    monkeypatch.setattr(Judge, "examine", counted)
    monkeypatch.setattr(collecting, "PARALLEL_AFTER", 3)
    monkeypatch.setattr(judging_processes, "JUDGES", 2)
    monkeypatch.setattr(judging_processes, "CHUNK", 5)
    monkeypatch.setattr(judging_processes, "JUDGED_HERE", 2_500)
    monkeypatch.setattr(store_messages, "KEPT_APART", 2_500)
    summary = collect(parallel)
    large = [size for size in judged_here[2:] if size >= 2_500]  # after the two judged before the processes
    assert len(large) > 20 and len(judged_here) - 2 == len(large)  # only the large ones, every one of them
    assert _rows(parallel) == _rows(here)
    db = sqlite3.connect(parallel.folder / "servaudit.sqlite")
    try:
        stored = db.execute(
            "SELECT sha256, coalesce(b.raw, m.raw) FROM messages m"
            " LEFT JOIN message_bytes b ON b.message_id = m.id"
        ).fetchall()
        apart = db.execute("SELECT count(*) FROM message_bytes").fetchone()[0]
    finally:
        db.close()
    assert len(stored) == summary.downloaded
    assert sum(len(raw) >= 2_500 for _, raw in stored) == len(large) == apart
    assert all(hashlib.sha256(raw).hexdigest() == digest for digest, raw in stored)
