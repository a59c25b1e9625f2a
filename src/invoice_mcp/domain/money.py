"""Money and date formatting for Swedish and English readers.

Amounts are integers in minor units (öre for SEK) plus an ISO 4217 currency code.
Babel is imported inside the functions so that importing this module stays cheap.
The output uses plain spaces and ASCII hyphen-minus, never U+00A0, U+202F or U+2212,
so that JSON and language models read it as ordinary text.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from invoice_mcp.domain.errors import InvalidFieldError

if TYPE_CHECKING:
    from babel import Locale

# Babel takes the number of decimals from CLDR, which uses 0 for these currencies although
# ISO 4217 gives them minor units. Checked against Babel 2.19.
_ISO_4217_EXPONENTS = {
    "AFN": 2,
    "ALL": 2,
    "COP": 2,
    "HUF": 2,
    "IDR": 2,
    "IQD": 3,
    "IRR": 2,
    "KPW": 2,
    "LAK": 2,
    "LBP": 2,
    "MGA": 2,
    "MMK": 2,
    "SLL": 2,
    "SOS": 2,
    "SYP": 2,
    "YER": 2,
}

# Characters that Babel puts in formatted numbers and their plain replacements.
_PLAIN_TEXT = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2212": "-"})

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")

# Decimal part of a CLDR number pattern, like the "0.00" in "#,##0.00 ¤".
_PATTERN_DECIMALS = re.compile(r"0\.0+")


def minor_units_exponent(currency: str) -> int:
    """Return the number of minor unit digits of an ISO 4217 currency: 2 for SEK, 0 for JPY, 3 for KWD."""
    from babel.numbers import get_currency_precision

    code = _check_currency(currency)
    if code in _ISO_4217_EXPONENTS:
        return _ISO_4217_EXPONENTS[code]
    return get_currency_precision(code)


def format_money(amount_minor: int, currency: str, locale: str) -> str:
    """Format an amount in minor units: 124900 SEK is "1 249,00 kr" in sv and "SEK 1,249.00" in en."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise InvalidFieldError("amount_minor", repr(amount_minor), "an integer number of minor units")
    babel_locale, code, exponent, pattern, symbol = _money_format(currency, locale)
    amount = Decimal(amount_minor).scaleb(-exponent)
    text = pattern.apply(amount, babel_locale, currency=code, currency_digits=False)
    text = _space_letter_symbol(text, symbol)
    return text.translate(_PLAIN_TEXT)


@lru_cache(maxsize=256)
def _money_format(currency: str, locale: str) -> tuple[Any, str, int, Any, str]:
    """Return the locale, currency code, exponent, parsed pattern and symbol, parsed once per pair.

    Every amount in every result is formatted, so the Babel lookups are kept out of the loop.
    """
    from babel.numbers import get_currency_symbol, parse_pattern

    code = _check_currency(currency)
    babel_locale = _parse_locale(locale)
    exponent = minor_units_exponent(code)
    raw = babel_locale.currency_formats["standard"].pattern
    decimals = "0." + "0" * exponent if exponent else "0"
    pattern = parse_pattern(_PATTERN_DECIMALS.sub(decimals, raw))
    return babel_locale, code, exponent, pattern, get_currency_symbol(code, locale=babel_locale)


def _space_letter_symbol(text: str, symbol: str) -> str:
    """Put a space between a currency symbol made of letters and the digits next to it.

    English text writes "SEK 1,249.00", but Babel 2.19 outputs "SEK1,249.00". Symbols such
    as "€" and "$" stay attached to the number.
    """
    escaped = re.escape(symbol)
    if symbol[-1:].isalpha():
        text = re.sub(escaped + r"(?=[0-9])", symbol + " ", text)
    if symbol[:1].isalpha():
        text = re.sub(r"(?<=[0-9])" + escaped, " " + symbol, text)
    return text


def format_date(day: date, locale: str) -> str:
    """Format a date for `locale`: ISO 8601 "2026-12-04" in sv, "4 December 2026" in en.

    Other locales get Babel's long date format.
    """
    from babel.dates import format_date as babel_format_date

    babel_locale = _parse_locale(locale)
    if babel_locale.language == "sv":
        return day.isoformat()
    if babel_locale.language == "en":
        return babel_format_date(day, "d MMMM y", locale=babel_locale).translate(_PLAIN_TEXT)
    return babel_format_date(day, "long", locale=babel_locale).translate(_PLAIN_TEXT)


def _check_currency(currency: str) -> str:
    from babel.numbers import list_currencies

    code = currency.strip().upper()
    if not _CURRENCY_CODE.fullmatch(code) or code not in list_currencies():
        raise InvalidFieldError("currency", currency, "an ISO 4217 currency code like SEK, EUR or NOK")
    return code


def _parse_locale(locale: str) -> Locale:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(locale.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise InvalidFieldError("locale", locale, "a locale like sv, sv_SE, en or en_GB") from None
