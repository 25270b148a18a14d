"""Channels: one module per way of contacting a company, all behind one interface (see base.py).

Adding a channel means one module here, its data in probes/, and one line in CHANNELS.
"""

from __future__ import annotations

from servaudit.channels.base import Channel
from servaudit.channels.email import EmailChannel

CHANNELS: dict[str, Channel] = {"email": EmailChannel()}
