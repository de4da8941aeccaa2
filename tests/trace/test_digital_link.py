"""GS1 Digital Link parsing and building (ocop.trace.digital_link): examples and property tests."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean

from ocop.trace import digital_link as dl
from ocop.trace.digital_link import DigitalLinkError

# GS1 General Specifications examples (valid check digits).
GTIN8, GTIN12 = "96385074", "614141123452"
GTIN13, GTIN14 = "8934567890120", "18934567890127"
AI82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def with_check_digit(body: str) -> str:
    return body + ean.calc_check_digit(body)


def test_examples_have_valid_check_digits():
    for gtin in (GTIN8, GTIN12, GTIN13, GTIN14):
        assert ean.is_valid(gtin)


@pytest.mark.parametrize(
    "raw,expected",
    [
        (GTIN8, "000000" + GTIN8),
        (GTIN12, "00" + GTIN12),
        (GTIN13, "0" + GTIN13),
        (GTIN14, GTIN14),
    ],
)
def test_gtin_of_each_length_becomes_gtin14(raw, expected):
    assert dl.normalize_gtin(raw) == expected
    assert dl.parse(f"/01/{raw}").gtin == expected
    assert dl.parse(f"https://ocop.example.vn/01/{raw}/10/L1").gtin == expected


@pytest.mark.parametrize(
    "raw", ["", "12345", "1234567", "123456789", "12345678901", "123456789012345", "abcdefgh"]
)
def test_gtin_of_another_length_or_not_digits_refused(raw):
    with pytest.raises(DigitalLinkError, match="8, 12, 13 or 14 digits"):
        dl.normalize_gtin(raw)


def test_wrong_check_digit_refused_with_a_clear_message():
    bad = GTIN13[:-1] + str((int(GTIN13[-1]) + 1) % 10)
    with pytest.raises(DigitalLinkError, match="check digit"):
        dl.parse(f"/01/{bad}")


def test_lot_serial_and_query_attributes():
    link = dl.parse(f"/01/{GTIN13}/10/L%2F26-01/21/S%3F1?17=261231&linkType=gs1:pip&3103=000195")
    assert link.gtin == "0" + GTIN13
    assert link.lot == "L/26-01"
    assert link.serial == "S?1"
    assert link.expiry == dt.date(2026, 12, 31)
    assert link.attributes == {"17": "261231", "3103": "000195"}  # linkType is not an AI


def test_query_given_apart_from_the_path():
    link = dl.parse(f"/01/{GTIN13}/10/L1", "17=270101")
    assert link.expiry == dt.date(2027, 1, 1)


@pytest.mark.parametrize(
    "path",
    [
        "/01/",
        f"/01/{GTIN13}/10",
        f"/01/{GTIN13}/10/",
        f"/01/{GTIN13}/21/S1",  # a serial without a lot
        f"/01/{GTIN13}/22/CPV",
        f"/01/{GTIN13}/10/L1/21",
        f"/01/{GTIN13}/10/{'A' * 21}",  # lots have at most 20 characters
        f"/01/{GTIN13}/10/L%20%C3%A9",  # space and é are not in GS1 AI encodable set 82
        f"/01/{GTIN13}/10/L1?17=261399",  # month 13
        f"/01/{GTIN13}/10/L1?10=L2",  # the query contradicts the path
        f"/02/{GTIN13}",
        "/",
    ],
)
def test_malformed_refused(path):
    with pytest.raises(DigitalLinkError):
        dl.parse(path)


def test_build():
    assert dl.build("ocop.example.vn", GTIN8) == f"https://ocop.example.vn/01/000000{GTIN8}"
    assert (
        dl.build("ocop.example.vn", GTIN13, lot="L/1", expiry=dt.date(2026, 3, 9))
        == f"https://ocop.example.vn/01/0{GTIN13}/10/L%2F1?17=260309"
    )
    assert dl.build("h:8000", GTIN14, lot="L1", serial="7") == f"https://h:8000/01/{GTIN14}/10/L1/21/7"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"host": "", "gtin": GTIN13},
        {"host": "a/b", "gtin": GTIN13},
        {"host": "h", "gtin": GTIN13[:-1] + "1"},
        {"host": "h", "gtin": GTIN13, "lot": "lô 1"},
        {"host": "h", "gtin": GTIN13, "serial": "S1"},
    ],
)
def test_build_refuses_bad_values(kwargs):
    with pytest.raises(DigitalLinkError):
        dl.build(**kwargs)


def test_epc_uri():
    assert dl.epc_uri(GTIN13, "L/1") == f"https://id.gs1.org/01/0{GTIN13}/10/L%2F1"


# ------------------------------------------------------------------------------------------ properties

gtins = st.sampled_from([7, 11, 12, 13]).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n).map(with_check_digit)
)
lots = st.text(alphabet=AI82, min_size=1, max_size=20)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2049, 12, 31))
hosts = st.sampled_from(["ocop.example.vn", "testserver", "127.0.0.1:8000", "truyxuat.ocop.gov.vn"])


@given(gtin=gtins, lot=st.none() | lots, serial=st.none() | lots, expiry=st.none() | dates, host=hosts)
def test_build_then_parse_round_trip(gtin, lot, serial, expiry, host):
    if serial and not lot:
        serial = None
    uri = dl.build(host, gtin, lot=lot, serial=serial, expiry=expiry)
    parts = urlsplit(uri)
    assert parts.scheme == "https" and parts.netloc == host
    link = dl.parse(uri)
    assert link.gtin == gtin.zfill(14)
    assert (link.lot, link.serial, link.expiry) == (lot, serial, expiry)
    # The path alone (as a resolver sees it) reads the same.
    assert dl.parse(parts.path, parts.query) == link
    assert link.uri(host) == uri


@given(gtin=gtins, delta=st.integers(min_value=1, max_value=9), lot=st.none() | lots)
def test_a_changed_check_digit_is_always_refused(gtin, delta, lot):
    bad = gtin[:-1] + str((int(gtin[-1]) + delta) % 10)
    path = f"/01/{bad}" + (f"/10/{dl.key_path(gtin.zfill(14), lot).split('/10/', 1)[1]}" if lot else "")
    with pytest.raises(DigitalLinkError, match="check digit"):
        dl.parse(path)
    with pytest.raises(DigitalLinkError):
        dl.build("h", bad, lot=lot)
