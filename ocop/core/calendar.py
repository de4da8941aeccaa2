"""Django glue for the working-day calendar (ocop.core.workdays).

Settings (optional, lists of ISO dates "YYYY-MM-DD"), for the swaps the government announces each year
that the ``holidays`` package does not know yet:

    OCOP_EXTRA_DAYS_OFF = ["2027-02-12"]        # announced weekday off ("nghỉ bù")
    OCOP_EXTRA_WORKING_DAYS = ["2027-02-20"]    # the Saturday worked in exchange ("làm bù")

Use ``default_calendar()`` everywhere so every page shows the same deadline and days left.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone

from ocop.core.workdays import WorkCalendar, parse_iso_dates

SETTINGS = ("OCOP_EXTRA_DAYS_OFF", "OCOP_EXTRA_WORKING_DAYS")


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """The province's calendar: the ``holidays`` package plus OCOP_EXTRA_DAYS_OFF / _WORKING_DAYS."""
    try:
        return WorkCalendar(
            extra_days_off=parse_iso_dates(getattr(settings, "OCOP_EXTRA_DAYS_OFF", ()), SETTINGS[0]),
            extra_working_days=parse_iso_dates(getattr(settings, "OCOP_EXTRA_WORKING_DAYS", ()), SETTINGS[1]),
        )
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(str(exc)) from exc


def local_today() -> dt.date:
    """Today in the site's time zone (the day the "days left" count from)."""
    return timezone.localdate()


def days_left(deadline: dt.date, today: dt.date | None = None) -> int:
    """Working days left until ``deadline`` (0 on the day, negative = working days overdue)."""
    return default_calendar().working_days_between(today or local_today(), deadline)


@receiver(setting_changed)
def _reset_calendar(*, setting: str, **kwargs: Any) -> None:
    if setting in SETTINGS:
        default_calendar.cache_clear()
