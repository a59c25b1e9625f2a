"""Swedish bank days.

A bank day is a weekday that is neither a public holiday nor one of the de facto
holidays on which Swedish banks and Bankgirot are closed (Midsummer Eve,
Christmas Eve and New Year's Eve). National Day, 6 June, is a public holiday.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from invoice_mcp.domain.errors import InvalidFieldError

_SATURDAY = 5

# The `bank` category of the `holidays` package is not used because it also lists half days.
_HOLIDAY_CATEGORIES = ("public", "de_facto")


@lru_cache(maxsize=64)
def _closed_days(year: int) -> frozenset[date]:
    """Return the public and de facto holidays of `year`, on which banks are closed on any weekday."""
    import holidays

    calendar = holidays.country_holidays("SE", years=year, categories=_HOLIDAY_CATEGORIES)
    closed = set(calendar.keys())
    closed.add(date(year, 6, 6))
    return frozenset(closed)


def is_bank_day(day: date) -> bool:
    """Return True when Swedish banks are open on `day`."""
    if day.weekday() >= _SATURDAY:
        return False
    return day not in _closed_days(day.year)


def next_bank_day(day: date) -> date:
    """Return `day` when it is a bank day, else the first bank day after it."""
    while not is_bank_day(day):
        day += timedelta(days=1)
    return day


def add_bank_days(day: date, count: int) -> date:
    """Return the date `count` bank days after `day`.

    `day` itself need not be a bank day: one bank day after Saturday is Monday when
    Monday is open. A count of 0 returns `day` unchanged.
    """
    if count < 0:
        raise InvalidFieldError("count", count, "a number of bank days of 0 or more")

    result = day
    remaining = count
    while remaining > 0:
        result += timedelta(days=1)
        if is_bank_day(result):
            remaining -= 1
    return result
