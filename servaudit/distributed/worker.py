"""`servaudit worker`: takes the audit's jobs from the queue until stopped, on any machine with the store.

One process runs two procrastinate workers over one store connection and one Chromium: the browser
queue with a concurrency of ``browser_contexts`` (form and chat sends: at most that many contexts
open, so memory stays bounded however long the queue), and the mail and control queues (e-mail
sends, the periodic collect and recover) with ``concurrency``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from dataclasses import dataclass
from typing import Any

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.consent import refuse_simulated_clock
from servaudit.distributed import jobs
from servaudit.distributed.queue import (
    BROWSER_QUEUE,
    COLLECT_LOCK,
    COLLECT_TASK,
    CONTROL_QUEUE,
    MAIL_QUEUE,
    RECOVER_LOCK,
    RECOVER_TASK,
    SEND_TASK,
    app_for,
    install_queue,
    store_url,
)
from servaudit.errors import InfrastructureError, UsageError


@dataclass(frozen=True)
class WorkerOptions:
    name: str | None = None
    """How status names this worker (default host:pid)."""
    concurrency: int = 8
    browser_contexts: int = 2
    collect_every: str | None = "*/15 * * * *"
    """A cron expression; None: this audit collects otherwise (cron on one machine)."""
    stalled_after: float = 60.0
    """Seconds without a heartbeat after which a worker counts as dead."""
    until_idle: bool = False
    """Stop once the queues are empty (tests, benchmarks, a batch on one machine)."""


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def work(audit: Audit, options: WorkerOptions) -> None:
    """Run until SIGTERM/SIGINT (or, ``until_idle``, until nothing is queued). A send under way when a
    signal comes is recorded as uncertain, as in `servaudit run`."""
    refuse_simulated_clock(audit.config)
    url = store_url(audit)
    _check_cron(options.collect_every)
    store = open_store(audit)
    try:
        install_queue(store, url)
        asyncio.run(_work(audit, store, url, options))
    finally:
        store.close()


def _check_cron(expression: str | None) -> None:
    """A bad --collect-every is a usage error now, not a crash of the running worker later."""
    from croniter import croniter

    if expression is not None and not croniter.is_valid(expression):
        raise UsageError(
            f"--collect-every {expression!r} is not a cron expression (five fields, e.g. '*/15 * * * *';"
            " a sixth for seconds), or 'never'"
        )


async def _work(audit: Audit, store: Any, url: str, options: WorkerOptions) -> None:
    name = options.name or default_name()
    state = jobs.WorkerState(audit, store, name)
    app = app_for(url)
    _register(app, state, options)
    loop = asyncio.get_running_loop()
    running: list[asyncio.Task[None]] = []
    stopping: list[int] = []

    def stop(sign: int) -> None:
        # Cancelling procrastinate's worker makes it stop fetching and wait for the jobs under way, so
        # a send is finished and recorded, not cut off (SIGKILL cuts it off: then it is uncertain).
        stopping.append(sign)
        for task in running:
            task.cancel()

    for sign in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sign, stop, sign)
    common: dict[str, Any] = {
        "wait": not options.until_idle,
        "install_signal_handlers": False,
        # Several beats inside the stalled limit: a busy machine that misses one is not taken for dead.
        "update_heartbeat_interval": min(10.0, options.stalled_after / 5),
        "stalled_worker_timeout": options.stalled_after,
        "fetch_job_polling_interval": 1.0,
    }
    try:
        async with app.open_async(), state.stack:
            running += [
                asyncio.create_task(
                    app.run_worker_async(
                        queues=[BROWSER_QUEUE],
                        concurrency=options.browser_contexts,
                        name=f"{name}/browser",
                        **common,
                    )
                ),
                asyncio.create_task(
                    app.run_worker_async(
                        queues=[MAIL_QUEUE, CONTROL_QUEUE],
                        concurrency=options.concurrency,
                        name=name,
                        **common,
                    )
                ),
            ]
            for result in await asyncio.gather(*running, return_exceptions=True):
                if isinstance(result, asyncio.CancelledError) and stopping:
                    continue
                if isinstance(result, BaseException):
                    raise result
    except OSError as exc:
        raise InfrastructureError(f"{url}: the job queue's database failed: {exc}") from None


def _register(app: Any, state: jobs.WorkerState, options: WorkerOptions) -> None:
    """The tasks of this worker, each recording its run (worker, outcome) for `status --workers`."""

    async def recorded(context: Any, task: str, inquiry: str | None, body: Any) -> str:
        run = state.store.job_run_started(context.job.id, state.name, task, inquiry)
        try:
            said = await body
        except BaseException as exc:
            outcome, detail = jobs.ended(exc)
            state.store.job_run_ended(run, outcome, detail)
            raise
        state.store.job_run_ended(run, jobs.DONE, said)
        return str(said)

    @app.task(name=SEND_TASK, pass_context=True)
    async def send(context: Any, inquiry: str) -> str:
        return await recorded(context, SEND_TASK, inquiry, jobs.send(state, inquiry))

    @app.task(
        name=COLLECT_TASK,
        pass_context=True,
        queue=CONTROL_QUEUE,
        lock=COLLECT_LOCK,
        queueing_lock=COLLECT_LOCK,
    )
    async def collect(context: Any, timestamp: int | None = None) -> str:
        return await recorded(context, COLLECT_TASK, None, jobs.collect_mailbox(state))

    @app.task(
        name=RECOVER_TASK,
        pass_context=True,
        queue=CONTROL_QUEUE,
        lock=RECOVER_LOCK,
        queueing_lock=RECOVER_LOCK,
    )
    async def recover(context: Any, timestamp: int | None = None) -> str:
        return await recorded(context, RECOVER_TASK, None, jobs.recover(state, app, options.stalled_after))

    if options.collect_every:
        app.periodic(cron=options.collect_every, periodic_id="collect")(collect)
    # Every 5 s: a dead worker's unclaimed jobs wait at most stalled_after + 5 s for another worker.
    app.periodic(cron="* * * * * */5", periodic_id="recover")(recover)
