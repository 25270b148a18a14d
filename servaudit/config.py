"""The audit file: TOML validated into typed models, with errors that name file, line and key."""

from __future__ import annotations

import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from servaudit.addresses import ascii_address, ascii_host
from servaudit.errors import ConfigError
from servaudit.secrets import SecretRef

AUDIT_FILE = "audit.toml"
CHANNEL_KEYS = ("email", "form", "chat")
"""Company keys that name a channel, in the order reports list them."""
SLUG = r"^[a-z0-9][a-z0-9_-]*$"
MAX_NETWORK_TIMEOUT = 600
"""Seconds: a relay or mailbox that needs longer is down, and a run must not hang on it."""


def _web_address(value: str) -> str:
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


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'{value!r} is not a time zone (e.g. "Europe/Berlin" or "UTC")') from None
    return value


WebAddress = Annotated[str, AfterValidator(_web_address)]
"""The page of a form or a chat: an http(s) URL."""
EmailAddress = Annotated[str, AfterValidator(ascii_address)]
"""An e-mail address, kept with its domain in IDNA A-labels (what the relay and replies use)."""
HostName = Annotated[str, AfterValidator(ascii_host)]
"""A host name (IDNA A-labels) or an IP address."""
NetworkTimeout = Annotated[float, Field(gt=0, le=MAX_NETWORK_TIMEOUT)]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class Model(BaseModel):
    # Unknown keys are errors: a typo in an audit file must not silently drop a setting.
    # inf and nan are refused everywhere: a timeout of inf hangs, a weight of nan poisons a score.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


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
        if not self.days:
            raise ValueError("days is empty: the business week needs at least one working day")
        if self.closes != "24:00" and self.closes <= self.opens:
            raise ValueError(f"closes ({self.closes}) must be after opens ({self.opens})")
        if self.holidays:
            from servaudit.measure.businesshours import holiday_region_error

            problem = holiday_region_error(self.holidays)
            if problem:
                raise ValueError(problem)
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
    timezone: Annotated[str, AfterValidator(_timezone)] = "UTC"
    """The time zone of the report's dates and of the business hours, e.g. "Europe/Berlin"."""
    business_hours: BusinessHours = BusinessHours()
    score: Scoring = Scoring()
    chromium: str | None = None
    """Path of the Chromium to drive for form and chat probes (default: found automatically)."""
    store: str | None = None
    """Database URL (sqlite:///relative.sqlite or sqlite:////absolute.sqlite).

    Default: servaudit.sqlite in the audit folder."""

    @field_validator("store")
    @classmethod
    def _store_url(cls, value: str | None) -> str | None:
        if value is not None:
            from servaudit.store import sqlite_path

            try:
                sqlite_path(value, Path("."))
            except ConfigError as exc:
                raise ValueError(str(exc).removeprefix(f"audit.store = {value!r}: ")) from None
        return value


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


class Scenario(Model):
    subject: Annotated[str, Field(min_length=1, max_length=250, pattern=r"^[^\r\n]*$")]
    """One line: a header cannot hold a line break."""
    body: Annotated[str, Field(min_length=1, max_length=50_000)]
    language: Literal["de", "en"] | None = None
    facts: tuple[str, ...] = ()
    """What a complete answer states; used by quality scoring."""
    followups: tuple[str, ...] = ()
    """Further chat messages, each sent after the agent's previous answer (chat only)."""


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
    fields: dict[str, str] = {}
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


class Company(Model):
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
    email: EmailAddress | None = None
    form: FormSettings | None = None
    """The contact form's URL, or a [companies.<slug>.form] table with url, fields and submit."""
    website: str | None = None
    domains: tuple[HostName, ...] = ()
    """Extra sender domains whose replies belong to this company (helpdesk vendors)."""
    scenarios: Annotated[tuple[str, ...], Field(min_length=1)] | None = None
    """Scenario names to send; default: all scenarios of the audit."""
    chat: ChatSettings | None = None
    """The page with the company's chat widget (a URL), or a table of chat settings."""

    @field_validator("form", mode="before")
    @classmethod
    def _form_url(cls, value: Any) -> Any:
        # `form = "https://…"` is short for `form = { url = "https://…" }`.
        return {"url": value} if isinstance(value, str) else value

    @field_validator("chat", mode="before")
    @classmethod
    def _chat_url(cls, value: Any) -> Any:
        # `chat = "https://…"` is short for `chat = { url = "https://…" }`.
        return {"url": value} if isinstance(value, str) else value

    @property
    def channels(self) -> dict[str, str]:
        """Channel name → where inquiries go; a channel's settings are a string or have ``.target``."""
        found = {}
        for name in CHANNEL_KEYS:
            value = getattr(self, name, None)
            if value is not None:
                found[name] = value if isinstance(value, str) else value.target
        return found


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
        # A folder, or the audit file itself (any name ending in .toml).
        path = folder if folder.suffix == ".toml" and not folder.is_dir() else folder / AUDIT_FILE
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
        raise ConfigError(format_validation_error(path, text, exc)) from None
    problems = config.reference_errors()
    if problems:
        raise ConfigError("\n".join(located(path, text, loc, message) for loc, message in problems))
    return config


def located(path: Path, text: str, loc: tuple[int | str, ...], message: str) -> str:
    line = find_line(text, loc)
    key = ".".join(str(part) for part in loc) or "(top level)"
    return f"{path}:{line}: {key}: {message}" if line else f"{path}: {key}: {message}"


def format_validation_error(path: Path, text: str, exc: ValidationError) -> str:
    """One line per problem: file:line: key: what is wrong and what is allowed."""
    lines = []
    for error in exc.errors():
        loc = _clean_loc(error["loc"])
        if error["type"].startswith("union_tag"):
            loc = (*loc, "type")  # the discriminator key is what the user got wrong
        lines.append(located(path, text, loc, _describe(error, loc)))
    return "\n".join(lines)


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # Pydantic puts the union member's tag into the location ("imap", "maildir"); users never wrote it.
    return tuple(
        part for part in loc if part not in ("imap", "maildir", "function-after[_auth_needs_both()]")
    )


def _describe(error: Any, loc: tuple[int | str, ...]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return f"unknown key; allowed here: {allowed}" if allowed else "unknown key"
    if kind == "missing":
        return "required but missing"
    if kind == "literal_error":
        return f"must be one of {error['ctx']['expected']}, not {error['input']!r}"
    if kind == "string_pattern_mismatch":
        if loc and loc[-1] == "name":
            return "must not be empty or only spaces"
        if loc and loc[-1] == "subject":
            return "must be one line (a header cannot hold a line break)"
        if loc and loc[-1] in ("opens", "closes"):
            return f"{error['input']!r} is not a time of day as HH:MM"
        return f"{error['input']!r} does not have the required form"
    if kind == "union_tag_invalid":
        return f"must be one of {error['ctx']['expected_tags']}, not {error['ctx']['tag']!r}"
    if kind == "union_tag_not_found":
        return 'needs a \'type\' key: "imap" or "maildir"'
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{error['msg'].rstrip('.')} (got {error['input']!r})" if "input" in error else error["msg"]


def _allowed_keys(parent: tuple[int | str, ...]) -> str:
    """The keys the model at ``parent`` accepts, for an "unknown key" message."""
    model: Any = AuditConfig
    skip_user_key = False
    for part in parent:
        if skip_user_key:  # a name the user chose, e.g. the slug in companies.<slug>
            skip_user_key = False
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return ""
        annotation = fields[part].annotation
        skip_user_key = get_origin(annotation) is dict
        model = _model_in(annotation)
    return ", ".join(getattr(model, "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as ``dict[str, Company]`` or ``Smtp | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def find_line(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Best-effort line of a key path in a TOML text (tomllib keeps no positions).

    Tracks the current [table] header while scanning; finds `key =` under the
    table named by all but the last part, or the table header itself.
    """
    parts = [str(p) for p in loc]
    if not parts:
        return None
    table: list[str] = []
    header_line: dict[tuple[str, ...], int] = {}
    best_prefix = (0, 0)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            table = [p.strip().strip('"') for p in header.group(1).split(".")]
            header_line.setdefault(tuple(table), number)
            continue
        assignment = re.match(r'^"?([A-Za-z0-9_.-]+)"?\s*=', line)
        if assignment:
            full = [*table, *assignment.group(1).split(".")]
            if full == parts:
                return number
            # An inline table (`score = { weights = … }`) holds the key on its own line.
            if len(full) > best_prefix[0] and parts[: len(full)] == full:
                best_prefix = (len(full), number)
    if best_prefix[1]:
        return best_prefix[1]
    # Not assigned directly: the table itself, or the first table below it (companies -> [companies.x]).
    for size in range(len(parts), 0, -1):
        below = [line for header, line in header_line.items() if list(header[:size]) == parts[:size]]
        if below:
            return min(below)
    return None
