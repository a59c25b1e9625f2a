import itertools

import pytest
from stdnum import luhn

from invoice_mcp.domain.bank_accounts import CLEARING_RANGES, BankAccount, validate_bank_account
from invoice_mcp.domain.errors import InvalidFieldError


def mod11_check_digit(digits: str) -> str:
    """Return the digit that makes `digits` + digit divisible by 11 with weights 1..10 from the right."""
    # The appended digit gets weight 1, so the others shift to weights 2, 3, ... 10, 1.
    total = sum(int(char) * ((position + 1) % 10 + 1) for position, char in enumerate(reversed(digits)))
    for candidate in range(10):
        if (total + candidate) % 11 == 0:
            return str(candidate)
    raise ValueError(f"no mod 11 check digit exists for {digits}. Choose another base")


def type1_account(clearing: str, base: str, comment: int) -> str:
    """Return a valid 7-digit type 1 account number from a 6-digit base."""
    checked = clearing[1:] if comment == 1 else clearing
    return base + mod11_check_digit(checked + base)


def luhn_account(base: str) -> str:
    return base + luhn.calc_check_digit(base)


def wrong_last_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def test_mod11_helper_matches_known_sum() -> None:
    # 123456789 weighted 9, 8, ..., 1 from the left sums to 165 = 15 * 11, so 9 is the check digit.
    assert mod11_check_digit("12345678") == "9"


TYPE1_CASES = [
    pytest.param("5000", "123456", 1, "SEB", id="seb"),
    pytest.param("5491", "765432", 1, "SEB", id="seb-other-branch"),
    pytest.param("7000", "123456", 1, "Swedbank", id="swedbank-7000"),
    pytest.param("3000", "123456", 1, "Nordea", id="nordea-3000"),
    pytest.param("1100", "234567", 1, "Nordea", id="nordea-1100"),
    pytest.param("4000", "123456", 2, "Nordea", id="nordea-4000-comment-2"),
    pytest.param("1200", "123456", 1, "Danske Bank", id="danske-bank"),
    pytest.param("2300", "123456", 2, "Ålandsbanken", id="alandsbanken"),
    pytest.param("3400", "123456", 1, "Länsförsäkringar Bank", id="lansforsakringar-3400"),
    pytest.param("9020", "123456", 2, "Länsförsäkringar Bank", id="lansforsakringar-9020"),
    pytest.param("9270", "123456", 1, "ICA Banken", id="ica-banken"),
    pytest.param("9150", "123456", 2, "Skandiabanken", id="skandiabanken"),
    pytest.param("9550", "123456", 2, "Avanza Bank", id="avanza"),
]


@pytest.mark.parametrize(("clearing", "base", "comment", "bank_name"), TYPE1_CASES)
def test_type1_account_valid(clearing: str, base: str, comment: int, bank_name: str) -> None:
    account_number = type1_account(clearing, base, comment)
    account = validate_bank_account(clearing, account_number)
    assert account.bank_name == bank_name
    assert account.clearing_number == clearing
    assert account.account_number == account_number
    assert account.account_type == 1
    assert account.comment == comment


@pytest.mark.parametrize(("clearing", "base", "comment", "bank_name"), TYPE1_CASES)
def test_type1_wrong_check_digit_rejected(clearing: str, base: str, comment: int, bank_name: str) -> None:
    account_number = wrong_last_digit(type1_account(clearing, base, comment))
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account(clearing, account_number)
    assert caught.value.details["field"] == "account_number"
    assert "check digit" in caught.value.details["allowed"]
    assert bank_name in caught.value.details["allowed"]


def test_type1_comment_matters() -> None:
    # Comment 1 leaves the first clearing digit out of the sum, so the check digits differ here.
    comment1 = type1_account("5000", "123456", 1)
    comment2 = type1_account("5000", "123456", 2)
    assert comment1 != comment2
    with pytest.raises(InvalidFieldError):
        validate_bank_account("5000", comment2)


def test_type1_account_with_clearing_prefix() -> None:
    account_number = type1_account("5000", "123456", 1)
    account = validate_bank_account("5000", "5000" + account_number)
    assert account.account_number == account_number


def test_separators_are_removed() -> None:
    account_number = type1_account("5000", "123456", 1)
    spaced = f"{account_number[:2]} {account_number[2:5]}.{account_number[5:]}"
    account = validate_bank_account(" 50-00 ", spaced)
    assert account.clearing_number == "5000"
    assert account.account_number == account_number


def test_handelsbanken_nine_digit_account() -> None:
    account_number = "12345678" + mod11_check_digit("12345678")
    account = validate_bank_account("6000", account_number)
    assert account.bank_name == "Handelsbanken"
    assert account.account_number == account_number
    assert account.account_type == 2
    assert account.comment == 2


def test_handelsbanken_short_account_padded() -> None:
    account_number = "1234567" + mod11_check_digit("1234567")
    account = validate_bank_account("6789", account_number)
    assert account.account_number == "0" + account_number


def test_handelsbanken_wrong_check_digit_rejected() -> None:
    account_number = wrong_last_digit("12345678" + mod11_check_digit("12345678"))
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account("6000", account_number)
    assert caught.value.details["field"] == "account_number"


def test_handelsbanken_ten_digits_rejected() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account("6000", "1234567890")
    assert "9 digits" in caught.value.details["allowed"]


def test_swedbank_five_digit_clearing() -> None:
    account_number = luhn_account("123456789")
    account = validate_bank_account("8327-9", account_number)
    assert account.bank_name == "Swedbank"
    assert account.clearing_number == "8327"
    assert account.clearing_check_digit == "9"
    assert account.account_number == account_number
    assert account.comment == 3


def test_swedbank_four_digit_8000_clearing() -> None:
    account = validate_bank_account("8327", luhn_account("123456789"))
    assert account.clearing_number == "8327"
    assert account.clearing_check_digit is None


def test_swedbank_short_account_padded() -> None:
    account_number = luhn_account("12345678")
    account = validate_bank_account("83279", account_number)
    assert account.account_number == "0" + account_number


def test_swedbank_clearing_check_digit_wrong() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account("8327-8", luhn_account("123456789"))
    assert caught.value.details["field"] == "clearing_number"


def test_swedbank_8000_wrong_check_digit_rejected() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account("8327-9", wrong_last_digit(luhn_account("123456789")))
    assert caught.value.details["field"] == "account_number"


def test_five_digit_clearing_outside_swedbank_rejected() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account("50009", type1_account("5000", "123456", 1))
    assert caught.value.details["field"] == "clearing_number"


TYPE2_LUHN_CASES = [
    pytest.param("9180", "123456789", "Danske Bank", id="danske-bank-9180"),
    pytest.param("9570", "123456789", "Sparbanken Syd", id="sparbanken-syd"),
    pytest.param("9890", "123456789", "Riksgälden", id="riksgalden-9890"),
    pytest.param("9300", "123456789", "Swedbank", id="swedbank-9300"),
]


@pytest.mark.parametrize(("clearing", "base", "bank_name"), TYPE2_LUHN_CASES)
def test_type2_luhn_account_valid(clearing: str, base: str, bank_name: str) -> None:
    account_number = luhn_account(base)
    account = validate_bank_account(clearing, account_number)
    assert account.bank_name == bank_name
    assert account.account_number == account_number
    assert account.account_type == 2


@pytest.mark.parametrize(("clearing", "base", "bank_name"), TYPE2_LUHN_CASES)
def test_type2_luhn_wrong_check_digit_rejected(clearing: str, base: str, bank_name: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account(clearing, wrong_last_digit(luhn_account(base)))
    assert bank_name in caught.value.details["allowed"]


def test_plusgiro_account_padded_to_ten() -> None:
    account = validate_bank_account("9960", "90 20 03-3")
    assert account.bank_name == "Nordea (Plusgirot)"
    assert account.account_number == "0009020033"


def test_nordea_personkonto_valid() -> None:
    account = validate_bank_account("3300", "811218-9876")
    assert account.bank_name == "Nordea (personkonto)"
    assert account.account_number == "8112189876"
    assert account.personal_account
    assert account.masked_account_number == "811218-****"


def test_nordea_personkonto_twelve_digits() -> None:
    account = validate_bank_account("3300", "19811218-9876")
    assert account.account_number == "8112189876"


def test_nordea_personkonto_3782() -> None:
    account = validate_bank_account("3782", "8112189876")
    assert account.personal_account


def test_nordea_personkonto_wrong_check_digit() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account("3300", "811218-9875")
    assert caught.value.details["value"] == "811218-****"
    assert "9875" not in caught.value.message


def test_nordea_personkonto_wrong_length() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account("3300", "81121898")
    assert caught.value.details["field"] == "account_number"


@pytest.mark.parametrize(
    "clearing",
    [
        pytest.param("9999", id="9999"),
        pytest.param("2200", id="gap-2100-2299"),
        pytest.param("1000", id="1000"),
        pytest.param("9210", id="gap-9200-9229"),
    ],
)
def test_unknown_clearing_rejected(clearing: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account(clearing, "1234567")
    assert caught.value.details["field"] == "clearing_number"
    assert caught.value.details["value"] == clearing


@pytest.mark.parametrize(
    "clearing",
    [
        pytest.param("500", id="three-digits"),
        pytest.param("0999", id="below-1000"),
        pytest.param("50A0", id="letter"),
        pytest.param("", id="empty"),
    ],
)
def test_malformed_clearing_rejected(clearing: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account(clearing, "1234567")
    assert caught.value.details["field"] == "clearing_number"


@pytest.mark.parametrize(
    "account_number",
    [
        pytest.param("123456", id="six-digits"),
        pytest.param("12345678", id="eight-digits"),
        pytest.param("12345A7", id="letter"),
        pytest.param("0000000", id="all-zeros"),
    ],
)
def test_malformed_type1_account_rejected(account_number: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account("5000", account_number)
    assert caught.value.details["field"] == "account_number"


def test_account_error_is_masked() -> None:
    account_number = wrong_last_digit(type1_account("5000", "987654", 1))
    with pytest.raises(InvalidFieldError) as caught:
        validate_bank_account("5000", account_number)
    assert caught.value.details["value"] == "***" + account_number[-4:]
    assert account_number not in caught.value.message


def test_masked_account_number_keeps_last_four() -> None:
    account_number = type1_account("5000", "123456", 1)
    account = validate_bank_account("5000", account_number)
    assert account.masked_account_number == "***" + account_number[-4:]


def test_bank_account_is_frozen() -> None:
    account = validate_bank_account("5000", type1_account("5000", "123456", 1))
    assert isinstance(account, BankAccount)
    with pytest.raises(AttributeError):
        account.bank_name = "Other"  # type: ignore[misc]


def test_clearing_ranges_sorted_and_disjoint() -> None:
    for previous, current in itertools.pairwise(CLEARING_RANGES):
        assert previous.first <= previous.last
        assert previous.last < current.first, f"{previous} overlaps or precedes {current}"
