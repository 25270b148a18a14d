"""The lines of a whole message, read as ``email.feedparser``'s line buffer gives them, from its bytes.

``Lines`` answers what ``email.feedparser.BufferedSubFile`` answers (a line, '' where an enclosing
part's end matches, lines given back), over the whole message at once, and takes a body in one
piece up to the first line that can end it. The message stays bytes: a line or body is decoded only
when it is taken, and a large body is kept as a ``Span`` of the message until the parse ends, so
it is decoded once (servaudit.message_parser, the parser that reads these lines, says why).
"""

from __future__ import annotations

from collections.abc import Callable
from email.feedparser import NLCRE_bol, headerRE  # type: ignore[attr-defined]  # the feed parser's patterns
from re import compile
from typing import Any

SPAN_FROM = 16384
"""Bytes from which a body is kept as a ``Span`` and decoded when the parse ends; a shorter one is
decoded when read (and copied again where the line break at its end is taken), which costs less
for the small bodies most mail has than a span's bookkeeping."""


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


class Span:
    """A body not yet taken out of the message: its bytes ``start:end``. The enclosing multipart may
    still take the line break at its end (the boundary's); the text is made once, when the parse
    ends (``Lines.text_of``), so a large body is never copied twice. Only the parser sees one."""

    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end


class Lines:
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

    def read_to_end(self) -> str | Span:
        """The lines ``readline`` gives until it gives '', joined: a ``Span`` of the message where
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
            return Span(start, end) if end - start > SPAN_FROM else self._line(start, end)
        given_back = "".join(taken)
        # A line given back is nearly always the one read just before: the span starts there.
        before = start - len(given_back)
        if end - before > SPAN_FROM and before >= 0 and self._line(before, start) == given_back:
            return Span(before, end)
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

    def without_last_break(self, body: str | Span) -> str | Span:
        """``body`` without the line break at its end (``NLCRE_eol``'s): the one before a boundary
        belongs to the boundary. A span is shortened in place."""
        if isinstance(body, str):
            eol = eol_length(body)
            return body[:-eol] if eol else body
        data, start, end = self._data, body.start, body.end
        if end - start >= 2 and data[end - 2 : end] == b"\r\n":
            body.end -= 2
        elif end > start and data[end - 1] in b"\r\n":
            body.end -= 1
        return body

    def without_first_break(self, body: str | Span) -> str | Span:
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

    def text_of(self, body: str | Span) -> str:
        """The text of ``body``, decoded straight from the message (no copy of its bytes first). A
        text with an 8-bit byte takes two bytes a character (surrogateescape's), and CPython's
        decoder holds a one-byte copy besides while it widens: 3× such a body at the peak."""
        if isinstance(body, str):
            return body
        with memoryview(self._data) as view:
            return str(view[body.start : body.end], "ascii", "surrogateescape")


def eol_length(text: str) -> int:
    """The length of the line break ending ``text`` (0 without one): ``NLCRE_eol.search(text)``'s
    match, "\\r\\n|\\r|\\n" before the end, found without the search trying every position of a
    long payload."""
    if text.endswith("\r\n"):
        return 2
    if text.endswith(("\n", "\r")):
        return 1
    return 0
