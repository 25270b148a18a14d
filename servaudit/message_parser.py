"""The standard library's parse of a whole message (``message_from_bytes``, compat32 policy), made
with the whole message in hand.

``email.feedparser`` is written for mail that arrives in pieces: every line goes through a queue,
a generator per MIME level and a check against each enclosing boundary, which costs more than the
rest of reading a reply. Here the message is read as a whole: a part's header lines (split as
the feed parser splits lines) are taken in one loop and read as ``_parse_headers`` reads them, and
a part's body is taken in one piece up to the first line that can end it (only a line starting
with "-" or a line break can be a boundary or the blank line closing a delivery-status block),
found by searching the message for such lines rather than splitting all of it into lines
(servaudit.message_lines).
The message stays bytes while it is read, and a large body is decoded once, into the text the
message keeps: parsing holds little more than that text besides the caller's bytes (the feed
parser, and this parser before, held the whole message decoded, each body cut from it and cut
again to take the line break before a boundary: four times a large attachment).
Every other step is the feed parser's, in its order, with its defects: the message made is the one
``message_from_bytes`` makes (tests/test_message_parser.py compares them, object by object, on the
corpus and on generated MIME structures).

Nesting deeper than ``MAX_DEPTH`` raises ``TooDeep``: the caller parses with the standard
library, which then behaves as it always did (its own limit is the interpreter's recursion limit).
"""

from __future__ import annotations

from collections.abc import Callable
from email import errors
from email._policybase import compat32
from email.feedparser import NLCRE  # type: ignore[attr-defined]  # the feed parser's own pattern
from email.message import Message

from servaudit.message_lines import Lines, Span, eol_length

MAX_DEPTH = 40
"""MIME levels read here; deeper messages are left to the standard library."""
PREAMBLE_LINES = 16
"""Preamble lines from which the rest of a preamble is read in one piece (as a body is) rather
than line by line: most mail has none or two ("This is a multi-part message in MIME format.")."""


class TooDeep(Exception):
    """The message nests deeper than ``MAX_DEPTH``."""


_LINE_BREAKS = ("", "\r\n", "\r", "\n")


class _BoundaryLine:
    """The feed parser's pattern for a line with a multipart's boundary,
    ``(?P<sep>--boundary)(?P<end>--)?(?P<ws>[ \\t]*)(?P<linesep>\\r\\n|\\r|\\n)?$`` matched at the
    line's start, without compiling a pattern for every message (each has its own boundary)."""

    __slots__ = ("_separator",)

    def __init__(self, boundary: str) -> None:
        self._separator = "--" + boundary

    def match(self, line: str) -> tuple[bool, str | None] | None:
        """None where the pattern does not match; else whether ``end`` matched ("--": the close
        boundary) and what ``linesep`` matched (None where nothing)."""
        separator = self._separator
        if not line.startswith(separator):
            return None
        rest = line[len(separator) :]
        end = rest.startswith("--")  # taken where it can be: without it nothing else could match
        tail = (rest[2:] if end else rest).lstrip(" \t")
        if tail in _LINE_BREAKS:
            return end, tail or None
        if tail[-1:] == "\n" and tail[:-1] in _LINE_BREAKS[1:]:
            return end, tail[:-1]  # "$" matches before a line break that ends the string, too
        return None


class _WholeMessageParser:
    """``email.feedparser.FeedParser`` fed the whole message and closed, without the generators."""

    def _parse_headers(self, lines: list[str]) -> None:
        """``FeedParser._parse_headers`` with the compat32 policy's ``header_source_parse`` in line:
        a header's name as written, its first line's value without the blanks after the colon,
        its continuation lines joined to it, the line break at its end removed."""
        cur = self._cur
        assert cur is not None
        set_raw = cur.set_raw
        name = ""
        """The header being read ('' before the first): a name is never empty."""
        value = ""
        for lineno, line in enumerate(lines):
            first = line[0]
            if first == " " or first == "\t":  # a continuation line
                if not name:
                    self.policy.handle_defect(cur, errors.FirstHeaderLineIsContinuationDefect(line))
                    continue
                value += line
                continue
            if name:
                set_raw(name, value.rstrip("\r\n"))
                name = ""
            if first == "F" and line.startswith("From "):  # the envelope's unix-from line
                if lineno == 0:
                    eol = eol_length(line)
                    if eol:
                        line = line[:-eol]
                    cur.set_unixfrom(line)
                    continue
                if lineno == len(lines) - 1:
                    # Probably the body's first line: given back.
                    self._input.unreadline(line)
                    return
                cur.defects.append(errors.MisplacedEnvelopeHeaderDefect(line))
                continue
            i = line.find(":")
            if i == 0:
                cur.defects.append(errors.InvalidHeaderDefect("Missing header name."))
                continue
            assert i > 0, "_parse_headers fed line with no : and no leading WS"
            name = line[:i]
            value = line[i + 1 :].lstrip(" \t")
        if name:
            set_raw(name, value.rstrip("\r\n"))

    def __init__(self, factory: Callable[..., Message], data: bytes) -> None:
        self.policy = compat32
        self._factory = factory
        self._input = Lines(data)
        self._bodies: list[tuple[Message, str]] = []
        """Where a body read as a ``Span`` was put (the message and ``_payload``, ``preamble`` or
        ``epilogue``), to be replaced by its text when the parse ends."""
        self._msgstack: list[Message] = []
        self._cur: Message | None = None
        self._last: Message | None = None
        self._depth = 0

    def parse(self) -> Message:
        self._parsegen()
        root = self._pop_message()
        assert not self._msgstack
        if root.get_content_maintype() == "multipart" and not root.is_multipart():
            self.policy.handle_defect(root, errors.MultipartInvariantViolationDefect())
        text_of = self._input.text_of
        for msg, attribute in self._bodies:
            body = getattr(msg, attribute)
            if body.__class__ is Span:
                setattr(msg, attribute, text_of(body))
        return root

    def _set_body(self, msg: Message, attribute: str, body: str | Span) -> None:
        """``msg``'s ``_payload``, ``preamble`` or ``epilogue`` set to ``body`` (``set_payload`` of a
        text and no charset only stores it), a span kept to be made a text when the parse ends."""
        setattr(msg, attribute, body)
        if body.__class__ is Span:
            self._bodies.append((msg, attribute))

    def _new_message(self) -> Message:
        msg = self._factory(policy=self.policy)
        if self._cur and self._cur.get_content_type() == "multipart/digest":
            msg.set_default_type("message/rfc822")
        if self._msgstack:
            self._msgstack[-1].attach(msg)
        self._msgstack.append(msg)
        self._cur = msg
        self._last = msg
        return msg

    def _pop_message(self) -> Message:
        retval = self._msgstack.pop()
        self._cur = self._msgstack[-1] if self._msgstack else None
        return retval

    def _parsegen(self) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise TooDeep
        try:
            self._read_part()
        finally:
            self._depth -= 1

    def _read_part(self) -> None:
        """``FeedParser._parsegen``, step for step: headers, then the body its content type asks for."""
        source = self._input
        cur = self._new_message()
        headers, line = source.header_lines()
        if line and not NLCRE.match(line):
            # The blank line ends the headers; any other line starts the body.
            self.policy.handle_defect(cur, errors.MissingHeaderBodySeparatorDefect())
            source.unreadline(line)
        self._parse_headers(headers)
        content_type = cur.get_content_type()
        if content_type == "message/delivery-status":
            # Blocks of headers separated by blank lines, each a message without a body.
            while True:
                source.push_eof_matcher(NLCRE.match, blank_line=True)
                self._parsegen()
                self._pop_message()
                source.pop_eof_matcher(blank_line=True)
                source.readline()  # the blank line (or the end)
                line = source.readline()
                if line == "":
                    break
                source.unreadline(line)
            return
        maintype = content_type.split("/")[0]  # get_content_maintype, of the type just read
        if maintype == "message":
            self._parsegen()
            self._pop_message()
            return
        if maintype == "multipart":
            self._read_multipart(cur)
            return
        # As set_payload stores a text without a charset; a span is made a text when the parse ends.
        body = source.read_to_end()
        cur._payload = body  # type: ignore[attr-defined]
        if body.__class__ is Span:
            self._bodies.append((cur, "_payload"))

    def _read_multipart(self, cur: Message) -> None:
        """``FeedParser._parsegen``'s multipart branch: preamble, parts between boundaries, epilogue."""
        source = self._input
        boundary = cur.get_boundary()
        if boundary is None:
            self.policy.handle_defect(cur, errors.NoBoundaryInMultipartDefect())
            self._set_body(cur, "_payload", source.read_to_end())
            return
        if str(cur.get("content-transfer-encoding", "8bit")).lower() not in ("7bit", "8bit", "binary"):
            self.policy.handle_defect(cur, errors.InvalidMultipartContentTransferEncodingDefect())
        boundaryre = _BoundaryLine(boundary)
        capturing_preamble = True
        preamble: list[str] = []
        long_preamble: str | Span | None = None
        """A preamble of PREAMBLE_LINES lines and more, read in one piece."""
        linesep: str | None = None
        close_boundary_seen = False
        while True:
            line = source.readline()
            if line == "":
                break
            mo = boundaryre.match(line)
            if mo:
                if mo[0]:  # the close boundary
                    close_boundary_seen = True
                    linesep = mo[1]
                    break
                if capturing_preamble:
                    # The last line break before a boundary belongs to the boundary.
                    if long_preamble is not None:
                        self._set_body(cur, "preamble", source.without_last_break(long_preamble))
                    elif preamble:
                        lastline = preamble[-1]
                        eol = eol_length(lastline)
                        if eol:
                            preamble[-1] = lastline[:-eol]
                        cur.preamble = "".join(preamble)
                    capturing_preamble = False
                    source.unreadline(line)
                    continue
                # Consecutive boundary lines make no parts.
                while True:
                    line = source.readline()
                    mo = boundaryre.match(line)
                    if not mo:
                        source.unreadline(line)
                        break
                source.push_eof_matcher(boundaryre.match)
                self._parsegen()
                last = self._last
                assert last is not None
                # The last line break before a boundary belongs to the boundary.
                if last.get_content_maintype() == "multipart":
                    epilogue: str | Span | None = last.epilogue
                    if epilogue is not None and _is_empty(epilogue):
                        last.epilogue = None
                    elif epilogue is not None:
                        last.epilogue = source.without_last_break(epilogue)  # type: ignore[assignment]
                else:
                    payload = last._payload  # type: ignore[attr-defined]  # as the feed parser trims it
                    if isinstance(payload, str):
                        eol = eol_length(payload)
                        if eol:
                            last._payload = payload[:-eol]  # type: ignore[attr-defined]
                    elif payload.__class__ is Span:
                        source.without_last_break(payload)
                source.pop_eof_matcher()
                self._pop_message()
                self._last = self._cur
            else:
                assert capturing_preamble and long_preamble is None
                preamble.append(line)
                if len(preamble) == PREAMBLE_LINES:
                    # A long preamble (a multipart whose boundary never comes is all preamble): its
                    # lines given back and read again with the rest in one piece, as a part's body
                    # ending at the first boundary line; the next line read is that (or '').
                    for taken in reversed(preamble):
                        source.unreadline(taken)
                    source.push_eof_matcher(boundaryre.match)
                    long_preamble = source.read_to_end()
                    source.pop_eof_matcher()
        if capturing_preamble:
            self.policy.handle_defect(cur, errors.StartBoundaryNotFoundDefect())
            self._set_body(cur, "_payload", "".join(preamble) if long_preamble is None else long_preamble)
            source.read_to_end()  # read and dropped, as the feed parser drops it
            cur.epilogue = ""
            return
        if not close_boundary_seen:
            self.policy.handle_defect(cur, errors.CloseBoundaryNotFoundDefect())
            return
        rest = source.read_to_end()
        if not linesep:
            # A line break at the start of the epilogue belongs to the closing boundary.
            rest = source.without_first_break(rest)
        self._set_body(cur, "epilogue", rest)


def _is_empty(body: str | Span) -> bool:
    return body == "" if isinstance(body, str) else body.start == body.end


def parse_whole(raw: bytes, factory: Callable[..., Message]) -> Message:
    """``email.message_from_bytes(raw, factory)``; ``TooDeep`` where the MIME nesting is deeper
    than this parser reads."""
    return _WholeMessageParser(factory, raw).parse()
