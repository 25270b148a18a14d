"""Channels: one module per way of contacting a company, all behind one interface (see base.py).

Adding a channel means one module here, its data in probes/, and one line in CHANNELS.
"""

from __future__ import annotations

from servaudit.channels.base import Channel
from servaudit.channels.chat import ChatChannel
from servaudit.channels.email import EmailChannel
from servaudit.channels.form import FormChannel

CHANNELS: dict[str, Channel] = {"email": EmailChannel(), "form": FormChannel(), "chat": ChatChannel()}
