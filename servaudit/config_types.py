"""The building blocks of audit.toml's models: the strict base model and the checked field types.

Kept apart from config.py so that a channel package can declare its own settings model with them
while config.py reads the channel registry (which imports those packages).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from servaudit.addresses import ascii_address, ascii_host

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
MAX_NETWORK_TIMEOUT = 600
"""Seconds: a relay or mailbox that needs longer is down, and a run must not hang on it."""


def _web_address(value: str) -> str:
    found = re.match(r"^https?://([^/\s?#]+)", value)
    if not found:
        raise ValueError(f"{value!r} is not a web address (http:// or https://)")
    host = found.group(1).rpartition("@")[2]
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        ascii_host(host)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a web address: {exc}") from None
    return value


WebAddress = Annotated[str, AfterValidator(_web_address)]
"""The page of a form or a chat: an http(s) URL."""
EmailAddress = Annotated[str, AfterValidator(ascii_address)]
"""An e-mail address, kept with its domain in IDNA A-labels (what the relay and replies use)."""
HostName = Annotated[str, AfterValidator(ascii_host)]
"""A host name (IDNA A-labels) or an IP address."""
NetworkTimeout = Annotated[float, Field(gt=0, le=MAX_NETWORK_TIMEOUT)]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class Model(BaseModel):
    # Unknown keys are errors: a typo in an audit file must not silently drop a setting.
    # inf and nan are refused everywhere: a timeout of inf hangs, a weight of nan poisons a score.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

