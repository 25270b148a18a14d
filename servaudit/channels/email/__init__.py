"""The e-mail channel: an inquiry sent through the persona's SMTP relay; answers arrive in the mailbox.

Its settings in audit.toml are the company's service address (``email = "service@…"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servaudit.channels.spec import ChannelSpec
from servaudit.config_types import EmailAddress


def _found(item: Mapping[str, Any]) -> str:
    return str(item.get("address"))


SPEC = ChannelSpec(
    name="email",
    order=10,
    settings=EmailAddress,
    probe="servaudit.channels.email.probe:EmailChannel",
    target_is_address=True,
    discovered_as="emails",
    found_text=_found,
)
