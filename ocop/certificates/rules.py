"""Date rules of a certificate's life (Decision 26/2026, Art. 7.6, 8, 12). Pure: no Django import, the
periods passed in (the callers read them from settings; the validity itself is ocop.registry.rules)."""

from __future__ import annotations

import datetime as dt


def reevaluation_window(expires_on: dt.date, opens_days: int, closes_days: int) -> tuple[dt.date, dt.date]:
    """First and last day on which a re-evaluation may be filed: no earlier than 180 and no later than
    120 days before expiry (Art. 7.6), both days included."""
    return expires_on - dt.timedelta(days=opens_days), expires_on - dt.timedelta(days=closes_days)


def window_state(expires_on: dt.date, today: dt.date, opens_days: int, closes_days: int) -> str:
    """'early' before the window, 'open' inside it, 'late' after it closes until expiry, 'expired' after."""
    opens, closes = reevaluation_window(expires_on, opens_days, closes_days)
    if today < opens:
        return "early"
    if today <= closes:
        return "open"
    if today <= expires_on:
        return "late"
    return "expired"


def grace_end(expires_on: dt.date, days: int) -> dt.date:
    """A late filer keeps the certificate until the decision, at most this day (Art. 12)."""
    return expires_on + dt.timedelta(days=days)


def revocation_deadline(finding_date: dt.date, days: int) -> dt.date:
    """Revocation is decided within 15 days of the finding (Art. 8)."""
    return finding_date + dt.timedelta(days=days)
