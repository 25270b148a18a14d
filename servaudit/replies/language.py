"""German or English: py3langid's n-gram model, restricted to the two languages replies are read in.

py3langid ships its model LZMA-compressed for all its languages; decompressing it costs about
half a second, more than everything else `servaudit classify` does for one message. The
model restricted to German and English (the same arrays, the other languages' columns left
out) is kept once in the user's cache folder, zlib-compressed, its large automaton beside it as
raw machine words that are mapped into memory, and read from there on every later start.
Scores are computed by py3langid itself from the same numbers, so the result is the one the
full model restricted by ``set_languages(["de", "en"])`` gives.

Most replies need no model at all: ``obvious`` names the language of a text whose words are to a
good share German function words and not one English one (or the other way round), which the
model tells with near certainty. Over the test messages (the labelled corpus among them) and the
10,000-message benchmark mailbox (20,905 texts) it agrees with the model on every text it
decides: 761 of the 905 test texts, and a third of the benchmark's, whose answers are nouns of
both languages in random order; the rest, mixed or short, go to the model, which is then loaded
(numpy with it) only by a collect that meets such a text. A rule without the share named the
language of eight benchmark texts differently from the model.
"""

from __future__ import annotations

import mmap
import os
import re
from array import array
from collections import Counter
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

LANGUAGES = ("de", "en")

FUNCTION_WORDS = {
    "de": frozenset((
        "und", "der", "die", "das", "ist", "nicht", "sie", "ich", "wir", "ihnen", "ihre", "ihr", "mit",
        "für", "auf", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "zu", "von", "bei",
        "uns", "wird", "werden", "haben", "hat", "sind", "auch", "noch", "nach", "oder", "aber", "wenn",
        "dass", "können", "gerne", "bitte", "vielen", "dank", "grüße", "freundlichen", "sehr", "geehrte",
        "geehrter", "sich", "wie", "kann",
    )),
    "en": frozenset((
        "the", "and", "you", "your", "we", "our", "is", "are", "to", "of", "for", "with", "this", "that",
        "please", "thank", "thanks", "have", "has", "will", "be", "it", "can", "would", "regards", "dear",
        "not", "on", "at", "from",
    )),
}  # fmt: skip
"""Words frequent in one of the two languages and absent from the other (no "in", "an", "was", "so")."""
OBVIOUS = 3
"""Function words of one language, with none of the other, that make a text's language obvious..."""
SHARE = 5
"""... when at least one word in this many is one: in prose they are two in five; a list of nouns
with a "please" and a "thank you" in it is not English."""


def obvious(words: list[str]) -> str | None:
    """``de`` or ``en`` when the words (of the sample the model would read) leave no doubt, else None."""
    # Lower-cased together: no word holds a space, and lower-casing makes none.
    lowered = " ".join(words).lower().split(" ") if words else []
    # Counted by the sets themselves, not word by word in Python (no word is in both sets).
    de = sum(map(FUNCTION_WORDS["de"].__contains__, lowered))
    en = sum(map(FUNCTION_WORDS["en"].__contains__, lowered))
    if de >= OBVIOUS and not en and de * SHARE >= len(words):
        return "de"
    if en >= OBVIOUS and not de and en * SHARE >= len(words):
        return "en"
    return None


def cache_file() -> Path:
    """Where the restricted model is kept: $XDG_CACHE_HOME/servaudit (default ~/.cache/servaudit)."""
    try:
        release = version("py3langid")
    except PackageNotFoundError:  # pragma: no cover - installed with servaudit
        release = "unknown"
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "servaudit" / f"py3langid-{release}-{'-'.join(LANGUAGES)}-split.npz"


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


MOVES = "nextmove"
"""The model's byte automaton (9.8 million transitions, 38 MB): kept beside the cache file as raw
machine words and mapped, not read: only the pages a text walks through are in memory, shared by
collect's judging processes; read through numpy it took two copies of itself (a collect that met
one mixed text peaked at 169 MiB, 111 mapped, 147 read into an array). The files are only ever
replaced whole (written aside, then renamed), so a mapping never sees its file shrink."""


def _moves_file(path: Path) -> Path:
    return path.with_suffix(f".{MOVES}")


def _map_moves(path: Path, count: int) -> memoryview:
    with path.open("rb") as file:
        if os.fstat(file.fileno()).st_size != count * 4:
            raise ValueError(f"{path}: not {count} transitions")
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    return memoryview(mapped).cast("I")


def _load_arrays() -> dict[str, Any]:
    """The restricted model: its small arrays, and the automaton as a mapped table of machine words."""
    import numpy as np

    path = cache_file()
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        arrays[MOVES] = _map_moves(_moves_file(path), int(arrays.pop(f"{MOVES}_count")))
        return arrays
    except (OSError, ValueError, KeyError):  # absent or damaged: build it again
        pass
    arrays = _restricted(_from_package())
    moves = np.ascontiguousarray(arrays.pop(MOVES), dtype=np.uintc)
    arrays[f"{MOVES}_count"] = np.array(len(moves))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for target, write in (
            (_moves_file(path), moves.tofile),
            (path, lambda out: np.savez_compressed(out, **arrays)),
        ):
            partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            with partial.open("wb") as out:
                write(out)
            partial.replace(target)
        del arrays[f"{MOVES}_count"]
        arrays[MOVES] = _map_moves(_moves_file(path), len(moves))
    except (OSError, ValueError):  # a read-only home: built from the package on every start
        arrays.pop(f"{MOVES}_count", None)
        table = array("I")
        table.frombytes(moves.tobytes())
        arrays[MOVES] = table
    return arrays


WALK_CODE = "4b2e01f0b6346863"
"""``code_fingerprint`` of py3langid's ``visit_counts`` (and, below, of ``_raw_score``, which calls it)
that ``visit_counts`` repeats: another version's is used as it is."""
RAW_SCORE_CODE = "a8d83935d286ae0b"
_CHUNK = re.compile(rb"[^ ]+ ?| ")
"""A text's bytes, a word (with the space after it) at a time; together they are the whole text."""
STEPS_KEPT = 20_000
"""Walks of a word from a state that are remembered (a few MB): the words of replies repeat."""


def visit_counts(moves: Any, rowbase: list[int], out: list[int], text: bytes, steps: dict[Any, Any]) -> Any:
    """py3langid's ``visit_counts``: the model's byte automaton walked over ``text``, the features of
    the states passed counted, in the order first met (the scores sum them in that order). The walk
    of a word from a state always ends in the same state past the same features, so it is made once
    and remembered in ``steps``: per byte the walk is two look-ups in Python, per word one."""
    state = 0
    indexes: list[int] = []
    for chunk in _CHUNK.findall(text):
        key = (state, chunk)
        step = steps.get(key)
        if step is None:
            at, found = state, []
            for letter in chunk:
                at = moves[rowbase[at] + letter]
                if out[at] >= 0:
                    found.append(out[at])
            if len(steps) >= STEPS_KEPT:
                steps.clear()
            step = steps[key] = (at, tuple(found))
        state = step[0]
        indexes += step[1]
    return Counter(indexes) if indexes else None


@lru_cache(maxsize=1)
def identifier() -> Any:
    """py3langid's identifier for German and English, probabilities normalised."""
    import numpy as np
    from py3langid import langid
    from py3langid.modelio import _to_array

    from servaudit.replies.reply_patterns import code_fingerprint

    data = _load_arrays()
    known = (
        code_fingerprint(langid.visit_counts) == WALK_CODE
        and code_fingerprint(langid.LanguageIdentifier._raw_score) == RAW_SCORE_CODE
    )
    found = (_word_walking(langid.LanguageIdentifier) if known else langid.LanguageIdentifier)(
        np.asarray(data["ptc"]),
        np.asarray(data["pc"]),
        data["classes"].tolist(),
        data[MOVES],
        data["out_feat"].tolist(),
        norm_probs=True,
        tk_row=_to_array(data["nextmove_row"]),
    )
    found.set_languages(list(LANGUAGES))
    return found


@lru_cache(maxsize=1)
def _word_walking(base: Any) -> Any:
    """py3langid's identifier, its automaton walked a word at a time (``visit_counts``)."""

    class WordWalking(base):  # type: ignore[misc, valid-type]
        __slots__ = ("_steps",)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._steps: dict[Any, Any] = {}

        def _raw_score(self, text: bytes) -> Any:
            visits = visit_counts(self.tk_nextmove, self._rowbase, self.tk_output, text, self._steps)
            if visits:
                return self._sparse_score(visits, self.nb_ptc)
            return super()._raw_score(text)  # no feature: the package's own answer

    return WordWalking
