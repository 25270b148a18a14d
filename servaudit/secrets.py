"""Secret references (``env:NAME``, ``keyring:SERVICE:USER``): validated at load, resolved only at use.

The audit file never holds a password, so neither can the store, a log or a
report: only the reference travels, and the value exists in memory while a
connection is opened.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import traceback
from typing import Annotated, Any

from servaudit.errors import ConfigError
from servaudit.scrubbing import MASK, forget_secrets, register_secret, scrub

__all__ = [
    "MASK",
    "ScrubbingFilter",
    "ScrubbingStream",
    "SecretRef",
    "check_reference",
    "forget_secrets",
    "register_secret",
    "resolve_secret",
    "scrub",
    "scrub_terminal",
]

_REFERENCE = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]*|keyring:[^:]+:.+)$")


def check_reference(value: str) -> str:
    if not _REFERENCE.match(value):
        raise ValueError(
            'a secret must be a reference, not the secret itself: write "env:VARIABLE_NAME" '
            '(read from the environment) or "keyring:SERVICE:USER"'
        )
    return value


class _Reference:
    """pydantic's after-validator for a reference, without importing pydantic here: a command that
    only scrubs its output (`--help`, `classify`) need not load it (about 0.1 s)."""

    @staticmethod
    def __get_pydantic_core_schema__(source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(check_reference, handler(source))


SecretRef = Annotated[str, _Reference()]


def resolve_secret(reference: str, purpose: str) -> str:
    """The secret's value; ``purpose`` names what needs it, for the error message."""
    kind, _, rest = reference.partition(":")
    if kind == "env":
        value = os.environ.get(rest)
        if value is None:
            raise ConfigError(
                f"{purpose}: environment variable {rest} is not set (the audit file says {reference})"
            )
        register_secret(value)
        return value
    service, _, user = rest.partition(":")
    try:
        import keyring  # optional: only needed by audits that use it
    except ImportError:
        raise ConfigError(f"{purpose}: {reference} needs the keyring package: pip install keyring") from None
    value = keyring.get_password(service, user)
    if value is None:
        raise ConfigError(f"{purpose}: no password in the keyring for service {service!r}, user {user!r}")
    register_secret(value)
    return value


# -- scrubbing ---------------------------------------------------------------
#
# The registry and scrub() live in the leaf module servaudit/scrubbing.py (the store uses them and
# may import nothing above errors); they are re-exported here, where callers have always found them.


class ScrubbingFilter(logging.Filter):
    """A log filter that renders each record once and scrubs it, arguments and traceback included."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info))
            record.exc_info = None
        record.msg, record.args = scrub(message), None
        return True


class ScrubbingStream:
    """stdout or stderr with every text written through :func:`scrub`: the one point where the
    terminal is protected, whichever code prints (an echo, a progress bar, a library, a traceback)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: Any) -> Any:
        return self._stream.write(scrub(text) if isinstance(text, str) else text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def scrub_terminal() -> None:
    """Route sys.stdout and sys.stderr through :class:`ScrubbingStream` (once per process)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, ScrubbingStream):
            setattr(sys, name, ScrubbingStream(stream))
