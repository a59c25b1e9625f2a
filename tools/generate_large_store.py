"""Generate a large SQLite billing store for the benchmark in tools/bench.py.

The schema comes from the project's own migrations (`invoice_mcp.store.migrate.upgrade`).
The rows are then written with raw sqlite3 `executemany` calls in large transactions,
with journaling and fsync switched off while loading, because going through the ORM
or the fixture loader would take hours for a million invoices.

The data is shaped like the demo data, so every tool works on it:

- Two fictional billers: a telecom operator (`benchtel`) and an energy retailer
  (`benchkraft`). Customers alternate between them.
- Each customer gets `invoices // customers` monthly invoices (the first
  `invoices % customers` customers get one more), the newest issued 2026-11-25 and
  still open on the benchmark date 2026-12-04. About one customer in ten has the
  invoice before it reminded and unpaid; every older invoice is paid, with a payment row.
- Every invoice has `--lines` lines (10 by default) whose categories and product codes
  repeat month to month: plan and add-on subscriptions, usage with quantities and unit
  prices, roaming abroad, one-off purchases, a discount that ends, an invoice fee. A price
  rise from July 2026, plan changes, ended discounts and changing usage give
  `explain_amount` real causes to find.
- Line amounts follow the loader's rules: net = quantity × unit price and VAT = net × rate,
  both rounded half up; an invoice total is the sum of line net plus VAT plus öresavrundning
  to whole kronor, so causes add up exactly.

Invoices are written month by month across all customers, as a real biller issues them,
so one customer's invoices are spread over the table rather than stored next to each
other. The generator writes no credit notes, payment extensions or audit events.

Run from the repository root:

    .venv/bin/python tools/generate_large_store.py --invoices 1000000 --customers 100000

The file goes to /tmp/invoice-mcp-bench/ unless --database names another path outside
the repository. A JSON file next to it (PATH.meta.json) records the sizes, the schema
version and the generation time, so tools/bench.py can reuse a store it already built.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from invoice_mcp.domain.bank_accounts import BankAccount, validate_bank_account
from invoice_mcp.domain.errors import InvalidFieldError
from invoice_mcp.domain.identifiers import luhn_check_digit

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIRECTORY = Path("/tmp/invoice-mcp-bench")
# The newest invoice of every customer is issued on this day; the benchmark pins "today"
# to 2026-12-04, when it is open and not yet due.
LAST_ISSUE_DATE = dt.date(2026, 11, 25)
PAYMENT_TERM_DAYS = 33
# Customers whose second newest invoice is reminded instead of paid, one in this many.
REMINDED_EVERY = 10
# Invoices written per transaction; the lines of 20,000 invoices are 200,000 rows at 10 lines.
INVOICES_PER_TRANSACTION = 20_000
VAT_STANDARD = 2500  # basis points: 25 %
# Stored in PATH.meta.json. Raise it whenever the generated rows change, so that tools/bench.py
# builds a new store instead of reusing one that an older version of this script wrote.
GENERATOR_VERSION = 3

BILLERS = (
    {
        "id": "benchtel",
        "name": "Bänktel Mobil AB",
        "organisation_number": "556900-0002",
        "industry": "telecom",
        "swish_number": "1231181189",
    },
    {
        "id": "benchkraft",
        "name": "Bänkkraft Energi AB",
        "organisation_number": "556900-0010",
        "industry": "energy",
        "swish_number": None,
    },
)

FIRST_NAMES = (
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Johan",
    "Sara",
    "Per",
    "Elin",
    "Ahmed",
    "Noor",
    "Oskar",
)
LAST_NAMES = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson")
CITIES = (("Göteborg", "41726"), ("Stockholm", "11346"), ("Malmö", "21145"), ("Umeå", "90326"))
SWEDISH_MONTHS = (
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

# Telecom plans: product code, name and monthly net price in öre before the July 2026 rise.
PLANS = (
    ("BT-MOBIL-5", "Mobil 5 GB", 15920),
    ("BT-MOBIL-20", "Mobil 20 GB", 19920),
    ("BT-MOBIL-50", "Mobil 50 GB", 27920),
    ("BT-MOBIL-OBEGR", "Mobil Obegränsad", 35920),
)
PRICE_RISE_FROM = dt.date(2026, 7, 1)
PRICE_RISE_MINOR = 800
ONE_OFF_PURCHASES = (
    ("BT-STREAMING-FILM", "Filmhyra"),
    ("BT-APPKOP", "Appköp via mobilräkningen"),
    ("BT-SPEL", "Spelköp via mobilräkningen"),
)
ROAMING_COUNTRIES = ("ES", "DE", "FR", "IT", "GR", "PT", "NO", "DK")
PAYMENT_METHODS = ("paper", "e_invoice", "kivra", "email_pdf", "autogiro")

# Line: category, product code, description, quantity, unit, unit price (text or None), net,
# VAT rate in basis points, VAT, period start, period end, country code.
Line = tuple[str, str, str, str, str | None, str | None, int, int, int, str | None, str | None, str | None]


@dataclass
class GenerationReport:
    """Sizes and timing of one generated store, also written to PATH.meta.json."""

    database: str
    invoices: int
    customers: int
    lines_per_invoice: int
    lines: int
    payments: int
    schema_revision: str | None
    seed: int
    seconds: float
    created_at: str = ""
    generator_version: int = 0


@dataclass
class CustomerProfile:
    """Properties of one customer that stay the same from month to month."""

    id: int
    biller_index: int
    customer_number: str
    plan: int
    # Index of the month from which the customer has the next plan up, or -1 for never.
    plan_change_month: int
    # Index of the month from which the welcome discount is replaced by a smaller one.
    discount_end_month: int
    payment_method: str
    roaming_country: str
    invoice_count: int
    reminded: bool


def round_half_up_ratio(numerator: int, denominator: int) -> int:
    """Divide and round half away from zero, as the fixture loader's Decimal ROUND_HALF_UP does."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    quotient, remainder = divmod(abs(numerator), abs(denominator))
    if 2 * remainder >= abs(denominator):
        quotient += 1
    return sign * quotient


def vat_of(net: int, rate_basis_points: int = VAT_STANDARD) -> int:
    return round_half_up_ratio(net * rate_basis_points, 10_000)


def with_luhn(digits: str) -> str:
    return digits + luhn_check_digit(digits)


def issue_months(count: int) -> list[dt.date]:
    """Return `count` monthly issue dates, oldest first, ending on LAST_ISSUE_DATE."""
    months = []
    year, month = LAST_ISSUE_DATE.year, LAST_ISSUE_DATE.month
    for _ in range(count):
        months.append(dt.date(year, month, LAST_ISSUE_DATE.day))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def next_month_period(issue_date: dt.date) -> tuple[dt.date, dt.date]:
    """Return the calendar month after the issue date: the period a subscription invoice covers."""
    year, month = (
        (issue_date.year, issue_date.month + 1) if issue_date.month < 12 else (issue_date.year + 1, 1)
    )
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def usage_period(issue_date: dt.date) -> tuple[dt.date, dt.date]:
    """Return the usage period billed on an invoice: the 21st of the month before to the 20th."""
    end = issue_date.replace(day=20)
    start_year, start_month = (end.year, end.month - 1) if end.month > 1 else (end.year - 1, 12)
    return dt.date(start_year, start_month, 21), end


@dataclass(frozen=True)
class MonthContext:
    """Dates and texts shared by every invoice issued in one month."""

    index: int
    issue_date: dt.date
    due_date: str
    period_start: str
    period_end: str
    usage_start: str
    usage_end: str
    month_name: str
    summer: bool
    price_rise: bool


def month_context(index: int, issue_date: dt.date) -> MonthContext:
    period_start, period_end = next_month_period(issue_date)
    usage_start, usage_end = usage_period(issue_date)
    return MonthContext(
        index=index,
        issue_date=issue_date,
        due_date=(issue_date + dt.timedelta(days=PAYMENT_TERM_DAYS)).isoformat(),
        period_start=period_start.isoformat(),
        period_end=period_end.isoformat(),
        usage_start=usage_start.isoformat(),
        usage_end=usage_end.isoformat(),
        month_name=f"{SWEDISH_MONTHS[period_start.month - 1]} {period_start.year}",
        summer=usage_end.month in (7, 8),
        price_rise=period_start >= PRICE_RISE_FROM,
    )


def priced_line(
    category: str,
    code: str,
    description: str,
    quantity: int,
    unit: str,
    unit_price: int,
    period: tuple[str | None, str | None],
    country: str | None = None,
) -> Line:
    """Build a line whose quantity and unit price (öre) are whole numbers."""
    net = quantity * unit_price
    return (
        category,
        code,
        description,
        str(quantity),
        unit,
        str(unit_price),
        net,
        VAT_STANDARD,
        vat_of(net),
        period[0],
        period[1],
        country,
    )


def metered_line(
    code: str, description: str, quantity_milli: int, price_ten_thousandths: int, period: tuple[str, str]
) -> Line:
    """Build a usage line in kWh with three decimals and a unit price in öre with four decimals."""
    net = round_half_up_ratio(quantity_milli * price_ten_thousandths, 10_000_000)
    quantity = f"{quantity_milli // 1000}.{quantity_milli % 1000:03d}"
    price = f"{price_ten_thousandths // 10_000}.{price_ten_thousandths % 10_000:04d}"
    return ("usage", code, description, quantity, "kWh", price, net, VAT_STANDARD, vat_of(net), *period, None)


def telecom_lines(
    profile: CustomerProfile, month: MonthContext, count: int, rng: random.Random
) -> list[Line]:
    """Build the `count` lines of one telecom invoice."""
    plan_index = profile.plan
    if 0 <= profile.plan_change_month <= month.index:
        plan_index = min(plan_index + 1, len(PLANS) - 1)
    code, name, price = PLANS[plan_index]
    if month.price_rise:
        price += PRICE_RISE_MINOR
    period = (month.period_start, month.period_end)
    usage = (month.usage_start, month.usage_end)

    purchase_code, purchase_name = ONE_OFF_PURCHASES[int(rng.random() * len(ONE_OFF_PURCHASES))]
    roaming_megabytes = int(rng.random() * (3000 if month.summer else 200))
    if month.index >= profile.discount_end_month:
        discount = ("BT-RABATT-LOJALITET", "Lojalitetsrabatt", -1000)
    else:
        discount = ("BT-RABATT-VALKOMMEN", "Välkomstrabatt", -4000)
    fee_code, fee_name, fee = (
        ("BT-PAPPERSFAKTURA", "Pappersfakturaavgift", 2320)
        if profile.payment_method == "paper"
        else ("BT-SERVICEAVGIFT", "Serviceavgift", 1600)
    )

    lines = [
        priced_line("subscription", code, f"{name}, {month.month_name}", 1, "mån", price, period),
        priced_line(
            "subscription", "BT-EXTRA-SURF", f"Extra surf 5 GB, {month.month_name}", 1, "mån", 4920, period
        ),
        priced_line("usage", "BT-SAMTAL", "Samtal inom Sverige", int(rng.random() * 300), "min", 49, usage),
        priced_line("usage", "BT-SMS", "SMS", int(rng.random() * 100), "st", 79, usage),
        priced_line(
            "usage", "BT-SAMTAL-UTLAND", "Samtal till utlandet", int(rng.random() * 40), "min", 399, usage
        ),
        priced_line("usage", "BT-DATA-EXTRA", "Extra data", int(rng.random() * 4), "GB", 3920, usage),
        priced_line(
            "roaming",
            "BT-ROAMING-DATA",
            f"Surf utomlands ({profile.roaming_country})",
            roaming_megabytes,
            "MB",
            12,
            usage,
            profile.roaming_country,
        ),
        priced_line(
            "one_off", purchase_code, purchase_name, 1, "st", 2000 + int(rng.random() * 13000), usage
        ),
        priced_line("discount", discount[0], discount[1], 1, "mån", discount[2], period),
        priced_line("fee", fee_code, fee_name, 1, "st", fee, (None, None)),
    ]

    # A business with several numbers: one subscription line and one call line per extra number.
    for extra in range(max(0, count - len(lines))):
        if extra % 2 == 0:
            lines.append(
                priced_line(
                    "subscription",
                    "BT-EXTRA-NUMMER",
                    f"Extra nummer {extra // 2 + 1}",
                    1,
                    "mån",
                    9920,
                    period,
                )
            )
        else:
            lines.append(
                priced_line(
                    "usage",
                    "BT-SAMTAL-EXTRA",
                    f"Samtal, extra nummer {extra // 2 + 1}",
                    int(rng.random() * 200),
                    "min",
                    49,
                    usage,
                )
            )
    return lines[:count]


def energy_lines(profile: CustomerProfile, month: MonthContext, count: int, rng: random.Random) -> list[Line]:
    """Build the `count` lines of one electricity invoice."""
    period = (month.period_start, month.period_end)
    usage = (month.usage_start, month.usage_end)

    # Usage ending November to March is winter usage, about 2.5 times the summer usage.
    winter = month.usage_end[5:7] in ("11", "12", "01", "02", "03")
    kwh_milli = int((900 if winter else 350) * 1000 * (0.7 + 0.6 * rng.random()))
    spot_price = 400_000 + int(rng.random() * 1_200_000)  # 40 to 160 öre per kWh
    peak_kw = 3 + int(rng.random() * 6)

    if month.index >= profile.discount_end_month:
        discount = ("EK-RABATT-LOJALITET", "Lojalitetsrabatt", -1500)
    else:
        discount = ("EK-RABATT-NYKUND", "Rabatt för nya kunder", -5000)
    fee_code, fee_name, fee = (
        ("EK-PAPPERSFAKTURA", "Pappersfakturaavgift", 3920)
        if profile.payment_method == "paper"
        else ("EK-AVIAVGIFT", "Aviavgift", 1200)
    )

    lines = [
        priced_line(
            "subscription",
            "EK-FAST-AVGIFT",
            f"Fast avgift elhandel, {month.month_name}",
            1,
            "mån",
            3920,
            period,
        ),
        priced_line(
            "subscription",
            "EK-NAT-ABONNEMANG",
            f"Nätabonnemang 20 A, {month.month_name}",
            1,
            "mån",
            26000,
            period,
        ),
        metered_line("EK-EL-SPOT", "Elhandel, timspotpris", kwh_milli, spot_price, usage),
        metered_line("EK-ELPASLAG", "Påslag elhandel", kwh_milli, 45_000, usage),
        metered_line("EK-NAT-OVERFORING", "Elöverföring", kwh_milli, 256_000, usage),
        metered_line("EK-ENERGISKATT", "Energiskatt", kwh_milli, 439_000, usage),
        priced_line(
            "usage", "EK-EFFEKTAVGIFT", f"Effektavgift, {peak_kw} kW", 1, "mån", peak_kw * 4000, usage
        ),
        metered_line("EK-ELCERTIFIKAT", "Elcertifikat", kwh_milli, 6_000, usage),
        priced_line("discount", discount[0], discount[1], 1, "mån", discount[2], period),
        priced_line("fee", fee_code, fee_name, 1, "st", fee, (None, None)),
    ]

    # A business with several metering points: a grid subscription and a usage line for each.
    for extra in range(max(0, count - len(lines))):
        if extra % 2 == 0:
            lines.append(
                priced_line(
                    "subscription",
                    "EK-NAT-EXTRA",
                    f"Nätabonnemang, anläggning {extra // 2 + 2}",
                    1,
                    "mån",
                    26000,
                    period,
                )
            )
        else:
            lines.append(
                metered_line(
                    "EK-EL-EXTRA", f"Elhandel, anläggning {extra // 2 + 2}", kwh_milli // 2, spot_price, usage
                )
            )
    return lines[:count]


def make_profiles(customers: int, invoices: int, months: int, rng: random.Random) -> list[CustomerProfile]:
    base, extra = divmod(invoices, customers)
    profiles = []
    for index in range(customers):
        count = base + (1 if index < extra else 0)
        first_month = months - count
        profiles.append(
            CustomerProfile(
                id=index + 1,
                biller_index=index % len(BILLERS),
                customer_number=str(700_000 + index),
                plan=int(rng.random() * (len(PLANS) - 1)),
                plan_change_month=first_month + 1 + int(rng.random() * count) if rng.random() < 0.05 else -1,
                discount_end_month=first_month + int(rng.random() * (count + 2)),
                payment_method=PAYMENT_METHODS[int(rng.random() * len(PAYMENT_METHODS))],
                roaming_country=ROAMING_COUNTRIES[int(rng.random() * len(ROAMING_COUNTRIES))],
                invoice_count=count,
                reminded=index % REMINDED_EVERY == REMINDED_EVERY - 1,
            )
        )
    return profiles


def biller_rows() -> list[tuple[object, ...]]:
    rows = []
    for number, biller in enumerate(BILLERS):
        bankgiro = with_luhn(f"{5_900_000 + number * 17:07d}")
        organisation = biller["organisation_number"].replace("-", "")
        rows.append(
            (
                biller["id"],
                biller["name"],
                biller["organisation_number"],
                f"SE{organisation}01",
                f"{bankgiro[:4]}-{bankgiro[4:]}",
                biller["swish_number"],
                biller["industry"],
                "sv",
            )
        )
    return rows


def person(profile: CustomerProfile) -> tuple[str, str]:
    """Return the customer's name and personnummer (YYYYMMDD-NNNN with a Luhn digit)."""
    index = profile.id - 1
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=index % 18_000)
    digits = with_luhn(birth.strftime("%y%m%d") + f"{index % 1000:03d}")
    return f"{first} {last}", f"{birth.year // 100}{digits[:6]}-{digits[6:]}"


def customer_rows(profiles: list[CustomerProfile]) -> Iterator[tuple[object, ...]]:
    for profile in profiles:
        index = profile.id - 1
        name, identity_number = person(profile)
        city, postal_code = CITIES[index % len(CITIES)]
        yield (
            profile.id,
            BILLERS[profile.biller_index]["id"],
            profile.customer_number,
            "consumer",
            name,
            identity_number,
            f"kund.{profile.customer_number}@example.se",
            f"+4670{index % 10_000_000:07d}",
            "en" if index % 10 == 3 else "sv",
            f"Bänkgatan {index % 90 + 1}",
            f"{postal_code[:3]} {postal_code[3:]}",
            city,
        )


def autogiro_account(profile: CustomerProfile) -> BankAccount:
    """Return a Handelsbanken account for the customer that passes the tools' check digit rule."""
    # About one 9-digit number in 11 passes Handelsbanken's mod 11 rule. For customer ids up to
    # 200,000 the search tries at most 28 numbers.
    candidate = 100_000_000 + profile.id * 11
    while True:
        try:
            return validate_bank_account("6789", f"{candidate:09d}")
        except InvalidFieldError:
            candidate += 1


def payment_method_rows(profiles: list[CustomerProfile]) -> Iterator[tuple[object, ...]]:
    for profile in profiles:
        details: dict[str, str] = {}
        if profile.payment_method == "email_pdf":
            details = {"email": f"kund.{profile.customer_number}@example.se"}
        elif profile.payment_method == "e_invoice":
            details = {"bank_name": "Swedbank"}
        elif profile.payment_method == "autogiro":
            _, identity_number = person(profile)
            account = autogiro_account(profile)
            details = {
                "bank_name": account.bank_name,
                "clearing_number": account.clearing_number,
                "account_number": account.account_number,
                "account_holder_identity_number": identity_number,
            }
        yield (
            profile.id,
            profile.payment_method,
            "active",
            json.dumps(details, ensure_ascii=False),
            None,
            "2024-01-15 09:00:00.000000",
        )


def invoice_batches(
    profiles: list[CustomerProfile], months: list[dt.date], lines_per_invoice: int, rng: random.Random
) -> Iterator[tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]]:
    """Yield (invoices, lines, payments) rows, month by month, in batches of INVOICES_PER_TRANSACTION."""
    invoice_rows: list[tuple[object, ...]] = []
    line_rows: list[tuple[object, ...]] = []
    payment_rows: list[tuple[object, ...]] = []
    invoice_id = 0
    serial_by_biller = [0] * len(BILLERS)
    last_month = len(months) - 1
    for month_index, issue_date in enumerate(months):
        month = month_context(month_index, issue_date)
        for profile in profiles:
            if month_index < len(months) - profile.invoice_count:
                continue
            invoice_id += 1
            serial_by_biller[profile.biller_index] += 1
            prefix = "BT" if profile.biller_index == 0 else "EK"
            invoice_number = f"{prefix}-{issue_date.year}-{serial_by_biller[profile.biller_index]:08d}"
            make_lines = telecom_lines if profile.biller_index == 0 else energy_lines
            lines = make_lines(profile, month, lines_per_invoice, rng)
            net_total = 0
            vat_total = 0
            for position, line in enumerate(lines, start=1):
                net_total += line[6]
                vat_total += line[8]
                line_rows.append((invoice_id, position, *line))
            gross = net_total + vat_total
            total = round_half_up_ratio(gross, 100) * 100
            if month_index == last_month:
                status, reminders = "open", 0
            elif month_index == last_month - 1 and profile.reminded:
                status, reminders = "reminded", 1
            else:
                status, reminders = "paid", 0
            ocr = with_luhn(f"{profile.customer_number}{month_index:03d}")
            invoice_rows.append(
                (
                    invoice_id,
                    BILLERS[profile.biller_index]["id"],
                    profile.id,
                    invoice_number,
                    "invoice",
                    issue_date.isoformat(),
                    month.due_date,
                    month.period_start,
                    month.period_end,
                    "SEK",
                    net_total,
                    vat_total,
                    total - gross,
                    total,
                    status,
                    reminders,
                    ocr,
                    profile.payment_method,
                )
            )
            if status == "paid":
                paid_on = issue_date + dt.timedelta(days=PAYMENT_TERM_DAYS - int(rng.random() * 10))
                payment_rows.append((invoice_id, paid_on.isoformat(), total, "SEK", "bankgiro", ocr))
            if len(invoice_rows) >= INVOICES_PER_TRANSACTION:
                yield invoice_rows, line_rows, payment_rows
                invoice_rows, line_rows, payment_rows = [], [], []
    if invoice_rows:
        yield invoice_rows, line_rows, payment_rows


INSERT_BILLER = (
    "INSERT INTO biller (id, name, organisation_number, vat_number, bankgiro, swish_number, industry, "
    "default_locale) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_CUSTOMER = (
    "INSERT INTO customer (id, biller_id, customer_number, kind, name, identity_number, email, phone, "
    "locale, street, postal_code, city) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_PAYMENT_METHOD = (
    "INSERT INTO paymentmethod (customer_id, kind, status, details, applies_from_issue_date, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
INSERT_INVOICE = (
    "INSERT INTO invoice (id, biller_id, customer_id, invoice_number, kind, issue_date, due_date, "
    "period_start, period_end, currency, net_total_minor, vat_total_minor, rounding_minor, total_minor, "
    "status, reminder_count, ocr_reference, payment_method_kind) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_LINE = (
    "INSERT INTO invoiceline (invoice_id, position, category, product_code, description, quantity, unit, "
    "unit_price_minor, net_amount_minor, vat_rate_basis_points, vat_amount_minor, period_start, "
    "period_end, country_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_PAYMENT = (
    "INSERT INTO payment (invoice_id, paid_on, amount_minor, currency, method, reference) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def create_schema(path: Path) -> str | None:
    """Create the schema with the project's migrations and return its revision."""
    from invoice_mcp.store.engine import make_engine
    from invoice_mcp.store.migrate import current_revision, upgrade

    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        return current_revision(engine)
    finally:
        engine.dispose()


def check_outside_repository(path: Path) -> None:
    resolved = path.resolve()
    if resolved == REPOSITORY_ROOT or REPOSITORY_ROOT in resolved.parents:
        raise SystemExit(
            f"error: {path} is inside the repository {REPOSITORY_ROOT}; "
            "write the generated store elsewhere, for example under /tmp"
        )


def default_path(invoices: int, lines_per_invoice: int) -> Path:
    return DEFAULT_DIRECTORY / f"store-{invoices}x{lines_per_invoice}.db"


def meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def generate(
    path: Path, *, invoices: int, customers: int, lines_per_invoice: int = 10, seed: int = 20261204
) -> GenerationReport:
    """Write a new store at `path` (replacing any file there) and return its sizes and timing."""
    if customers < 1 or invoices < customers:
        raise ValueError(
            f"need at least one invoice per customer: {invoices} invoices, {customers} customers"
        )
    if lines_per_invoice < 1:
        raise ValueError(f"lines per invoice must be 1 or more, not {lines_per_invoice}")
    check_outside_repository(path)
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (
        path,
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
        meta_path(path),
    ):
        stale.unlink(missing_ok=True)
    revision = create_schema(path)

    rng = random.Random(seed)
    months = issue_months(-(-invoices // customers))
    profiles = make_profiles(customers, invoices, len(months), rng)
    connection = sqlite3.connect(path, isolation_level=None)
    line_count = 0
    payment_count = 0
    try:
        # Safe only for a throwaway file: a crash while loading leaves a broken store.
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-262144")  # 256 MiB
        connection.execute("PRAGMA temp_store=MEMORY")
        connection.execute("BEGIN")
        connection.executemany(INSERT_BILLER, biller_rows())
        connection.executemany(INSERT_CUSTOMER, customer_rows(profiles))
        connection.executemany(INSERT_PAYMENT_METHOD, payment_method_rows(profiles))
        connection.execute("COMMIT")
        for invoice_rows, line_rows, payment_rows in invoice_batches(
            profiles, months, lines_per_invoice, rng
        ):
            connection.execute("BEGIN")
            connection.executemany(INSERT_INVOICE, invoice_rows)
            connection.executemany(INSERT_LINE, line_rows)
            connection.executemany(INSERT_PAYMENT, payment_rows)
            connection.execute("COMMIT")
            line_count += len(line_rows)
            payment_count += len(payment_rows)
        # The server opens the store in WAL mode; set it here so the first reader need not.
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()

    report = GenerationReport(
        database=str(path),
        invoices=invoices,
        customers=customers,
        lines_per_invoice=lines_per_invoice,
        lines=line_count,
        payments=payment_count,
        schema_revision=revision,
        seed=seed,
        seconds=round(time.perf_counter() - started, 1),
        created_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        generator_version=GENERATOR_VERSION,
    )
    meta_path(path).write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")
    return report


def read_report(path: Path) -> GenerationReport | None:
    """Return the report stored next to a generated store, or None if there is none."""
    try:
        return GenerationReport(**json.loads(meta_path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a large SQLite billing store for tools/bench.py.")
    parser.add_argument(
        "--invoices", type=int, default=1_000_000, help="number of invoices (default: 1000000)"
    )
    parser.add_argument(
        "--customers", type=int, default=100_000, help="number of customers (default: 100000)"
    )
    parser.add_argument("--lines", type=int, default=10, help="lines per invoice (default: 10)")
    parser.add_argument("--seed", type=int, default=20261204, help="random seed (default: 20261204)")
    parser.add_argument(
        "--database",
        type=Path,
        help="SQLite file to write, outside the repository (default: /tmp/invoice-mcp-bench/store-NxL.db)",
    )
    args = parser.parse_args(argv)
    path = args.database or default_path(args.invoices, args.lines)
    try:
        report = generate(
            path,
            invoices=args.invoices,
            customers=args.customers,
            lines_per_invoice=args.lines,
            seed=args.seed,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {report.invoices} invoices, {report.lines} lines and {report.payments} payments for "
        f"{report.customers} customers to {report.database} in {report.seconds} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
