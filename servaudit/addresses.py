"""Host names and e-mail addresses: checked when the audit file is loaded, in the form the wire needs.

An internationalised domain (``bäckerei-müller.example``) is valid and is sent as its IDNA
A-label (``xn--bckerei-mller-bfb28a.example``), so no relay needs SMTPUTF8 for it. A name a
resolver or relay would refuse later (``smtp..example.com``, a label over 63 characters, a space)
is refused at load, where the message can name the file, line and key, and before any inquiry is
claimed.
"""

from __future__ import annotations

import ipaddress
import re

import idna

_LDH = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# RFC 5322 dot-atom text, ASCII only: a non-ASCII local part would need SMTPUTF8 from every relay.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
MAX_HOST = 253
MAX_LOCAL = 64


def ascii_host(value: str) -> str:
    """The host name as the network needs it (IDNA A-labels, lower case) or an IP address.

    Raises ValueError with a sentence for the user.
    """
    host = value.strip()
    if host != value or not host:
        raise ValueError(f"{value!r} is not a host name (empty, or spaces around it)")
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    name = host.removesuffix(".")
    if any(not label for label in name.split(".")):
        raise ValueError(f"{value!r} is not a host name: it has an empty label (two dots in a row?)")
    try:
        encoded = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError(f"{value!r} is not a valid host name ({exc})") from None
    if len(encoded) > MAX_HOST or not all(_LDH.match(label) for label in encoded.split(".")):
        raise ValueError(
            f"{value!r} is not a valid host name (letters, digits and '-' per label, at most 63 each)"
        )
    return encoded


def ascii_address(value: str) -> str:
    """``local@domain`` with the domain in IDNA A-labels; raises ValueError with a sentence."""
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"{value!r} is not a valid e-mail address (local@domain)")
    if len(local) > MAX_LOCAL or not _LOCAL.match(local):
        raise ValueError(
            f"{value!r} is not a valid e-mail address: the part before @ must be ASCII letters, digits "
            "and .!#$%&'*+/=?^_`{|}~- without leading, trailing or double dots"
        )
    try:
        host = ascii_host(domain)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid e-mail address: {exc}") from None
    if "." not in host or host.replace(".", "").isdigit():
        raise ValueError(f"{value!r} is not a valid e-mail address: {domain!r} is not a mail domain")
    return f"{local}@{host}"


def web_address(value: str) -> str:
    """An http(s) URL whose host is a valid host name (a form's or chat's page); raises ValueError."""
    found = re.match(r"^https?://([^/\s?#]+)", value)
    if not found:
        raise ValueError(f"{value!r} is not a web address (http:// or https://)")
    host = found.group(1).rpartition("@")[2]
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        ascii_host(host)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a web address: {exc}") from None
    return value
