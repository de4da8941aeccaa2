"""The pure date rules of a certificate's life (Decision 26/2026, Art. 4.3, 7.6, 8, 12)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from ocop.certificates import rules
from ocop.registry.rules import add_months, certificate_expiry

D = dt.date


OPENS, CLOSES, GRACE, REVOCATION = 180, 120, 180, 15  # Art. 7.6, 12 and 8, as the settings hold them


def test_expiry_is_36_months_later_hand_stated():
    assert certificate_expiry(D(2026, 8, 31)) == D(2029, 8, 31)
    assert certificate_expiry(D(2026, 11, 30)) == D(2029, 11, 30)
    # A leap day: 36 months later is not a leap year, so the last day of February.
    assert certificate_expiry(D(2028, 2, 29)) == D(2031, 2, 28)
    assert add_months(D(2025, 3, 31), 11) == D(2026, 2, 28)


def test_validity_follows_the_setting(settings):
    """One home for the period: ratings and certificates follow OCOP_CERTIFICATE_MONTHS together."""
    settings.OCOP_CERTIFICATE_MONTHS = 24
    assert certificate_expiry(D(2026, 8, 31)) == D(2028, 8, 31)


def test_reevaluation_window_edges():
    expires = D(2029, 8, 31)
    opens, closes = rules.reevaluation_window(expires, OPENS, CLOSES)
    assert opens == D(2029, 3, 4)  # 180 days before
    assert closes == D(2029, 5, 3)  # 120 days before
    day = dt.timedelta(days=1)
    assert rules.window_state(expires, expires - 180 * day, OPENS, CLOSES) == "open"
    assert rules.window_state(expires, expires - 120 * day, OPENS, CLOSES) == "open"
    assert rules.window_state(expires, expires - 181 * day, OPENS, CLOSES) == "early"
    assert rules.window_state(expires, expires - 119 * day, OPENS, CLOSES) == "late"
    assert rules.window_state(expires, expires, OPENS, CLOSES) == "late"
    assert rules.window_state(expires, expires + day, OPENS, CLOSES) == "expired"


def test_grace_and_revocation_deadline():
    assert rules.grace_end(D(2029, 8, 31), GRACE) == D(2030, 2, 27)
    assert rules.revocation_deadline(D(2026, 11, 20), REVOCATION) == D(2026, 12, 5)


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31)))
def test_expiry_properties(issued):
    expires = certificate_expiry(issued)
    assert expires.year == issued.year + 3
    assert expires.month == issued.month
    assert expires.day <= issued.day
    opens, closes = rules.reevaluation_window(expires, OPENS, CLOSES)
    assert issued < opens < closes < expires
    assert (closes - opens).days == 60


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 1, 1)), st.integers(min_value=-400, max_value=400))
def test_window_state_is_monotonic(expires, offset):
    states = ["early", "open", "late", "expired"]
    today = expires + dt.timedelta(days=offset)
    later = today + dt.timedelta(days=1)
    assert states.index(rules.window_state(expires, today, OPENS, CLOSES)) <= states.index(
        rules.window_state(expires, later, OPENS, CLOSES)
    )
