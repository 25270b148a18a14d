"""A company's live chat in audit.toml (``[companies.<slug>.chat]``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from servaudit.config_rules import SLUG
from servaudit.config_types import Model, WebAddress


class ChatSettings(Model):
    """A company's live chat: the page carrying the widget and how long to wait for answers."""

    url: WebAddress
    recipe: Annotated[str, Field(pattern=SLUG)] | None = None
    """A widget recipe in probes/chat/ (userlike, intercom, …); default: detected, else generic."""
    wait_seconds: Annotated[float, Field(gt=0, le=86400)] = 600
    """How long to wait for each answer (the first human one, and each follow-up's)."""
    widget_seconds: Annotated[float, Field(gt=0, le=600)] = 20
    """How long to look for the widget after the page loaded (widgets are often injected late)."""
    fill_prechat: bool = True
    """Fill a pre-chat form with the persona's name, e-mail and the topic; false: stop there."""

    @property
    def target(self) -> str:
        return self.url



def chat_settings(company: Any) -> ChatSettings | None:
    """A company's chat settings (Company's channel keys come from the registry, so are untyped there)."""
    found = company.settings("chat")
    assert found is None or isinstance(found, ChatSettings)
    return found
