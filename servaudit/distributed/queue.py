"""The job queue: procrastinate's app over the store's PostgreSQL, its queue and task names, its tables.

Only a ``postgresql://`` store can carry the queue: its jobs must be inserted in the same transaction
as the inquiry they send (``Store.enqueue``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from servaudit.config import Audit
from servaudit.errors import InfrastructureError, UsageError
from servaudit.scrubbing import scrub
from servaudit.store import Store

if TYPE_CHECKING:
    import procrastinate

SEND_TASK, COLLECT_TASK, RECOVER_TASK = "servaudit.send", "servaudit.collect", "servaudit.recover"
MAIL_QUEUE, BROWSER_QUEUE, CONTROL_QUEUE = "servaudit-mail", "servaudit-browser", "servaudit-control"
"""E-mail sends; form and chat sends (bounded by a worker's browser contexts); collect and recover."""
COLLECT_LOCK, RECOVER_LOCK = "servaudit:collect", "servaudit:recover"
"""Jobs with the same lock never run at once, on whichever machines."""
INSTALL_HINT = "pip install 'servaudit[distributed]'"


def store_url(audit: Audit) -> str:
    """The audit's PostgreSQL store URL; a UsageError for any other store (distributed needs one)."""
    url = audit.config.audit.store or ""
    if url.partition(":")[0].lower() not in ("postgresql", "postgres"):
        raise UsageError(
            f"{audit.path}: running on several machines needs the store in PostgreSQL, and this audit's"
            f" store is {'the SQLite file' if not url else repr(url)}: set audit.store ="
            ' "postgresql://user@host:5432/study" (password in PGPASSWORD or ~/.pgpass; see'
            " docs/distributed.md)"
        )
    return url


def app_for(url: str, sync: bool = False) -> procrastinate.App:
    """procrastinate's app on the store's database (not opened); the tasks are added by the worker."""
    try:
        import procrastinate
    except ImportError:
        raise UsageError(f"running on several machines needs procrastinate: {INSTALL_HINT}") from None
    connector: procrastinate.BaseConnector
    if sync:
        connector = procrastinate.SyncPsycopgConnector(conninfo=url)
    else:
        connector = procrastinate.PsycopgConnector(conninfo=url)
    return procrastinate.App(connector=connector)


def install_queue(store: Store, url: str) -> bool:
    """Create procrastinate's tables in the store's schema once; True when this call created them.

    Inside a store transaction, whose lock every servaudit process takes first, so two machines
    starting at once do not both create them."""
    with store.transaction():
        if store.queue_installed():
            return False
        app = app_for(url, sync=True)
        try:
            with app.open():
                app.schema_manager.apply_schema()
        except Exception as exc:  # psycopg's errors: the database refused or went away
            raise InfrastructureError(
                f"{url}: cannot create the job queue's tables: {scrub(str(exc))}"
            ) from None
        return True
