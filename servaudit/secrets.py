"""Secret references (``env:NAME``, ``keyring:SERVICE:USER``): validated at load, resolved only at use.

The audit file never holds a password, so neither can the store, a log or a
report: only the reference travels, and the value exists in memory while a
connection is opened.
"""

from __future__ import annotations

import os
import re
from typing import Annotated

from pydantic import AfterValidator

from servaudit.errors import ConfigError

_REFERENCE = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]*|keyring:[^:]+:.+)$")


def _check_reference(value: str) -> str:
    if not _REFERENCE.match(value):
        raise ValueError(
            'a secret must be a reference, not the secret itself: write "env:VARIABLE_NAME" '
            '(read from the environment) or "keyring:SERVICE:USER"'
        )
    return value


SecretRef = Annotated[str, AfterValidator(_check_reference)]


def resolve_secret(reference: str, purpose: str) -> str:
    """The secret's value; ``purpose`` names what needs it, for the error message."""
    kind, _, rest = reference.partition(":")
    if kind == "env":
        value = os.environ.get(rest)
        if value is None:
            raise ConfigError(
                f"{purpose}: environment variable {rest} is not set (the audit file says {reference})"
            )
        return value
    service, _, user = rest.partition(":")
    try:
        import keyring  # optional: only needed by audits that use it
    except ImportError:
        raise ConfigError(f"{purpose}: {reference} needs the keyring package: pip install keyring") from None
    value = keyring.get_password(service, user)
    if value is None:
        raise ConfigError(f"{purpose}: no password in the keyring for service {service!r}, user {user!r}")
    return value
