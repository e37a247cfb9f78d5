"""Text folded character by character, so that a match in the folded text has the same span
in the original: :func:`scoring.load.names.fold` applied to each character (case and accents
dropped; a character that folds to nothing becomes a space; newlines and tabs stay)."""

from __future__ import annotations

from functools import lru_cache

from scoring.load.names import fold


@lru_cache(maxsize=4096)
def _char(c: str) -> str:
    f = fold(c)
    if f:
        return f[0]
    return c if c in "\n\t" else " "


def fold_keep(text: str) -> str:
    """``text`` folded with every character kept in place: ``len(fold_keep(t)) == len(t)``."""
    return "".join(_char(c) for c in text)
