import datetime as dt
from decimal import Decimal

import pytest

from invoice_mcp.domain.deferral import DeferralSubject, late_interest_minor, quote_deferral
from invoice_mcp.domain.errors import InvalidFieldError, RefusedError
from invoice_mcp.domain.policy import DeferralPolicy

TODAY = dt.date(2026, 12, 4)
POLICY = DeferralPolicy()


def subject(**overrides):
    values = {
        "invoice_number": "NV-2026-0001",
        "stored_status": "open",
        "kind": "invoice",
        "due_date": dt.date(2026, 12, 28),
        "balance_minor": 41_200,
        "currency": "SEK",
        "extensions_on_invoice": 0,
        "extensions_last_12_months": 0,
    }
    return DeferralSubject(**{**values, **overrides})


def test_quote_two_weeks_lands_on_bank_day():
    quote = quote_deferral(subject(), 14, POLICY, TODAY)

    # 2026-12-28 + 14 days is Monday 2027-01-11, a bank day.
    assert quote.new_due_date == dt.date(2027, 1, 11)
    assert quote.extra_days == 14
    assert quote.reminders_paused_until == quote.new_due_date


def test_quote_moves_holiday_to_next_bank_day():
    # 2026-12-20 + 4 days is Christmas Eve; the 25th and 26th are holidays, the 27th a Sunday.
    quote = quote_deferral(subject(due_date=dt.date(2026, 12, 20)), 4, POLICY, dt.date(2026, 12, 1))

    assert quote.requested_due_date == dt.date(2026, 12, 24)
    assert quote.new_due_date == dt.date(2026, 12, 28)


def test_quote_states_interest_from_policy():
    quote = quote_deferral(subject(), 14, POLICY, TODAY)

    assert quote.interest_percent_per_year == Decimal("10.00")
    assert quote.interest_minor == late_interest_minor(41_200, Decimal("10.00"), 14)
    assert quote.interest_minor == 158


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        pytest.param({"stored_status": "reminded"}, "invoice_reminded", id="reminded"),
        pytest.param({"stored_status": "collection"}, "invoice_reminded", id="collection"),
        pytest.param({"stored_status": "paid", "balance_minor": 0}, "invoice_paid", id="paid"),
        pytest.param({"stored_status": "credited"}, "invoice_credited", id="credited"),
        pytest.param(
            {"balance_minor": 0, "credited_minor": 41_200}, "invoice_credited", id="credited-in-full"
        ),
        pytest.param({"kind": "credit_note"}, "not_an_invoice", id="credit-note"),
        pytest.param({"due_date": dt.date(2026, 12, 1)}, "past_due_date", id="past-due"),
        pytest.param({"extensions_on_invoice": 1}, "already_deferred", id="once-per-invoice"),
        pytest.param({"extensions_last_12_months": 2}, "too_many_deferrals", id="two-per-year"),
        pytest.param({"balance_minor": 1_500_001}, "amount_over_cap", id="over-cap"),
    ],
)
def test_quote_refusals(overrides, code):
    with pytest.raises(RefusedError) as caught:
        quote_deferral(subject(**overrides), 14, POLICY, TODAY)

    assert caught.value.code == code


def test_quote_rejects_too_many_days_naming_limit():
    with pytest.raises(InvalidFieldError) as caught:
        quote_deferral(subject(), 31, POLICY, TODAY)

    assert caught.value.code == "too_many_days"
    assert caught.value.details["field"] == "days"
    assert "1 to 30 days" in caught.value.message


def test_quote_allows_max_days_exactly():
    quote = quote_deferral(subject(), 30, POLICY, TODAY)

    assert quote.new_due_date >= dt.date(2027, 1, 27)


def test_late_interest_is_zero_without_rate():
    assert late_interest_minor(100_000, Decimal(0), 30) == 0
