"""fold(): the accent-insensitive key shared by stored rows and typed queries."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop.core.text import fold


@pytest.mark.parametrize(
    "text, key",
    [
        ("Bánh Tráng  Trảng Bàng", "banh trang trang bang"),
        ("ĐẶC SẢN Đồng Tháp", "dac san dong thap"),
        ("Hợp tác xã Nông nghiệp", "hop tac xa nong nghiep"),
        ("  Muối\ttôm\nTây Ninh ", "muoi tom tay ninh"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_examples(text, key):
    assert fold(text) == key


def test_composed_and_decomposed_forms_fold_alike():
    composed = "Bánh tráng phơi sương"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert fold(composed) == fold(decomposed) == "banh trang phoi suong"


@given(st.text())
def test_fold_is_idempotent_and_has_no_marks(text):
    key = fold(text)
    assert fold(key) == key
    assert not any(unicodedata.category(ch) == "Mn" for ch in key)
    assert "đ" not in key and "  " not in key


@given(
    st.text(
        alphabet="abcdeghiklmnopqrstuvxyáàảãạăắằẳẵặâấầẩẫậđéèẻẽẹêếềểễệíìỉĩịóòỏõọôốồổỗộơớờởỡợúùủũụưứừửữựýỳỷỹỵ "
    )
)
def test_a_folded_word_is_found_in_the_folded_text(text):
    for word in text.split():
        assert fold(word) in fold(text)


def reference_fold(text: str) -> str:
    """The rule on the whole string at once: đ → d, drop combining marks, lower, collapse spaces."""
    stripped = "".join(
        ch
        for ch in unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
        if unicodedata.category(ch) != "Mn"
    )
    return " ".join(stripped.lower().split())


@given(
    st.text(
        alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọ"
        "ốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵĐÁ 0123-/\t\u00a0\u0301",
        max_size=60,
    )
)
def test_word_by_word_fold_equals_the_whole_string_rule(text):
    assert fold(text) == reference_fold(text)
