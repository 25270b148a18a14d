"""The shared words for what a message is: one vocabulary for e-mail replies and chat turns.

A label says what a message counts as (``human``: a person's answer). Who
wrote a chat message is a different idea (its side) and is not spelled here.
"""

from __future__ import annotations

BOUNCE, AUTO_REPLY, ACKNOWLEDGEMENT, DEFLECTION, MARKETING, HUMAN, UNKNOWN = (
    "bounce",
    "auto_reply",
    "acknowledgement",
    "deflection",
    "marketing",
    "human",
    "unknown",
)
OUT_OF_OFFICE = AUTO_REPLY
"""Out-of-office and vacation notes (and other personal auto-responders) share one label."""
BOT, SYSTEM = "bot", "system"
"""Chat transcripts: a bot's message (never human) and a system notice of the chat widget."""
LABELS = (BOUNCE, AUTO_REPLY, ACKNOWLEDGEMENT, DEFLECTION, MARKETING, HUMAN, UNKNOWN, BOT, SYSTEM)
EMAIL_LABELS = (BOUNCE, AUTO_REPLY, ACKNOWLEDGEMENT, DEFLECTION, MARKETING, HUMAN, UNKNOWN)
"""What the e-mail classifier can decide (and what a consultant can set for an e-mail)."""
GRADABLE_LABELS = (BOUNCE, AUTO_REPLY, ACKNOWLEDGEMENT, DEFLECTION, MARKETING, HUMAN, BOT, SYSTEM)
"""What a consultant can grade a message as: everything but ``unknown``, which asks for a grade."""
HUMAN_WRITTEN = frozenset({HUMAN, DEFLECTION})
"""Labels written by a person. Only HUMAN counts as an answer; a deflection is a person saying 'call us'."""
MACHINE_SENT = frozenset({BOUNCE, AUTO_REPLY, ACKNOWLEDGEMENT, MARKETING, BOT, SYSTEM})
"""Labels of messages sent by software."""

THREAD, REPLY_ADDRESS, SUBJECT, SENDER_DOMAIN = "thread", "reply-address", "sender+subject", "sender-domain"
"""How a reply was matched to its inquiry, most certain first."""
