"""The bench scripts are not a package: tests load one by its path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_bench(filename: str, module: str) -> ModuleType:
    """bench/``filename`` as the module ``module`` (registered, as dataclasses need it to be)."""
    spec = importlib.util.spec_from_file_location(module, BENCH / filename)
    assert spec and spec.loader
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[module] = loaded
    spec.loader.exec_module(loaded)
    return loaded
