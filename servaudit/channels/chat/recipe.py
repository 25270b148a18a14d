"""Chat widget recipes: how to find, open, type into and read one vendor's widget (data in probes/chat/).

A recipe names CSS selectors; the probe tries them in every frame of the
page, and Playwright's CSS engine reaches into open shadow roots by itself.
Phrase lists (what an automatic message, an offline notice or a redirect
says) live in the generic recipe and are merged into every vendor recipe.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from servaudit.errors import ConfigError
from servaudit.resources import search_path

FOLDER = "chat"
GENERIC = "generic"
Selectors = Annotated[tuple[str, ...], Field(min_length=1)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Launcher(_Part):
    selectors: Selectors
    """What to click to open the widget (skipped when the composer is already visible)."""


class Prechat(_Part):
    form: tuple[str, ...] = ()
    """Visible when the widget asks for details before the chat starts."""
    name: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    submit: tuple[str, ...] = ()


class Composer(_Part):
    input: Selectors
    send: tuple[str, ...] = ()
    """The send button; empty: press Enter in the input."""


class Messages(_Part):
    item: Annotated[str, Field(min_length=1)]
    """One chat message (the outermost element matching it counts)."""
    visitor: Annotated[str, Field(min_length=1)]
    """A message item (or an ancestor of it) matching this was written by us."""
    agent: str = ""
    bot: str = ""
    system: str = ""
    text: str = ""
    """The text part inside an item (default: the item's whole visible text)."""
    author_name: str = ""
    ignore: str = ""
    """Items that are no messages: typing indicators, date separators."""


class Offline(_Part):
    selectors: tuple[str, ...] = ()
    email_form: tuple[str, ...] = ()
    """Visible when the offline widget offers to take a message (an e-mail form) instead."""


class RecipePhrases(_Part):
    automated: tuple[str, ...] = ()
    """Agent-side text that is automatic ("an agent will be with you shortly"): counts as bot."""
    offline: tuple[str, ...] = ()
    redirect: tuple[str, ...] = ()
    """An answer that sends the customer to another channel ("please call us")."""


class Recipe(_Part):
    name: str
    vendor: str
    detect: tuple[str, ...] = ()
    """Any of these present in any frame means this vendor's widget is on the page."""
    launcher: Launcher
    prechat: Prechat = Prechat()
    composer: Composer
    messages: Messages
    offline: Offline = Offline()
    phrases: RecipePhrases = RecipePhrases()

    def all_selectors(self) -> list[str]:
        """Every selector of the recipe (for validating them in a browser)."""
        found = [*self.detect, *self.launcher.selectors, *self.composer.input, *self.composer.send]
        prechat = self.prechat
        found += [*prechat.form, *prechat.name, *prechat.email, *prechat.topic, *prechat.submit]
        found += [*self.offline.selectors, *self.offline.email_form]
        m = self.messages
        found += [
            s for s in (m.item, m.visitor, m.agent, m.bot, m.system, m.text, m.author_name, m.ignore) if s
        ]
        return found


def _recipe_files(audit_folder: Path | None) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for base in reversed(search_path("probes", audit_folder)):  # the audit's own win
        for path in sorted((base / FOLDER).glob("*.toml")):
            files[path.stem] = path
    return files


def _parse(path: Path) -> Recipe:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Recipe.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']} ({exc.error_count()} problem(s))") from None


def recipe_names(audit_folder: Path | None = None) -> list[str]:
    return sorted(_recipe_files(audit_folder))


def load_recipe(name: str, audit_folder: Path | None = None) -> Recipe:
    """A recipe by file name, with the generic recipe's phrases merged in."""
    files = _recipe_files(audit_folder)
    if name not in files:
        raise ConfigError(f"no chat recipe {name!r}; known: {', '.join(sorted(files))}")
    recipe = _parse(files[name])
    if name == GENERIC or GENERIC not in files:
        return recipe
    base = _parse(files[GENERIC]).phrases
    own = recipe.phrases
    merged = RecipePhrases(
        automated=(*own.automated, *base.automated),
        offline=(*own.offline, *base.offline),
        redirect=(*own.redirect, *base.redirect),
    )
    return recipe.model_copy(update={"phrases": merged})


def load_all(audit_folder: Path | None = None) -> dict[str, Recipe]:
    return {name: load_recipe(name, audit_folder) for name in recipe_names(audit_folder)}
