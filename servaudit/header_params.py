"""A header's parameters (Content-Type, Content-Disposition) as ``email.message.Message`` reads them
under the compat32 policy (``Message._get_params_preserve``), for the values that are simple.

``Message`` finds where each parameter ends by counting quotes before every ";" in the rest of the
value, then sends every parameter through RFC 2231's decoding. Where the value holds no backslash,
no "*" and an even number of quotes between any two ";", every ";" ends a parameter, and no name
is an RFC 2231 one: the parameters are the value split at ";", each read as ``Message`` reads it,
quoted as ``decode_params`` quotes it. Any other value answers None and is left to ``Message``.
tests/test_header_params.py compares both on the corpus's headers and on generated values.
"""

from __future__ import annotations

from email.utils import quote, unquote


def simple_params(value: str) -> list[tuple[str, str]] | None:
    """``Message._get_params_preserve``'s answer for a header of this value; None where unsure."""
    if "\\" in value or "*" in value:
        return None
    pieces = value.split(";")
    if '"' in value:
        for piece in pieces:
            if piece.count('"') % 2:
                return None  # a quoted ";" (or an unbalanced quote): Message reads on past it
    params: list[tuple[str, str]] = []
    for piece in pieces:
        equals = piece.find("=")
        if equals >= 0:
            name = piece[:equals].strip().lower()
            param = piece[equals + 1 :].strip()
        else:
            name, param = piece.strip(), ""
        if params:
            # email.utils.decode_params: every value after the first unquoted, then quoted again.
            param = '"' + quote(unquote(param)) + '"'
        params.append((name, param))
    return params
