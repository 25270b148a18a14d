"""A scenario's language and facts: the audit's own, else the stock scenario of that name (probes/scenarios/).

Kept apart from the quality checks that use them: collect digests every scenario's context on
each run to tell whether anything waits for a decision, without loading any judge.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from servaudit.errors import ConfigError
from servaudit.resources import find, load_toml

if TYPE_CHECKING:
    from servaudit.config import Audit


def stock_scenario(scenario: str, audit_folder: Path | None = None) -> tuple[str | None, tuple[str, ...]]:
    """(language, facts) of the stock scenario probes/scenarios/<name>.toml; (None, ()) when there is none."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", scenario):
        return None, ()
    try:
        find(f"scenarios/{scenario}.toml", "probes", audit_folder)
    except ConfigError:
        return None, ()
    data = load_toml(f"scenarios/{scenario}.toml", audit_folder)
    language = data.get("language")
    return (str(language) if language else None), tuple(str(f) for f in data.get("facts", ()))


def stock_facts(scenario: str, audit_folder: Path | None = None) -> tuple[str, ...]:
    return stock_scenario(scenario, audit_folder)[1]


def scenario_context(audit: Audit, scenario: str | None) -> tuple[str, tuple[str, ...]]:
    """(language, facts) for an inquiry's scenario; facts fall back to the stock scenario of that name."""
    config = audit.config
    found = config.scenarios.get(scenario) if scenario else None
    language = (found.language if found else None) or config.audit.language
    facts = found.facts if found and found.facts else stock_facts(scenario, audit.folder) if scenario else ()
    return language, facts
