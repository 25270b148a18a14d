"""servaudit: a mystery shopper for customer service.

The engine is usable from Python as well as from the command line::

    from servaudit import Audit, run, collect, write_report
    audit = Audit.load(Path("my-audit"))

The names are imported on first use (PEP 562), so that a command such as
``servaudit --help`` does not load the browser, the report renderer and the
classifier it never needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from servaudit.collect import collect
    from servaudit.config import Audit
    from servaudit.engine import run
    from servaudit.report import write_report

__all__ = ["Audit", "collect", "run", "write_report"]
__version__ = "0.1.0"

_HOMES = {
    "Audit": "servaudit.config",
    "collect": "servaudit.collect",
    "run": "servaudit.engine",
    "write_report": "servaudit.report",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'servaudit' has no attribute {name!r}")
