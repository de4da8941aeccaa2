"""Working-day calendar for Vietnam (pure: no Django import).

Administrative deadlines (e.g. "the commune checks a dossier within 15 working days") are counted in
working days: weekends and Vietnamese public holidays do not count.

Base calendar
-------------
The public holidays come from the ``holidays`` package (python-holidays), Vietnam calendar
(``holidays.country_holidays("VN")``, category "public", the only one it has). It knows:

* Tết Dương lịch (1/1), Tết Nguyên Đán (the eve and the first four days of the lunar year, computed from
  the Vietnamese lunar calendar), Giỗ Tổ Hùng Vương (10/3 lunar), 30/4, 1/5, Quốc khánh 2/9 plus the
  extra day next to it (since 2021), Ngày Văn hóa Việt Nam 24/11 (since 2026);
* the compensatory days off ("nghỉ bù") of the Labour Code: a holiday falling on a weekend is taken on
  the next working day (and the Tết rule that shifts a Tết day falling on Saturday to the day before);
* the day swaps the government announced for past years that the package already records (e.g. 2024:
  Mon 29/4 off, Sat 4/5 worked; 2025: Fri 2/5 off, Sat 26/4 worked; 2026: Mon 31/8 off, Sat 22/8 worked).
  Both sides are used: the day off is a holiday, the swapped Saturday is a working day.

What a province must add each year
----------------------------------
Each year the Prime Minister / Ministry of Home Affairs announces the holiday schedule for civil
servants, often with swaps (a weekday off "nghỉ bù" in exchange for a working Saturday "làm bù"), and
sometimes a longer Tết. The package only knows the swaps published before its release, so any swap it
does not list is data for this calendar:

* ``extra_days_off``: announced days off that the package does not have (the weekday given off);
* ``extra_working_days``: announced working days (usually the Saturday worked in exchange).

These two sets override everything else (weekend, package holidays and package swaps), so they can also
correct the package. A date may not be in both.

Conventions
-----------
* ``add_working_days(start, n)`` is the deadline: the n-th working day strictly AFTER ``start``. A dossier
  received on day D counts its first working day on the next working day after D, whether D is a working
  day or not (a dossier received on a holiday or a Saturday starts counting on the next working day).
  ``n = 0`` returns ``start`` itself.
* ``working_days_between(a, b)`` counts the working days in the half-open interval (a, b] when a <= b and
  is minus the count of (b, a] when a > b (antisymmetric, additive: f(a, b) + f(b, c) == f(a, c)).
  Days left = ``working_days_between(today, deadline)``: positive before the deadline, 0 on the deadline
  day, negative (the working days overdue) afterwards. It is 0 also on a weekend/holiday right after the
  deadline, when no working day has been lost yet: the overdue flag itself is ``today > deadline``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays

COUNTRY = "VN"
DEFAULT_WEEKEND = (5, 6)  # Saturday, Sunday (date.weekday())


@lru_cache(maxsize=256)
def _library_year(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(holidays in ``year``, swapped weekend days worked in ``year``) from the ``holidays`` package."""
    # The next year is loaded too: a swap listed under year Y+1 may move a Saturday of year Y.
    cal = holidays.country_holidays(COUNTRY, years=(year, year + 1))
    days_off = frozenset(d for d in cal if d.year == year)
    worked = frozenset(d for d in cal.weekend_workdays if d.year == year)
    return days_off, worked


def library_holidays(year: int) -> dict[dt.date, str]:
    """The package's public holidays of ``year`` with their Vietnamese names (for display/checks)."""
    cal = holidays.country_holidays(COUNTRY, years=year, language="vi")
    return {d: name for d, name in sorted(cal.items()) if d.year == year}


def _as_dates(values: Iterable[dt.date] | None, label: str) -> frozenset[dt.date]:
    out = set()
    for v in values or ():
        if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
            raise TypeError(f"{label}: expected datetime.date values, got {v!r}")
        out.add(v)
    return frozenset(out)


class WorkCalendar:
    """Vietnamese working-day calendar: the ``holidays`` package plus the province's announced swaps.

    ``extra_days_off``: dates off in addition to the package (e.g. an announced weekday "nghỉ bù").
    ``extra_working_days``: dates worked although weekend/holiday (e.g. the Saturday "làm bù").
    ``weekend``: the weekly rest days as ``date.weekday()`` numbers (Monday = 0).
    See the module docstring for the counting conventions.
    """

    def __init__(
        self,
        extra_days_off: Iterable[dt.date] = (),
        extra_working_days: Iterable[dt.date] = (),
        weekend: Iterable[int] = DEFAULT_WEEKEND,
    ):
        self.extra_days_off = _as_dates(extra_days_off, "extra_days_off")
        self.extra_working_days = _as_dates(extra_working_days, "extra_working_days")
        both = self.extra_days_off & self.extra_working_days
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates both in extra_days_off and extra_working_days: {listed}")
        self.weekend = frozenset(weekend)
        if not self.weekend <= set(range(7)) or len(self.weekend) == 7:
            raise ValueError("weekend must be weekday numbers 0-6 (Monday = 0), not all seven")
        self._years: dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]] = {}

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(extra_days_off={sorted(self.extra_days_off)!r}, "
            f"extra_working_days={sorted(self.extra_working_days)!r}, weekend={sorted(self.weekend)!r})"
        )

    # -- per-year exceptions to the weekly rhythm -------------------------------------------------
    def _year(self, year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
        """(weekdays that are off, weekend days that are worked) in ``year``; cached."""
        cached = self._years.get(year)
        if cached is None:
            lib_off, lib_worked = _library_year(year)
            extra_off = {d for d in self.extra_days_off if d.year == year}
            extra_worked = {d for d in self.extra_working_days if d.year == year}
            off = (lib_off | extra_off) - extra_worked
            worked = (lib_worked | extra_worked) - extra_off
            off_weekdays = frozenset(d for d in off if d.weekday() not in self.weekend)
            worked_weekend = frozenset(d for d in worked if d.weekday() in self.weekend)
            cached = self._years[year] = (off_weekdays, worked_weekend)
        return cached

    # -- API ----------------------------------------------------------------------------------------
    def is_working_day(self, d: dt.date) -> bool:
        off_weekdays, worked_weekend = self._year(d.year)
        if d.weekday() in self.weekend:
            return d in worked_weekend
        return d not in off_weekdays

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after ``d``."""
        return self.add_working_days(d, 1)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after ``start`` (``start`` itself when n == 0)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        d = start
        one = dt.timedelta(days=1)
        while n:
            d += one
            if self.is_working_day(d):
                n -= 1
        return d

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b] if a <= b, else minus those in (b, a]. Days left = f(today, deadline)."""
        if a > b:
            return -self.working_days_between(b, a)
        days = (b - a).days
        workdays_per_week = 7 - len(self.weekend)
        count = days // 7 * workdays_per_week
        for i in range(days % 7):  # the last partial week: (a + 7k, b]
            if (a.weekday() + days // 7 * 7 + i + 1) % 7 not in self.weekend:
                count += 1
        for year in range(a.year, b.year + 1):
            off_weekdays, worked_weekend = self._year(year)
            count -= sum(1 for d in off_weekdays if a < d <= b)
            count += sum(1 for d in worked_weekend if a < d <= b)
        return count


def parse_iso_dates(values: Iterable[str | dt.date] | None, label: str) -> frozenset[dt.date]:
    """ISO dates ("2027-02-05") or date objects -> dates; a clear ValueError for anything else."""
    out = set()
    for v in values or ():
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            out.add(v)
            continue
        try:
            out.add(dt.date.fromisoformat(str(v).strip()))
        except ValueError:
            raise ValueError(f"{label}: {v!r} is not an ISO date (YYYY-MM-DD)") from None
    return frozenset(out)
