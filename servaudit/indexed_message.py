"""A parsed message that finds a header by name without reading all of them each time.

``email.message.Message.get`` and ``in`` lower-case and compare every header name on each call;
the parser itself asks a part for its Content-Type a few times while it reads it, the content
accessors (``get_content_type``, ``get_param``) ask again, and the classifier asks for some thirty
headers by name. ``IndexedMessage`` keeps the first header of each lower-case name, built on the
first question and rebuilt whenever the header list is another one or has another length; the one
method that changes a header in place (``replace_header``) drops it. Answers are those of
``Message``: the first header of the name, read through the policy as ``get`` reads it.
"""

from __future__ import annotations

from email.message import Message
from typing import Any


class IndexedMessage(Message):
    """``Message`` with ``get`` and ``in`` answered from an index of its header names."""

    _index: tuple[list[tuple[str, Any]], int, dict[str, tuple[str, Any]]] | None = None

    def first(self, name: str) -> tuple[str, Any] | None:
        """The first header named ``name`` (any case), as stored: (name as received, value)."""
        headers: list[tuple[str, Any]] = self._headers  # type: ignore[attr-defined]  # Message keeps them there
        index = self._index
        if index is None or index[0] is not headers or index[1] != len(headers):
            names: dict[str, tuple[str, Any]] = {}
            for key, value in headers:
                names.setdefault(key.lower(), (key, value))
            index = self._index = (headers, len(headers), names)
        return index[2].get(name.lower())

    def get(self, name: str, failobj: Any = None) -> Any:  # type: ignore[override]
        found = self.first(name)
        return failobj if found is None else self.policy.header_fetch_parse(*found)

    def __contains__(self, name: object) -> bool:
        return self.first(name.lower()) is not None  # type: ignore[attr-defined]

    def replace_header(self, _name: str, _value: Any) -> None:
        self._index = None  # the only change made to a header in place
        super().replace_header(_name, _value)
