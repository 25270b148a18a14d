"""`servaudit discover`: how a customer can reach a company, found by crawling its website.

Modules: options (bounds, politeness, resolution), net (connections, TLS), polite
(per-host gates, robots.txt), page (HTML → facts), extract (facts → channels),
phones, fingerprints (probes/fingerprints/*.toml), crawler (one site), render
(Chromium for JavaScript pages), mailcheck (MX), run (a whole run), model (results),
audit (store, --write-audit, table).
"""

from servaudit.discover.model import SiteResult
from servaudit.discover.options import DiscoverOptions, parse_dns_server, parse_resolve
from servaudit.discover.run import discover, discover_async

__all__ = ["DiscoverOptions", "SiteResult", "discover", "discover_async", "parse_dns_server", "parse_resolve"]
