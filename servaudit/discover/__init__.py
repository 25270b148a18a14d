"""`servaudit discover`: how a customer can reach a company, found by crawling its website.

Modules: options (bounds, politeness, resolution), net (connections, TLS), polite
(per-host gates, robots.txt), page (HTML → facts), extract (facts → channels),
phones, fingerprints (probes/fingerprints/*.toml), crawler (one site), render
(Chromium for JavaScript pages), mailcheck (MX), run (a whole run), model (results),
audit (store, --write-audit, table).

The names below are imported on first use (PEP 562): the report reads discovery results
(``model``) without loading the crawler and its browser.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from servaudit.discover.model import SiteResult
    from servaudit.discover.options import DiscoverOptions, parse_dns_server, parse_resolve
    from servaudit.discover.run import discover, discover_async

__all__ = ["DiscoverOptions", "SiteResult", "discover", "discover_async", "parse_dns_server", "parse_resolve"]

_HOMES = {
    "SiteResult": "servaudit.discover.model",
    "DiscoverOptions": "servaudit.discover.options",
    "parse_dns_server": "servaudit.discover.options",
    "parse_resolve": "servaudit.discover.options",
    "discover": "servaudit.discover.run",
    "discover_async": "servaudit.discover.run",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'servaudit.discover' has no attribute {name!r}")
