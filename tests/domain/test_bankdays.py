from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoice_mcp.domain.bankdays import add_bank_days, is_bank_day, next_bank_day
from invoice_mcp.domain.errors import InvalidFieldError

BANK_DAY_CASES = [
    pytest.param(date(2026, 12, 4), True, id="normal-friday"),
    pytest.param(date(2026, 6, 18), True, id="day-before-midsummer-eve"),
    pytest.param(date(2026, 6, 19), False, id="midsummer-eve-2026"),
    pytest.param(date(2026, 6, 20), False, id="midsummer-day-2026"),
    pytest.param(date(2026, 6, 22), True, id="monday-after-midsummer"),
    pytest.param(date(2026, 6, 6), False, id="national-day-2026-saturday"),
    pytest.param(date(2028, 6, 6), False, id="national-day-2028-tuesday"),
    pytest.param(date(2026, 12, 23), True, id="day-before-christmas-eve"),
    pytest.param(date(2026, 12, 24), False, id="christmas-eve-2026"),
    pytest.param(date(2026, 12, 25), False, id="christmas-day-2026"),
    pytest.param(date(2026, 12, 26), False, id="boxing-day-2026"),
    pytest.param(date(2026, 12, 30), True, id="day-before-new-years-eve"),
    pytest.param(date(2026, 12, 31), False, id="new-years-eve-2026"),
    pytest.param(date(2027, 1, 1), False, id="new-years-day-2027"),
    pytest.param(date(2027, 1, 6), False, id="epiphany-2027"),
    pytest.param(date(2027, 1, 7), True, id="day-after-epiphany-2027"),
    pytest.param(date(2027, 3, 25), True, id="maundy-thursday-2027"),
    pytest.param(date(2027, 3, 26), False, id="good-friday-2027"),
    pytest.param(date(2027, 3, 29), False, id="easter-monday-2027"),
    pytest.param(date(2027, 3, 30), True, id="tuesday-after-easter-2027"),
    pytest.param(date(2027, 5, 6), False, id="ascension-day-2027"),
    pytest.param(date(2026, 12, 5), False, id="saturday"),
    pytest.param(date(2026, 12, 6), False, id="sunday"),
]


@pytest.mark.parametrize(("day", "expected"), BANK_DAY_CASES)
def test_is_bank_day_table(day: date, expected: bool) -> None:
    assert is_bank_day(day) is expected


NEXT_BANK_DAY_CASES = [
    pytest.param(date(2026, 12, 4), date(2026, 12, 4), id="bank-day-is-kept"),
    pytest.param(date(2026, 12, 5), date(2026, 12, 7), id="saturday-to-monday"),
    pytest.param(date(2026, 6, 19), date(2026, 6, 22), id="midsummer-eve-to-monday"),
    pytest.param(date(2026, 12, 24), date(2026, 12, 28), id="christmas-eve-to-monday"),
    pytest.param(date(2026, 12, 31), date(2027, 1, 4), id="new-years-eve-to-monday"),
    pytest.param(date(2027, 1, 6), date(2027, 1, 7), id="epiphany-to-thursday"),
    pytest.param(date(2027, 3, 26), date(2027, 3, 30), id="good-friday-to-tuesday"),
]


@pytest.mark.parametrize(("day", "expected"), NEXT_BANK_DAY_CASES)
def test_next_bank_day_table(day: date, expected: date) -> None:
    assert next_bank_day(day) == expected


def test_next_bank_day_skips_midsummer_eve() -> None:
    assert next_bank_day(date(2026, 6, 19)) == date(2026, 6, 22)


ADD_BANK_DAYS_CASES = [
    pytest.param(date(2026, 12, 4), 0, date(2026, 12, 4), id="zero-days"),
    pytest.param(date(2026, 12, 5), 0, date(2026, 12, 5), id="zero-days-from-saturday"),
    pytest.param(date(2026, 12, 5), 1, date(2026, 12, 7), id="one-day-from-saturday"),
    pytest.param(date(2026, 12, 23), 1, date(2026, 12, 28), id="over-christmas"),
    pytest.param(date(2026, 12, 30), 1, date(2027, 1, 4), id="over-new-year"),
    pytest.param(date(2027, 1, 5), 1, date(2027, 1, 7), id="over-epiphany"),
    pytest.param(date(2026, 6, 18), 1, date(2026, 6, 22), id="over-midsummer"),
    pytest.param(date(2026, 12, 21), 4, date(2026, 12, 29), id="four-days-over-christmas"),
    pytest.param(date(2027, 3, 24), 3, date(2027, 3, 31), id="three-days-over-easter"),
]


@pytest.mark.parametrize(("day", "count", "expected"), ADD_BANK_DAYS_CASES)
def test_add_bank_days_table(day: date, count: int, expected: date) -> None:
    assert add_bank_days(day, count) == expected


def test_add_bank_days_rejects_negative_count() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        add_bank_days(date(2026, 12, 4), -1)
    assert caught.value.details["field"] == "count"


days_2025_to_2030 = st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 1))


@given(days_2025_to_2030)
def test_next_bank_day_is_first_open_day(day: date) -> None:
    result = next_bank_day(day)
    assert is_bank_day(result)
    assert result >= day
    skipped = [day + timedelta(days=offset) for offset in range((result - day).days)]
    assert not any(is_bank_day(skipped_day) for skipped_day in skipped)


@given(days_2025_to_2030, st.integers(min_value=1, max_value=30))
def test_add_bank_days_counts_open_days(day: date, count: int) -> None:
    result = add_bank_days(day, count)
    assert is_bank_day(result)
    between = [day + timedelta(days=offset) for offset in range(1, (result - day).days + 1)]
    assert sum(is_bank_day(between_day) for between_day in between) == count
