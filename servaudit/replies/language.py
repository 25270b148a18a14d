"""German or English: py3langid's n-gram model, restricted to the two languages replies are read in.

py3langid ships its model LZMA-compressed for all its languages; decompressing it costs about
half a second, more than everything else `servaudit classify` does for one message. The
model restricted to German and English (the same arrays, the other languages' columns left
out) is kept once in the user's cache folder, zlib-compressed, and read from there on every
later start. Scores are computed by py3langid itself from the same numbers, so the result
is the one the full model restricted by ``set_languages(["de", "en"])`` gives.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

LANGUAGES = ("de", "en")


def cache_file() -> Path:
    """Where the restricted model is kept: $XDG_CACHE_HOME/servaudit (default ~/.cache/servaudit)."""
    try:
        release = version("py3langid")
    except PackageNotFoundError:  # pragma: no cover - installed with servaudit
        release = "unknown"
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "servaudit" / f"py3langid-{release}-{'-'.join(LANGUAGES)}.npz"


def _restricted(arrays: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    classes = arrays["classes"].tolist()
    columns = [i for i, c in enumerate(classes) if c in LANGUAGES]
    return {
        **arrays,
        "ptc": np.ascontiguousarray(arrays["ptc"][:, columns]),
        "pc": arrays["pc"][columns],
        "classes": np.array([classes[i] for i in columns]),
    }


def _from_package() -> dict[str, Any]:
    import lzma
    import shutil
    import tempfile

    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    with tempfile.TemporaryFile(suffix=".npz") as tmp:
        with lzma.open(Path(MODEL_DIR) / MODEL_FILE) as src:
            shutil.copyfileobj(src, tmp, length=1 << 20)
        tmp.seek(0)
        with np.load(tmp, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}


def _load_arrays() -> dict[str, Any]:
    import numpy as np

    path = cache_file()
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, KeyError):  # absent or damaged: build it again
        pass
    arrays = _restricted(_from_package())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as out:
            np.savez_compressed(out, **arrays)
        partial.replace(path)
    except OSError:  # a read-only home: read the package's model on every start
        pass
    return arrays


@lru_cache(maxsize=1)
def identifier() -> Any:
    """py3langid's identifier for German and English, probabilities normalised."""
    import numpy as np
    from py3langid.langid import LanguageIdentifier
    from py3langid.modelio import _to_array

    data = _load_arrays()
    found = LanguageIdentifier(
        np.asarray(data["ptc"]),
        np.asarray(data["pc"]),
        data["classes"].tolist(),
        _to_array(data["nextmove"]),
        data["out_feat"].tolist(),
        norm_probs=True,
        tk_row=_to_array(data["nextmove_row"]),
    )
    found.set_languages(list(LANGUAGES))
    return found
