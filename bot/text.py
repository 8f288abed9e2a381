"""Normalising what people type: case, accents, punctuation and spacing do not change its meaning."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w\s]", re.UNICODE)
_SPACES = re.compile(r"\s+")


def fold_accents(text: str) -> str:
    """ "Crédito" → "Credito"; ñ becomes n as well (for matching only, never for display)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces: "¡No más!" → "no mas"."""
    folded = fold_accents(text).lower()
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", folded)).strip()
