"""Text on report pages: what a reply brought in (subject, sender, check details) is shown capped
and without the characters that can disguise it.

Applied to every ``{{ … }}`` of the templates as Jinja's ``finalize``, before autoescaping, so no
template can forget it. Markup (the report's own charts) passes unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

MAX_CHARS = 2000
"""One value on a page; longer (a 1 MB subject) is cut with an ellipsis. Excerpts are shorter."""
# Embeddings, overrides and isolates (U+202A–202E, U+2066–2069) can reorder what a reader sees.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# C0 controls but tab, newline and carriage return; NUL among them.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPECIAL = re.compile("[&<>\"']")
"""The characters escaping changes; most values (names, numbers, keys) hold none."""


def page_text(value: Any) -> Any:
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    if len(value) > MAX_CHARS:
        value = value[:MAX_CHARS] + "…"
    elif value.isprintable():  # most values; the characters taken out below are all unprintable
        return value
    return _CONTROLS.sub("", _BIDI_CONTROLS.sub("", value))


def shown(value: Any) -> Any:
    """``value`` as a template expression shows it, ``escape(page_text(value))``; a plain string that
    neither changes is returned as it is: wrapping it as Markup (what escape does) was a fifth of a
    study's page time, and a page is one string in the end, whether its parts were Markup or str."""
    if type(value) is str:
        if len(value) > MAX_CHARS or not value.isprintable():
            value = page_text(value)
        return escape(value) if _SPECIAL.search(value) else value
    return escape(page_text(value))
