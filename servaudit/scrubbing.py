"""The secret values this process has seen, and :func:`scrub`, which masks them in any text.

Every secret value this process resolved (and every encoding of it that went on a wire) is kept
here, so that any text leaving the process (terminal, store, report, log) can be scrubbed at one
point without each caller knowing which secrets exist.

A leaf on purpose (the standard library only): the store, which imports nothing above
``errors`` and ``timing``, scrubs what it writes with it. How a secret is *resolved* (references,
the environment, the keyring) stays in :mod:`servaudit.secrets`.
"""

from __future__ import annotations

import base64
import threading

_RESOLVED: set[str] = set()
_LOCK = threading.Lock()
MASK = "***"


def register_secret(value: str) -> None:
    """Remember ``value`` (and the forms it takes in reprs and encodings) for :func:`scrub`."""
    if not value:
        return
    forms = {value, repr(value)[1:-1], repr(value.encode("utf-8"))[2:-1]}
    forms.add(base64.b64encode(value.encode("utf-8")).decode("ascii"))
    with _LOCK:
        _RESOLVED.update(form for form in forms if form)


def scrub(text: str) -> str:
    """``text`` with every resolved secret, in every form registered, replaced by ``***``."""
    with _LOCK:
        forms = sorted(_RESOLVED, key=len, reverse=True)  # longest first: a form may contain another
    for form in forms:
        if form in text:
            text = text.replace(form, MASK)
    return text


def forget_secrets() -> None:
    """Drop every registered secret (tests that run several audits in one process)."""
    with _LOCK:
        _RESOLVED.clear()
