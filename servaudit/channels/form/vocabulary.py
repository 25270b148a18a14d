"""The form vocabularies (probes/forms/*.toml) loaded into typed, normalised word lists."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servaudit.errors import ConfigError
from servaudit.resources import load_toml

TEXT_ROLES = ("first_name", "last_name", "name", "email", "phone", "subject", "message", "customer_number")
"""Roles typed as text, in the order ties are broken (the specific before the general)."""


def words_of(text: str) -> str:
    """Lower-case words separated by single spaces: "firstName", "first_name" → "first name"."""
    text = re.sub(r"([a-zäöü])([A-ZÄÖÜ])", r"\1 \2", text)
    text = unicodedata.normalize("NFC", text).lower()
    return " ".join(re.findall(r"[^\W_]+", text))


def contains(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` as whole words (both already ``words_of``)."""
    return f" {phrase} " in f" {text} "


@dataclass(frozen=True)
class Role:
    name: str
    words: tuple[str, ...]
    autocomplete: tuple[str, ...]
    types: tuple[str, ...]


@dataclass(frozen=True)
class CaptchaVendor:
    key: str
    name: str
    selectors: tuple[str, ...]
    urls: tuple[str, ...]


@dataclass(frozen=True)
class FormVocabulary:
    weights: dict[str, int]
    roles: dict[str, Role]
    never: tuple[str, ...]
    honeypot: tuple[str, ...]
    topic_options: tuple[str, ...]
    submit: tuple[str, ...]
    confirmation: tuple[str, ...]
    errors: tuple[str, ...]
    captchas: tuple[CaptchaVendor, ...]
    payment_autocomplete: tuple[str, ...]
    """autocomplete tokens of a card or bank field (probes/forms/commitment.toml): never submitted."""
    payment: tuple[str, ...]
    commits: tuple[str, ...]
    """Button words that commit to a purchase or a booking."""

    @classmethod
    def load(cls, audit_folder: Path | None = None) -> FormVocabulary:
        fields = load_toml("forms/fields.toml", audit_folder)
        outcomes = load_toml("forms/outcomes.toml", audit_folder)
        captcha = load_toml("forms/captcha.toml", audit_folder)
        commitment = load_toml("forms/commitment.toml", audit_folder)
        try:
            return cls(
                weights={str(k): int(v) for k, v in fields["weights"].items()},
                roles={
                    name: Role(
                        name,
                        _words(data.get("words", ())),
                        tuple(str(a).lower() for a in data.get("autocomplete", ())),
                        tuple(str(t).lower() for t in data.get("types", ())),
                    )
                    for name, data in fields["roles"].items()
                },
                never=_words(fields.get("never", {}).get("words", ())),
                honeypot=_words(fields.get("honeypot", {}).get("words", ())),
                topic_options=_words(fields.get("topic_options", {}).get("words", ())),
                submit=_words(fields.get("submit", {}).get("words", ())),
                confirmation=_phrases(outcomes.get("confirmation", {}).get("words", ())),
                errors=_phrases(outcomes.get("error", {}).get("words", ())),
                captchas=tuple(
                    CaptchaVendor(
                        key,
                        str(data.get("name", key)),
                        tuple(data.get("selectors", ())),
                        tuple(str(u).lower() for u in data.get("urls", ())),
                    )
                    for key, data in captcha.get("vendors", {}).items()
                ),
                payment_autocomplete=tuple(
                    str(a).lower() for a in commitment["payment"].get("autocomplete", ())
                ),
                payment=_words(commitment["payment"].get("words", ())),
                commits=_words(commitment["submit"]["words"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"probes/forms vocabulary is malformed: {exc!r}") from None


def _words(items: Any) -> tuple[str, ...]:
    return tuple(words_of(str(item)) for item in items)


def _phrases(items: Any) -> tuple[str, ...]:
    return tuple(str(item).lower() for item in items)
