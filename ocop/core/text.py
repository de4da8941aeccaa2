"""Text helpers with no Django import: Vietnamese-aware folding for accent-insensitive search."""

import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse spaces.

    'Bánh Tráng  Trảng Bàng' → 'banh trang trang bang'.

    Used both to build a row's search key and to fold the query, so that 'banh trang' finds 'Bánh tráng'.
    """
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())
