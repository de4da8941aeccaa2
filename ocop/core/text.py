"""Text helpers with no Django import: Vietnamese-aware folding for accent-insensitive search."""

import unicodedata
from functools import lru_cache

_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFD", word.translate(_EXTRA))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse spaces.

    'Bánh Tráng  Trảng Bàng' → 'banh trang trang bang'. Used both to build a row's search key and to
    fold the query, so that 'banh trang' finds 'Bánh tráng'. Word by word with a cache: imports fold
    tens of thousands of names made of a few hundred distinct words.
    """
    return " ".join(filter(None, (_fold_word(word) for word in (text or "").split())))
