"""An audit's store, opened from its configuration: what every command that reads or writes records needs.

It lives apart from the send engine so that `status`, `collect`, `grade` and
`report` open the store without loading the browser and the channels.
"""

from __future__ import annotations

from servaudit.config import Audit
from servaudit.store import Store, store_target


def open_store(audit: Audit) -> Store:
    return Store(store_target(audit.config.audit.store, audit.folder))
