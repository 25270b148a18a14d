"""Who wrote what in a chat widget no recipe describes, learned from the text the probe typed itself.

The in-page observer (observer.js, learning mode) reports every block of text that
appears after the probe armed it, with the block's ancestry (tag, class, role, data
attributes, position). A block whose text is what the probe sent is the visitor's; the
markup under the nearest common ancestor of a visitor block and any other block (the
message list) is that message's signature, and the side whose signature and alignment
differ from the visitor's is the company's. Text that was on the page before the first
send is furniture; what matches neither side, or cannot be compared, is unattributed and
never an answer. Pure functions: tested without a browser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from servaudit.labels import Author

COMPANY_SIDE: Final = "company"
"""Written on the company's side; whether by a bot or a person is the judge's to tell (chat/judge.py)."""
Side = Literal[Author.VISITOR, "company", Author.UNATTRIBUTED]
"""Which side of the chat wrote a message, as far as the page tells: a coarser Author."""
SIDE_WORDS = frozenset(
    {
        *("user", "visitor", "customer", "client", "guest", "self", "me", "mine", "own", "outgoing"),
        *("outbound", "sent", "right", "human", "bot", "agent", "operator", "incoming", "inbound"),
        *("received", "left", "ai", "assistant", "support", "staff", "other", "them", "remote", "admin"),
        *("company", "system", "author", "sender", "from"),
    }
)
"""Words in class names and data attributes that name a side: a difference in them tells the sides apart."""
TRANSIENT = re.compile(
    r"enter|leave|appear|active|transition|anim|fade|slide|read|acknowledged|sending|pending|visible|hidden|"
    r"show|hover|focus|selected|first|last|odd|even|unread|nub|top|bottom|group|\d",
    re.IGNORECASE,
)
"""Class names that say a message's passing state (animating, read, first of a group), not its side."""
ALIGN_MARGIN = 0.1
"""A block this far (share of the list's width) off the centre is left or right aligned."""
ECHO_EARLY_MS = 200
"""A visitor block may be stamped this much before the press was noted (both use the page clock)."""
MIN_PART = 8
"""A piece of a sent message shorter than this is too common to prove authorship alone."""
NOISE = re.compile(
    r"^(?:\d{1,2}[:.]\d{2}(?:\s?(?:am|pm|uhr))?|just now|now|jetzt|gerade eben|sent|gesendet|read|gelesen|"
    r"delivered|zugestellt|seen|sending\W*|wird gesendet\W*|.{0,40}(?:is typing|schreibt gerade|tippt)\W*)$",
    re.IGNORECASE,
)
"""Status text a widget adds around messages (times, delivery ticks, typing hints): no message."""
_HASHY = re.compile(r"(?:^|[-_])[a-z0-9]*\d[a-z0-9]*$|^[a-z]{1,3}-[a-zA-Z0-9]{5,}$|^css-")


@dataclass(frozen=True)
class Node:
    id: str
    tag: str
    classes: tuple[str, ...]
    role: str
    data: str
    left: float
    width: float


@dataclass(frozen=True)
class Block:
    """One block of text as the observer reported it (an update of a known block repeats its id)."""

    id: str
    frame: str
    text: str
    at_ms: int
    chain: tuple[Node, ...]
    """The block itself first, then its ancestors up to the document (shadow hosts included)."""
    furniture: bool = False
    update: bool = False


@dataclass(frozen=True)
class Attributed:
    side: Side
    text: str
    at_ms: int
    reasons: tuple[str, ...]
    key: str
    """Stable per message: the row element (or the sent message) it belongs to."""
    name: str | None = None
    """The author's name where the widget marks it as such (class author, sender, name)."""


def fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w€$%]+", " ", text.lower()).split())


def block_from_event(event: dict[str, Any]) -> Block | None:
    """An observer 'leaf' event as a Block; None for anything malformed."""
    try:
        chain = tuple(
            Node(
                str(n["i"]),
                str(n["t"]),
                tuple(c for c in str(n.get("c") or "").split() if not _HASHY.search(c)),
                str(n.get("r") or ""),
                str(n.get("d") or ""),
                float(n.get("x") or 0),
                float(n.get("w") or 0),
            )
            for n in event["chain"]
        )
        return Block(
            str(event["id"]),
            str(event.get("frame") or ""),
            str(event["text"]),
            int(event["at"]),
            chain,
            bool(event.get("furniture")),
            bool(event.get("update")),
        )
    except (KeyError, TypeError, ValueError):
        return None


LIVE_TEXT_CHANGES = 3
"""A block whose text was replaced (not extended, as a streamed answer is) this often is live page text."""


def _typing(block: Block) -> bool:
    """Inside a typing indicator ("Jana is typing …"): the widget's furniture, never a message."""
    return any("typing" in c.lower() or "tipp" in c.lower() for n in block.chain[:6] for c in n.classes)


def _is_name(block: Block) -> bool:
    classes = " ".join(block.chain[0].classes).lower()
    short = len(block.text.split()) <= 3 and "\n" not in block.text
    return short and any(word in classes for word in ("author", "sender", "name"))


def sent_index(text: str, at_ms: int, sent: Sequence[tuple[str, int]]) -> int | None:
    """Which sent message (index) this text is, or a sizeable part of, stamped after it was sent."""
    folded = fold(text)
    if not folded:
        return None
    best = None
    for index, (message, pressed) in enumerate(sent):
        if at_ms < pressed - ECHO_EARLY_MS:
            continue
        whole = fold(message)
        if folded == whole or (len(folded) >= MIN_PART and folded in whole):
            best = index  # the latest send it can be: the same words may be sent twice
    return best


def _common(a: Block, b: Block) -> int | None:
    """Index in ``a.chain`` of the lowest common ancestor with ``b`` (None: other frame or document)."""
    if a.frame != b.frame:
        return None
    others = {n.id for n in b.chain}
    for index, node in enumerate(a.chain):
        if node.id in others:
            return index
    return None


def _tokens(block: Block, common: int) -> frozenset[str]:
    """The markup of the branch from the message row down to the text, without passing states."""
    found = set()
    for node in block.chain[:common]:
        for value in (*node.classes, *node.data.split(), f"role={node.role}" if node.role else ""):
            if value and not TRANSIENT.search(value):
                found.add(value)
    return frozenset(found)


def _kin(row: Node, v_row: Node) -> bool:
    """Two rows of one message list: the same element, sharing a class that names no side or state."""

    def plain(node: Node) -> set[str]:
        return {c for c in node.classes if not TRANSIENT.search(c) and not _words(c) & SIDE_WORDS}

    if row.tag != v_row.tag:
        return False
    return bool(plain(row) & plain(v_row)) or not (plain(row) or plain(v_row))


def _words(token: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", token)
    return {w.lower() for w in re.split(r"[^A-Za-z]+", spaced) if w}


def _align(block: Block, row: Node, container: Node) -> str:
    frame = row if row.width > 0 else container
    if frame.width <= 0:
        return "?"
    me = block.chain[0]
    left_gap = me.left - frame.left
    right_gap = frame.left + frame.width - (me.left + me.width)
    offset = (left_gap - right_gap) / frame.width
    return "right" if offset > ALIGN_MARGIN else "left" if offset < -ALIGN_MARGIN else "centre"


@dataclass
class _Message:
    side: Side
    key: str
    at_ms: int
    parts: dict[str, str]
    reasons: tuple[str, ...]
    name: str | None = None


def attribute(blocks: Sequence[Block], sent: Sequence[tuple[str, int]]) -> list[Attributed]:
    """The chat's messages, each with its side and why; furniture and status text are left out."""
    latest: dict[str, Block] = {}
    first_seen: dict[str, int] = {}
    replaced: dict[str, int] = {}
    for block in blocks:
        if block.furniture and block.id not in latest:
            continue  # on the page before the first send, re-rendered unchanged
        if not fold(block.text) or NOISE.match(block.text.strip()) or _typing(block):
            continue
        before = latest.get(block.id)
        if before is not None and not fold(block.text).startswith(fold(before.text)):
            replaced[block.id] = replaced.get(block.id, 0) + 1
        first_seen.setdefault(block.id, block.at_ms)
        latest[block.id] = block
    for block_id, count in replaced.items():
        if count >= LIVE_TEXT_CHANGES:
            del latest[block_id]  # a clock, counter or rotating banner: no message grows that way
    visitor: list[tuple[Block, int]] = []
    others: list[Block] = []
    for block in latest.values():
        index = sent_index(block.text, first_seen[block.id], sent)
        if index is not None:
            visitor.append((block, index))
        else:
            others.append(block)
    messages: dict[str, _Message] = {}

    def add(side: Side, key: str, block: Block, reasons: tuple[str, ...]) -> None:
        found = messages.get(key)
        at = first_seen[block.id]
        if side != Author.VISITOR and _is_name(block):
            if found is None:
                messages[key] = _Message(side, key, at, {}, reasons, block.text)
            else:
                found.name = block.text
            return
        if found is None:
            messages[key] = _Message(side, key, at, {block.id: block.text}, reasons)
        else:
            found.at_ms = min(found.at_ms, at)
            found.parts[block.id] = block.text

    for block, index in visitor:
        add(Author.VISITOR, f"sent:{index}", block, ("the text the probe typed",))
    for block in others:
        side, key, reasons = _judge(block, [b for b, _ in visitor])
        add(side, key, block, reasons)
    ordered = sorted(messages.values(), key=lambda m: m.at_ms)
    result = []
    for m in ordered:
        text = "\n".join(m.parts.values())
        if m.side == Author.VISITOR:
            index = int(m.key.split(":")[1])
            text = sent[index][0]  # what the probe typed, not the widget's rendering of it
        if not text:
            continue  # a name without words
        result.append(Attributed(m.side, text, m.at_ms, m.reasons, m.key, m.name))
    return result


def _judge(block: Block, visitor: list[Block]) -> tuple[Side, str, tuple[str, ...]]:
    if not visitor:
        return (
            Author.UNATTRIBUTED,
            f"block:{block.id}",
            ("the probe's own message never showed in the page, so the widget's sides could not be learned",),
        )
    best: tuple[int, Block] | None = None
    for v in visitor:
        common = _common(block, v)
        if common is not None and (best is None or common < best[0]):
            best = (common, v)
    if best is None:
        return (
            Author.UNATTRIBUTED,
            f"block:{block.id}",
            ("shown in another frame than the probe's own messages",),
        )
    common, v = best
    v_common = next(i for i, n in enumerate(v.chain) if n.id == block.chain[common].id)
    container = block.chain[common]
    if common == 0 or v_common == 0:
        return (Author.UNATTRIBUTED, f"block:{block.id}", ("nested in or around the probe's own message",))
    row = block.chain[common - 1]
    v_row = v.chain[v_common - 1]
    if container.tag in ("html", "body") or not _kin(row, v_row):
        # Not a row of the list the probe's own message is in: page text elsewhere (a banner,
        # a counter) must never become the company's answer.
        return (
            Author.UNATTRIBUTED,
            f"row:{row.id}",
            (f"outside the message list the probe's own message is in (<{row.tag}> beside <{v_row.tag}>)",),
        )
    mine, theirs = _tokens(block, common), _tokens(v, v_common)
    align = _align(block, row, container)
    v_align = _align(v, v.chain[v_common - 1], container)
    where = f"under <{container.tag}{'.' + '.'.join(container.classes[:2]) if container.classes else ''}>"
    # Only a difference that names a side counts: grouping, animation and read states differ
    # between messages of one side too, and taking those for the other side is the costly error.
    telling = sorted(t for t in mine ^ theirs if _words(t) & SIDE_WORDS)
    differs = []
    if telling:
        own = [t for t in telling if t in mine][:2]
        visitors = [t for t in telling if t in theirs][:2]
        marks = ", ".join(own) or "(unmarked)"
        differs.append(f"marked {marks} where the visitor's are {', '.join(visitors) or '(unmarked)'}")
    if align != v_align and "?" not in (align, v_align):
        differs.append(f"{align}-aligned where the visitor's are {v_align}-aligned")
    if not differs:
        return (
            Author.UNATTRIBUTED,
            f"row:{row.id}",
            (
                f"marked up and aligned like the probe's own messages ({where}), "
                "but not what the probe typed: its author cannot be told",
            ),
        )
    return (COMPANY_SIDE, f"row:{row.id}", (f"the company's side: {'; '.join(differs)} ({where})",))
