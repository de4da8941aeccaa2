"""The validity of a star rating and of the certificate that carries it (Decision 26/2026, Art. 4.3):
OCOP_CERTIFICATE_MONTHS months from the decision. The one place the period is applied: ratings,
imports, certificates and the demo all ask here."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings


def add_months(day: dt.date, months: int) -> dt.date:
    """`months` months after `day`; the 29th–31st become the month's last day when it is shorter."""
    return day + relativedelta(months=months)


def certificate_expiry(decision_date: dt.date) -> dt.date:
    """The last day a rating (and its certificate) decided on `decision_date` is valid."""
    return add_months(decision_date, settings.OCOP_CERTIFICATE_MONTHS)
