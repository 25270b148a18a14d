"""Where in audit.toml a problem is: file, line and key, and what the key allows.

tomllib keeps no positions, so lines are found by scanning the text for the key path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError


def located(path: Path, text: str, loc: tuple[int | str, ...], message: str) -> str:
    line = find_line(text, loc)
    key = ".".join(str(part) for part in loc) or "(top level)"
    return f"{path}:{line}: {key}: {message}" if line else f"{path}: {key}: {message}"


def format_validation_error(path: Path, text: str, exc: ValidationError, root: type[BaseModel]) -> str:
    """One line per problem: file:line: key: what is wrong and what is allowed."""
    lines = []
    for error in exc.errors():
        loc = _clean_loc(error["loc"])
        if error["type"].startswith("union_tag"):
            loc = (*loc, "type")  # the discriminator key is what the user got wrong
        lines.append(located(path, text, loc, _describe(error, loc, root)))
    return "\n".join(lines)


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # Pydantic puts the union member's tag into the location ("imap", "maildir"); users never wrote it.
    return tuple(
        part for part in loc if part not in ("imap", "maildir", "function-after[_auth_needs_both()]")
    )


def _describe(error: Any, loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(root, loc[:-1])
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


def _allowed_keys(root: type[BaseModel], parent: tuple[int | str, ...]) -> str:
    """The keys the model at ``parent`` (a path from ``root``) accepts, for an "unknown key" message."""
    model: Any = root
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
