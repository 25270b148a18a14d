"""A company's contact form in audit.toml (``[companies.<slug>.form]``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from servaudit.config_types import Model, WebAddress

FORM_ROLES = (
    "name", "first_name", "last_name", "email", "phone", "subject", "message",
    "customer_number", "topic", "consent", "skip",
)  # fmt: skip
"""What a form field can be mapped to: persona/scenario values, check a box, pick an option, leave empty."""


class FormSettings(Model):
    """A contact form: its page, and optionally how its fields map to what the persona types.

    ``fields`` keys are CSS selectors, or ``label:<text>`` for the field whose label, placeholder
    or ARIA name contains <text>; values are one of FORM_ROLES or ``text:<literal>`` (typed as is;
    for a select box, the option's label). Unmapped fields are detected automatically.
    """

    url: WebAddress
    fields: dict[str, str] = Field(default_factory=dict)
    submit: str | None = None
    """CSS selector of the submit button (default: found automatically)."""
    keystroke_ms: (
        tuple[Annotated[float, Field(ge=0, le=2000)], Annotated[float, Field(ge=0, le=2000)]] | None
    ) = None
    """Pause between keystrokes in milliseconds, drawn per field from this range (default: 25–70)."""

    @field_validator("keystroke_ms")
    @classmethod
    def _ordered_range(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and value[0] > value[1]:
            raise ValueError(
                f"[{value[0]:g}, {value[1]:g}] is not a range: the first number is the shorter pause"
            )
        return value

    @field_validator("fields")
    @classmethod
    def _known_roles(cls, value: dict[str, str]) -> dict[str, str]:
        for key, role in value.items():
            if role not in FORM_ROLES and not role.startswith("text:"):
                raise ValueError(
                    f"field {key!r}: {role!r} is not one of {', '.join(FORM_ROLES)} or text:<value>"
                )
        return value

    @property
    def target(self) -> str:
        return self.url



def form_settings(company: Any) -> FormSettings | None:
    """A company's form settings (Company's channel keys come from the registry, so are untyped there)."""
    found = company.settings("form")
    assert found is None or isinstance(found, FormSettings)
    return found
