"""Swedish bank account numbers: clearing number lookup and check digit validation.

A Swedish account number is a clearing number that names the bank plus an account
number (räkningsnummer) whose check digit rule depends on the bank. The rules and
ranges come from Bankgirot's document "Bankernas kontonummeruppbyggnad":

- Type 1, comment 1: 7-digit account; mod 11 over the last 3 clearing digits and the account.
- Type 1, comment 2: 7-digit account; mod 11 over all 4 clearing digits and the account.
- Type 2, comment 1: 10-digit account; mod 10 (Luhn) over the account.
- Type 2, comment 2: 9-digit account (Handelsbanken); mod 11 over the account.
- Type 2, comment 3: account of up to 10 digits; mod 10 (Luhn) over the account.

The mod 11 weights are 1, 2, ..., 10 from the right, and 1 again for an eleventh digit.
A number is valid when its weighted sum is divisible by 11.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from invoice_mcp.domain.errors import InvalidFieldError
from invoice_mcp.domain.identifiers import luhn_is_valid, mask_account_number, mask_identity_number


@dataclass(frozen=True)
class BankAccount:
    """A validated Swedish bank account."""

    bank_name: str
    # Four digits, the form payment files use. For Swedbank 8xxx-x the fifth digit is in
    # `clearing_check_digit` when the input had it.
    clearing_number: str
    # Digits only. Type 2 numbers are padded with leading zeros to their full length.
    account_number: str
    account_type: int
    comment: int
    clearing_check_digit: str | None = None
    # True for a Nordea personkonto, whose account number is the holder's personal identity number.
    personal_account: bool = False

    @property
    def masked_account_number(self) -> str:
        """Account number safe for outputs and logs."""
        if self.personal_account:
            return mask_identity_number(self.account_number)
        return mask_account_number(self.account_number)


@dataclass(frozen=True)
class ClearingRange:
    """Clearing numbers `first` to `last` of one bank, with the account type and check rule."""

    first: int
    last: int
    bank_name: str
    account_type: int
    comment: int
    personal_account: bool = False


def _type1(first: int, last: int, bank_name: str, comment: int) -> ClearingRange:
    return ClearingRange(first, last, bank_name, account_type=1, comment=comment)


def _type2(first: int, last: int, bank_name: str, comment: int) -> ClearingRange:
    return ClearingRange(first, last, bank_name, account_type=2, comment=comment)


# Clearing number ranges from Bankgirot, "Bankernas kontonummeruppbyggnad": the 2017-03-07
# edition plus banks added and renamed up to about 2024. Sorted by first clearing number.
# NOTE: Not compared line by line with the current edition. Least certain are the ranges of
# banks that joined or were renamed after 2017: 9070 Multitude, 9580 Aion, 9640 NOBA (formerly
# Nordax), 9660 Svea (formerly Amfa), 9710 Lunar and 9750 Northmill.
CLEARING_RANGES: tuple[ClearingRange, ...] = (
    _type1(1100, 1199, "Nordea", 1),
    _type1(1200, 1399, "Danske Bank", 1),
    _type1(1400, 2099, "Nordea", 1),
    _type1(2300, 2399, "Ålandsbanken", 2),
    _type1(2400, 2499, "Danske Bank", 1),
    _type1(3000, 3299, "Nordea", 1),
    ClearingRange(3300, 3300, "Nordea (personkonto)", account_type=2, comment=1, personal_account=True),
    _type1(3301, 3399, "Nordea", 1),
    _type1(3400, 3409, "Länsförsäkringar Bank", 1),
    _type1(3410, 3781, "Nordea", 1),
    ClearingRange(3782, 3782, "Nordea (personkonto)", account_type=2, comment=1, personal_account=True),
    _type1(3783, 3999, "Nordea", 1),
    _type1(4000, 4999, "Nordea", 2),
    _type1(5000, 5999, "SEB", 1),
    _type2(6000, 6999, "Handelsbanken", 2),
    _type1(7000, 7999, "Swedbank", 1),
    _type2(8000, 8999, "Swedbank", 3),
    _type1(9020, 9029, "Länsförsäkringar Bank", 2),
    _type1(9040, 9049, "Citibank", 2),
    _type1(9060, 9069, "Länsförsäkringar Bank", 1),
    _type1(9070, 9079, "Multitude Bank", 1),
    _type1(9100, 9109, "Nordnet Bank", 2),
    _type1(9120, 9124, "SEB", 1),
    _type1(9130, 9149, "SEB", 1),
    _type1(9150, 9169, "Skandiabanken", 2),
    _type1(9170, 9179, "Ikano Bank", 1),
    _type2(9180, 9189, "Danske Bank", 1),
    _type1(9190, 9199, "DNB Bank", 2),
    _type1(9230, 9239, "Marginalen Bank", 1),
    _type1(9250, 9259, "SBAB Bank", 1),
    _type1(9260, 9269, "DNB Bank", 2),
    _type1(9270, 9279, "ICA Banken", 1),
    _type1(9280, 9289, "Resurs Bank", 1),
    # NOTE: The former Sparbanken Öresund range; its type 2, comment 1 rule is not confirmed.
    _type2(9300, 9349, "Swedbank", 1),
    _type1(9390, 9399, "Landshypotek Bank", 2),
    _type1(9400, 9449, "Forex Bank", 1),
    _type1(9460, 9469, "Santander Consumer Bank", 1),
    _type1(9470, 9479, "BNP Paribas", 2),
    _type2(9500, 9549, "Nordea (Plusgirot)", 3),
    _type1(9550, 9569, "Avanza Bank", 2),
    _type2(9570, 9579, "Sparbanken Syd", 1),
    _type1(9580, 9589, "Aion Bank", 1),
    _type1(9590, 9599, "Erik Penser Bank", 2),
    _type1(9630, 9639, "Lån & Spar Bank Sverige", 1),
    _type1(9640, 9649, "NOBA Bank Group", 2),
    _type1(9650, 9659, "MedMera Bank", 2),
    _type1(9660, 9669, "Svea Bank", 2),
    _type1(9670, 9679, "JAK Medlemsbank", 2),
    _type1(9680, 9689, "BlueStep Finans", 1),
    _type1(9700, 9709, "Ekobanken", 2),
    _type1(9710, 9719, "Lunar Bank", 2),
    _type1(9750, 9759, "Northmill Bank", 2),
    _type1(9780, 9789, "Klarna Bank", 2),
    _type1(9880, 9889, "Riksgälden", 2),
    _type2(9890, 9899, "Riksgälden", 1),
    _type2(9960, 9969, "Nordea (Plusgirot)", 3),
)

_TYPE1_ACCOUNT_DIGITS = 7
# Full length of type 2 account numbers by comment. Shorter input is padded with leading
# zeros, as the banks tell payers to do.
_TYPE2_ACCOUNT_DIGITS = {1: 10, 2: 9, 3: 10}
# NOTE: The shortest accepted type 2 number is a guess: the shortest Plusgiro number has 2 digits.
_TYPE2_MIN_DIGITS = 2

_SEPARATORS = re.compile(r"[\s\-.]")


def find_clearing_range(clearing: str) -> ClearingRange | None:
    """Return the range that contains a 4-digit clearing number, or None when no bank has it."""
    number = int(clearing)
    for clearing_range in CLEARING_RANGES:
        if clearing_range.first <= number <= clearing_range.last:
            return clearing_range
    return None


def validate_bank_account(clearing: str, account: str) -> BankAccount:
    """Validate a Swedish clearing and account number and return the account with its bank.

    Spaces, hyphens and dots are ignored. Swedbank clearing numbers starting with 8 may
    have a fifth digit, as in 8327-9, which is checked with Luhn. A type 1 account may
    be given with its clearing number in front (11 digits).
    """
    clearing_digits, clearing_check_digit = _parse_clearing(clearing)
    clearing_range = find_clearing_range(clearing_digits)
    if clearing_range is None:
        raise InvalidFieldError(
            "clearing_number",
            clearing,
            "no Swedish bank uses this clearing number. Check the first four digits of the account",
        )

    account_digits = _SEPARATORS.sub("", account)
    if not (account_digits.isascii() and account_digits.isdigit()):
        raise InvalidFieldError("account_number", mask_account_number(account), "digits only")

    if clearing_range.account_type == 1:
        account_digits = _check_type1(clearing_digits, account_digits, clearing_range, account)
    else:
        account_digits = _check_type2(clearing_digits, account_digits, clearing_range, account)

    return BankAccount(
        bank_name=clearing_range.bank_name,
        clearing_number=clearing_digits,
        account_number=account_digits,
        account_type=clearing_range.account_type,
        comment=clearing_range.comment,
        clearing_check_digit=clearing_check_digit,
        personal_account=clearing_range.personal_account,
    )


def _parse_clearing(clearing: str) -> tuple[str, str | None]:
    """Split a clearing number into its 4 routing digits and the Swedbank fifth digit, if any."""
    digits = _SEPARATORS.sub("", clearing)
    allowed = "4 digits, or 5 for Swedbank clearing numbers starting with 8 (like 8327-9)"
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in (4, 5):
        raise InvalidFieldError("clearing_number", clearing, allowed)
    if int(digits[:4]) < 1000:
        raise InvalidFieldError("clearing_number", clearing, "a number from 1000 to 9999")
    if len(digits) == 4:
        return digits, None

    if not digits.startswith("8"):
        raise InvalidFieldError("clearing_number", clearing, allowed)
    if not luhn_is_valid(digits):
        raise InvalidFieldError(
            "clearing_number",
            clearing,
            "the fifth digit of a Swedbank clearing number is a wrong check digit",
        )
    return digits[:4], digits[4]


def _check_type1(clearing: str, account_digits: str, clearing_range: ClearingRange, raw: str) -> str:
    if len(account_digits) == 4 + _TYPE1_ACCOUNT_DIGITS and account_digits.startswith(clearing):
        account_digits = account_digits[4:]
    if len(account_digits) != _TYPE1_ACCOUNT_DIGITS:
        raise InvalidFieldError(
            "account_number",
            mask_account_number(raw),
            f"{_TYPE1_ACCOUNT_DIGITS} digits after the clearing number for {clearing_range.bank_name}",
        )
    _reject_all_zeros(account_digits, raw)

    checked = (clearing[1:] if clearing_range.comment == 1 else clearing) + account_digits
    if not _mod11_is_valid(checked):
        raise _wrong_check_digit(clearing, clearing_range, raw)
    return account_digits


def _check_type2(clearing: str, account_digits: str, clearing_range: ClearingRange, raw: str) -> str:
    if clearing_range.personal_account:
        return _check_personal_account(account_digits, clearing_range, raw)

    full_length = _TYPE2_ACCOUNT_DIGITS[clearing_range.comment]
    if not _TYPE2_MIN_DIGITS <= len(account_digits) <= full_length:
        raise InvalidFieldError(
            "account_number",
            mask_account_number(raw),
            f"{_TYPE2_MIN_DIGITS} to {full_length} digits for {clearing_range.bank_name}",
        )
    _reject_all_zeros(account_digits, raw)

    account_digits = account_digits.zfill(full_length)
    valid = _mod11_is_valid(account_digits) if clearing_range.comment == 2 else luhn_is_valid(account_digits)
    if not valid:
        raise _wrong_check_digit(clearing, clearing_range, raw)
    return account_digits


def _check_personal_account(account_digits: str, clearing_range: ClearingRange, raw: str) -> str:
    """Check a Nordea personkonto: the holder's 10-digit personal identity number, Luhn-checked."""
    if len(account_digits) == 12 and account_digits[:2] in ("19", "20"):
        account_digits = account_digits[2:]
    if len(account_digits) != 10:
        raise InvalidFieldError(
            "account_number",
            mask_identity_number(raw),
            "the account holder's personal identity number, 10 digits like 811218-9876",
        )
    if not luhn_is_valid(account_digits):
        raise InvalidFieldError(
            "account_number",
            mask_identity_number(raw),
            f"the check digit is wrong for a {clearing_range.bank_name} account, "
            "which is the holder's personal identity number",
        )
    return account_digits


def _mod11_is_valid(digits: str) -> bool:
    total = sum(int(char) * (position % 10 + 1) for position, char in enumerate(reversed(digits)))
    return total % 11 == 0


def _reject_all_zeros(account_digits: str, raw: str) -> None:
    if set(account_digits) == {"0"}:
        raise InvalidFieldError(
            "account_number", mask_account_number(raw), "an account number other than zeros"
        )


def _wrong_check_digit(clearing: str, clearing_range: ClearingRange, raw: str) -> InvalidFieldError:
    return InvalidFieldError(
        "account_number",
        mask_account_number(raw),
        f"the check digit is wrong for a {clearing_range.bank_name} account with clearing number "
        f"{clearing}. Check both the clearing and the account number for a mistyped digit",
    )
