"""The data discovery reads pages with: chat, help and social fingerprints and contact vocabulary.

All of it lives in probes/fingerprints/*.toml; an audit folder's own probes/ overrides a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from servaudit.discover.legal import LegalWords, load_legal_words
from servaudit.errors import ConfigError
from servaudit.resources import load_toml


@dataclass(frozen=True)
class ChatVendor:
    id: str
    name: str
    script_src: tuple[str, ...]
    iframe_src: tuple[str, ...]
    inline: tuple[str, ...]
    html: tuple[str, ...]


@dataclass(frozen=True)
class HelpVendor:
    id: str
    name: str
    kind: str
    url: tuple[str, ...]
    html: tuple[str, ...]


@dataclass(frozen=True)
class Network:
    id: str
    name: str
    hosts: tuple[str, ...]
    not_paths: tuple[str, ...]
    needs_path: bool


@dataclass(frozen=True)
class Fingerprints:
    chats: tuple[ChatVendor, ...]
    help_kinds: tuple[tuple[str, tuple[str, ...]], ...]
    """(kind, words) in the order they are tried."""
    help_vendors: tuple[HelpVendor, ...]
    networks: tuple[Network, ...]
    contact_links: tuple[str, ...]
    email_prefer: tuple[str, ...]
    email_avoid: tuple[str, ...]
    weekdays: tuple[str, ...]
    always: tuple[str, ...]
    legal: LegalWords | None = field(default=None)
    """Legal-notice, hotline, dispute-resolution and cancellation words (legal.toml)."""


def _words(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return tuple(v.lower() for v in value)


def load_fingerprints(audit_folder: Path | None = None) -> Fingerprints:
    chat = load_toml("fingerprints/chat.toml", audit_folder)
    help_ = load_toml("fingerprints/help.toml", audit_folder)
    social = load_toml("fingerprints/social.toml", audit_folder)
    contact = load_toml("fingerprints/contact.toml", audit_folder)
    chats = tuple(
        ChatVendor(
            id=key,
            name=str(table.get("name", key)),
            script_src=_words(table, "script_src", f"chat.toml [vendors.{key}]"),
            iframe_src=_words(table, "iframe_src", f"chat.toml [vendors.{key}]"),
            inline=_words(table, "inline", f"chat.toml [vendors.{key}]"),
            html=_words(table, "html", f"chat.toml [vendors.{key}]"),
        )
        for key, table in chat.get("vendors", {}).items()
    )
    help_kinds = tuple(
        (kind, _words(table, "words", f"help.toml [kinds.{kind}]"))
        for kind, table in help_.get("kinds", {}).items()
    )
    help_vendors = tuple(
        HelpVendor(
            id=key,
            name=str(table.get("name", key)),
            kind=str(table.get("kind", "help-centre")),
            url=_words(table, "url", f"help.toml [vendors.{key}]"),
            html=_words(table, "html", f"help.toml [vendors.{key}]"),
        )
        for key, table in help_.get("vendors", {}).items()
    )
    networks = tuple(
        Network(
            id=key,
            name=str(table.get("name", key)),
            hosts=_words(table, "hosts", f"social.toml [networks.{key}]"),
            not_paths=_words(table, "not_paths", f"social.toml [networks.{key}]"),
            needs_path=bool(table.get("needs_path", False)),
        )
        for key, table in social.get("networks", {}).items()
    )
    return Fingerprints(
        chats=chats,
        help_kinds=help_kinds,
        help_vendors=help_vendors,
        networks=networks,
        contact_links=_words(contact, "contact_links", "contact.toml"),
        email_prefer=_words(contact, "email_prefer", "contact.toml"),
        email_avoid=_words(contact, "email_avoid", "contact.toml"),
        weekdays=_words(contact, "weekdays", "contact.toml"),
        always=_words(contact, "always", "contact.toml"),
        legal=load_legal_words(audit_folder),
    )
