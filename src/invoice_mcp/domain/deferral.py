"""Whether a payment extension (anstånd) may be granted, and on what terms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from invoice_mcp.domain.bankdays import next_bank_day
from invoice_mcp.domain.errors import InvalidFieldError, RefusedError
from invoice_mcp.domain.money import format_money
from invoice_mcp.domain.policy import DeferralPolicy


@dataclass(frozen=True)
class DeferralSubject:
    """Facts about the invoice and the customer's history that the extension rules check."""

    invoice_number: str
    stored_status: str  # open | paid | reminded | collection | credited | written_off
    kind: str  # invoice | credit_note
    due_date: dt.date
    balance_minor: int
    currency: str
    extensions_on_invoice: int
    extensions_last_12_months: int
    # What credit notes took off the invoice, as a positive number of minor units.
    credited_minor: int = 0


@dataclass(frozen=True)
class DeferralQuote:
    invoice_number: str
    current_due_date: dt.date
    requested_due_date: dt.date
    new_due_date: dt.date
    extra_days: int
    fee_minor: int
    currency: str
    balance_minor: int
    interest_percent_per_year: Decimal
    # Interest owed if the balance is paid on the new due date, counted from the
    # current due date (actual/365).
    interest_minor: int
    reminders_paused_until: dt.date


def late_interest_minor(balance_minor: int, percent_per_year: Decimal, days: int) -> int:
    """Interest on `balance_minor` for `days` days at `percent_per_year`, actual/365, half up."""
    if balance_minor <= 0 or days <= 0 or percent_per_year <= 0:
        return 0
    amount = Decimal(balance_minor) * percent_per_year / Decimal(100) * Decimal(days) / Decimal(365)
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def quote_deferral(
    subject: DeferralSubject, days: int, policy: DeferralPolicy, today: dt.date
) -> DeferralQuote:
    """Check the policy and return the terms of an extension by `days` calendar days.

    The new due date is the current due date plus `days`, moved forward to the next
    Swedish bank day; that move may add a few days beyond `policy.max_days`.

    Raises:
        InvalidFieldError: `days` is not between 1 and the policy maximum.
        RefusedError: a rule forbids an extension for this invoice; `code` says which.
    """
    if days < 1 or days > policy.max_days:
        raise InvalidFieldError(
            "days",
            days,
            f"an extension is 1 to {policy.max_days} days after the current due date "
            f"{subject.due_date.isoformat()}",
            code="too_many_days" if days > policy.max_days else "invalid_field",
            limit=policy.max_days,
        )
    _check_eligible(subject, policy, today)
    requested = subject.due_date + dt.timedelta(days=days)
    new_due = next_bank_day(requested)
    extra_days = (new_due - subject.due_date).days
    return DeferralQuote(
        invoice_number=subject.invoice_number,
        current_due_date=subject.due_date,
        requested_due_date=requested,
        new_due_date=new_due,
        extra_days=extra_days,
        fee_minor=policy.fee_minor,
        currency=subject.currency,
        balance_minor=subject.balance_minor,
        interest_percent_per_year=policy.interest_percent_per_year,
        interest_minor=late_interest_minor(
            subject.balance_minor, policy.interest_percent_per_year, extra_days
        ),
        reminders_paused_until=new_due,
    )


def _check_eligible(subject: DeferralSubject, policy: DeferralPolicy, today: dt.date) -> None:
    number = subject.invoice_number
    if subject.kind != "invoice":
        raise RefusedError(
            f"{number} is a credit note; only invoices can get a payment extension",
            code="not_an_invoice",
        )
    if subject.stored_status in ("reminded", "collection"):
        raise RefusedError(
            f"invoice {number} has status '{subject.stored_status}'; an extension is only possible "
            "before a reminder has been sent",
            code="invoice_reminded",
            status=subject.stored_status,
            alternative="contact_customer_service",
        )
    if subject.balance_minor <= 0 or subject.stored_status in ("paid", "credited"):
        if subject.stored_status == "credited" or subject.credited_minor > 0:
            raise RefusedError(
                f"invoice {number} is settled by a credit note; there is nothing to defer",
                code="invoice_credited",
            )
        raise RefusedError(
            f"invoice {number} is already paid; there is nothing to defer", code="invoice_paid"
        )
    if subject.stored_status not in policy.allowed_statuses:
        raise RefusedError(
            f"invoice {number} has status '{subject.stored_status}'; an extension is only possible for "
            f"invoices with status {', '.join(policy.allowed_statuses)}",
            code="invoice_not_eligible",
            status=subject.stored_status,
        )
    if subject.due_date < today and not policy.allow_after_due_date:
        raise RefusedError(
            f"invoice {number} was due on {subject.due_date.isoformat()}; an extension must be asked "
            "for on or before the due date",
            code="past_due_date",
            due_date=subject.due_date.isoformat(),
            alternative="contact_customer_service",
        )
    if policy.once_per_invoice and subject.extensions_on_invoice >= 1:
        raise RefusedError(
            f"invoice {number} already has an extension; each invoice can be extended once",
            code="already_deferred",
        )
    if subject.extensions_last_12_months >= policy.max_per_rolling_12_months:
        raise RefusedError(
            f"{subject.extensions_last_12_months} extensions were granted in the last 12 months; "
            f"at most {policy.max_per_rolling_12_months} are allowed",
            code="too_many_deferrals",
            granted_last_12_months=subject.extensions_last_12_months,
            limit=policy.max_per_rolling_12_months,
        )
    if policy.amount_cap_minor and subject.balance_minor > policy.amount_cap_minor:
        raise RefusedError(
            f"the balance of invoice {number} is "
            f"{format_money(subject.balance_minor, subject.currency, 'en')}; extensions are possible up to "
            f"{format_money(policy.amount_cap_minor, subject.currency, 'en')}",
            code="amount_over_cap",
            balance_minor=subject.balance_minor,
            cap_minor=policy.amount_cap_minor,
            alternative="contact_customer_service",
        )
