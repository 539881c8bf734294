"""Georgia's public holidays and working-day arithmetic.

Engagement plans date their follow-ups as "N working days after the plan is applied", so we
need to know which days Georgian offices are closed.

The holiday list is the non-working days of the Labour Code of Georgia, article 20, as amended;
the 2024 amendment added 17 May (Family Sanctity and Respect for Parents Day), which therefore
counts from 2024 onwards only. Earlier amendments are not modelled: the list is meant for
scheduling current and future work, not for auditing dates from before the last change.

Pure Python, no Django: the functions are cheap and cached per year.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

# (month, day, English name). Georgia does NOT move a holiday that falls on a Saturday or
# Sunday to the following Monday (unlike e.g. the UK), so these dates are used as they are.
_FIXED_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "New Year's Day"),
    (1, 2, "New Year's Day (second day)"),
    (1, 7, "Orthodox Christmas"),
    (1, 19, "Epiphany"),
    (3, 3, "Mother's Day"),
    (3, 8, "International Women's Day"),
    (4, 9, "National Unity Day"),
    (5, 9, "Victory Day"),
    (5, 12, "St Andrew the First-Called Day"),
    (5, 26, "Independence Day"),
    (8, 28, "Mariamoba (Assumption)"),
    (10, 14, "Svetitskhovloba"),
    (11, 23, "Giorgoba (St George's Day)"),
)

# Added to article 20 in 2024; it was an ordinary working day before that.
_FAMILY_DAY_FIRST_YEAR = 2024
_FAMILY_DAY = (5, 17, "Family Sanctity and Respect for Parents Day")

# Days relative to Orthodox Easter Sunday that are non-working.
_EASTER_HOLIDAYS: tuple[tuple[int, str], ...] = (
    (-2, "Good Friday"),
    (-1, "Holy Saturday"),
    (0, "Easter Sunday"),
    (1, "Easter Monday"),
)

_SATURDAY = 5  # date.weekday(): Monday is 0


def orthodox_easter(year: int) -> datetime.date:
    """Orthodox Easter Sunday of `year`, as a Gregorian date.

    Meeus's Julian algorithm gives the date in the Julian calendar, which the Georgian Church
    still uses for its feasts; we then add the Julian-to-Gregorian offset (13 days for
    1900-2099). The offset grows by one each century year not divisible by 400, from its
    1 March; Easter is always after that, so the year alone determines it.
    """
    a = year % 4
    b = year % 7
    c = year % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    month, day_minus_one = divmod(d + e + 114, 31)
    julian_offset = year // 100 - year // 400 - 2
    return datetime.date(year, month, day_minus_one + 1) + datetime.timedelta(days=julian_offset)


@lru_cache(maxsize=256)
def _holidays(year: int) -> dict[datetime.date, str]:
    holidays: dict[datetime.date, str] = {}

    def add(day: datetime.date, name: str) -> None:
        # Easter can land on a fixed holiday (e.g. Good Friday on 9 April); keep both names
        # rather than letting one silently overwrite the other.
        holidays[day] = f"{holidays[day]} / {name}" if day in holidays else name

    fixed = list(_FIXED_HOLIDAYS)
    if year >= _FAMILY_DAY_FIRST_YEAR:
        fixed.append(_FAMILY_DAY)
    for month, day, name in fixed:
        add(datetime.date(year, month, day), name)

    easter = orthodox_easter(year)
    for offset, name in _EASTER_HOLIDAYS:
        add(easter + datetime.timedelta(days=offset), name)
    return holidays


def public_holidays(year: int) -> dict[datetime.date, str]:
    """Georgia's public holidays in `year`: date -> English name, in date order."""
    # A copy, so a caller editing the result cannot corrupt the cache.
    return dict(sorted(_holidays(year).items()))


def is_working_day(day: datetime.date) -> bool:
    """True for Monday to Friday, unless the day is a public holiday."""
    return day.weekday() < _SATURDAY and day not in _holidays(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start`.

    `start` itself is never counted, so 1 means "the next working day". With `days=0` the
    result is `start` if it is a working day, otherwise the next working day: a follow-up
    due "immediately" on a Saturday lands on Monday.

    Negative `days` raise ValueError: plans only schedule forwards, and a silent backwards
    count would more likely hide a bug than serve a caller.

    Stepping a day at a time costs at most a few hundred cached look-ups for a plan step of
    a few hundred working days, which is plenty fast and much easier to trust than jumping
    whole weeks and correcting for holidays.
    """
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    one_day = datetime.timedelta(days=1)
    current = start
    if days == 0:
        while not is_working_day(current):
            current += one_day
        return current
    for _ in range(days):
        # Step past `current`, then past any weekend or holiday, onto the next working day.
        current += one_day
        while not is_working_day(current):
            current += one_day
    return current
