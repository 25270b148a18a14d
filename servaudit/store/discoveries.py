"""Named queries on discoveries (servaudit discover -a): each company's latest crawl result."""

from __future__ import annotations

import json
from typing import Any

from servaudit.store.connection import Connection, upsert
from servaudit.store.records import now, to_text


class DiscoveryQueries(Connection):
    def save_discovery(self, company: str, url: str, result: dict[str, Any]) -> None:
        """Keep a company's latest discovery result (the JSON of servaudit/discover/model.py)."""
        self.db.execute(
            upsert("discoveries", ("company", "url", "discovered_at", "result"), key=("company",)),
            (company, url, to_text(now()), json.dumps(result, ensure_ascii=False)),
        )

    def discoveries(self) -> dict[str, dict[str, Any]]:
        """Company slug → its latest discovery result, with ``discovered_at`` added."""
        rows = self.db.execute("SELECT company, discovered_at, result FROM discoveries ORDER BY company")
        return {
            row["company"]: {**json.loads(row["result"]), "discovered_at": row["discovered_at"]}
            for row in rows
        }
