"""Working-day deadlines (ocop.core.workdays) — examples counted by hand, and properties."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from ocop.core.calendar import days_left, default_calendar
from ocop.core.workdays import WorkCalendar, library_holidays, parse_iso_dates

D = dt.date
CAL = WorkCalendar()


def naive_count(cal, a, b):
    """Reference count of working days in (a, b] (a <= b), one day at a time."""
    n, d = 0, a
    while d < b:
        d += dt.timedelta(days=1)
        n += cal.is_working_day(d)
    return n


# -- what the holidays package gives ----------------------------------------------------------------


@pytest.mark.parametrize(
    "tet",
    [D(2024, 2, 10), D(2025, 1, 29), D(2026, 2, 17), D(2027, 2, 6), D(2028, 1, 26)],
)
def test_tet_nguyen_dan_dates(tet):
    names = library_holidays(tet.year)
    assert names[tet] == "Tết Nguyên Đán"
    # The eve and the first four days of the lunar year are days off.
    for delta in range(-1, 4):
        assert tet + dt.timedelta(days=delta) in names


def test_tet_2026_matches_the_official_14_to_22_february():
    # The official schedule: Sat 14/2 to Sun 22/2/2026 off. The package has Mon 16 - Fri 20 (eve + days
    # 1-4); the four other days are weekend days, so the working days are the same.
    for day in range(14, 23):
        assert not CAL.is_working_day(D(2026, 2, day)), day
    assert CAL.is_working_day(D(2026, 2, 13))
    assert CAL.is_working_day(D(2026, 2, 23))


def test_fixed_holidays_2026():
    for d in [
        D(2026, 1, 1),
        D(2026, 4, 27),  # Giỗ Tổ Hùng Vương (Sun 26/4) taken on Monday
        D(2026, 4, 30),
        D(2026, 5, 1),
        D(2026, 8, 31),  # swapped with Saturday 22/8
        D(2026, 9, 1),
        D(2026, 9, 2),
        D(2026, 11, 24),  # Ngày Văn hóa Việt Nam
    ]:
        assert d.weekday() < 5
        assert not CAL.is_working_day(d), d
    assert CAL.is_working_day(D(2026, 8, 22))  # the Saturday worked in exchange
    assert not CAL.is_working_day(D(2026, 8, 29))  # an ordinary Saturday


def test_swaps_across_a_year_boundary_and_past_years():
    # 2025: Fri 2/5 off, Sat 26/4 worked; 2024: Mon 29/4 off, Sat 4/5 worked.
    assert not CAL.is_working_day(D(2025, 5, 2))
    assert CAL.is_working_day(D(2025, 4, 26))
    assert not CAL.is_working_day(D(2024, 4, 29))
    assert CAL.is_working_day(D(2024, 5, 4))
    # 2015: Fri 2/1/2015 off, in exchange for Saturday 27/12/2014 (listed under 2015).
    assert not CAL.is_working_day(D(2015, 1, 2))
    assert CAL.is_working_day(D(2014, 12, 27))


# -- deadlines counted by hand ----------------------------------------------------------------------


def test_fifteen_working_days_across_tet_2026():
    # Received Fri 13/2/2026. 14-22/2 off (weekends + Tết). Working days: 23-27/2 (1-5), 2-6/3 (6-10),
    # 9-13/3 (11-15) -> Fri 13/3/2026. Without Tết it would be Fri 6/3.
    assert CAL.add_working_days(D(2026, 2, 13), 15) == D(2026, 3, 13)
    assert CAL.working_days_between(D(2026, 2, 13), D(2026, 3, 13)) == 15
    assert CAL.working_days_between(D(2026, 2, 13), D(2026, 2, 22)) == 0


def test_across_tet_2025():
    # Received Thu 23/1/2025: Fri 24/1 (1); 25/1-2/2 off; Mon 3/2 .. Fri 7/2 (2-6); Mon 10/2 .. (7-11),
    # 17-21/2 (12-16) -> 15th = Thu 20/2/2025.
    assert CAL.add_working_days(D(2025, 1, 23), 15) == D(2025, 2, 20)


def test_across_30_4_and_1_5_2026():
    # Received Wed 22/4/2026: Thu 23 (1), Fri 24 (2), Mon 27 off (Hùng Vương observed), Tue 28 (3),
    # Wed 29 (4), Thu 30/4 + Fri 1/5 off, weekend, Mon 4/5 (5).
    assert CAL.add_working_days(D(2026, 4, 22), 5) == D(2026, 5, 4)


def test_across_2_9_2026():
    # Received Fri 28/8/2026: weekend, Mon 31/8, Tue 1/9, Wed 2/9 off -> Thu 3/9 (1), Fri 4/9 (2), Mon 7/9 (3)
    assert CAL.add_working_days(D(2026, 8, 28), 3) == D(2026, 9, 7)
    # Received Fri 21/8/2026: Sat 22/8 is a working day (swap) -> it counts as day 1.
    assert CAL.add_working_days(D(2026, 8, 21), 1) == D(2026, 8, 22)


def test_weekends():
    # Received Fri 6/3/2026: Mon 9/3 is day 1, the 5th is Fri 13/3, the 6th is Mon 16/3.
    assert CAL.add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)
    assert CAL.add_working_days(D(2026, 3, 6), 5) == D(2026, 3, 13)
    assert CAL.add_working_days(D(2026, 3, 6), 6) == D(2026, 3, 16)
    assert CAL.next_working_day(D(2026, 3, 7)) == D(2026, 3, 9)  # Saturday -> Monday


def test_start_on_a_holiday_or_weekend():
    # Received on Tết day (Tue 17/2/2026): counting starts at the next working day, Mon 23/2.
    assert CAL.add_working_days(D(2026, 2, 17), 1) == D(2026, 2, 23)
    assert CAL.add_working_days(D(2026, 2, 17), 15) == D(2026, 3, 13)
    # Received Saturday 14/3/2026: Mon 16/3 is day 1.
    assert CAL.add_working_days(D(2026, 3, 14), 1) == D(2026, 3, 16)


def test_n_zero_and_negative():
    assert CAL.add_working_days(D(2026, 2, 17), 0) == D(2026, 2, 17)
    assert CAL.add_working_days(D(2026, 3, 10), 0) == D(2026, 3, 10)
    with pytest.raises(ValueError):
        CAL.add_working_days(D(2026, 3, 10), -1)


def test_days_left_sign():
    deadline = D(2026, 3, 13)  # Friday
    assert CAL.working_days_between(D(2026, 3, 11), deadline) == 2
    assert CAL.working_days_between(deadline, deadline) == 0
    assert CAL.working_days_between(D(2026, 3, 14), deadline) == 0  # Saturday after: no working day lost
    assert CAL.working_days_between(D(2026, 3, 16), deadline) == -1  # overdue by one working day
    assert CAL.working_days_between(D(2026, 3, 20), deadline) == -5


# -- province data: announced swaps -----------------------------------------------------------------


def test_extra_days_off_and_working_days():
    # Suppose the province announces Mon 23/2/2026 off and Sat 7/3/2026 worked in exchange.
    cal = WorkCalendar(extra_days_off={D(2026, 2, 23)}, extra_working_days={D(2026, 3, 7)})
    assert not cal.is_working_day(D(2026, 2, 23))
    assert cal.is_working_day(D(2026, 3, 7))
    # 24-27/2 (1-4), 2-6/3 (5-9), Sat 7/3 (10), 9-13/3 (11-15): the swap leaves the deadline on 13/3.
    assert cal.add_working_days(D(2026, 2, 13), 15) == D(2026, 3, 13)
    assert cal.add_working_days(D(2026, 2, 13), 10) == D(2026, 3, 7)
    only_off = WorkCalendar(extra_days_off={D(2026, 2, 23)})
    assert only_off.add_working_days(D(2026, 2, 13), 15) == D(2026, 3, 16)


def test_extras_override_the_package():
    # A day the package has off can be declared worked, and a package swap-Saturday declared off.
    cal = WorkCalendar(extra_working_days={D(2026, 11, 24)}, extra_days_off={D(2026, 8, 22)})
    assert cal.is_working_day(D(2026, 11, 24))
    assert not cal.is_working_day(D(2026, 8, 22))


def test_bad_calendar_input():
    with pytest.raises(ValueError, match="2026-03-09"):
        WorkCalendar(extra_days_off={D(2026, 3, 9)}, extra_working_days={D(2026, 3, 9)})
    with pytest.raises(TypeError):
        WorkCalendar(extra_days_off={"2026-03-09"})
    with pytest.raises(ValueError):
        WorkCalendar(weekend=range(7))
    with pytest.raises(ValueError, match="ISO date"):
        parse_iso_dates(["9/3/2026"], "X")


# -- Django settings --------------------------------------------------------------------------------


def test_default_calendar_reads_settings():
    assert default_calendar().is_working_day(D(2027, 2, 12))  # Friday after Tết 2027
    with override_settings(OCOP_EXTRA_DAYS_OFF=["2027-02-12"], OCOP_EXTRA_WORKING_DAYS=["2027-02-20"]):
        cal = default_calendar()
        assert not cal.is_working_day(D(2027, 2, 12))
        assert cal.is_working_day(D(2027, 2, 20))
        assert days_left(D(2027, 2, 15), today=D(2027, 2, 11)) == 1  # 12/2 off, weekend, Mon 15/2
    assert default_calendar().is_working_day(D(2027, 2, 12))
    assert days_left(D(2027, 2, 15), today=D(2027, 2, 11)) == 2


def test_default_calendar_bad_setting():
    with override_settings(OCOP_EXTRA_DAYS_OFF=["12/02/2027"]), pytest.raises(ImproperlyConfigured):
        default_calendar()


# -- properties -------------------------------------------------------------------------------------

dates = st.dates(min_value=D(2015, 1, 1), max_value=D(2030, 12, 31))
counts = st.integers(min_value=0, max_value=60)
day_sets = st.sets(st.dates(min_value=D(2025, 12, 1), max_value=D(2027, 3, 31)), max_size=8)


@settings(max_examples=200, deadline=None)
@given(dates, st.integers(min_value=1, max_value=60))
def test_deadline_is_a_working_day(d, n):
    assert CAL.is_working_day(CAL.add_working_days(d, n))


@settings(max_examples=200, deadline=None)
@given(dates, counts)
def test_between_inverts_add(d, n):
    deadline = CAL.add_working_days(d, n)
    assert CAL.working_days_between(d, deadline) == n
    assert CAL.working_days_between(deadline, d) == -n


@settings(max_examples=200, deadline=None)
@given(dates, counts)
def test_monotonic_in_n(d, n):
    assert CAL.add_working_days(d, n) < CAL.add_working_days(d, n + 1)


@settings(max_examples=200, deadline=None)
@given(dates, st.integers(min_value=0, max_value=800))
def test_between_matches_day_by_day_count(a, span):
    b = a + dt.timedelta(days=span)
    assert CAL.working_days_between(a, b) == naive_count(CAL, a, b)


@settings(max_examples=100, deadline=None)
@given(dates, dates, dates)
def test_between_is_additive(a, b, c):
    assert CAL.working_days_between(a, b) + CAL.working_days_between(b, c) == CAL.working_days_between(a, c)


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=D(2025, 12, 1), max_value=D(2027, 2, 28)), counts, day_sets)
def test_extra_days_off_only_push_later(d, n, off):
    cal = WorkCalendar(extra_days_off=off)
    assert cal.add_working_days(d, n) >= CAL.add_working_days(d, n)
    b = d + dt.timedelta(days=90)
    assert cal.working_days_between(d, b) == naive_count(cal, d, b)


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=D(2025, 12, 1), max_value=D(2027, 2, 28)), counts, day_sets)
def test_extra_working_days_only_pull_earlier(d, n, worked):
    cal = WorkCalendar(extra_working_days=worked)
    assert cal.add_working_days(d, n) <= CAL.add_working_days(d, n)
    b = d + dt.timedelta(days=90)
    assert cal.working_days_between(d, b) == naive_count(cal, d, b)


@settings(max_examples=100, deadline=None)
@given(dates, counts, st.sets(st.sampled_from(range(7)), min_size=0, max_size=3))
def test_other_weekends(d, n, weekend):
    cal = WorkCalendar(weekend=weekend)
    deadline = cal.add_working_days(d, n)
    assert cal.working_days_between(d, deadline) == n
    assert cal.working_days_between(d, d + dt.timedelta(days=40)) == naive_count(
        cal, d, d + dt.timedelta(days=40)
    )
