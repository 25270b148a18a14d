"""The audit file: TOML validated into typed models, with errors that name file, line and key.

A company's channel keys (email, form, chat, …) come from the channel registry: each channel
package declares the model of its settings, and Company gains one optional key per channel.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, create_model, field_validator, model_validator

from servaudit import channels as registry
from servaudit.config_errors import format_validation_error, located
from servaudit.config_rules import SLUG, audit_file, timezone_name
from servaudit.config_study import Limits, SendWindow, Waves, check_week
from servaudit.config_types import EmailAddress, HostName, Model, NetworkTimeout, Text
from servaudit.errors import ConfigError
from servaudit.secrets import SecretRef

if TYPE_CHECKING:
    from servaudit.evidence_bucket import Bucket

CHANNEL_KEYS = registry.names()
"""Company keys that name a channel, in the order reports list them: the registry's names, kept here
for the report until it reads servaudit.channels itself."""


class BusinessHours(Model):
    """Opening hours for the business-hours clock (audit.clock = "business")."""

    days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = (
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    )
    opens: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "09:00"
    closes: Annotated[str, Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")] = "17:00"
    holidays: str | None = None
    """Public holidays that close the business: a country with an optional state, e.g. "DE-BY"."""

    @model_validator(mode="after")
    def _a_working_day(self) -> BusinessHours:
        # Checked here, where the message can name the line; the clock would only fail in `report`.
        hours = ("opens", self.opens), ("closes", self.closes)
        check_week(self.days, *hours, self.holidays, "the business week")
        return self


class Scoring(Model):
    """The composite score: a preset, optionally with its weights overridden (see METRICS.md)."""

    preset: Literal["balanced", "superoffice", "disq"] = "balanced"
    weights: (
        dict[Literal["reachability", "response", "speed", "quality"], Annotated[float, Field(ge=0)]] | None
    ) = None
    channel_weights: dict[str, Annotated[float, Field(ge=0)]] | None = None
    pass_mark: Annotated[float, Field(ge=0, le=100)] = 60


class AuditInfo(Model):
    name: Text = "Service audit"
    language: Literal["de", "en"] = "en"
    window_days: Annotated[float, Field(gt=0, le=366)] = 14
    machine_seconds: Annotated[float, Field(ge=0, le=3600)] = 60
    """A reply faster than this after its inquiry is strong evidence of a machine (default 60 s).

    A sandbox that compresses time (``servaudit demo``: its staff answer within seconds) lowers it."""
    clock: Literal["calendar", "business"] = "calendar"
    """What response times are measured in: calendar time or business hours (see business_hours)."""
    timezone: Annotated[str, AfterValidator(timezone_name)] = "UTC"
    """The time zone of the report's dates and of the business hours, e.g. "Europe/Berlin"."""
    business_hours: BusinessHours = BusinessHours()
    score: Scoring = Scoring()
    accessibility: bool = False
    """Check the contact form and the chat widget for barriers while probing them: axe-core's WCAG
    A/AA rules and a keyboard-only walk (servaudit/channels/accessibility.py). Off by default: it
    adds about 1 s of CPU to a form probe, 0.2 s to a chat probe (bench/bench_accessibility.py)."""
    chromium: str | None = None
    """Path of the Chromium to drive for form and chat probes (default: found automatically)."""
    store: str | None = None
    """Database URL (sqlite:///relative.sqlite, sqlite:////absolute.sqlite, or postgresql://user@host/db
    with the password in PGPASSWORD, ~/.pgpass or a libpq service file, never in the URL).

    Default: servaudit.sqlite in the audit folder."""
    evidence: str | None = None
    """Where evidence files go besides the audit folder's evidence/: an S3-compatible bucket,
    "s3://bucket/prefix" (servaudit/evidence_bucket.py; endpoint and keys from the environment).

    Default: the audit folder's evidence/ only."""
    waves: Waves | None = None
    """A study over weeks (servaudit/config_study.py); None: everything is due at once, `run --wave N`."""
    send_window: SendWindow = SendWindow()
    limits: Limits = Limits()

    @field_validator("store")
    @classmethod
    def _store_url(cls, value: str | None) -> str | None:
        if value is not None:
            from servaudit.store import store_target

            try:
                store_target(value, Path("."))
            except ConfigError as exc:
                raise ValueError(
                    str(exc).removeprefix(f"audit.store = {value!r}: ").removeprefix("audit.store: ")
                ) from None
        return value

    @field_validator("evidence")
    @classmethod
    def _evidence_url(cls, value: str | None) -> str | None:
        if value is not None:
            from servaudit.evidence_bucket import Bucket

            try:
                Bucket.parse(value)
            except ConfigError as exc:
                raise ValueError(
                    str(exc).removeprefix(f"audit.evidence = {value!r}: ").removeprefix("audit.evidence: ")
                ) from None
        return value

    @property
    def bucket(self) -> Bucket | None:
        """The evidence bucket, when the audit names one."""
        from servaudit.evidence_bucket import Bucket

        return None if self.evidence is None else Bucket.parse(self.evidence)


class Persona(Model):
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
    email: EmailAddress
    phone: str | None = None
    plus_addressing: bool = False
    """Reply-To carries a per-inquiry tag (name+tag@domain); only if the mailbox supports it."""

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    @property
    def last_name(self) -> str:
        return self.name.split()[-1]


class Smtp(Model):
    host: HostName
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str | None = None
    password: SecretRef | None = None
    timeout: NetworkTimeout = 60
    ca_file: str | None = None
    """PEM file of a private CA to trust for this relay (system CAs are always trusted)."""

    @model_validator(mode="after")
    def _auth_needs_both(self) -> Smtp:
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self


class ImapMailbox(Model):
    type: Literal["imap"]
    host: HostName
    port: Annotated[int, Field(ge=1, le=65535)] = 993
    security: Literal["none", "starttls", "ssl"] = "ssl"
    username: str
    password: SecretRef
    folder: str = "INBOX"
    timeout: NetworkTimeout = 30


class MaildirMailbox(Model):
    type: Literal["maildir"]
    path: str


Mailbox = Annotated[ImapMailbox | MaildirMailbox, Field(discriminator="type")]


class Reminder(Model):
    """Sent in the inquiry's thread when no human answer came within N business hours of its delivery."""

    after_business_hours: Annotated[float, Field(gt=0, le=2000)]
    """Business hours (audit.business_hours, audit.timezone) after delivery without a person's answer."""
    body: Annotated[str, Field(min_length=1, max_length=50_000)]


class Followup(Model):
    """A clarifying question sent when a person answered: a reply to that answer (see README)."""

    body: Annotated[str, Field(min_length=1, max_length=50_000)]


class Scenario(Model):
    subject: Annotated[str, Field(min_length=1, max_length=250, pattern=r"^[^\r\n]*$")]
    """One line: a header cannot hold a line break."""
    body: Annotated[str, Field(min_length=1, max_length=50_000)]
    language: Literal["de", "en"] | None = None
    facts: tuple[str, ...] = ()
    """What a complete answer states; used by quality scoring."""
    followups: tuple[str, ...] = ()
    """Further chat messages, each sent after the agent's previous answer (chat only)."""
    reminder: Reminder | None = None
    """E-mail and form inquiries: a reminder in the thread when no person answered in time (reminders.py)."""
    followup: Followup | None = None
    """E-mail and form inquiries: a reply to the company's first human answer (in a chat: ``followups``)."""


class CompanyBase(Model):
    """A company's own keys; ``Company`` adds one optional key per registered channel."""

    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
    website: str | None = None
    domains: tuple[HostName, ...] = ()
    """Extra sender domains whose replies belong to this company (helpdesk vendors)."""
    scenarios: Annotated[tuple[str, ...], Field(min_length=1)] | None = None
    """Scenario names to send; default: all scenarios of the audit."""

    if TYPE_CHECKING:
        # The channel keys are added from the registry at import time; each channel package
        # reads its own settings with its own type (e.g. channels.form.settings.form_settings).
        def __getattr__(self, name: str) -> Any: ...

    @model_validator(mode="before")
    @classmethod
    def _url_shorthand(cls, value: Any) -> Any:
        # `form = "https://…"` is short for `form = { url = "https://…" }` (likewise chat).
        if isinstance(value, dict):
            for spec in registry.SPECS:
                if spec.url_shorthand and isinstance(value.get(spec.name), str):
                    value = {**value, spec.name: {"url": value[spec.name]}}
        return value

    def settings(self, channel: str) -> Any:
        """The company's settings for ``channel`` (None when it does not use that channel)."""
        return getattr(self, channel, None)

    @property
    def channels(self) -> dict[str, str]:
        """Channel name → where inquiries go; a channel's settings are a string or have ``.target``."""
        found = {}
        for spec in registry.SPECS:
            value = self.settings(spec.name)
            if value is not None:
                found[spec.name] = value if isinstance(value, str) else value.target
        return found

    @property
    def address_domains(self) -> set[str]:
        """The mail domains of the addresses inquiries go to: replies from there are the company's."""
        targets = self.channels
        return {
            targets[spec.name].rpartition("@")[2].lower()
            for spec in registry.SPECS
            if spec.target_is_address and spec.name in targets
        }


def _company_model() -> type[CompanyBase]:
    channel_keys: dict[str, Any] = {spec.name: (spec.settings | None, None) for spec in registry.SPECS}
    return create_model("Company", __base__=CompanyBase, __module__=__name__, **channel_keys)


if TYPE_CHECKING:
    Company = CompanyBase
else:
    Company = _company_model()


class AuditConfig(Model):
    audit: AuditInfo = AuditInfo()
    persona: Persona
    smtp: Smtp | None = None
    mailbox: Mailbox | None = None
    scenarios: Annotated[dict[str, Scenario], Field(min_length=1)]
    companies: Annotated[dict[str, Company], Field(min_length=1)]

    @field_validator("scenarios", "companies")
    @classmethod
    def _slug_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if not re.match(SLUG, key):
                raise ValueError(
                    f"name {key!r} must be lower-case letters, digits, '-' or '_' (it becomes part of ids)"
                )
        return value

    def reference_errors(self) -> list[tuple[tuple[str, ...], str]]:
        """Cross-references a field validator cannot see: (location, message) pairs."""
        errors: list[tuple[tuple[str, ...], str]] = []
        known = ", ".join(sorted(self.scenarios))
        for slug, company in self.companies.items():
            for name in company.scenarios or ():
                if name not in self.scenarios:
                    errors.append(
                        (("companies", slug, "scenarios"), f"no scenario {name!r}; defined are: {known}")
                    )
        return errors


class Audit:
    """A loaded audit: its folder, its validated configuration and the file it came from."""

    def __init__(self, folder: Path, config: AuditConfig, path: Path) -> None:
        self.folder = folder
        self.config = config
        self.path = path

    @classmethod
    def load(cls, folder: Path) -> Audit:
        path = audit_file(folder)  # a folder, or the audit file itself
        return cls(path.parent.resolve(), load_config(path), path)

    def resolve(self, relative: str) -> Path:
        """A path from the audit file, relative to the audit folder."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.folder / candidate


def load_config(path: Path) -> AuditConfig:
    if not path.exists():
        raise ConfigError(f"{path}: no audit file here (create one with `servaudit init {path.parent}`)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the audit file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        config = AuditConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, text, exc, AuditConfig)) from None
    problems = config.reference_errors()
    if problems:
        raise ConfigError("\n".join(located(path, text, loc, message) for loc, message in problems))
    return config
