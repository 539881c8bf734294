from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.workdays import add_working_days, is_working_day, orthodox_easter, public_holidays

FIXED_HOLIDAYS = [
    (1, 1),
    (1, 2),
    (1, 7),
    (1, 19),
    (3, 3),
    (3, 8),
    (4, 9),
    (5, 9),
    (5, 12),
    (5, 26),
    (8, 28),
    (10, 14),
    (11, 23),
]


@pytest.mark.parametrize(
    "easter",
    [
        date(2021, 5, 2),
        date(2023, 4, 16),
        date(2024, 5, 5),
        date(2025, 4, 20),
        date(2026, 4, 12),
        date(2027, 5, 2),
    ],
)
def test_orthodox_easter_matches_known_dates(easter):
    assert orthodox_easter(easter.year) == easter


@given(st.integers(min_value=1900, max_value=2099))
def test_orthodox_easter_is_a_sunday_in_spring(year):
    easter = orthodox_easter(year)
    assert easter.weekday() == 6
    # Julian 22 March..25 April is Gregorian 4 April..8 May throughout 1900-2099.
    assert date(year, 4, 4) <= easter <= date(year, 5, 8)


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026, 2027])
@pytest.mark.parametrize(("month", "day"), FIXED_HOLIDAYS)
def test_every_fixed_holiday_is_present(year, month, day):
    assert date(year, month, day) in public_holidays(year)
    assert not is_working_day(date(year, month, day))


def test_family_day_counts_only_from_2024():
    assert public_holidays(2025)[date(2025, 5, 17)] == "Family Sanctity and Respect for Parents Day"
    assert public_holidays(2024)[date(2024, 5, 17)] == "Family Sanctity and Respect for Parents Day"
    assert date(2023, 5, 17) not in public_holidays(2023)
    assert is_working_day(date(2023, 5, 17))  # a Wednesday


def test_easter_holidays_2026():
    holidays = public_holidays(2026)
    assert holidays[date(2026, 4, 10)] == "Good Friday"
    assert holidays[date(2026, 4, 11)] == "Holy Saturday"
    assert holidays[date(2026, 4, 12)] == "Easter Sunday"
    assert holidays[date(2026, 4, 13)] == "Easter Monday"


def test_holiday_counts():
    # 13 fixed + 4 Easter days; 17 May only from 2024.
    assert len(public_holidays(2023)) == 17
    assert len(public_holidays(2025)) == 18


def test_easter_on_a_fixed_holiday_keeps_both_names():
    # Orthodox Easter 2029 is 8 April, so Easter Monday is 9 April, National Unity Day.
    assert orthodox_easter(2029) == date(2029, 4, 8)
    holidays = public_holidays(2029)
    assert holidays[date(2029, 4, 9)] == "National Unity Day / Easter Monday"
    assert len(holidays) == 17


def test_public_holidays_are_sorted_and_a_copy():
    holidays = public_holidays(2025)
    assert list(holidays) == sorted(holidays)
    holidays.clear()
    assert len(public_holidays(2025)) == 18


def test_weekend_holidays_are_not_moved_to_monday():
    # Victory Day 2026 is a Saturday and Women's Day 2026 a Sunday; the Mondays after stay working.
    assert date(2026, 5, 9).weekday() == 5
    assert is_working_day(date(2026, 5, 11))
    assert date(2026, 3, 8).weekday() == 6
    assert is_working_day(date(2026, 3, 9))


def test_weekends_are_not_working_days():
    assert is_working_day(date(2025, 6, 13))  # Friday
    assert not is_working_day(date(2025, 6, 14))  # Saturday
    assert not is_working_day(date(2025, 6, 15))  # Sunday
    assert is_working_day(date(2025, 6, 16))  # Monday


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # June 2025 has no holidays. Fri 13 + 1: Sat, Sun skipped -> Mon 16.
        (date(2025, 6, 13), 1, date(2025, 6, 16)),
        # Fri 13 + 0: already a working day.
        (date(2025, 6, 13), 0, date(2025, 6, 13)),
        # Sat 14 + 0: rolls forward to Mon 16.
        (date(2025, 6, 14), 0, date(2025, 6, 16)),
        # Sat 14 + 1: the start is never counted; the first working day after it is Mon 16.
        (date(2025, 6, 14), 1, date(2025, 6, 16)),
        # Sat 14 + 2: Mon 16, Tue 17.
        (date(2025, 6, 14), 2, date(2025, 6, 17)),
        # Mon 16 + 5: Tue 17 .. Fri 20 is 4, then Mon 23.
        (date(2025, 6, 16), 5, date(2025, 6, 23)),
        # Wed 11 + 10: Thu 12, Fri 13, Mon 16..Fri 20 (7), Mon 23, Tue 24, Wed 25.
        (date(2025, 6, 11), 10, date(2025, 6, 25)),
    ],
)
def test_add_working_days_across_weekends(start, days, expected):
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Easter 2026 block: Thu 9 Apr (National Unity Day), Fri 10 (Good Friday),
        # Sat 11, Sun 12 (Easter), Mon 13 (Easter Monday) are all off; Tue 14 is the next working day.
        # Wed 8 + 1 -> Tue 14.
        (date(2026, 4, 8), 1, date(2026, 4, 14)),
        # Tue 7 + 2: Wed 8, Tue 14.
        (date(2026, 4, 7), 2, date(2026, 4, 14)),
        # Thu 9 is itself a holiday: + 0 rolls forward to Tue 14.
        (date(2026, 4, 9), 0, date(2026, 4, 14)),
        # Thu 9 + 1: first working day after it is Tue 14.
        (date(2026, 4, 9), 1, date(2026, 4, 14)),
        # Thu 9 + 2: Tue 14, Wed 15.
        (date(2026, 4, 9), 2, date(2026, 4, 15)),
        # Wed 8 + 5: Tue 14, Wed 15, Thu 16, Fri 17, Mon 20.
        (date(2026, 4, 8), 5, date(2026, 4, 20)),
    ],
)
def test_add_working_days_across_easter_2026(start, days, expected):
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Thu 31 Dec 2026 + 1: Fri 1 Jan (holiday), Sat 2 (holiday and weekend), Sun 3 -> Mon 4 Jan.
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        # + 3: Mon 4, Tue 5, Wed 6.
        (date(2026, 12, 31), 3, date(2027, 1, 6)),
        # + 4: Thu 7 is Orthodox Christmas -> Fri 8.
        (date(2026, 12, 31), 4, date(2027, 1, 8)),
        # Wed 31 Dec 2025 + 1: Thu 1 and Fri 2 Jan are holidays, Sat 3, Sun 4 -> Mon 5 Jan 2026.
        (date(2025, 12, 31), 1, date(2026, 1, 5)),
    ],
)
def test_add_working_days_across_new_year(start, days, expected):
    assert add_working_days(start, days) == expected


def test_a_whole_year_of_working_days():
    # 2025 starts on a Wednesday: 261 weekdays. Holidays on weekdays: 1, 2, 7 Jan; 3 Mar; 9 Apr;
    # 18 and 21 Apr (Good Friday, Easter Monday); 9, 12, 26 May; 28 Aug; 14 Oct = 12.
    # So 2025 has 249 working days, the last being Wed 31 Dec.
    assert add_working_days(date(2024, 12, 31), 249) == date(2025, 12, 31)
    assert add_working_days(date(2024, 12, 31), 250) == date(2026, 1, 5)


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2025, 6, 16), -1)


def _working_days_between(start, end):
    """Working days in (start, end], counted the slow way."""
    return sum(is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    days=st.integers(min_value=0, max_value=60),
)
def test_add_working_days_properties(start, days):
    result = add_working_days(start, days)
    assert is_working_day(result)
    assert result >= start
    if days >= 1:
        assert _working_days_between(start, result) == days
    else:
        # Zero days: the first working day on or after start, skipping only non-working days.
        assert all(not is_working_day(start + timedelta(days=n)) for n in range((result - start).days))
