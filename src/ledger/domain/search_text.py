"""Text folding for search: case-, diacritic- and transliteration-insensitive matching.

Names from Kazakh and Russian reach English sources in several romanisations: Bokayev, Bokaev,
BOKAYEV, Bokáev. Both the stored names and the query are folded the same way, then matched as
substrings:

1. ``unidecode`` to ASCII (Cyrillic and accented Latin alike), then lower case;
2. the iotated vowels ``ya yu ye yo`` become ``a u e o`` (Bokayev → bokaev, Yerzhan → erzhan);
3. every remaining ``y`` becomes ``i`` (Dmitriy → dmitrii, Dmitry → dmitri);
4. runs of white space become one space; punctuation is kept, and matched literally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from unidecode import unidecode

_IOTATED = re.compile(r"y([aueo])")
_SEPARATORS = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def fold_text(text: str) -> str:
    """Cached: every stored version of a state folds the same few names again."""
    folded = unidecode(text).lower()
    folded = _IOTATED.sub(r"\1", folded).replace("y", "i")
    return _SEPARATORS.sub(" ", folded).strip()


def search_document(texts: Iterable[str]) -> str:
    """Several fields folded into one searchable text; ``|`` keeps a match inside one field."""
    return "|".join(fold_text(text) for text in texts if text)


def sort_key(name: str) -> str:
    """Alphabetical order as a reader expects it: by the ASCII spelling, ignoring case and
    accents, but without the search folding (which would file "Yaroslav" under A)."""
    return _SEPARATORS.sub(" ", unidecode(name).lower()).strip()
