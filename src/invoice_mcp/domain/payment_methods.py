"""Validate a payment-method change and work out from which invoice it applies."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from invoice_mcp.domain.bank_accounts import validate_bank_account
from invoice_mcp.domain.errors import InvalidFieldError, RefusedError
from invoice_mcp.domain.identifiers import (
    looks_like_card_number,
    mask_account_number,
    mask_email,
    mask_identity_number,
    mask_phone,
    mask_token,
    validate_organisation_number,
    validate_personal_identity_number,
    validate_swedish_mobile_number,
)
from invoice_mcp.domain.policy import PAYMENT_METHOD_KINDS, PaymentMethodPolicy

# A payment provider's token: a short prefix, an underscore and 8-64 letters, digits or
# underscores, such as "pm_1Qx..." or "tok_visa_4242". Digits alone are never a token.
_CARD_TOKEN = re.compile(r"^[a-z]{2,8}_[A-Za-z0-9_]{8,64}$")
_BANK_NAME = re.compile(r"^[^\W\d_][^\W\d_ .&'-]*(?:[ .&'-]+[^\W\d_]+)*\.?$")
_BANK_NAME_MAX = 60
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")

# The details each method needs; anything else is rejected so that a stray field
# (a card number pasted into "note", say) is never stored.
REQUIRED_DETAILS: dict[str, tuple[str, ...]] = {
    "autogiro": ("clearing_number", "account_number", "account_holder_identity_number"),
    "e_invoice": (),
    "kivra": (),
    "email_pdf": ("email",),
    "swish": ("phone",),
    "card": ("card_token",),
    "paper": (),
}
OPTIONAL_DETAILS: dict[str, tuple[str, ...]] = {"e_invoice": ("bank_name",)}


@dataclass(frozen=True)
class ValidatedMethod:
    """A payment method whose details passed validation, in stored and in masked form."""

    kind: str
    status: str  # active | pending_signature
    details: dict[str, Any]
    masked_details: dict[str, str]
    fee_minor: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


# Every detail some payment method takes.
KNOWN_DETAILS = frozenset(
    name for names in (*REQUIRED_DETAILS.values(), *OPTIONAL_DETAILS.values()) for name in names
)


def validate_method_change(
    kind: str,
    details: dict[str, str],
    *,
    policy: PaymentMethodPolicy,
    current_kind: str | None,
    customer_kind: str,
    today: dt.date,
    has_pending_mandate: bool = False,
    current_details: dict[str, Any] | None = None,
    pending_mandate_details: dict[str, Any] | None = None,
) -> ValidatedMethod:
    """Check a requested method and its details against the rules and the biller's offer.

    With a mandate waiting for signature, asking for the current method again is allowed:
    it withdraws the mandate.

    Raises:
        InvalidFieldError: a detail is missing, unknown or malformed; the error names it.
        RefusedError: the method is not offered, already in use, or a raw card number was sent.
    """
    for name, value in details.items():
        if isinstance(value, str) and looks_like_card_number(value):
            # The value is never echoed back, not even masked, because it should not exist here.
            raise RefusedError(
                f"details.{name} looks like a card number; card numbers are never accepted. "
                "Register the card with the payment provider and send its token as card_token",
                code="raw_card_number",
                field=f"details.{name}",
            )
    if kind not in PAYMENT_METHOD_KINDS:
        raise InvalidFieldError("method", kind, f"use one of {', '.join(PAYMENT_METHOD_KINDS)}")
    if kind not in policy.offered:
        raise RefusedError(
            f"payment method '{kind}' is not offered by this biller; offered are {', '.join(policy.offered)}",
            code="method_not_offered",
            offered=list(policy.offered),
        )
    required = REQUIRED_DETAILS[kind]
    allowed = set(required) | set(OPTIONAL_DETAILS.get(kind, ()))
    for name in details:
        if name not in allowed:
            raise InvalidFieldError(
                f"details.{name}",
                "(not shown)",
                f"method '{kind}' takes " + (", ".join(sorted(allowed)) if allowed else "no details"),
                # A detail that another method takes gets its own code, so the reason can say so.
                code="detail_not_used" if name in KNOWN_DETAILS else None,
                method=kind,
            )
    for name in required:
        if not str(details.get(name, "")).strip():
            raise InvalidFieldError(f"details.{name}", None, f"method '{kind}' needs {', '.join(required)}")
    validator = _VALIDATORS.get(kind)
    if validator is None:
        stored: dict[str, Any] = {k: v.strip() for k, v in details.items()}
        masked = dict(stored)
    else:
        try:
            stored, masked = validator(details, customer_kind, today)
        except InvalidFieldError as error:
            raise _as_detail_error(error) from error
    # The same method with new details (another e-mail address or account) is a change. The
    # same details are not, unless the request withdraws a pending mandate, so an active
    # autogiro mandate for the same account gets no second mandate.
    if kind == current_kind and not has_pending_mandate and _same_details(stored, current_details or {}):
        raise RefusedError(
            f"payment method '{kind}' is already in use with these details", code="method_unchanged"
        )
    if (
        kind == "autogiro"
        and pending_mandate_details is not None
        and _same_details(stored, pending_mandate_details)
    ):
        # A second mandate for the same account would send the payer a second signing request.
        raise RefusedError(
            "an autogiro mandate for this account is already waiting for the payer's signature in their bank",
            code="mandate_pending",
        )
    status = "pending_signature" if kind == "autogiro" else "active"
    fee = policy.paper_invoice_fee_minor if kind == "paper" else 0
    return ValidatedMethod(kind=kind, status=status, details=stored, masked_details=masked, fee_minor=fee)


# Details compared by their digits only: stored records may write them with a hyphen or spaces.
_DIGIT_DETAILS = frozenset({"clearing_number", "account_number", "account_holder_identity_number", "phone"})


def _same_details(requested: dict[str, Any], current: dict[str, Any]) -> bool:
    """Tell whether two methods' details are the same.

    An e-mail address in any letter case is the same, and so is a number written with other
    separators (19580509-5733 and 195805095733).
    """
    if requested.keys() != current.keys():
        return False
    for name, value in requested.items():
        if name == "email":
            same = str(value).casefold() == str(current[name]).casefold()
        elif name in _DIGIT_DETAILS:
            same = re.sub(r"\D", "", str(value)) == re.sub(r"\D", "", str(current[name]))
        else:
            same = value == current[name]
        if not same:
            return False
    return True


# The identifier validators name their own fields; the tool argument is details.<name>.
_DETAIL_NAMES = {
    "clearing_number": "details.clearing_number",
    "account_number": "details.account_number",
    "personal_identity_number": "details.account_holder_identity_number",
    "organisation_number": "details.account_holder_identity_number",
    "phone": "details.phone",
}


def _as_detail_error(error: InvalidFieldError) -> InvalidFieldError:
    field = str(error.details.get("field", ""))
    if field.startswith("details."):
        return error
    renamed = _DETAIL_NAMES.get(field, f"details.{field}")
    return InvalidFieldError(
        renamed, error.details.get("value"), str(error.details.get("allowed", "")), code=error.code
    )


def _e_invoice(
    details: dict[str, str], _customer_kind: str, _today: dt.date
) -> tuple[dict[str, Any], dict[str, str]]:
    bank_name = details.get("bank_name", "").strip()
    if bank_name and (len(bank_name) > _BANK_NAME_MAX or not _BANK_NAME.match(bank_name)):
        # Digits are not echoed: a person may have typed an account or identity number here.
        raise InvalidFieldError(
            "details.bank_name",
            "(not shown)",
            "the name of a bank, such as Swedbank, in letters (at most 60)",
        )
    stored = {"bank_name": bank_name} if bank_name else {}
    return stored, dict(stored)


def _autogiro(
    details: dict[str, str], customer_kind: str, today: dt.date
) -> tuple[dict[str, Any], dict[str, str]]:
    account = validate_bank_account(details["clearing_number"], details["account_number"])
    holder_raw = details["account_holder_identity_number"]
    digits = re.sub(r"\D", "", holder_raw)
    if customer_kind == "business" or (len(digits) == 10 and digits[2] >= "2"):
        holder = validate_organisation_number(holder_raw)
        masked_holder = holder
    else:
        holder = validate_personal_identity_number(holder_raw, today=today)
        masked_holder = mask_identity_number(holder)
    stored = {
        "bank_name": account.bank_name,
        "clearing_number": account.clearing_number,
        "account_number": account.account_number,
        "account_holder_identity_number": holder,
    }
    masked = {
        "bank_name": account.bank_name,
        "clearing_number": account.clearing_number,
        "account_number": mask_account_number(account.account_number),
        "account_holder_identity_number": masked_holder,
    }
    return stored, masked


def _swish(
    details: dict[str, str], _customer_kind: str, _today: dt.date
) -> tuple[dict[str, Any], dict[str, str]]:
    phone = validate_swedish_mobile_number(details["phone"])
    return {"phone": phone}, {"phone": mask_phone(phone)}


def _email(
    details: dict[str, str], _customer_kind: str, _today: dt.date
) -> tuple[dict[str, Any], dict[str, str]]:
    email = details["email"].strip()
    if not _EMAIL.match(email) or any(unicodedata.category(char) in ("Cc", "Cf") for char in email):
        raise InvalidFieldError(
            "details.email", mask_email(email), "an e-mail address such as name@example.se"
        )
    return {"email": email}, {"email": mask_email(email)}


def _card(
    details: dict[str, str], _customer_kind: str, _today: dt.date
) -> tuple[dict[str, Any], dict[str, str]]:
    token = details["card_token"].strip()
    if not _CARD_TOKEN.match(token):
        raise InvalidFieldError(
            "details.card_token",
            mask_token(token),
            "a payment provider's card token such as 'pm_…' or 'tok_…' (prefix, underscore, 8-64 "
            "letters or digits); card numbers are never accepted",
        )
    return {"card_token": token}, {"card_token": mask_token(token)}


_VALIDATORS = {
    "e_invoice": _e_invoice,
    "autogiro": _autogiro,
    "swish": _swish,
    "email_pdf": _email,
    "card": _card,
}


def billing_day(issue_dates: Sequence[dt.date]) -> int:
    """Return the day of month that the customer's invoices are issued on.

    It is the most common day among `issue_dates` (newest first), so that one invoice issued
    off the cycle, such as a reissue after a credit note, does not move it. An issue on the
    last day of a month counts as day 31, so that month-end billing stays at month end. On a
    tie the newest invoice's day wins.
    """
    days = [31 if day.day == calendar.monthrange(day.year, day.month)[1] else day.day for day in issue_dates]
    counts = Counter(days)
    return max(days, key=lambda day: (counts[day], -days.index(day)))


def next_issue_date(last_issue_date: dt.date, on_or_after: dt.date, day: int | None = None) -> dt.date:
    """Return the first monthly issue date after `last_issue_date` and on or after `on_or_after`.

    Invoices are issued on `day` of each month (default: the day of `last_issue_date`),
    clamped to the month's length.
    """
    day = day or last_issue_date.day
    year, month = last_issue_date.year, last_issue_date.month
    while True:
        candidate = dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))
        if candidate > last_issue_date and candidate >= on_or_after:
            return candidate
        month += 1
        if month > 12:
            year, month = year + 1, 1


def applies_from(
    kind: str, policy: PaymentMethodPolicy, issue_dates: Sequence[dt.date], today: dt.date
) -> dt.date:
    """Return the issue date of the first invoice that uses the new method, given the lead time.

    `issue_dates` are the customer's recent invoices' issue dates, newest first (credit notes
    left out); without any, the method applies from the day it is ready.
    """
    ready = today + dt.timedelta(days=policy.lead_days_for(kind))
    if not issue_dates:
        return ready
    return next_issue_date(issue_dates[0], ready, billing_day(issue_dates))


_MASKERS = {
    "bank_name": lambda value: value,
    "clearing_number": lambda value: value,
    "account_number": mask_account_number,
    "account_holder_identity_number": lambda value: (
        value if re.fullmatch(r"\d{6}-\d{4}", value) else mask_identity_number(re.sub(r"\D", "", value))
    ),
    "phone": mask_phone,
    "email": mask_email,
    "card_token": mask_token,
}


def masked_details(details: dict[str, Any]) -> dict[str, str]:
    """Return the stored details of a method fit to show: known fields masked, others left out."""
    return {key: _MASKERS[key](str(value)) for key, value in details.items() if key in _MASKERS and value}
