"""The store is the only doorway: no SQL, no connection, no sqlite3 or psycopg outside servaudit/store/.

A grep over the package's source, so that a caller who needs a new query adds a named one to the
store instead of passing SQL in or running it beside the store.
"""

from __future__ import annotations

import re
from pathlib import Path

import servaudit

PACKAGE = Path(servaudit.__file__).parent
STORE = PACKAGE / "store"

FORBIDDEN = {
    "a statement run": re.compile(r"\.(execute|executemany|executescript)\s*\("),
    "the store's connection": re.compile(r"\bstore\.db\b|\.db\.(execute|cursor|commit)"),
    "SQL": re.compile(
        r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
        r"|(CREATE|ALTER|DROP)\s+(TABLE|INDEX)|PRAGMA\s+\w+|BEGIN\s+IMMEDIATE|SAVEPOINT\s)\b"
    ),
    "sqlite3": re.compile(r"^\s*(import|from)\s+sqlite3\b", re.MULTILINE),
    "psycopg": re.compile(r"^\s*(import|from)\s+psycopg\b", re.MULTILINE),
    "an SQL fragment passed in": re.compile(r"\bwhere=(?!=)|\.messages\(\s*[\"']"),
}

ALLOWED = {
    ("exits.py", "sqlite3"): "tells sqlite3's own errors (a full disk, a damaged file) by their exit code",
}
"""(file below servaudit/, rule) → why it may: each exception says what it is for."""


def offences(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.is_relative_to(STORE):
            continue
        relative = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        for rule, pattern in FORBIDDEN.items():
            if (relative, rule) in ALLOWED:
                continue
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"servaudit/{relative}:{line}: {rule}: {match.group(0)!r}")
    return found


def test_no_sql_outside_the_store() -> None:
    assert offences(PACKAGE) == [], "use or add a named query in servaudit/store/ instead"


def test_the_grep_finds_what_it_forbids(tmp_path: Path) -> None:
    """The rules are not vacuous: each one catches the code it is meant to catch."""
    (tmp_path / "grading.py").write_text(
        "import sqlite3\n"
        "from psycopg import sql\n"
        "def f(store):\n"
        "    store.db.execute(\"DELETE FROM classifications WHERE origin='manual'\")\n"
        "    return store.messages(\"m.inquiry_id = ?\", ('x',)), store.find(where='1=1')\n"
    )
    rules = {line.split(": ")[1] for line in offences(tmp_path)}
    assert rules == set(FORBIDDEN)


def test_the_store_imports_nothing_above_errors() -> None:
    """The store sits at the bottom: errors, timing and the leaves labels, scrubbing, judgement."""
    allowed = {"servaudit.errors", "servaudit.timing", "servaudit.labels", "servaudit.scrubbing"}
    allowed.add("servaudit.judgement")
    imports = re.compile(r"^\s*(?:from|import)\s+(servaudit(?:\.\w+)*)", re.MULTILINE)
    outside = sorted(
        f"{path.relative_to(PACKAGE).as_posix()}: {name}"
        for path in STORE.rglob("*.py")
        for name in imports.findall(path.read_text(encoding="utf-8"))
        if not name.startswith("servaudit.store") and name not in allowed
    )
    assert outside == []
