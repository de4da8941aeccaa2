"""Validation of the identifiers a producer and a product carry. Pure: no Django import.

Tax codes and GTINs go through python-stdnum; a household business may, since 1 July 2025, use its
owner's 12-digit personal identification number (CCCD), checked here for shape and birth-place code.
"""

from __future__ import annotations

import re

from stdnum import ean
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

GS1_VIETNAM_PREFIX = "893"
_PERSONAL_ID = re.compile(r"^(\d{3})[0-9]\d{8}$")


class InvalidIdentifier(ValueError):
    """Raised with a message key (see ocop.registry.validators for the translated text)."""


def normalize_tax_code(value: str, allow_personal_id: bool = False) -> str:
    """A 10-digit tax code, a 13-digit branch code ('0100109106-001'), or — for household businesses
    — a 12-digit personal identification number. Returns the canonical form."""
    raw = re.sub(r"[\s.]", "", value or "")
    if allow_personal_id and re.fullmatch(r"\d{12}", raw):
        match = _PERSONAL_ID.match(raw)
        if match and 1 <= int(match.group(1)) <= 96:
            return raw
        raise InvalidIdentifier("personal_id")
    try:
        return mst.format(mst.validate(raw))
    except InvalidChecksum as exc:
        raise InvalidIdentifier("tax_code_check_digit") from exc
    except StdnumError as exc:
        raise InvalidIdentifier("tax_code") from exc


def normalize_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 with a valid GS1 check digit, returned as GTIN-14 (zero-padded)."""
    raw = re.sub(r"[\s-]", "", value or "")
    if len(raw) not in (8, 12, 13, 14) or not raw.isdigit():
        raise InvalidIdentifier("gtin_length")
    try:
        ean.validate(raw)
    except StdnumError as exc:
        raise InvalidIdentifier("gtin_check_digit") from exc
    return raw.zfill(14)


def is_vietnam_gtin(gtin14: str) -> bool:
    """True when the GS1 prefix is Vietnam's (893): digits 2–4 of a GTIN-14 (after the indicator)."""
    return gtin14[1:4] == GS1_VIETNAM_PREFIX
