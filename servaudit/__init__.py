"""servaudit: a mystery shopper for customer service.

The engine is usable from Python as well as from the command line::

    from servaudit import Audit, run, collect, write_report
    audit = Audit.load(Path("my-audit"))
"""

from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.report import write_report

__all__ = ["Audit", "collect", "run", "write_report"]
__version__ = "0.1.0"
