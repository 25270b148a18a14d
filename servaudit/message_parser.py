"""The standard library's parse of a whole message (``message_from_bytes``, compat32 policy), made
with the whole message in hand.

``email.feedparser`` is written for mail that arrives in pieces: every line goes through a queue,
a generator per MIME level and a check against each enclosing boundary, which costs more than the
rest of reading a reply. Here the message is read as a whole: a part's header lines (split as
the feed parser splits lines) are taken in one loop and read as ``_parse_headers`` reads them, and
a part's body is taken in one piece up to the first line that can end it (only a line starting
with "-" or a line break can be a boundary or the blank line closing a delivery-status block),
found by searching the message for such lines rather than splitting all of it into lines.
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
from email.feedparser import (  # type: ignore[attr-defined]  # the feed parser's own patterns
    NLCRE,
    NLCRE_bol,
    headerRE,
)
from email.message import Message
from re import compile
from typing import Any

MAX_DEPTH = 40
"""MIME levels read here; deeper messages are left to the standard library."""
PREAMBLE_LINES = 16
"""Preamble lines from which the rest of a preamble is read in one piece (as a body is) rather
than line by line: most mail has none or two ("This is a multi-part message in MIME format.")."""
SPAN_FROM = 16384
"""Bytes from which a body is kept as a ``_Span`` and decoded when the parse ends; a shorter one is
decoded when read (and copied again where the line break at its end is taken), which costs less
for the small bodies most mail has than a span's bookkeeping."""


class TooDeep(Exception):
    """The message nests deeper than ``MAX_DEPTH``."""


_Matcher = Callable[[str], Any]


_BREAK = compile(rb"\r\n?|\n")
"""A line's end, as ``StringIO(text, newline="").readlines()`` (the feed parser's splitting) ends it."""
_LONE_CR = compile(rb"\r(?!\n)")
"""A carriage return ending a line by itself: without one, every line ends at its "\\n"."""
_DASH_LINE = compile(rb"(?<=[\r\n])-")
"""A line starting with "-", after the first line: a break before it (the "\\r" of a "\\r\\n" is
followed by "\\n", not "-")."""
_DASH_OR_BLANK_LINE = compile(rb"(?:(?<=\n)|(?<=\r)(?!\n))[-\r\n]")
"""A line starting with "-" or a line break, after the first line (between the two characters of
a "\\r\\n" no line starts)."""


class _Span:
    """A body not yet taken out of the message: its bytes ``start:end``. The enclosing multipart may
    still take the line break at its end (the boundary's); the text is made once, when the parse
    ends (``_Lines.text_of``), so a large body is never copied twice. Only the parser sees one."""

    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end


class _Lines:
    """``email.feedparser.BufferedSubFile`` over the whole message at once: the same answers to
    ``readline`` (a line, or '' at the end or where an enclosing part's end matches) and
    ``unreadline``, and ``read_to_end`` for what the feed parser reads line by line up to ''.
    The message is not split into lines: a body is taken in one span up to the first line that
    can end it, and only lines that may (a boundary's, a blank one) are looked at on the way.

    The message stays bytes: the feed parser's text is ``raw.decode("ascii", "surrogateescape")``,
    one character per byte, so a byte's offset is its character's, and a line or body is decoded
    only when it is taken (decoding all of it would hold the message twice more while it is read).
    """

    __slots__ = ("_blank_ends", "_data", "_eofstack", "_newlines", "_pos", "_pushed")

    def __init__(self, data: bytes) -> None:
        self._data = data
        # Most mail has no carriage return at all: "in" answers that faster than the search.
        self._newlines = b"\r" not in data or _LONE_CR.search(data) is None
        """Every line ends with "\\n" (or the message): a line's end is found with ``bytes.find``."""
        self._pos = 0
        """Where the next line starts."""
        self._pushed: list[str] = []
        """Lines given back (the last one given back is read first)."""
        self._eofstack: list[_Matcher] = []
        self._blank_ends = 0
        """Blank-line matchers (a delivery-status block's end) on the stack: while there are none,
        only a boundary can end a part, and a body's blank lines need not be tried."""

    def push_eof_matcher(self, pred: _Matcher, blank_line: bool = False) -> None:
        """``pred`` ends the part at a line it matches: a boundary pattern (it matches a line
        starting with "--" only) or, with ``blank_line``, ``NLCRE.match`` (a line break first)."""
        self._eofstack.append(pred)
        self._blank_ends += blank_line

    def pop_eof_matcher(self, blank_line: bool = False) -> _Matcher:
        self._blank_ends -= blank_line
        return self._eofstack.pop()

    def _at_end(self, line: str) -> bool:
        # A loop, not any() over a generator: this is asked of every line that may end a part.
        for ateof in reversed(self._eofstack):  # noqa: SIM110
            if ateof(line):
                return True
        return False

    def _line_end(self, start: int) -> int:
        if self._newlines:
            found = self._data.find(b"\n", start)
            return found + 1 if found >= 0 else len(self._data)
        line_break = _BREAK.search(self._data, start)
        return line_break.end() if line_break is not None else len(self._data)

    def _line(self, start: int, end: int) -> str:
        return self._data[start:end].decode("ascii", "surrogateescape")

    def readline(self) -> str:
        if self._pushed:
            line = self._pushed[-1]
            if self._eofstack and self._at_end(line):
                return ""
            return self._pushed.pop()
        start = self._pos
        if start >= len(self._data):
            return ""
        end = self._line_end(start)
        line = self._data[start:end].decode("ascii", "surrogateescape")
        if self._eofstack and self._at_end(line):
            return ""
        self._pos = end
        return line

    def header_lines(self) -> tuple[list[str], str]:
        """The lines ``readline`` gives while ``headerRE`` matches them, and the line read after
        them that it does not match ('' where ``readline`` gave '')."""
        headers: list[str] = []
        while self._pushed:
            line = self.readline()
            if line == "" or not headerRE.match(line):
                return headers, line
            headers.append(line)
        data, pos, size = self._data, self._pos, len(self._data)
        ends, is_header, line_end, newlines = self._eofstack, headerRE.match, self._line_end, self._newlines
        while pos < size:
            end = (data.find(b"\n", pos) + 1 or size) if newlines else line_end(pos)
            line = data[pos:end].decode("ascii", "surrogateescape")
            # An end matcher matches only a line starting with "-" or a line break.
            if ends and line[0] in "-\r\n" and self._at_end(line):
                break
            pos = end
            if not is_header(line):
                self._pos = pos
                return headers, line
            headers.append(line)
        self._pos = pos
        return headers, ""

    def unreadline(self, line: str) -> None:
        self._pushed.append(line)

    def read_to_end(self) -> str | _Span:
        """The lines ``readline`` gives until it gives '', joined: a ``_Span`` of the message where
        they are more than SPAN_FROM bytes, else (or, rarely, where lines given back are not the
        ones just before them) their text."""
        taken: list[str] = []
        while self._pushed:
            line = self.readline()
            if line == "":
                return "".join(taken)
            taken.append(line)
        start = self._pos
        end = self._end_from(start)
        self._pos = end
        if not taken:
            return _Span(start, end) if end - start > SPAN_FROM else self._line(start, end)
        given_back = "".join(taken)
        # A line given back is nearly always the one read just before: the span starts there.
        before = start - len(given_back)
        if end - before > SPAN_FROM and before >= 0 and self._line(before, start) == given_back:
            return _Span(before, end)
        return given_back + self._line(start, end)

    def _end_from(self, start: int) -> int:
        """Where the first line from ``start`` (a line's start) that an end matcher matches
        starts (or the end)."""
        data, size = self._data, len(self._data)
        if not self._eofstack or start >= size:
            return size
        # Matchers are boundary patterns ("--" first) and NLCRE.match (a line break first).
        if self._blank_ends:
            firsts, later = b"-\r\n", _DASH_OR_BLANK_LINE
        else:
            firsts, later = b"-", _DASH_LINE
        if data[start] in firsts and self._at_end(self._line(start, self._line_end(start))):
            return start
        if self._newlines and not self._blank_ends:
            # A line starting with "-" follows a "\\n": bytes.find, not a search position by position.
            found_at = data.find(b"\n-", start)
            while found_at >= 0:
                line_start = found_at + 1
                if self._at_end(self._line(line_start, self._line_end(line_start))):
                    return line_start
                found_at = data.find(b"\n-", line_start)
            return size
        found = later.search(data, start + 1)
        while found is not None:
            line_start = found.start()
            if self._at_end(self._line(line_start, self._line_end(line_start))):
                return line_start
            found = later.search(data, line_start + 1)
        return size

    def without_last_break(self, body: str | _Span) -> str | _Span:
        """``body`` without the line break at its end (``NLCRE_eol``'s): the one before a boundary
        belongs to the boundary. A span is shortened in place."""
        if isinstance(body, str):
            eol = _eol_length(body)
            return body[:-eol] if eol else body
        data, start, end = self._data, body.start, body.end
        if end - start >= 2 and data[end - 2 : end] == b"\r\n":
            body.end -= 2
        elif end > start and data[end - 1] in b"\r\n":
            body.end -= 1
        return body

    def without_first_break(self, body: str | _Span) -> str | _Span:
        """``body`` without the line break at its start (``NLCRE_bol``'s)."""
        if isinstance(body, str):
            bolmo = NLCRE_bol.match(body)
            return body[len(bolmo.group(0)) :] if bolmo else body
        data, start, end = self._data, body.start, body.end
        if end - start >= 2 and data[start : start + 2] == b"\r\n":
            body.start += 2
        elif end > start and data[start] in b"\r\n":
            body.start += 1
        return body

    def text_of(self, body: str | _Span) -> str:
        """The text of ``body``, decoded straight from the message (no copy of its bytes first). A
        text with an 8-bit byte takes two bytes a character (surrogateescape's), and CPython's
        decoder holds a one-byte copy besides while it widens: 3× such a body at the peak."""
        if isinstance(body, str):
            return body
        with memoryview(self._data) as view:
            return str(view[body.start : body.end], "ascii", "surrogateescape")


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
                    eol = _eol_length(line)
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
        self._input = _Lines(data)
        self._bodies: list[tuple[Message, str]] = []
        """Where a body read as a ``_Span`` was put (the message and ``_payload``, ``preamble`` or
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
            if body.__class__ is _Span:
                setattr(msg, attribute, text_of(body))
        return root

    def _set_body(self, msg: Message, attribute: str, body: str | _Span) -> None:
        """``msg``'s ``_payload``, ``preamble`` or ``epilogue`` set to ``body`` (``set_payload`` of a
        text and no charset only stores it), a span kept to be made a text when the parse ends."""
        setattr(msg, attribute, body)
        if body.__class__ is _Span:
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
        if body.__class__ is _Span:
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
        long_preamble: str | _Span | None = None
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
                        eol = _eol_length(lastline)
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
                    epilogue: str | _Span | None = last.epilogue
                    if epilogue is not None and _is_empty(epilogue):
                        last.epilogue = None
                    elif epilogue is not None:
                        last.epilogue = source.without_last_break(epilogue)  # type: ignore[assignment]
                else:
                    payload = last._payload  # type: ignore[attr-defined]  # as the feed parser trims it
                    if isinstance(payload, str):
                        eol = _eol_length(payload)
                        if eol:
                            last._payload = payload[:-eol]  # type: ignore[attr-defined]
                    elif payload.__class__ is _Span:
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


def _eol_length(text: str) -> int:
    """The length of the line break ending ``text`` (0 without one): ``NLCRE_eol.search(text)``'s
    match, "\\r\\n|\\r|\\n" before the end, found without the search trying every position of a
    long payload."""
    if text.endswith("\r\n"):
        return 2
    if text.endswith(("\n", "\r")):
        return 1
    return 0


def _is_empty(body: str | _Span) -> bool:
    return body == "" if isinstance(body, str) else body.start == body.end


def parse_whole(raw: bytes, factory: Callable[..., Message]) -> Message:
    """``email.message_from_bytes(raw, factory)``; ``TooDeep`` where the MIME nesting is deeper
    than this parser reads."""
    return _WholeMessageParser(factory, raw).parse()
