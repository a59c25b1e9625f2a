"""Money and date formatting for Swedish and English readers.

Amounts are integers in minor units (öre for SEK) plus an ISO 4217 currency code.
Babel is imported inside the functions so that importing this module stays cheap.
The output uses plain spaces and ASCII hyphen-minus, never U+00A0, U+202F or U+2212,
so that JSON and language models read it as ordinary text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    money_format = _money_format(currency, locale)
    layout = money_format.layout
    if layout is not None and abs(amount_minor) < _MAX_LAID_OUT_AMOUNT:
        text = layout.apply(amount_minor)
    else:
        amount = Decimal(amount_minor).scaleb(-money_format.exponent)
        text = money_format.pattern.apply(
            amount, money_format.babel_locale, currency=money_format.code, currency_digits=False
        )
    text = _space_letter_symbol(text, money_format.symbol)
    return text.translate(_PLAIN_TEXT)


# Every 64-bit amount is laid out. Larger ones still go to Babel, which raises once the
# number needs more than the 28 digits of Python's default decimal context.
_MAX_LAID_OUT_AMOUNT = 10**20


@dataclass(frozen=True)
class _AmountLayout:
    """The text around and between the digits of an amount in one currency and locale.

    `apply` returns what Babel 2.19's `NumberPattern.apply` returns for a plain currency
    pattern, without Babel's per-call locale lookups, which took most of the time of a
    formatted amount. `_amount_layout` builds one only where that holds.
    """

    exponent: int
    # Text before and after the digits, with the currency symbol in place: (positive, negative).
    prefixes: tuple[str, str]
    suffixes: tuple[str, str]
    group_symbol: str
    decimal_symbol: str
    # Digits in the group next to the decimal symbol, and in each group left of it.
    primary_group: int
    secondary_group: int
    min_integer_digits: int

    def apply(self, amount_minor: int) -> str:
        negative = 1 if amount_minor < 0 else 0
        units, fraction = divmod(abs(amount_minor), 10**self.exponent)
        digits = str(units).rjust(self.min_integer_digits, "0")
        groups = []
        size = self.primary_group
        while len(digits) > size:
            groups.append(digits[-size:])
            digits = digits[:-size]
            size = self.secondary_group
        groups.append(digits)
        number = self.group_symbol.join(reversed(groups))
        if self.exponent:
            number += self.decimal_symbol + str(fraction).rjust(self.exponent, "0")
        return self.prefixes[negative] + number + self.suffixes[negative]


@dataclass(frozen=True)
class _MoneyFormat:
    """The Babel locale, pattern and symbol of one currency and locale, and their layout."""

    babel_locale: Any
    code: str
    exponent: int
    pattern: Any
    symbol: str
    # None where the pattern needs Babel for each amount, such as one with the currency's name.
    layout: _AmountLayout | None


@lru_cache(maxsize=256)
def _money_format(currency: str, locale: str) -> _MoneyFormat:
    """Return the locale, currency code, exponent, parsed pattern, symbol and layout, once per pair.

    Every amount in every result is formatted, so the Babel lookups are kept out of the loop.
    """
    from babel.numbers import get_currency_symbol, parse_pattern

    code = _check_currency(currency)
    babel_locale = _parse_locale(locale)
    exponent = minor_units_exponent(code)
    raw = babel_locale.currency_formats["standard"].pattern
    decimals = "0." + "0" * exponent if exponent else "0"
    pattern = parse_pattern(_PATTERN_DECIMALS.sub(decimals, raw))
    symbol = get_currency_symbol(code, locale=babel_locale)
    layout = _amount_layout(pattern, babel_locale, code, exponent, symbol)
    return _MoneyFormat(babel_locale, code, exponent, pattern, symbol, layout)


def _amount_layout(
    pattern: Any, babel_locale: Any, code: str, exponent: int, symbol: str
) -> _AmountLayout | None:
    """Lay out `pattern` once, or return None where Babel's output would depend on more than the digits.

    That is a percent, scientific or significant-digits pattern, fraction digits other than
    the currency's, the currency's name (its plural form depends on the amount), or a quote
    character, which Babel removes from the whole text.
    """
    from babel.numbers import get_decimal_symbol, get_group_symbol

    if pattern.scale or pattern.exp_prec or "@" in pattern.pattern or not pattern.number_pattern:
        return None
    if tuple(pattern.frac_prec) != (exponent, exponent):
        return None
    affixes = (*pattern.prefix, *pattern.suffix)
    if any("¤¤¤" in affix for affix in affixes):
        return None
    prefixes = tuple(affix.replace("¤¤", code).replace("¤", symbol) for affix in pattern.prefix)
    suffixes = tuple(affix.replace("¤¤", code).replace("¤", symbol) for affix in pattern.suffix)
    group_symbol = get_group_symbol(babel_locale, numbering_system="latn")
    decimal_symbol = get_decimal_symbol(babel_locale, numbering_system="latn")
    if any(char in text for char in "'¤" for text in (*prefixes, *suffixes, group_symbol, decimal_symbol)):
        return None
    return _AmountLayout(
        exponent=exponent,
        prefixes=(prefixes[0], prefixes[1]),
        suffixes=(suffixes[0], suffixes[1]),
        group_symbol=group_symbol,
        decimal_symbol=decimal_symbol,
        primary_group=pattern.grouping[0],
        secondary_group=pattern.grouping[1],
        min_integer_digits=pattern.int_prec[0],
    )


def _space_letter_symbol(text: str, symbol: str) -> str:
    """Put a space between a currency symbol made of letters and the digits next to it.

    English text writes "SEK 1,249.00", but Babel 2.19 outputs "SEK1,249.00". Symbols such
    as "€" and "$" stay attached to the number.
    """
    symbol_before_digit, symbol_after_digit = _symbol_patterns(symbol)
    if symbol_before_digit is not None:
        text = symbol_before_digit.sub(symbol + " ", text)
    if symbol_after_digit is not None:
        text = symbol_after_digit.sub(" " + symbol, text)
    return text


@lru_cache(maxsize=256)
def _symbol_patterns(symbol: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Compile the patterns of a letter symbol before and after a digit, once per symbol."""
    escaped = re.escape(symbol)
    before_digit = re.compile(escaped + r"(?=[0-9])") if symbol[-1:].isalpha() else None
    after_digit = re.compile(r"(?<=[0-9])" + escaped) if symbol[:1].isalpha() else None
    return before_digit, after_digit


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


@lru_cache(maxsize=64)
def _parse_locale(locale: str) -> Locale:
    # Cached because format_date parses the locale of each date it formats.
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(locale.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise InvalidFieldError("locale", locale, "a locale like sv, sv_SE, en or en_GB") from None
