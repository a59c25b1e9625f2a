"""Generate the demo fixtures in fixtures/demo/ from the customer stories in this file.

The output depends only on this file: there is no clock and no randomness, so two
runs write identical files. Run it from the repository root and commit the JSON
files together with the script:

    .venv/bin/python tools/generate_demo_fixtures.py

Three fictional billers (a telecom operator, an energy retailer and an insurer)
each have two customers with 13 monthly invoices, issued from November 2025 to
November 2026. The stories are written for the reference date 2026-12-04: on that
day some invoices are open and not yet due, some are overdue, and one is reminded.
Names, addresses, identity numbers, organisation numbers, bankgiro numbers and bank
accounts are made up. Their check digits are valid so that the loader's and the
tools' checks pass, which means a number can still match a real person, company or
account by chance.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import holidays

from invoice_mcp.domain.bank_accounts import validate_bank_account
from invoice_mcp.domain.errors import InvalidFieldError
from invoice_mcp.domain.identifiers import luhn_check_digit

REFERENCE_DATE = dt.date(2026, 12, 4)
FIRST_ISSUE_MONTH = dt.date(2025, 11, 1)
ISSUE_MONTH_COUNT = 13
DEFAULT_OUTPUT_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "demo"

VAT_STANDARD = 2500  # basis points: 25 %
VAT_EXEMPT = 0
# Late-payment interest under räntelagen: the Riksbank reference rate (2.00 % for
# January 2026) plus 8 percentage points. The demo keeps it for the whole of 2026.
LATE_INTEREST_BASIS_POINTS = 1000
REMINDER_FEE_MINOR = 6000  # 60 kr, the maximum per written reminder (lag 1981:739)

SWEDISH_MONTH_NAMES = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)

# Bankgirot is closed on weekends, on public holidays and on the de facto holidays
# (Midsummer Eve, Christmas Eve, New Year's Eve). The package lists no ordinary Sundays.
SWEDISH_BANK_HOLIDAYS = holidays.country_holidays(
    "SE", years=range(2025, 2028), categories=("public", "de_facto")
)

Record = dict[str, Any]


# --- Dates -------------------------------------------------------------------


def add_months(month_start: dt.date, months: int) -> dt.date:
    """Return the first day of the month `months` after the month of `month_start`."""
    index = month_start.year * 12 + month_start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month_start: dt.date) -> dt.date:
    return month_start.replace(day=calendar.monthrange(month_start.year, month_start.month)[1])


def day_in_month(month_start: dt.date, day: int) -> dt.date:
    return month_start.replace(day=day)


def is_bank_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in SWEDISH_BANK_HOLIDAYS


def next_bank_day(day: dt.date) -> dt.date:
    """Return `day` if it is a bank day, else the first bank day after it."""
    while not is_bank_day(day):
        day += dt.timedelta(days=1)
    return day


def previous_bank_day(day: dt.date) -> dt.date:
    """Return `day` if it is a bank day, else the last bank day before it."""
    while not is_bank_day(day):
        day -= dt.timedelta(days=1)
    return day


def month_label(month_start: dt.date) -> str:
    return f"{SWEDISH_MONTH_NAMES[month_start.month - 1]} {month_start.year}"


def issue_months() -> list[dt.date]:
    return [add_months(FIRST_ISSUE_MONTH, offset) for offset in range(ISSUE_MONTH_COUNT)]


# --- Numbers with check digits -------------------------------------------------


def with_luhn_digit(digits: str) -> str:
    return digits + luhn_check_digit(digits)


def personal_identity_number(birth_date: dt.date, birth_number: str) -> str:
    """Build a personnummer YYYYMMDD-NNNN whose Luhn digit covers YYMMDD and the birth number."""
    body = birth_date.strftime("%y%m%d") + birth_number
    return f"{birth_date:%Y%m%d}-{birth_number}{luhn_check_digit(body)}"


def organisation_number(first_nine_digits: str) -> str:
    digits = with_luhn_digit(first_nine_digits)
    return f"{digits[:6]}-{digits[6:]}"


def vat_number(organisation: str) -> str:
    return "SE" + organisation.replace("-", "") + "01"


def bankgiro_number(first_digits: str) -> str:
    """Build a 7- or 8-digit bankgiro number shown as NNN-NNNN or NNNN-NNNN."""
    digits = with_luhn_digit(first_digits)
    return f"{digits[:-4]}-{digits[-4:]}"


def autogiro_details(
    clearing_number: str, account_without_check_digit: str, holder_identity_number: str
) -> Record:
    """Build autogiro details under the names change_payment_method stores, with a valid check digit.

    The last digit of the account is the one that the tools' own check accepts for the bank of
    `clearing_number`, so a customer who re-enters the account gets no check-digit error.
    """
    for check_digit in "0123456789":
        try:
            account = validate_bank_account(clearing_number, account_without_check_digit + check_digit)
        except InvalidFieldError:
            continue
        return {
            "bank_name": account.bank_name,
            "clearing_number": account.clearing_number,
            "account_number": account.account_number,
            "account_holder_identity_number": holder_identity_number,
        }
    raise ValueError(
        f"no check digit completes account {account_without_check_digit} at clearing number "
        f"{clearing_number}; change one of its digits"
    )


def ocr_reference(customer_number: str, serial: int) -> str:
    """Build an OCR reference from the customer number's digits and the invoice serial, with a Luhn digit."""
    return with_luhn_digit(re.sub(r"\D", "", customer_number) + f"{serial:07d}")


# --- Money ---------------------------------------------------------------------


def round_half_up(value: Decimal) -> int:
    """Round to a whole number of öre, halves away from zero (Decimal ROUND_HALF_UP)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def net_unit_price(gross_minor: int, vat_basis_points: int) -> Decimal:
    """Return the net unit price for a consumer price that includes VAT, to 4 decimals of an öre."""
    net = Decimal(gross_minor) * 10000 / (10000 + vat_basis_points)
    return net.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def decimal_text(value: Decimal) -> str:
    """Format a decimal without exponent or trailing zeros: 19920, 412.5, -513.5484."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def kronor_text(amount_minor: int) -> str:
    """Format öre as Swedish kronor text: 1 532,00 kr."""
    kronor, ore = divmod(abs(amount_minor), 100)
    sign = "-" if amount_minor < 0 else ""
    return f"{sign}{kronor:,}".replace(",", " ") + f",{ore:02d} kr"


def ore_rounding(gross_minor: int) -> int:
    """Return the öresavrundning that makes the total whole kronor: -49..+50 öre."""
    remainder = gross_minor % 100
    return -remainder if remainder < 50 else 100 - remainder


def late_interest_line(
    principal_minor: int, invoice_number: str, due_date: dt.date, paid_or_billed_on: dt.date
) -> Record:
    """Build a Dröjsmålsränta line: actual/365 interest from the day after the due date."""
    days = (paid_or_billed_on - due_date).days
    daily_interest = Decimal(principal_minor) * LATE_INTEREST_BASIS_POINTS / 10000 / 365
    rate_text = f"{LATE_INTEREST_BASIS_POINTS // 100} %"
    return make_line(
        "interest",
        "DROJSMALSRANTA",
        f"Dröjsmålsränta {rate_text} på {kronor_text(principal_minor)} för faktura {invoice_number}, "
        f"{days} dagar",
        Decimal(days),
        "dag",
        daily_interest.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
        VAT_EXEMPT,
        period=(due_date + dt.timedelta(days=1), paid_or_billed_on),
    )


# --- Records -------------------------------------------------------------------


def make_line(
    category: str,
    product_code: str,
    description: str,
    quantity: Decimal | int | str,
    unit: str | None,
    unit_price_minor: Decimal | int | str,
    vat_basis_points: int,
    *,
    period: tuple[dt.date, dt.date] | None = None,
    country_code: str | None = None,
) -> Record:
    """Build an invoice line whose net is quantity × unit price and whose VAT is computed on that net.

    Both are rounded half away from zero to whole öre, the rule the loader checks.
    The invoice builder sets `position`.
    """
    quantity = Decimal(quantity)
    unit_price = Decimal(unit_price_minor)
    net = round_half_up(quantity * unit_price)
    vat = round_half_up(Decimal(net) * vat_basis_points / 10000)
    return {
        "position": 0,
        "category": category,
        "product_code": product_code,
        "description": description,
        "quantity": decimal_text(quantity),
        "unit": unit,
        "unit_price_minor": decimal_text(unit_price),
        "net_amount_minor": net,
        "vat_rate_basis_points": vat_basis_points,
        "vat_amount_minor": vat,
        "period_start": period[0].isoformat() if period else None,
        "period_end": period[1].isoformat() if period else None,
        "country_code": country_code,
    }


def monthly_line(
    category: str,
    product_code: str,
    name: str,
    month_start: dt.date,
    net_price_minor: Decimal | int,
    vat_basis_points: int,
) -> Record:
    """Build a one-month line for a subscription, fee or premium: 'Name, december 2026'."""
    return make_line(
        category,
        product_code,
        f"{name}, {month_label(month_start)}",
        1,
        "mån",
        net_price_minor,
        vat_basis_points,
        period=(month_start, month_end(month_start)),
    )


def make_payment(paid_on: dt.date, amount_minor: int, method: str, reference: str | None) -> Record:
    return {
        "paid_on": paid_on.isoformat(),
        "amount_minor": amount_minor,
        "currency": "SEK",
        "method": method,
        "reference": reference,
    }


def make_invoice(
    *,
    biller_id: str,
    customer_number: str,
    invoice_number: str,
    issue_date: dt.date,
    due_date: dt.date,
    period: tuple[dt.date, dt.date],
    lines: Sequence[Record],
    payment_method_kind: str,
    ocr: str | None,
    paid_on: dt.date | None = None,
    payment_method: str = "bankgiro",
    status: str | None = None,
    reminder_count: int = 0,
    kind: str = "invoice",
    credited_invoice_number: str | None = None,
    rounding_minor: int | None = None,
) -> Record:
    """Build an invoice with positions, totals and öresavrundning filled in.

    With `paid_on` the invoice is paid in full by one payment on that day. Without
    it the status defaults to open. `rounding_minor` overrides the computed rounding
    (a credit note mirrors the rounding of the invoice it credits).
    """
    numbered_lines = [{**line, "position": position} for position, line in enumerate(lines, start=1)]
    net_total = sum(line["net_amount_minor"] for line in numbered_lines)
    vat_total = sum(line["vat_amount_minor"] for line in numbered_lines)
    rounding = ore_rounding(net_total + vat_total) if rounding_minor is None else rounding_minor
    total = net_total + vat_total + rounding
    payments = [make_payment(paid_on, total, payment_method, ocr)] if paid_on else []
    return {
        "biller_id": biller_id,
        "customer_number": customer_number,
        "invoice_number": invoice_number,
        "kind": kind,
        "credited_invoice_number": credited_invoice_number,
        "issue_date": issue_date.isoformat(),
        "due_date": due_date.isoformat(),
        "period_start": period[0].isoformat(),
        "period_end": period[1].isoformat(),
        "currency": "SEK",
        "net_total_minor": net_total,
        "vat_total_minor": vat_total,
        "rounding_minor": rounding,
        "total_minor": total,
        "status": status or ("paid" if paid_on else "open"),
        "reminder_count": reminder_count,
        "ocr_reference": ocr,
        "payment_method_kind": payment_method_kind,
        "delivery_note": None,
        "lines": numbered_lines,
        "payments": payments,
    }


def invoice_number(prefix: str, issue_date: dt.date, serial: int) -> str:
    return f"{prefix}-{issue_date.year}-{serial:07d}"


def make_customer(
    *,
    biller_id: str,
    customer_number: str,
    kind: str,
    name: str,
    identity_number: str,
    email: str,
    phone: str | None,
    locale: str,
    street: str,
    postal_code: str,
    city: str,
) -> Record:
    return {
        "biller_id": biller_id,
        "customer_number": customer_number,
        "kind": kind,
        "name": name,
        "identity_number": identity_number,
        "email": email,
        "phone": phone,
        "locale": locale,
        "street": street,
        "postal_code": postal_code,
        "city": city,
    }


def make_payment_method(
    biller_id: str,
    customer_number: str,
    kind: str,
    status: str,
    details: dict[str, Any],
    created_at: str,
    applies_from_issue_date: dt.date | None = None,
) -> Record:
    """Build a payment method. `details` use the names that change_payment_method stores."""
    return {
        "biller_id": biller_id,
        "customer_number": customer_number,
        "kind": kind,
        "status": status,
        "details": details,
        "applies_from_issue_date": applies_from_issue_date.isoformat() if applies_from_issue_date else None,
        "created_at": created_at,
    }


# --- Billers -------------------------------------------------------------------

NORDVAG_ORGANISATION_NUMBER = organisation_number("556814302")
ALVKRAFT_ORGANISATION_NUMBER = organisation_number("556390457")
LYRA_ORGANISATION_NUMBER = organisation_number("516403882")


def build_billers() -> list[Record]:
    return [
        {
            "id": "nordvag",
            "name": "Nordvåg Mobil AB",
            "organisation_number": NORDVAG_ORGANISATION_NUMBER,
            "vat_number": vat_number(NORDVAG_ORGANISATION_NUMBER),
            "bankgiro": bankgiro_number("5417263"),
            "plusgiro": None,
            "swish_number": "1236049218",
            "industry": "telecom",
            "default_locale": "sv",
        },
        {
            "id": "alvkraft",
            "name": "Älvkraft Energi AB",
            "organisation_number": ALVKRAFT_ORGANISATION_NUMBER,
            "vat_number": vat_number(ALVKRAFT_ORGANISATION_NUMBER),
            "bankgiro": bankgiro_number("582904"),
            "plusgiro": None,
            "swish_number": None,
            "industry": "energy",
            "default_locale": "sv",
        },
        {
            "id": "lyra",
            "name": "Lyra Försäkring AB",
            "organisation_number": LYRA_ORGANISATION_NUMBER,
            "vat_number": vat_number(LYRA_ORGANISATION_NUMBER),
            "bankgiro": bankgiro_number("5136620"),
            "plusgiro": with_luhn_digit("489312"),
            "swish_number": None,
            "industry": "insurance",
            "default_locale": "sv",
        },
    ]


# --- Nordvåg Mobil: subscription billed in advance, usage in arrears ----------------
#
# Nordvåg issues on the 25th. Each invoice bills the coming calendar month's
# subscription and the usage from the 21st of the previous month to the 20th of
# the issue month. The due date is the 28th of the next month, moved to a bank day.

NORDVAG = "nordvag"
NORDVAG_PREFIX = "NV"
MOBIL_FRI_20_GROSS = 24900  # 249 kr per month including VAT
MOBIL_BAS_8_GROSS = 19900
MOBIL_FRI_30_GROSS = 29900
CAMPAIGN_DISCOUNT_GROSS = -5000
PAPER_INVOICE_FEE_GROSS = 2900  # follows the main service, so 25 % VAT
INTERNATIONAL_CALL_GROSS = 249  # öre per minute including VAT
UK_CALL_GROSS = 390
ROAMING_NORWAY_DATA_GROSS = 4900  # öre per GB including VAT
ROAMING_NORWAY_CALL_OUT_GROSS = 249
ROAMING_NORWAY_CALL_IN_GROSS = 99


def nordvag_serial(month_index: int, customer_offset: int) -> int:
    return 11000 + month_index * 1700 + customer_offset


def nordvag_dates(
    issue_month: dt.date,
) -> tuple[dt.date, dt.date, tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """Return issue date, due date, subscription month and usage period of one Nordvåg invoice."""
    issue_date = day_in_month(issue_month, 25)
    due_date = next_bank_day(day_in_month(add_months(issue_month, 1), 28))
    subscription_month = add_months(issue_month, 1)
    usage_period = (day_in_month(add_months(issue_month, -1), 21), day_in_month(issue_month, 20))
    return issue_date, due_date, (subscription_month, month_end(subscription_month)), usage_period


def usage_period_text(period: tuple[dt.date, dt.date]) -> str:
    return f"{period[0].isoformat()}–{period[1].isoformat()}"


def build_anna() -> tuple[Record, list[Record], list[Record]]:
    """Anna Lindqvist: paper invoices with a fee, one accessory purchase, roaming in Norway last.

    Her latest invoice (issued 2026-11-25) adds data and calls in Norway from a trip
    2026-10-30..2026-11-05, so it is clearly higher than the one before. It is open and
    not yet due on the reference date. All earlier invoices are paid before the due date.
    """
    customer_number = "100234"
    customer = make_customer(
        biller_id=NORDVAG,
        customer_number=customer_number,
        kind="consumer",
        name="Anna Lindqvist",
        identity_number=personal_identity_number(dt.date(1984, 3, 17), "248"),
        email="anna.lindqvist@example.se",
        phone="+46701740605",
        locale="sv",
        street="Tallstigen 8",
        postal_code="417 26",
        city="Göteborg",
    )
    payment_methods = [
        make_payment_method(NORDVAG, customer_number, "paper", "active", {}, "2021-05-11T09:20:00Z"),
    ]

    # Minutes of calls to foreign numbers per usage period, by invoice (0 = no line).
    international_minutes = [0, 14, 22, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0]
    accessory_invoice_index = 4  # issued 2026-03-25
    roaming_trip = (dt.date(2026, 10, 30), dt.date(2026, 11, 5))

    invoices = []
    last_index = ISSUE_MONTH_COUNT - 1
    for index, issue_month in enumerate(issue_months()):
        issue_date, due_date, period, usage_period = nordvag_dates(issue_month)
        serial = nordvag_serial(index, 345)
        lines = [
            monthly_line(
                "subscription",
                "NV-MOBIL-FRI-20",
                "Mobil Fri 20 GB",
                period[0],
                net_unit_price(MOBIL_FRI_20_GROSS, VAT_STANDARD),
                VAT_STANDARD,
            )
        ]
        if international_minutes[index]:
            lines.append(
                make_line(
                    "usage",
                    "NV-SAMTAL-UTLAND",
                    f"Samtal till utländska nummer, {usage_period_text(usage_period)}",
                    international_minutes[index],
                    "min",
                    net_unit_price(INTERNATIONAL_CALL_GROSS, VAT_STANDARD),
                    VAT_STANDARD,
                    period=usage_period,
                )
            )
        if index == accessory_invoice_index:
            lines.append(
                make_line(
                    "one_off",
                    "NV-TILLBEHOR-USBC-20W",
                    "USB-C-laddare 20 W",
                    1,
                    "st",
                    net_unit_price(19900, VAT_STANDARD),
                    VAT_STANDARD,
                    period=(dt.date(2026, 3, 9), dt.date(2026, 3, 9)),
                )
            )
        if index == last_index:
            lines.extend(
                [
                    make_line(
                        "roaming",
                        "NV-ROAMING-NO-DATA",
                        "Surf i Norge",
                        "3.4",
                        "GB",
                        net_unit_price(ROAMING_NORWAY_DATA_GROSS, VAT_STANDARD),
                        VAT_STANDARD,
                        period=roaming_trip,
                        country_code="NO",
                    ),
                    make_line(
                        "roaming",
                        "NV-ROAMING-NO-SAMTAL-UT",
                        "Samtal i Norge, ringda",
                        46,
                        "min",
                        net_unit_price(ROAMING_NORWAY_CALL_OUT_GROSS, VAT_STANDARD),
                        VAT_STANDARD,
                        period=roaming_trip,
                        country_code="NO",
                    ),
                    make_line(
                        "roaming",
                        "NV-ROAMING-NO-SAMTAL-IN",
                        "Samtal i Norge, mottagna",
                        23,
                        "min",
                        net_unit_price(ROAMING_NORWAY_CALL_IN_GROSS, VAT_STANDARD),
                        VAT_STANDARD,
                        period=roaming_trip,
                        country_code="NO",
                    ),
                ]
            )
        lines.append(
            make_line(
                "fee",
                "NV-PAPPERSFAKTURA",
                "Pappersfakturaavgift",
                1,
                "st",
                net_unit_price(PAPER_INVOICE_FEE_GROSS, VAT_STANDARD),
                VAT_STANDARD,
            )
        )
        invoices.append(
            make_invoice(
                biller_id=NORDVAG,
                customer_number=customer_number,
                invoice_number=invoice_number(NORDVAG_PREFIX, issue_date, serial),
                issue_date=issue_date,
                due_date=due_date,
                period=period,
                lines=lines,
                payment_method_kind="paper",
                ocr=ocr_reference(customer_number, serial),
                paid_on=None if index == last_index else previous_bank_day(due_date - dt.timedelta(days=3)),
            )
        )
    return customer, payment_methods, invoices


def build_liam() -> tuple[Record, list[Record], list[Record]]:
    """Liam Ahmed: an ending campaign discount, one late payment with interest, a plan change.

    - The subscription started 2025-10-01 with "Kampanj -50 kr/mån i 6 mån" for October
      to March, so the invoice issued 2026-03-25 (for April) is the first without it.
    - The invoice issued 2026-04-25 is paid 13 days late; the interest is on the invoice
      issued 2026-06-25, the first one issued after the payment.
    - On 2026-08-14 he changes from Mobil Bas 8 GB (199 kr) to Mobil Fri 30 GB (299 kr).
      The invoice issued 2026-08-25 credits 18 of 31 days of the old plan, charges those
      days on the new plan and bills September in advance on the new plan.
    """
    customer_number = "100871"
    customer = make_customer(
        biller_id=NORDVAG,
        customer_number=customer_number,
        kind="consumer",
        name="Liam Ahmed",
        identity_number=personal_identity_number(dt.date(1993, 7, 2), "417"),
        email="liam.ahmed@example.se",
        phone="+46701740612",
        locale="en",
        street="Vävaregatan 12 lgh 1104",
        postal_code="753 21",
        city="Uppsala",
    )
    payment_methods = [
        make_payment_method(
            NORDVAG,
            customer_number,
            "e_invoice",
            "active",
            {"bank_name": "Swedbank"},
            "2025-10-03T18:42:00Z",
        ),
    ]

    uk_call_minutes = [35, 48, 61, 27, 30, 0, 18, 25, 0, 40, 33, 12, 20]
    campaign_month_numbers = {0: 3, 1: 4, 2: 5, 3: 6}  # invoice index -> campaign month of 6
    late_invoice_index, late_paid_on = 5, dt.date(2026, 6, 10)
    interest_invoice_index = 7
    plan_change_index, plan_change_date = 9, dt.date(2026, 8, 14)

    basic_net = net_unit_price(MOBIL_BAS_8_GROSS, VAT_STANDARD)
    premium_net = net_unit_price(MOBIL_FRI_30_GROSS, VAT_STANDARD)
    invoices: list[Record] = []
    for index, issue_month in enumerate(issue_months()):
        issue_date, due_date, period, usage_period = nordvag_dates(issue_month)
        serial = nordvag_serial(index, 871)
        on_new_plan = index >= plan_change_index
        lines = []
        if on_new_plan:
            lines.append(
                monthly_line(
                    "subscription", "NV-MOBIL-FRI-30", "Mobil Fri 30 GB", period[0], premium_net, VAT_STANDARD
                )
            )
        else:
            lines.append(
                monthly_line(
                    "subscription", "NV-MOBIL-BAS-8", "Mobil Bas 8 GB", period[0], basic_net, VAT_STANDARD
                )
            )
        if index in campaign_month_numbers:
            lines.append(
                make_line(
                    "discount",
                    "NV-KAMPANJ-50X6",
                    f"Kampanj -50 kr/mån i 6 mån (månad {campaign_month_numbers[index]} av 6)",
                    1,
                    "mån",
                    net_unit_price(CAMPAIGN_DISCOUNT_GROSS, VAT_STANDARD),
                    VAT_STANDARD,
                    period=period,
                )
            )
        if index == plan_change_index:
            lines.extend(proration_lines(plan_change_date, basic_net, premium_net))
        if uk_call_minutes[index]:
            lines.append(
                make_line(
                    "usage",
                    "NV-SAMTAL-UTLAND",
                    f"Samtal till utländska nummer (Storbritannien), {usage_period_text(usage_period)}",
                    uk_call_minutes[index],
                    "min",
                    net_unit_price(UK_CALL_GROSS, VAT_STANDARD),
                    VAT_STANDARD,
                    period=usage_period,
                )
            )
        if index == interest_invoice_index:
            late = invoices[late_invoice_index]
            lines.append(
                late_interest_line(
                    late["total_minor"],
                    late["invoice_number"],
                    dt.date.fromisoformat(late["due_date"]),
                    late_paid_on,
                )
            )

        if index == ISSUE_MONTH_COUNT - 1:
            paid_on = None
        elif index == late_invoice_index:
            paid_on = late_paid_on
        else:
            paid_on = due_date
        invoices.append(
            make_invoice(
                biller_id=NORDVAG,
                customer_number=customer_number,
                invoice_number=invoice_number(NORDVAG_PREFIX, issue_date, serial),
                issue_date=issue_date,
                due_date=due_date,
                period=period,
                lines=lines,
                payment_method_kind="e_invoice",
                ocr=ocr_reference(customer_number, serial),
                paid_on=paid_on,
                payment_method="e_invoice",
            )
        )
    return customer, payment_methods, invoices


def proration_lines(change_date: dt.date, old_net_month: Decimal, new_net_month: Decimal) -> list[Record]:
    """Build the plan-change lines: a credit for the old plan's unused days and a charge for the new plan."""
    month_start = change_date.replace(day=1)
    last_day = month_end(month_start)
    days_in_month = last_day.day
    days = (last_day - change_date).days + 1
    period = (change_date, last_day)
    share = f"{days} av {days_in_month} dagar"
    return [
        make_line(
            "credit",
            "NV-MOBIL-BAS-8",
            f"Mobil Bas 8 GB, återbetalning för {usage_period_text(period)} ({share})",
            days,
            "dag",
            -(old_net_month / days_in_month).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
            VAT_STANDARD,
            period=period,
        ),
        make_line(
            "subscription",
            "NV-MOBIL-FRI-30",
            f"Mobil Fri 30 GB, {usage_period_text(period)} ({share})",
            days,
            "dag",
            (new_net_month / days_in_month).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
            VAT_STANDARD,
            period=period,
        ),
    ]


# --- Älvkraft Energi: electricity billed monthly in arrears --------------------------
#
# Älvkraft issues on the 19th for the previous calendar month's consumption, due on
# the 10th of the next month (moved to a bank day), which leaves room for a reminder
# before the next invoice run.

ALVKRAFT = "alvkraft"
ALVKRAFT_PREFIX = "AK"

# Variable price per consumption month (October 2025 to October 2026), öre/kWh excluding
# VAT: the monthly average spot price in price area SE3 plus Älvkraft's mark-up (fictional).
VARIABLE_PRICE_ORE_PER_KWH = [
    "64.82",
    "88.17",
    "103.45",
    "121.36",
    "109.08",
    "72.91",
    "51.24",
    "36.70",
    "28.15",
    "31.62",
    "42.87",
    "58.33",
    "71.06",
]
FIXED_FEE_GROSS_BEFORE = 3900  # 39 kr per month including VAT, until March 2026
FIXED_FEE_GROSS_AFTER = 4500  # 45 kr per month from April 2026
FIXED_FEE_CHANGE_MONTH = dt.date(2026, 4, 1)
BUSINESS_FIXED_FEE_NET = 9900


def alvkraft_serial(month_index: int, customer_offset: int) -> int:
    return 250000 + month_index * 4200 + customer_offset


def alvkraft_dates(issue_month: dt.date) -> tuple[dt.date, dt.date, tuple[dt.date, dt.date]]:
    """Return issue date, due date and consumption month of one Älvkraft invoice."""
    consumption_month = add_months(issue_month, -1)
    issue_date = day_in_month(issue_month, 19)
    due_date = next_bank_day(day_in_month(add_months(issue_month, 1), 10))
    return issue_date, due_date, (consumption_month, month_end(consumption_month))


def electricity_line(consumption_month: dt.date, kwh: str, month_index: int) -> Record:
    return make_line(
        "usage",
        "AK-EL-RORLIGT-SE3",
        f"Elhandel rörligt pris, elområde SE3, {month_label(consumption_month)}",
        kwh,
        "kWh",
        VARIABLE_PRICE_ORE_PER_KWH[month_index],
        VAT_STANDARD,
        period=(consumption_month, month_end(consumption_month)),
    )


def build_maria() -> tuple[Record, list[Record], list[Record]]:
    """Maria Svensson: a house with electric heating, a fixed-fee rise, a reminded invoice.

    The fixed fee rises from 39 kr to 45 kr per month from April 2026. The invoice issued
    2026-10-19 (due 2026-11-10) is unpaid and was reminded on 2026-11-18. The invoice
    issued 2026-11-19 adds the 60 kr reminder fee and the late-payment interest on the
    reminded invoice up to its own issue date. It is open and due 2026-12-10.
    """
    customer_number = "5001234"
    customer = make_customer(
        biller_id=ALVKRAFT,
        customer_number=customer_number,
        kind="consumer",
        name="Maria Svensson",
        identity_number=personal_identity_number(dt.date(1971, 11, 23), "362"),
        email="maria.svensson@example.se",
        phone="+46701740619",
        locale="sv",
        street="Björkvägen 5",
        postal_code="725 91",
        city="Västerås",
    )
    email_from = dt.date(2026, 2, 19)
    payment_methods = [
        make_payment_method(ALVKRAFT, customer_number, "paper", "superseded", {}, "2018-09-03T10:15:00Z"),
        make_payment_method(
            ALVKRAFT,
            customer_number,
            "email_pdf",
            "active",
            {"email": "maria.svensson@example.se"},
            "2026-02-09T08:41:00Z",
            applies_from_issue_date=email_from,
        ),
    ]

    kwh_by_month = [
        "1184.6",
        "1742.3",
        "2215.8",
        "2487.1",
        "2163.4",
        "1621.0",
        "1033.7",
        "612.9",
        "398.2",
        "352.5",
        "411.8",
        "689.4",
        "1206.3",
    ]
    reminded_index = ISSUE_MONTH_COUNT - 2
    reminder_sent_on = dt.date(2026, 11, 18)

    invoices: list[Record] = []
    for index, issue_month in enumerate(issue_months()):
        issue_date, due_date, period = alvkraft_dates(issue_month)
        serial = alvkraft_serial(index, 1234)
        fixed_fee_gross = (
            FIXED_FEE_GROSS_AFTER if period[0] >= FIXED_FEE_CHANGE_MONTH else FIXED_FEE_GROSS_BEFORE
        )
        lines = [
            electricity_line(period[0], kwh_by_month[index], index),
            monthly_line(
                "subscription",
                "AK-FAST-AVGIFT",
                "Fast avgift",
                period[0],
                net_unit_price(fixed_fee_gross, VAT_STANDARD),
                VAT_STANDARD,
            ),
        ]
        status, reminder_count, paid_on = None, 0, previous_bank_day(due_date - dt.timedelta(days=4))
        if index == reminded_index:
            status, reminder_count, paid_on = "reminded", 1, None
        if index == ISSUE_MONTH_COUNT - 1:
            paid_on = None
            reminded = invoices[reminded_index]
            lines.append(
                make_line(
                    "fee",
                    "AK-PAMINNELSEAVGIFT",
                    f"Påminnelseavgift, påminnelse {reminder_sent_on.isoformat()} "
                    f"för faktura {reminded['invoice_number']}",
                    1,
                    "st",
                    REMINDER_FEE_MINOR,
                    VAT_EXEMPT,
                )
            )
            lines.append(
                late_interest_line(
                    reminded["total_minor"],
                    reminded["invoice_number"],
                    dt.date.fromisoformat(reminded["due_date"]),
                    issue_date,
                )
            )
        invoices.append(
            make_invoice(
                biller_id=ALVKRAFT,
                customer_number=customer_number,
                invoice_number=invoice_number(ALVKRAFT_PREFIX, issue_date, serial),
                issue_date=issue_date,
                due_date=due_date,
                period=period,
                lines=lines,
                payment_method_kind="email_pdf" if issue_date >= email_from else "paper",
                ocr=ocr_reference(customer_number, serial),
                paid_on=paid_on,
                status=status,
                reminder_count=reminder_count,
            )
        )
    return customer, payment_methods, invoices


def build_bageri() -> tuple[Record, list[Record], list[Record]]:
    """Bageri Solrosen AB: a business on autogiro whose draw for one invoice failed.

    Every invoice is drawn by autogiro on its due date, except the one issued 2026-10-19
    (due 2026-11-10), which is open and overdue on the reference date.
    """
    customer_number = "7700421"
    bakery_organisation_number = organisation_number("559207318")
    customer = make_customer(
        biller_id=ALVKRAFT,
        customer_number=customer_number,
        kind="business",
        name="Bageri Solrosen AB",
        identity_number=bakery_organisation_number,
        email="ekonomi.solrosen@example.se",
        phone="+46701740627",
        locale="sv",
        street="Industrigatan 14",
        postal_code="582 77",
        city="Linköping",
    )
    payment_methods = [
        make_payment_method(
            ALVKRAFT,
            customer_number,
            "autogiro",
            "active",
            autogiro_details("5357", "104587", bakery_organisation_number),
            "2024-02-12T13:05:00Z",
        ),
    ]

    kwh_by_month = [
        "5210.4",
        "5685.9",
        "6120.3",
        "6344.8",
        "6012.5",
        "5702.2",
        "5120.6",
        "4688.1",
        "4410.9",
        "3980.4",
        "4576.2",
        "5033.7",
        "5389.0",
    ]
    overdue_index = ISSUE_MONTH_COUNT - 2

    invoices = []
    for index, issue_month in enumerate(issue_months()):
        issue_date, due_date, period = alvkraft_dates(issue_month)
        serial = alvkraft_serial(index, 3021)
        lines = [
            electricity_line(period[0], kwh_by_month[index], index),
            monthly_line(
                "subscription",
                "AK-FAST-AVGIFT-FORETAG",
                "Fast avgift företag",
                period[0],
                BUSINESS_FIXED_FEE_NET,
                VAT_STANDARD,
            ),
        ]
        unpaid = index in (overdue_index, ISSUE_MONTH_COUNT - 1)
        invoices.append(
            make_invoice(
                biller_id=ALVKRAFT,
                customer_number=customer_number,
                invoice_number=invoice_number(ALVKRAFT_PREFIX, issue_date, serial),
                issue_date=issue_date,
                due_date=due_date,
                period=period,
                lines=lines,
                payment_method_kind="autogiro",
                ocr=ocr_reference(customer_number, serial),
                paid_on=None if unpaid else due_date,
                payment_method="autogiro",
            )
        )
    return customer, payment_methods, invoices


# --- Lyra Försäkring: premiums billed in advance, VAT-exempt ------------------------
#
# Lyra issues on the 20th for the next calendar month, due on the 20th of that month
# (moved to a bank day). Insurance premiums carry no VAT.

LYRA = "lyra"
LYRA_PREFIX = "LF"
HOME_BASIC_PREMIUM = 18900
ACCIDENT_ADD_ON_PREMIUM = 2900
CAR_HALF_PREMIUM_BEFORE = 41200
CAR_HALF_PREMIUM_AFTER = 44700
CAR_RENEWAL_MONTH = dt.date(2026, 3, 1)


def lyra_serial(month_index: int, customer_offset: int) -> int:
    return 88000 + month_index * 900 + customer_offset


def lyra_dates(issue_month: dt.date) -> tuple[dt.date, dt.date, tuple[dt.date, dt.date]]:
    """Return issue date, due date and insured month of one Lyra invoice."""
    insured_month = add_months(issue_month, 1)
    issue_date = day_in_month(issue_month, 20)
    due_date = next_bank_day(day_in_month(insured_month, 20))
    return issue_date, due_date, (insured_month, month_end(insured_month))


def credit_note_for(original: Record, *, invoice_number: str, issue_date: dt.date) -> Record:
    """Build a credit note that credits every line of `original` with negated quantities."""
    lines = [
        {
            **line,
            "description": f"Kredit: {line['description']}",
            "quantity": decimal_text(-Decimal(line["quantity"])),
            "net_amount_minor": -line["net_amount_minor"],
            "vat_amount_minor": -line["vat_amount_minor"],
        }
        for line in original["lines"]
    ]
    return make_invoice(
        biller_id=original["biller_id"],
        customer_number=original["customer_number"],
        invoice_number=invoice_number,
        issue_date=issue_date,
        due_date=issue_date,
        period=(
            dt.date.fromisoformat(original["period_start"]),
            dt.date.fromisoformat(original["period_end"]),
        ),
        lines=lines,
        payment_method_kind=original["payment_method_kind"],
        ocr=None,
        status="paid",
        kind="credit_note",
        credited_invoice_number=original["invoice_number"],
        rounding_minor=-original["rounding_minor"],
    )


def build_johan() -> tuple[Record, list[Record], list[Record]]:
    """Johan Berg: home insurance with an accident add-on that he cancels, one credited invoice.

    He cancelled Drulleförsäkring from 2026-05-01, but the invoice issued 2026-04-20 for
    May still carried it. Lyra credited that invoice in full on 2026-04-27 with a credit
    note and reissued May without the add-on, with the same due date. Autogiro pays
    every other invoice on its due date.
    """
    customer_number = "L-300045"
    identity_number = personal_identity_number(dt.date(1958, 5, 9), "573")
    customer = make_customer(
        biller_id=LYRA,
        customer_number=customer_number,
        kind="consumer",
        name="Johan Berg",
        identity_number=identity_number,
        email="johan.berg@example.se",
        phone="+46701740634",
        locale="sv",
        street="Kvarnvägen 3",
        postal_code="352 46",
        city="Växjö",
    )
    payment_methods = [
        make_payment_method(
            LYRA,
            customer_number,
            "autogiro",
            "active",
            autogiro_details("6543", "91234567", identity_number),
            "2019-08-26T07:58:00Z",
        ),
    ]

    add_on_until = dt.date(2026, 4, 30)
    credited_index = 5  # issued 2026-04-20 for May 2026
    correction_date = dt.date(2026, 4, 27)

    invoices: list[Record] = []
    for index, issue_month in enumerate(issue_months()):
        issue_date, due_date, period = lyra_dates(issue_month)
        serial = lyra_serial(index, 45)
        home_line = monthly_line(
            "subscription", "LF-HEM-BAS", "Hemförsäkring Bas", period[0], HOME_BASIC_PREMIUM, VAT_EXEMPT
        )
        add_on_line = monthly_line(
            "subscription",
            "LF-HEM-DRULLE",
            "Drulleförsäkring",
            period[0],
            ACCIDENT_ADD_ON_PREMIUM,
            VAT_EXEMPT,
        )
        with_add_on = period[0] <= add_on_until or index == credited_index
        lines = [home_line, add_on_line] if with_add_on else [home_line]
        autogiro_invoice = functools.partial(
            make_invoice,
            biller_id=LYRA,
            customer_number=customer_number,
            due_date=due_date,
            period=period,
            payment_method_kind="autogiro",
            payment_method="autogiro",
        )
        is_latest = index == ISSUE_MONTH_COUNT - 1
        if index != credited_index:
            invoices.append(
                autogiro_invoice(
                    invoice_number=invoice_number(LYRA_PREFIX, issue_date, serial),
                    issue_date=issue_date,
                    lines=lines,
                    ocr=ocr_reference(customer_number, serial),
                    paid_on=None if is_latest else due_date,
                )
            )
            continue

        original = autogiro_invoice(
            invoice_number=invoice_number(LYRA_PREFIX, issue_date, serial),
            issue_date=issue_date,
            lines=lines,
            ocr=ocr_reference(customer_number, serial),
            status="credited",
        )
        credit_serial = lyra_serial(index, 611)
        reissue_serial = lyra_serial(index, 612)
        invoices.append(original)
        invoices.append(
            credit_note_for(
                original,
                invoice_number=invoice_number(LYRA_PREFIX, correction_date, credit_serial),
                issue_date=correction_date,
            )
        )
        invoices.append(
            autogiro_invoice(
                invoice_number=invoice_number(LYRA_PREFIX, correction_date, reissue_serial),
                issue_date=correction_date,
                lines=[home_line],
                ocr=ocr_reference(customer_number, reissue_serial),
                paid_on=due_date,
            )
        )
    return customer, payment_methods, invoices


def build_sara() -> tuple[Record, list[Record], list[Record]]:
    """Sara Nilsson: car insurance delivered to Kivra, a renewal price rise, one overdue invoice.

    At the yearly renewal on 2026-03-01 the premium rises from 412 kr to 447 kr per month.
    The invoice issued 2026-10-20 (due 2026-11-20) is unpaid and overdue on the reference date.
    """
    customer_number = "L-300112"
    customer = make_customer(
        biller_id=LYRA,
        customer_number=customer_number,
        kind="consumer",
        name="Sara Nilsson",
        identity_number=personal_identity_number(dt.date(1996, 1, 30), "086"),
        email="sara.nilsson@example.se",
        phone="+46701740641",
        locale="en",
        street="Linnégatan 22",
        postal_code="413 04",
        city="Göteborg",
    )
    payment_methods = [
        make_payment_method(LYRA, customer_number, "kivra", "active", {}, "2025-03-14T16:27:00Z"),
    ]

    overdue_index = ISSUE_MONTH_COUNT - 2
    invoices = []
    for index, issue_month in enumerate(issue_months()):
        issue_date, due_date, period = lyra_dates(issue_month)
        serial = lyra_serial(index, 112)
        premium = CAR_HALF_PREMIUM_AFTER if period[0] >= CAR_RENEWAL_MONTH else CAR_HALF_PREMIUM_BEFORE
        lines = [
            monthly_line(
                "subscription",
                "LF-BIL-HALV",
                "Bilförsäkring Halv, Volvo V60 2019",
                period[0],
                premium,
                VAT_EXEMPT,
            )
        ]
        unpaid = index in (overdue_index, ISSUE_MONTH_COUNT - 1)
        invoices.append(
            make_invoice(
                biller_id=LYRA,
                customer_number=customer_number,
                invoice_number=invoice_number(LYRA_PREFIX, issue_date, serial),
                issue_date=issue_date,
                due_date=due_date,
                period=period,
                lines=lines,
                payment_method_kind="kivra",
                ocr=ocr_reference(customer_number, serial),
                paid_on=None if unpaid else previous_bank_day(due_date - dt.timedelta(days=1)),
            )
        )
    return customer, payment_methods, invoices


# --- Output --------------------------------------------------------------------

CUSTOMER_BUILDERS: tuple[Callable[[], tuple[Record, list[Record], list[Record]]], ...] = (
    build_anna,
    build_liam,
    build_maria,
    build_bageri,
    build_johan,
    build_sara,
)


def build_fixtures() -> dict[str, list[Record]]:
    """Build the content of each fixture file, keyed by file name."""
    customers, payment_methods, invoices = [], [], []
    for build in CUSTOMER_BUILDERS:
        customer, methods, customer_invoices = build()
        customers.append(customer)
        payment_methods.extend(methods)
        invoices.extend(customer_invoices)
    _check_story_dates(invoices)
    return {
        "billers.json": build_billers(),
        "customers.json": customers,
        "payment_methods.json": payment_methods,
        "invoices.json": invoices,
    }


def _check_story_dates(invoices: list[Record]) -> None:
    """Fail if a payment lies after the reference date, because the stories assume that day."""
    for invoice in invoices:
        for payment in invoice["payments"]:
            if dt.date.fromisoformat(payment["paid_on"]) > REFERENCE_DATE:
                raise AssertionError(
                    f"payment on {payment['paid_on']} for {invoice['invoice_number']} is after 2026-12-04"
                )


def fixture_json(records: list[Record]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def write_fixtures(output_dir: Path) -> list[Path]:
    """Write the fixture files into `output_dir` and return their paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, records in build_fixtures().items():
        path = output_dir / file_name
        path.write_text(fixture_json(records), encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help=f"folder to write the JSON files into (default: {DEFAULT_OUTPUT_DIR})",
    )
    arguments = parser.parse_args(argv)
    for path in write_fixtures(arguments.output):
        print(path)


if __name__ == "__main__":
    main()
