"""Tax codes and GTINs: properties that must hold for every number, not just a few examples."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import ean
from stdnum.vn import mst

from ocop.registry.identifiers import InvalidIdentifier, is_vietnam_gtin, normalize_gtin, normalize_tax_code


def nine_digits():
    return st.text(alphabet="0123456789", min_size=9, max_size=9)


def check_digit(base: str) -> str | None:
    """The tax-code check digit of 9 digits, or None where the weighted sum leaves a value of 10."""
    value = mst.calc_check_digit(base)
    return value if len(value) == 1 else None


def usable(base: str) -> bool:
    return check_digit(base) is not None and base[2:9] != "0000000"


@given(nine_digits())
def test_nine_digits_with_their_check_digit_validate_and_round_trip(base):
    assume(usable(base))
    code = base + check_digit(base)
    assert normalize_tax_code(code) == code
    assert normalize_tax_code(f" {code[:4]}.{code[4:]} ") == code  # spaces and dots are typing noise
    assert normalize_tax_code(normalize_tax_code(code)) == code


def bases_without_check_digit():
    """9 digits whose weighted sum is a multiple of 11: the last digit d solves 3·d ≡ −sum (mod 11)."""

    def complete(eight: str) -> str | None:
        total = sum(w * int(n) for w, n in zip((31, 29, 23, 19, 17, 13, 7, 5), eight, strict=True))
        last = (-total * 4) % 11  # 4 is the inverse of the last weight, 3, modulo 11
        return eight + str(last) if last < 10 else None

    eights = st.text(alphabet="0123456789", min_size=8, max_size=8)
    return eights.map(complete).filter(lambda base: base is not None)


@given(bases_without_check_digit())
def test_a_base_whose_check_value_is_ten_has_no_valid_code(base):
    assert check_digit(base) is None
    for last in "0123456789":
        with pytest.raises(InvalidIdentifier):
            normalize_tax_code(base + last)


@given(nine_digits(), st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_to_a_tax_code_is_refused(base, position, delta):
    assume(usable(base))
    code = base + check_digit(base)
    changed = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1 :]
    assert changed != code
    with pytest.raises(InvalidIdentifier):
        normalize_tax_code(changed)


@given(nine_digits(), st.integers(min_value=1, max_value=999))
def test_a_branch_code_formats_as_ten_dash_three(base, branch):
    assume(usable(base))
    head = base + check_digit(base)
    raw = f"{head}{branch:03d}"
    formatted = normalize_tax_code(raw)
    assert formatted == f"{head}-{branch:03d}"
    assert len(formatted) == 14 and formatted[10] == "-"
    assert normalize_tax_code(formatted) == formatted


def test_branch_000_is_not_a_branch():
    with pytest.raises(InvalidIdentifier):
        normalize_tax_code("0100109106000")


@given(st.integers(min_value=1, max_value=96), st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_household_personal_id_only_when_allowed(place, rest):
    personal_id = f"{place:03d}{rest}"
    assert normalize_tax_code(personal_id, allow_personal_id=True) == personal_id
    with pytest.raises(InvalidIdentifier):
        normalize_tax_code(personal_id)


@pytest.mark.parametrize("place", ["000", "097", "999"])
def test_personal_id_needs_a_real_birth_place_code(place):
    with pytest.raises(InvalidIdentifier) as info:
        normalize_tax_code(f"{place}190001234", allow_personal_id=True)
    assert str(info.value) == "personal_id"


# --- GTIN ------------------------------------------------------------------------------------------


def gtins():
    """Valid GTIN-8/12/13/14: any digits with their GS1 check digit."""
    return st.sampled_from([7, 11, 12, 13]).flatmap(
        lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n).map(
            lambda b: b + ean.calc_check_digit(b)
        )
    )


@given(gtins())
def test_gtin_normalises_to_14_digits_and_stays_valid(gtin):
    normal = normalize_gtin(gtin)
    assert len(normal) == 14 and normal.isdigit()
    assert normal.lstrip("0") == gtin.lstrip("0")
    assert ean.is_valid(normal)
    assert normalize_gtin(normal) == normal


@given(gtins(), st.data())
def test_any_single_digit_change_to_a_gtin_is_refused(gtin, data):
    position = data.draw(st.integers(min_value=0, max_value=len(gtin) - 1))
    delta = data.draw(st.integers(min_value=1, max_value=9))
    changed = gtin[:position] + str((int(gtin[position]) + delta) % 10) + gtin[position + 1 :]
    with pytest.raises(InvalidIdentifier) as info:
        normalize_gtin(changed)
    assert str(info.value) == "gtin_check_digit"


@pytest.mark.parametrize("value", ["", "1234567", "123456789", "12345678901234567", "8934567abc126"])
def test_gtin_of_the_wrong_shape(value):
    with pytest.raises(InvalidIdentifier) as info:
        normalize_gtin(value)
    assert str(info.value) == "gtin_length"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_vietnam_prefix_is_read_after_the_indicator(rest):
    gtin13 = "893" + rest + ean.calc_check_digit("893" + rest)
    assert is_vietnam_gtin(normalize_gtin(gtin13))
    other = "890" + rest + ean.calc_check_digit("890" + rest)
    assert not is_vietnam_gtin(normalize_gtin(other))


def test_a_tax_code_with_a_wrong_check_digit_is_named_as_such():
    from ocop.registry.identifiers import InvalidIdentifier, normalize_tax_code

    assert normalize_tax_code("0100109106") == "0100109106"
    with pytest.raises(InvalidIdentifier, match="tax_code_check_digit"):
        normalize_tax_code("0100109107")  # the last digit is the check digit
    with pytest.raises(InvalidIdentifier, match="^tax_code$"):
        normalize_tax_code("010010910")  # too short: not a check-digit problem
