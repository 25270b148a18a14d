"""The shared words for what a message is: one vocabulary for e-mail replies and chat turns.

A label says what a message counts as (``human``: a person's answer). Who
wrote a chat message is a different idea: its ``Author``. The two share some
spellings (a bot's message is labelled ``bot``), never a name in the code.
"""

from __future__ import annotations

from enum import StrEnum


class Author(StrEnum):
    """Who wrote a chat message, as the probe attributed it (not what it counts as: that is its label)."""

    VISITOR = "visitor"
    """The persona: the probe's own messages."""
    BOT = "bot"
    PERSON = "human"
    """A person on the company's side. Spelled "human" in transcript files, as it always was."""
    SYSTEM = "system"
    """A notice of the chat widget itself ("Anna joined the chat")."""
    UNATTRIBUTED = "unattributed"
    """On the company's side or not, the page did not tell."""


COMPANY_WRITERS = frozenset({Author.BOT, Author.PERSON})
"""Authors whose messages are the company's answers."""

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

PLANNED, REMINDER, FOLLOWUP = "inquiry", "reminder", "followup"
"""What an inquiry is (``inquiries.kind``): planned, or a reminder or follow-up in a planned one's thread."""

THREAD, REPLY_ADDRESS, SUBJECT, SENDER_DOMAIN = "thread", "reply-address", "sender+subject", "sender-domain"
"""How a reply was matched to its inquiry, most certain first."""


# Inquiry states. ``pending``: known, nothing left the machine, will be tried
# again. ``sending``: claimed; if a run finds it, that run died mid-send and the
# inquiry becomes ``uncertain`` (never re-sent automatically).
PENDING, SENDING, SENT, REJECTED, UNCERTAIN = "pending", "sending", "sent", "rejected", "uncertain"
FINAL_STATES = frozenset({SENDING, SENT, REJECTED, UNCERTAIN})
REFUSED = "refused"
"""Stopped before a live send by the audit's limits (do-not-contact, a cap, a rate limit): the reason is
in the inquiry's detail. Not final: every run checks it again and sends it once the reason went away."""
QUEUED = "queued"
"""Composed, stored and enqueued as a job by `run --distributed`, in one transaction; nothing has left
the machine. A worker's claim moves it to ``sending``; a job whose worker died before that claim is
retried (docs/distributed.md)."""
RELEASED = "released"
"""An attempt's outcome when a consultant decided an uncertain inquiry (servaudit release)."""
