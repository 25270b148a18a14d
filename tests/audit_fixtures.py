"""Fixtures for audits against a real sandbox on 127.0.0.1 (loaded by conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.demo import MACHINE_SECONDS, demo_audit_toml
from servaudit.engine import run
from servaudit.sandbox import Sandbox, SandboxCompany

FAST = 0.05
"""Delay scale for tests: the fleet's 8–30 s replies arrive within about a second."""


def servaudit(at: datetime, *args: str) -> subprocess.CompletedProcess[str]:
    """``servaudit ARGS`` as a process of its own whose clock starts at ``at`` (SERVAUDIT_NOW), as cron
    would start it on that day of a study."""
    env = {**os.environ, "SERVAUDIT_NOW": at.isoformat()}
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args], env=env, capture_output=True, text=True, check=False
    )


def read_ground_truth(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox(tmp_path / "mail", tmp_path / "ground-truth.jsonl", delay_scale=FAST) as box:
        yield box


def company(box: Sandbox, behaviour: str) -> SandboxCompany:
    return next(c for c in box.companies if c.behaviour == behaviour)


@pytest.fixture
def make_audit(tmp_path: Path, sandbox: Sandbox) -> Callable[..., Audit]:
    """Write an audit for (some of) the sandbox's companies and load it."""

    def make(
        companies: Sequence[SandboxCompany] | None = None,
        plus_addressing: bool = True,
        smtp_port: int | None = None,
        extra: str = "",
        store: str | None = None,
    ) -> Audit:
        """``store``: the store's URL (e.g. the ``postgres_url`` fixture's); default the folder's file."""
        folder = tmp_path / "audit"
        folder.mkdir(exist_ok=True)
        text = demo_audit_toml(
            companies or sandbox.companies,
            smtp_port or sandbox.smtp_port,
            str(tmp_path / "mail"),
            plus_addressing,
            machine_seconds=MACHINE_SECONDS * FAST,
            store=store,
        )
        (folder / "audit.toml").write_text(text + extra, encoding="utf-8")
        return Audit.load(folder)

    return make


@pytest.fixture
def answered_audit(sandbox: Sandbox, make_audit: Callable[..., Audit]) -> Audit:
    """An audit of the sandbox's e-mail companies: sent, every scripted reply arrived, collected."""
    audit = make_audit()
    run(audit)
    assert sandbox.wait_idle(20)
    collect(audit)
    return audit
