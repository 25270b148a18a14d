"""A parsed message that finds a header by name without reading all of them each time.

``email.message.Message.get`` and ``in`` lower-case and compare every header name on each call;
the parser itself asks a part for its Content-Type a few times while it reads it, the content
accessors (``get_content_type``, ``get_param``) ask again, and the classifier asks for some thirty
headers by name. ``IndexedMessage`` keeps the first header of each lower-case name, built on the
first question and rebuilt whenever the header list is another one or has another length; the one
method that changes a header in place (``replace_header``) drops it. Answers are those of
``Message``: the first header of the name, read through the policy as ``get`` reads it.

The content type and the parameters of a header (Content-Type, Content-Disposition) are parsed
anew by ``Message`` on each question, and the parser, the classifier, the bounce reading and the
text extraction ask each part several times; they are kept with the index they were read from, so
any change to the headers (which makes another index) reads them afresh.
"""

from __future__ import annotations

from email._policybase import compat32
from email.message import Message
from typing import Any

from servaudit.header_params import simple_params

_ABSENT = object()
"""A header with parameters that the message does not have."""


class IndexedMessage(Message):
    """``Message`` with ``get`` and ``in`` answered from an index of its header names, and the
    content type and header parameters kept while the headers stay the same."""

    _index: tuple[list[tuple[str, Any]], int, dict[str, tuple[str, Any]]] | None = None
    _content_type: tuple[dict[str, tuple[str, Any]], str, Any, str] | None = None
    """(index it was read from, default type, policy, content type)."""
    _params: tuple[dict[str, tuple[str, Any]], Any, dict[str, Any]] | None = None
    """(index they were read from, policy, parameters of each header by lower-case name)."""

    kept: Any = None
    """Whatever the reader that parsed the message keeps with it while it lives (servaudit.message:
    its decoded headers, addresses and text)."""

    def _names(self) -> dict[str, tuple[str, Any]]:
        """The index of the current headers, rebuilt when they are no longer those it was made of."""
        headers: list[tuple[str, Any]] = self._headers  # type: ignore[attr-defined]  # Message keeps them there
        index = self._index
        if index is not None and index[0] is headers and index[1] == len(headers):
            return index[2]
        # The first header of a name is the one kept: read last, it overwrites any later one.
        names = {header[0].lower(): header for header in reversed(headers)}
        self._index = (headers, len(headers), names)
        return names

    def first(self, name: str) -> tuple[str, Any] | None:
        """The first header named ``name`` (any case), as stored: (name as received, value)."""
        return self._names().get(name.lower())

    def get(self, name: str, failobj: Any = None) -> Any:  # type: ignore[override]
        found = self.first(name)
        if found is None:
            return failobj
        value = found[1]
        # compat32 gives a str without escaped 8-bit bytes back as it is (an ASCII one has none).
        if self.policy is compat32 and value.__class__ is str and value.isascii():
            return value
        return self.policy.header_fetch_parse(*found)

    def __contains__(self, name: object) -> bool:
        return name.lower() in self._names()  # type: ignore[attr-defined]

    def replace_header(self, _name: str, _value: Any) -> None:
        self._index = None  # the only change made to a header in place
        super().replace_header(_name, _value)

    def get_content_type(self) -> str:
        names = self._names()
        kept = self._content_type
        # The default type (set_default_type) and the policy (which reads the header) are asked too.
        default, policy = self.get_default_type(), self.policy
        if kept is not None and kept[0] is names and kept[2] is policy and kept[1] == default:
            return kept[3]
        content_type = super().get_content_type()
        self._content_type = (names, default, policy, content_type)
        return content_type

    def _get_params_preserve(self, failobj: Any, header: str) -> Any:
        """``Message``'s parameter reading (all of ``get_param``, ``get_params``, the charset and
        boundary accessors go through it), parsed once per header; a fresh list each time, as there."""
        names = self._names()
        kept = self._params
        if kept is None or kept[0] is not names or kept[1] is not self.policy:
            kept = self._params = (names, self.policy, {})
        key = header.lower()
        params: Any = kept[2].get(key)
        if params is None:
            value = self.get(header, _ABSENT)
            # A plain value is read without Message's quote counting and RFC 2231 decoding.
            simple = simple_params(value) if value.__class__ is str else None
            if simple is not None:
                params = kept[2][key] = tuple(simple)
            else:
                found = super()._get_params_preserve(_ABSENT, header)  # type: ignore[misc]
                params = kept[2][key] = found if found is _ABSENT else tuple(found)
        return failobj if params is _ABSENT else list(params)
