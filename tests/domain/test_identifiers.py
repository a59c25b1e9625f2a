from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoice_mcp.domain.errors import InvalidFieldError
from invoice_mcp.domain.identifiers import (
    find_card_number,
    looks_like_card_number,
    luhn_check_digit,
    luhn_is_valid,
    make_ocr_reference,
    mask_account_number,
    mask_card_number,
    mask_email,
    mask_identity_number,
    mask_organisation_number,
    mask_phone,
    mask_token,
    validate_bankgiro,
    validate_ocr_reference,
    validate_organisation_number,
    validate_personal_identity_number,
    validate_plusgiro,
    validate_swedish_mobile_number,
)

TODAY = date(2026, 12, 4)

# --- Luhn ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        pytest.param("18", True, id="two-digits"),
        pytest.param("1234567897", True, id="ten-digits"),
        pytest.param("4111111111111111", True, id="test-visa"),
        pytest.param("1234567898", False, id="wrong-check-digit"),
        pytest.param("", False, id="empty"),
        pytest.param("12a4", False, id="letter"),
        pytest.param("١٢", False, id="arabic-indic-digits"),
    ],
)
def test_luhn_is_valid_table(digits: str, expected: bool) -> None:
    assert luhn_is_valid(digits) is expected


def test_luhn_check_digit_of_known_base() -> None:
    assert luhn_check_digit("123456789") == "7"


def test_luhn_check_digit_rejects_letters() -> None:
    with pytest.raises(ValueError):
        luhn_check_digit("12a")


@given(st.text(alphabet="0123456789", max_size=40))
def test_luhn_check_digit_makes_digits_valid(digits: str) -> None:
    assert luhn_is_valid(digits + luhn_check_digit(digits))


@given(st.text(alphabet="0123456789", min_size=1, max_size=30), st.data())
def test_luhn_detects_single_digit_change(digits: str, data: st.DataObject) -> None:
    number = digits + luhn_check_digit(digits)
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    assert not luhn_is_valid(changed)


# --- OCR reference ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("1234567897", "1234567897", id="ten-digits"),
        pytest.param("18", "18", id="two-digits"),
        pytest.param("1234 5678 97", "1234567897", id="spaces-removed"),
        pytest.param("1234567890123456789012340", "1234567890123456789012340", id="twenty-five-digits"),
    ],
)
def test_validate_ocr_reference_valid(value: str, expected: str) -> None:
    assert validate_ocr_reference(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("1234567898", id="wrong-check-digit"),
        pytest.param("0", id="one-digit"),
        pytest.param("12345678901234567890123455", id="twenty-six-digits"),
        pytest.param("12345A7897", id="letter"),
        pytest.param("1234-567897", id="hyphen"),
        pytest.param("", id="empty"),
    ],
)
def test_validate_ocr_reference_invalid(value: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_ocr_reference(value)
    assert caught.value.details["field"] == "ocr_reference"


def test_make_ocr_reference_appends_luhn_digit() -> None:
    assert make_ocr_reference("123456789") == "1234567897"


def test_make_ocr_reference_with_length_digit() -> None:
    reference = make_ocr_reference("12345", length_digit=True)
    assert reference[:5] == "12345"
    assert reference[5] == "7"
    assert luhn_is_valid(reference)
    assert validate_ocr_reference(reference, length_digit=True) == reference


def test_ocr_length_digit_mismatch_rejected() -> None:
    # "1234567897" is Luhn-valid, but its second to last digit 9 is not 10 mod 10.
    with pytest.raises(InvalidFieldError) as caught:
        validate_ocr_reference("1234567897", length_digit=True)
    assert "length digit" in caught.value.details["allowed"]


@pytest.mark.parametrize(
    ("base", "length_digit"),
    [
        pytest.param("", False, id="empty"),
        pytest.param("12a", False, id="letter"),
        pytest.param("1" * 25, False, id="too-long"),
        pytest.param("1" * 24, True, id="too-long-with-length-digit"),
    ],
)
def test_make_ocr_reference_rejects_bad_base(base: str, length_digit: bool) -> None:
    with pytest.raises(InvalidFieldError):
        make_ocr_reference(base, length_digit=length_digit)


@given(st.text(alphabet="0123456789", min_size=1, max_size=23), st.booleans())
def test_make_ocr_reference_validates(base: str, length_digit: bool) -> None:
    reference = make_ocr_reference(base, length_digit=length_digit)
    assert validate_ocr_reference(reference, length_digit=length_digit) == reference


# --- Bankgiro and Plusgiro ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("5050-1055", "5050-1055", id="eight-digits-hyphen"),
        pytest.param("50501055", "5050-1055", id="eight-digits-plain"),
        pytest.param(" 5050-1055 ", "5050-1055", id="surrounding-spaces"),
        pytest.param("991-2346", "991-2346", id="seven-digits-hyphen"),
        pytest.param("9912346", "991-2346", id="seven-digits-plain"),
    ],
)
def test_validate_bankgiro_valid(value: str, expected: str) -> None:
    assert validate_bankgiro(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("5050-1056", id="wrong-check-digit"),
        pytest.param("505010555", id="nine-digits"),
        pytest.param("123455", id="six-digits"),
        pytest.param("505-01055", id="hyphen-misplaced"),
        pytest.param("5050--1055", id="two-hyphens"),
        pytest.param("5O50-1055", id="letter-o"),
        pytest.param("", id="empty"),
    ],
)
def test_validate_bankgiro_invalid(value: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_bankgiro(value)
    assert caught.value.details["field"] == "bankgiro"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("90 20 03-3", "902003-3", id="grouped"),
        pytest.param("9020033", "902003-3", id="plain"),
        pytest.param("42", "4-2", id="two-digits"),
        pytest.param("1234567-4", "1234567-4", id="eight-digits"),
    ],
)
def test_validate_plusgiro_valid(value: str, expected: str) -> None:
    assert validate_plusgiro(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("902003-4", id="wrong-check-digit"),
        pytest.param("0", id="one-digit"),
        pytest.param("123456789-7", id="ten-digits"),
        pytest.param("9020-033", id="hyphen-misplaced"),
        pytest.param("90200X-3", id="letter"),
    ],
)
def test_validate_plusgiro_invalid(value: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_plusgiro(value)
    assert caught.value.details["field"] == "plusgiro"


# --- Personal identity number -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("198112189876", "198112189876", id="twelve-digits"),
        pytest.param("19811218-9876", "198112189876", id="twelve-digits-hyphen"),
        pytest.param("811218-9876", "198112189876", id="ten-digits-hyphen"),
        pytest.param("8112189876", "198112189876", id="ten-digits-plain"),
        pytest.param(" 811218 - 9876 ", "198112189876", id="spaces"),
        pytest.param("701063-1237", "197010631237", id="coordination-number"),
        pytest.param("197010631237", "197010631237", id="coordination-number-twelve-digits"),
        pytest.param("101010+1234", "191010101234", id="centenarian-plus"),
        pytest.param("19101010+1234", "191010101234", id="centenarian-plus-twelve-digits"),
        pytest.param("101010-1234", "201010101234", id="child-born-2010"),
        pytest.param("261203-1233", "202612031233", id="born-yesterday"),
        pytest.param("261231-1239", "192612311239", id="birthday-later-this-year-is-1926"),
        pytest.param("000229-1235", "200002291235", id="leap-day-2000"),
    ],
)
def test_validate_personal_identity_number_valid(value: str, expected: str) -> None:
    assert validate_personal_identity_number(value, today=TODAY) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("811218-9875", id="wrong-check-digit"),
        pytest.param("811218-987", id="nine-digits"),
        pytest.param("19811218-98760", id="thirteen-digits"),
        pytest.param("811218-98A6", id="letter"),
        pytest.param("811318-9876", id="month-13"),
        pytest.param("811232-9876", id="day-32"),
        pytest.param("701092-1230", id="coordination-day-92"),
        pytest.param("000229+1235", id="no-leap-day-in-1900"),
        pytest.param("20301010-1234", id="future-birth-date"),
        pytest.param("00811218-9876", id="century-00"),
        pytest.param("19811218+9876", id="plus-under-100"),
        pytest.param("811218/9876", id="slash-separator"),
        pytest.param("", id="empty"),
    ],
)
def test_validate_personal_identity_number_invalid(value: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_personal_identity_number(value, today=TODAY)
    assert caught.value.details["field"] == "personal_identity_number"


def test_identity_number_error_is_masked() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_personal_identity_number("19811218-9875", today=TODAY)
    assert caught.value.details["value"] == "19811218-****"
    assert "9875" not in caught.value.message
    assert "9875" not in str(caught.value.to_dict())


def test_identity_number_century_follows_today() -> None:
    assert validate_personal_identity_number("261231-1239", today=date(2026, 12, 31)) == "202612311239"


# --- Organisation number ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("556047-3521", "556047-3521", id="hyphen"),
        pytest.param("5560473521", "556047-3521", id="plain"),
        pytest.param("16556047-3521", "556047-3521", id="prefix-16-hyphen"),
        pytest.param("165560473521", "556047-3521", id="prefix-16-plain"),
        pytest.param("212000-0142", "212000-0142", id="public-body"),
    ],
)
def test_validate_organisation_number_valid(value: str, expected: str) -> None:
    assert validate_organisation_number(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("556047-3522", id="wrong-check-digit"),
        pytest.param("811218-9876", id="personnummer-third-digit-below-2"),
        pytest.param("556047-352", id="nine-digits"),
        pytest.param("55604735211", id="eleven-digits"),
        pytest.param("17556047-3521", id="prefix-17"),
        pytest.param("55604A-3521", id="letter"),
    ],
)
def test_validate_organisation_number_invalid(value: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_organisation_number(value)
    assert caught.value.details["field"] == "organisation_number"


# --- Mobile number ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("070-123 45 67", "+46701234567", id="national-grouped"),
        pytest.param("0701234567", "+46701234567", id="national-plain"),
        pytest.param("+46701234567", "+46701234567", id="e164"),
        pytest.param("+46 70 123 45 67", "+46701234567", id="international-grouped"),
        pytest.param("0046701234567", "+46701234567", id="double-zero-prefix"),
        pytest.param("+46 (0)70-123 45 67", "+46701234567", id="bracketed-trunk-zero"),
        pytest.param("072-123 45 67", "+46721234567", id="prefix-072"),
        pytest.param("073-123 45 67", "+46731234567", id="prefix-073"),
        pytest.param("076-123 45 67", "+46761234567", id="prefix-076"),
        pytest.param("079-123 45 67", "+46791234567", id="prefix-079"),
    ],
)
def test_validate_swedish_mobile_number_valid(value: str, expected: str) -> None:
    assert validate_swedish_mobile_number(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("071-123 45 67", id="prefix-071"),
        pytest.param("074-123 45 67", id="prefix-074"),
        pytest.param("08-123 456 78", id="stockholm-landline"),
        pytest.param("070-123 45 6", id="nine-digits"),
        pytest.param("070-123 45 678", id="eleven-digits"),
        pytest.param("+4570123456", id="danish-number"),
        pytest.param("070-ABC 45 67", id="letters"),
        pytest.param("", id="empty"),
    ],
)
def test_validate_swedish_mobile_number_invalid(value: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_swedish_mobile_number(value)
    assert caught.value.details["field"] == "phone"


def test_phone_error_is_masked() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_swedish_mobile_number("071-987 65 43")
    assert "987 65" not in caught.value.message
    assert caught.value.details["value"] == "+46 71*****43"


# --- Card numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("4111111111111111", True, id="plain-visa"),
        pytest.param("4111 1111 1111 1111", True, id="grouped-with-spaces"),
        pytest.param("4111-1111-1111-1111", True, id="grouped-with-hyphens"),
        pytest.param("3782 822463 10005", True, id="amex-grouping"),
        pytest.param("Pay with card 4111 1111 1111 1111 please", True, id="inside-text"),
        pytest.param("4111 1111 1111 1111 12/28", True, id="followed-by-expiry"),
        pytest.param("4111 1111 1111 1112", False, id="wrong-check-digit"),
        pytest.param("411111111111", False, id="twelve-digits"),
        pytest.param("41111111111111111111111", False, id="long-digit-run"),
        pytest.param("invoice 12345 due 2026-12-04", False, id="ordinary-numbers"),
        pytest.param("", False, id="empty"),
    ],
)
def test_find_card_number_table(text: str, expected: bool) -> None:
    assert find_card_number(text) is expected
    assert looks_like_card_number(text) is expected


# --- Masking ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("199001011234", "19900101-****", id="twelve-digits"),
        pytest.param("19900101-1234", "19900101-****", id="twelve-digits-hyphen"),
        pytest.param("900101-1234", "900101-****", id="ten-digits"),
        pytest.param("101010+1234", "101010-****", id="plus-separator"),
        pytest.param("12345", "*****", id="wrong-length"),
        pytest.param("abc", "****", id="garbage"),
    ],
)
def test_mask_identity_number_table(value: str, expected: str) -> None:
    assert mask_identity_number(value) == expected


def test_mask_organisation_number_unchanged() -> None:
    assert mask_organisation_number("556047-3521") == "556047-3521"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("1234567890", "******7890", id="ten-digits"),
        pytest.param("12-345.67 890", "******7890", id="separators-removed"),
        pytest.param("1234", "****", id="four-digits"),
        pytest.param("", "", id="empty"),
    ],
)
def test_mask_account_number_table(value: str, expected: str) -> None:
    assert mask_account_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("4111111111111111", "411111******1111", id="sixteen-digits"),
        pytest.param("4111 1111 1111 1111", "411111******1111", id="grouped"),
        pytest.param("378282246310005", "378282*****0005", id="fifteen-digits"),
        pytest.param("123456789", "*********", id="too-short"),
    ],
)
def test_mask_card_number_table(value: str, expected: str) -> None:
    assert mask_card_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("tok_abcdef123456", "tok_…3456", id="prefixed"),
        pytest.param("pm_1NqXyZ2eZvKYlo2C", "pm_…lo2C", id="stripe-style"),
        pytest.param("abcdef123456", "…3456", id="no-prefix"),
        pytest.param("tok_abc123", "tok_…", id="short-secret"),
        pytest.param("averyveryverylongprefix_abcdef123456", "…3456", id="long-text-before-underscore"),
    ],
)
def test_mask_token_table(value: str, expected: str) -> None:
    assert mask_token(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("+46701234567", "+46 70*****67", id="e164"),
        pytest.param("070-123 45 67", "+46 70*****67", id="national"),
        pytest.param("0046701234567", "+46 70*****67", id="double-zero-prefix"),
        pytest.param("+4712345678", "47******78", id="foreign"),
        pytest.param("112", "***", id="short"),
    ],
)
def test_mask_phone_table(value: str, expected: str) -> None:
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("anna.lindqvist@example.se", "a***@example.se", id="ordinary"),
        pytest.param("a@example.se", "a***@example.se", id="one-letter-local-part"),
        pytest.param("not-an-email", "***", id="no-at-sign"),
    ],
)
def test_mask_email_table(value: str, expected: str) -> None:
    assert mask_email(value) == expected
