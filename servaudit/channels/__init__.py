"""Channels: one package per way of contacting a company, all behind one interface (see base.py).

Adding a channel means one package here, its data in probes/, and one line in CHANNELS.
The probes are imported on first use, so that reading a channel's transcript helpers does not
load the browser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from servaudit.channels.base import Channel

CHANNELS: dict[str, Channel]


def __getattr__(name: str) -> Any:
    if name != "CHANNELS":
        raise AttributeError(f"module 'servaudit.channels' has no attribute {name!r}")
    from servaudit.channels.chat.probe import ChatChannel
    from servaudit.channels.email.probe import EmailChannel
    from servaudit.channels.form.probe import FormChannel

    registry: dict[str, Channel] = {"email": EmailChannel(), "form": FormChannel(), "chat": ChatChannel()}
    globals()["CHANNELS"] = registry
    return registry
