"""The building blocks of audit.toml's models: the strict base model and the checked field types.

Kept apart from config.py so that a channel package can declare its own settings model with them
while config.py reads the channel registry (which imports those packages).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from servaudit.addresses import ascii_address, ascii_host, web_address
from servaudit.config_rules import MAX_NETWORK_TIMEOUT

WebAddress = Annotated[str, AfterValidator(web_address)]
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
