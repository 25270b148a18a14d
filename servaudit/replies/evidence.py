"""The evidence table (probes/vocabulary/evidence.toml) and the detectors that find its signals in headers.

The table is the single statement of what each signal is worth: the
classifier takes a signal's direction and strength from it, and
docs/classification.md prints it (``python -m servaudit.replies.evidence`` writes the
Markdown). A detector here or in servaudit/replies/classify.py reports a signal by
its id; an id missing from the table is a programming error caught by a test.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache

from servaudit import message as mail
from servaudit.replies.vocabulary import Vocabulary, fold, is_noreply
from servaudit.resources import load_toml

MACHINE, HUMAN_SIDE = "machine", "human"
DECISIVE, STRONG, WEAK = "decisive", "strong", "weak"


@dataclass(frozen=True)
class Signal:
    """One row of the evidence table."""

    id: str
    what: str
    direction: str
    """``machine`` or ``human``."""
    strength: str
    """``decisive``: the message declares itself automatic; ``strong`` outweighs the other side's word
    count; ``weak`` only supports."""
    source: str
    """The standard or practice the signal rests on."""


@dataclass(frozen=True)
class Evidence:
    """A signal found in one message, with what was seen."""

    signal: Signal
    seen: str

    @property
    def strong(self) -> bool:
        return self.signal.strength in (DECISIVE, STRONG)

    @property
    def decisive(self) -> bool:
        return self.signal.strength == DECISIVE

    @property
    def machine(self) -> bool:
        return self.signal.direction == MACHINE

    def reason(self) -> str:
        return f"{self.signal.strength} {self.signal.direction} evidence: {self.seen} ({self.signal.source})"


@lru_cache(maxsize=1)
def table() -> dict[str, Signal]:
    """The shipped evidence table, by signal id (an audit cannot re-weigh the evidence)."""
    rows = load_toml("vocabulary/evidence.toml").get("signal", [])
    return {str(row["id"]): Signal(**{k: str(v) for k, v in row.items()}) for row in rows}


def found(signal_id: str, seen: str) -> Evidence:
    return Evidence(table()[signal_id], seen)


def header_evidence(
    message: Message, vocabulary: Vocabulary, sender: str, mail_system: str | None
) -> list[Evidence]:
    """Machine evidence from headers and the sender, values RFC 2047-decoded."""
    evidence: list[Evidence] = []
    auto_submitted = mail.header(message, "Auto-Submitted").lower()
    if auto_submitted.startswith("auto-generated"):
        evidence.append(found("auto-generated", f"Auto-Submitted: {auto_submitted}"))
    elif auto_submitted and not auto_submitted.startswith("no"):
        evidence.append(found("auto-submitted", f"Auto-Submitted: {auto_submitted}"))
    # The message's header names, lower-cased once: ``name in message`` for a dozen names, each of
    # which would compare them all again (Message) or look them up anew (IndexedMessage).
    present = {name.lower() for name in message}
    for name in vocabulary.automation_headers:
        if name.lower() in present:  # presence only: reading the value can fail on a malformed header
            value = mail.header(message, name)
            evidence.append(found("autoreply-header", f"{name}: {value}" if value else f"{name} present"))
    precedence = mail.header(message, "Precedence").lower()
    if precedence == "auto_reply":
        evidence.append(found("precedence-auto-reply", "Precedence: auto_reply"))
    elif precedence in ("bulk", "junk", "list"):
        evidence.append(found("precedence-bulk", f"Precedence: {precedence}"))
    return_path = mail.header(message, "Return-Path")
    if return_path.replace(" ", "") == "<>":
        evidence.append(found("null-return-path", "Return-Path: <>"))
    suppress = mail.header(message, "X-Auto-Response-Suppress")
    if suppress:
        evidence.append(found("auto-response-suppress", f"X-Auto-Response-Suppress: {suppress}"))
    loops = [name for name in vocabulary.loop_headers if name.lower() in present]
    if loops:
        evidence.append(found("loop-guard", f"{', '.join(loops)} present"))
    if mail_system:
        shown = sender or fold(mail.header(message, "From"))
        evidence.append(found("mail-system-sender", f"sender {shown} ({mail_system})"))
    elif sender and is_noreply(sender, vocabulary):
        evidence.append(found("noreply-sender", f"sent from {sender}"))
    return evidence


def markdown() -> str:
    """The evidence table as docs/classification.md shows it."""
    lines = ["| signal | direction | strength | what it is | source |", "|---|---|---|---|---|"]
    for signal in table().values():
        lines.append(
            f"| `{signal.id}` | {signal.direction} | {signal.strength} | {signal.what} | {signal.source} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a documentation helper
    sys.stdout.write(markdown() + "\n")
