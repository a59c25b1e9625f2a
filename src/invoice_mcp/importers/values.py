"""Convert the text of e-invoice elements to exact values: decimals, minor units, rates and dates.

Each function takes a `label` that names the value in error messages, like "amount due (BT-115)".
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from invoice_mcp.domain.errors import InvalidFieldError
from invoice_mcp.domain.money import minor_units_exponent
from invoice_mcp.importers.errors import InvalidDocumentError

# xsd:decimal as EN 16931 uses it: optional sign, digits, optional fraction. No exponent.
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def parse_decimal(text: str | None, label: str) -> Decimal:
    """Parse an xsd:decimal like "1249.5" or "-0.10".

    Raises:
        InvalidDocumentError: the value is missing or not a decimal number.
    """
    if text is None or not text.strip():
        raise InvalidDocumentError(f"{label} is missing")
    value = text.strip()
    if not _DECIMAL.fullmatch(value):
        raise InvalidDocumentError(f"{label} '{value[:40]}' is not a decimal number")
    try:
        return Decimal(value)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only valid decimals
        raise InvalidDocumentError(f"{label} '{value[:40]}' is not a decimal number") from error


def to_minor(amount: Decimal, exponent: int, currency: str, label: str) -> int:
    """Convert an amount in major units to an exact integer of minor units.

    Raises:
        InvalidDocumentError: the amount has more decimals than the currency has minor
            unit digits, like 10.505 SEK. Trailing zeros do not count: 10.500 SEK is 1050 öre.
    """
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise InvalidDocumentError(
            f"{label} {amount} has more decimals than {currency} allows ({exponent}); "
            "EN 16931 amounts must be exact in the currency's minor unit"
        )
    return int(scaled)


def amount_minor(text: str | None, exponent: int, currency: str, label: str) -> int:
    return to_minor(parse_decimal(text, label), exponent, currency, label)


def format_minor(amount_minor: int, exponent: int) -> str:
    """Write minor units as a plain decimal in major units, like 103878 -> "1038.78"."""
    return format(Decimal(amount_minor).scaleb(-exponent), "f")


def rate_basis_points(text: str | None, label: str) -> int:
    """Convert a VAT rate in percent ("25", "12.5") to basis points (2500, 1250). Missing means 0.

    Raises:
        InvalidDocumentError: the rate is negative, above 100 or has more than two decimals.
    """
    if text is None or not text.strip():
        return 0
    percent = parse_decimal(text, label)
    points = percent * 100
    if points != points.to_integral_value() or not 0 <= percent <= 100:
        raise InvalidDocumentError(
            f"{label} {percent} is not a VAT rate from 0 to 100 percent with at most two decimals"
        )
    return int(points)


def currency_exponent(code: str | None) -> tuple[str, int]:
    """Return the currency code and its number of minor unit digits.

    Raises:
        InvalidDocumentError: the code is missing or not an ISO 4217 currency.
    """
    if code is None or not code.strip():
        raise InvalidDocumentError("the document currency code (BT-5) is missing")
    try:
        return code.strip().upper(), minor_units_exponent(code)
    except InvalidFieldError as error:
        raise InvalidDocumentError(
            f"document currency code '{code.strip()[:10]}' is not an ISO 4217 currency"
        ) from error


def iso_date(text: str | None, label: str) -> dt.date:
    """Parse a date written YYYY-MM-DD, as UBL writes dates.

    Raises:
        InvalidDocumentError: the date is missing or invalid.
    """
    if text is None or not text.strip():
        raise InvalidDocumentError(f"{label} is missing")
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidDocumentError(
            f"{label} '{text.strip()[:40]}' is not a date in the form YYYY-MM-DD"
        ) from error


def cii_date(text: str | None, date_format: str | None, label: str) -> dt.date:
    """Parse a CII udt:DateTimeString of format 102 (YYYYMMDD), the only format EN 16931 allows.

    Raises:
        InvalidDocumentError: the date is missing, invalid or in another format.
    """
    if text is None or not text.strip():
        raise InvalidDocumentError(f"{label} is missing")
    value = text.strip()
    if date_format not in (None, "102"):
        raise InvalidDocumentError(
            f"{label} uses date format {date_format}; EN 16931 allows only 102 (YYYYMMDD)"
        )
    try:
        if not re.fullmatch(r"\d{8}", value):
            raise ValueError(value)
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as error:
        raise InvalidDocumentError(f"{label} '{value[:40]}' is not a date in the form YYYYMMDD") from error


def clean_text(text: str | None) -> str | None:
    """Collapse whitespace runs to single spaces; return None for missing or blank text."""
    if text is None:
        return None
    collapsed = " ".join(text.split())
    return collapsed or None
