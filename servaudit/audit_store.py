"""An audit's store, opened from its configuration: what every command that reads or writes records needs.

It lives apart from the send engine so that `status`, `collect`, `grade` and
`report` open the store without loading the browser and the channels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from servaudit.store import Store, store_target

if TYPE_CHECKING:  # `status` opens the store of an audit read without pydantic (config_light.py)
    from servaudit.config import Audit
    from servaudit.config_light import LightAudit


def open_store(audit: Audit | LightAudit) -> Store:
    return Store(store_target(audit.config.audit.store, audit.folder))
