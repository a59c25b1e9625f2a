import dataclasses
import subprocess
import sys
from datetime import date

import pytest

from invoice_mcp.domain import money
from invoice_mcp.domain.errors import InvalidFieldError
from invoice_mcp.domain.money import format_date, format_money, minor_units_exponent

MONEY_CASES = [
    pytest.param(124900, "SEK", "sv", "1 249,00 kr", id="sek-sv"),
    pytest.param(-5950, "SEK", "sv", "-59,50 kr", id="sek-sv-negative"),
    pytest.param(0, "SEK", "sv", "0,00 kr", id="sek-sv-zero"),
    pytest.param(5, "SEK", "sv", "0,05 kr", id="sek-sv-five-ore"),
    pytest.param(123456789012, "SEK", "sv", "1 234 567 890,12 kr", id="sek-sv-large"),
    pytest.param(124900, "SEK", "sv_SE", "1 249,00 kr", id="sek-sv-se"),
    pytest.param(124900, "SEK", "sv-SE", "1 249,00 kr", id="sek-sv-se-hyphen"),
    pytest.param(124900, "SEK", "en", "SEK 1,249.00", id="sek-en"),
    pytest.param(-5950, "SEK", "en", "-SEK 59.50", id="sek-en-negative"),
    pytest.param(124900, "SEK", "en_GB", "SEK 1,249.00", id="sek-en-gb"),
    pytest.param(124950, "EUR", "sv", "1 249,50 €", id="eur-sv"),
    pytest.param(124950, "EUR", "en", "€1,249.50", id="eur-en"),
    pytest.param(10000, "NOK", "en", "NOK 100.00", id="nok-en"),
    pytest.param(1234, "JPY", "en", "¥1,234", id="jpy-zero-decimals"),
    pytest.param(1234, "KWD", "en", "KWD 1.234", id="kwd-three-decimals"),
    pytest.param(1234, "IQD", "en", "IQD 1.234", id="iqd-iso-three-decimals"),
    pytest.param(123456, "HUF", "en", "HUF 1,234.56", id="huf-iso-two-decimals"),
    pytest.param(124900, "sek", "sv", "1 249,00 kr", id="lowercase-code"),
]


@pytest.mark.parametrize(("amount_minor", "currency", "locale", "expected"), MONEY_CASES)
def test_format_money_table(amount_minor: int, currency: str, locale: str, expected: str) -> None:
    assert format_money(amount_minor, currency, locale) == expected


@pytest.mark.parametrize(("amount_minor", "currency", "locale", "expected"), MONEY_CASES)
def test_format_money_plain_characters(amount_minor: int, currency: str, locale: str, expected: str) -> None:
    text = format_money(amount_minor, currency, locale)
    assert "\u00a0" not in text
    assert "\u202f" not in text
    assert "\u2212" not in text


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        pytest.param("SEK", 2, id="sek"),
        pytest.param("EUR", 2, id="eur"),
        pytest.param("NOK", 2, id="nok"),
        pytest.param("JPY", 0, id="jpy"),
        pytest.param("ISK", 0, id="isk"),
        pytest.param("KWD", 3, id="kwd"),
        pytest.param("BHD", 3, id="bhd"),
        pytest.param("IQD", 3, id="iqd"),
        pytest.param("HUF", 2, id="huf"),
        pytest.param("CLF", 4, id="clf"),
    ],
)
def test_minor_units_exponent_table(currency: str, expected: int) -> None:
    assert minor_units_exponent(currency) == expected


@pytest.mark.parametrize(
    "currency",
    [
        pytest.param("XYZ", id="unknown-code"),
        pytest.param("SE", id="two-letters"),
        pytest.param("kronor", id="word"),
        pytest.param("", id="empty"),
    ],
)
def test_format_money_rejects_bad_currency(currency: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        format_money(100, currency, "sv")
    assert caught.value.details["field"] == "currency"


def test_format_money_rejects_unknown_locale() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        format_money(100, "SEK", "xx_YY")
    assert caught.value.details["field"] == "locale"


@pytest.mark.parametrize(
    "amount",
    [
        pytest.param(12.5, id="float"),
        pytest.param("1250", id="string"),
        pytest.param(True, id="bool"),
    ],
)
def test_format_money_rejects_non_integer_amount(amount: object) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        format_money(amount, "SEK", "sv")  # type: ignore[arg-type]
    assert caught.value.details["field"] == "amount_minor"


LAYOUT_LOCALES = ["sv", "en", "en_IN", "ar", "he", "fa", "bn", "de_CH", "fr", "nb"]
LAYOUT_CURRENCIES = ["SEK", "EUR", "USD", "INR", "JPY", "KWD", "IQD", "CLF"]
LAYOUT_AMOUNTS = [
    0,
    1,
    -1,
    5,
    99,
    100,
    -101,
    12345,
    124900,
    -5950,
    1234567,
    123456789012,
    2**63 - 1,
    -(2**63),
]


@pytest.mark.parametrize("locale", LAYOUT_LOCALES)
@pytest.mark.parametrize("currency", LAYOUT_CURRENCIES)
def test_format_money_layout_matches_babel(
    currency: str, locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    money_format = money._money_format(currency, locale)
    laid_out = [format_money(amount, currency, locale) for amount in LAYOUT_AMOUNTS]

    without_layout = dataclasses.replace(money_format, layout=None)
    monkeypatch.setattr(money, "_money_format", lambda _currency, _locale: without_layout)
    from_babel = [format_money(amount, currency, locale) for amount in LAYOUT_AMOUNTS]

    assert laid_out == from_babel


@pytest.mark.parametrize(("currency", "locale"), [("SEK", "sv"), ("SEK", "en"), ("EUR", "sv"), ("EUR", "en")])
def test_format_money_layout_covers_sv_and_en(currency: str, locale: str) -> None:
    assert money._money_format(currency, locale).layout is not None


@pytest.mark.parametrize(
    ("day", "locale", "expected"),
    [
        pytest.param(date(2026, 12, 4), "sv", "2026-12-04", id="sv"),
        pytest.param(date(2026, 12, 4), "sv_SE", "2026-12-04", id="sv-se"),
        pytest.param(date(2026, 1, 5), "sv", "2026-01-05", id="sv-leading-zeros"),
        pytest.param(date(2026, 12, 4), "en", "4 December 2026", id="en"),
        pytest.param(date(2026, 12, 4), "en_US", "4 December 2026", id="en-us-same-order"),
        pytest.param(date(2027, 1, 6), "en", "6 January 2027", id="en-january"),
    ],
)
def test_format_date_table(day: date, locale: str, expected: str) -> None:
    assert format_date(day, locale) == expected


def test_format_date_rejects_unknown_locale() -> None:
    with pytest.raises(InvalidFieldError):
        format_date(date(2026, 12, 4), "xx")


def test_money_import_does_not_load_babel() -> None:
    code = "import sys, invoice_mcp.domain.money; print('babel' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
