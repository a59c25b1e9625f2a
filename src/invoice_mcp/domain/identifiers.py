"""Swedish payment and identity numbers: validation, normalization and masking.

Validators return the canonical form of a value or raise `InvalidFieldError`. Errors about
identity, account, card and phone numbers carry the masked value, never the raw one.
The mask functions are the only forms of these numbers that may reach outputs, logs and
audit rows.
"""

from __future__ import annotations

import re
from datetime import date

from invoice_mcp.domain.errors import InvalidFieldError

# --- Luhn (mod 10) -----------------------------------------------------------------------


def _luhn_sum(digits: str) -> int:
    """Return the Luhn sum of `digits`, doubling every second digit from the right."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total


def luhn_is_valid(digits: str) -> bool:
    """Return True when `digits` is one or more digits 0-9 ending in their Luhn check digit."""
    if not _is_ascii_digits(digits):
        return False
    return _luhn_sum(digits) % 10 == 0


def luhn_check_digit(digits: str) -> str:
    """Return the Luhn check digit to append to `digits` (which may be empty)."""
    if digits and not _is_ascii_digits(digits):
        raise ValueError(f"Luhn input must contain only digits 0-9, got {digits!r}")
    return str((10 - _luhn_sum(digits + "0") % 10) % 10)


def _is_ascii_digits(value: str) -> bool:
    # str.isdigit() also accepts superscripts and other scripts' digits, which int() may reject.
    return value.isascii() and value.isdigit()


def _strip_spaces(value: str) -> str:
    return "".join(value.split())


def _wrong_check_digit(allowed: str) -> str:
    return f"the check digit does not match, so a digit is probably mistyped. Expected {allowed}"


# --- OCR reference, bankgiro, plusgiro ----------------------------------------------------

OCR_MIN_DIGITS = 2
OCR_MAX_DIGITS = 25


def validate_ocr_reference(value: str, *, length_digit: bool = False) -> str:
    """Validate an OCR payment reference and return its digits without spaces.

    The last digit is a Luhn check digit. With `length_digit`, the digit before it must
    also equal the total number of digits mod 10, as some billers require.
    """
    digits = _strip_spaces(value)
    allowed = f"{OCR_MIN_DIGITS} to {OCR_MAX_DIGITS} digits ending in a Luhn (mod 10) check digit"
    if not _is_ascii_digits(digits) or not OCR_MIN_DIGITS <= len(digits) <= OCR_MAX_DIGITS:
        raise InvalidFieldError("ocr_reference", value, allowed)
    if not luhn_is_valid(digits):
        raise InvalidFieldError("ocr_reference", value, _wrong_check_digit(allowed))

    if length_digit:
        if len(digits) < 3:
            raise InvalidFieldError("ocr_reference", value, "at least 3 digits when a length digit is used")
        if int(digits[-2]) != len(digits) % 10:
            raise InvalidFieldError(
                "ocr_reference",
                value,
                f"the length digit (second to last) must be {len(digits) % 10}, "
                "the total number of digits mod 10",
            )
    return digits


def make_ocr_reference(base: str, *, length_digit: bool = False) -> str:
    """Build an OCR reference from `base` digits: optional length digit, then the Luhn digit."""
    digits = _strip_spaces(base)
    added = 2 if length_digit else 1
    max_base = OCR_MAX_DIGITS - added
    if not _is_ascii_digits(digits) or len(digits) > max_base:
        raise InvalidFieldError("ocr_reference", base, f"a base of 1 to {max_base} digits")

    if length_digit:
        digits += str((len(digits) + 2) % 10)
    return digits + luhn_check_digit(digits)


def validate_bankgiro(value: str) -> str:
    """Validate a bankgiro number and return it as "NNN-NNNN" or "NNNN-NNNN".

    Accepts 7 or 8 digits, with or without the hyphen before the last four digits.
    """
    compact = _strip_spaces(value)
    allowed = "7 or 8 digits with a Luhn check digit, written like 5050-1055"
    if compact.count("-") > 1 or ("-" in compact and compact.index("-") != len(compact) - 5):
        raise InvalidFieldError("bankgiro", value, allowed)

    digits = compact.replace("-", "")
    if not _is_ascii_digits(digits) or len(digits) not in (7, 8):
        raise InvalidFieldError("bankgiro", value, allowed)
    if not luhn_is_valid(digits):
        raise InvalidFieldError("bankgiro", value, _wrong_check_digit(allowed))
    return f"{digits[:-4]}-{digits[-4:]}"


def validate_plusgiro(value: str) -> str:
    """Validate a Plusgiro number and return it as digits with a hyphen before the check digit.

    Accepts 2 to 8 digits, with spaces and an optional hyphen before the check digit,
    so "90 20 03-3" becomes "902003-3".
    """
    compact = _strip_spaces(value)
    allowed = "2 to 8 digits with a Luhn check digit, written like 90 20 03-3"
    if compact.count("-") > 1 or ("-" in compact and compact.index("-") != len(compact) - 2):
        raise InvalidFieldError("plusgiro", value, allowed)

    digits = compact.replace("-", "")
    if not _is_ascii_digits(digits) or not 2 <= len(digits) <= 8:
        raise InvalidFieldError("plusgiro", value, allowed)
    if not luhn_is_valid(digits):
        raise InvalidFieldError("plusgiro", value, _wrong_check_digit(allowed))
    return f"{digits[:-1]}-{digits[-1]}"


# --- Personal identity number (personnummer, samordningsnummer) ---------------------------

_IDENTITY_PATTERN = re.compile(
    r"(?P<century>[0-9]{2})?(?P<date>[0-9]{6})(?P<separator>[-+]?)(?P<serial>[0-9]{4})"
)

# A coordination number (samordningsnummer) adds 60 to the day of birth.
_COORDINATION_DAY_OFFSET = 60

_IDENTITY_ALLOWED = (
    "a Swedish personal identity or coordination number: YYYYMMDD-NNNN or YYMMDD-NNNN "
    "('+' for people aged 100 or more), with a valid birth date and Luhn check digit"
)


def validate_personal_identity_number(value: str, *, today: date) -> str:
    """Validate a personnummer or samordningsnummer and return it as 12 digits "YYYYMMDDNNNN".

    For 10-digit input the century is the latest one that puts the birth date on or
    before `today`, and one century earlier when the separator is '+', which marks
    people aged 100 or more. A coordination number keeps its day plus 60 in the result.
    """
    compact = _strip_spaces(value)
    match = _IDENTITY_PATTERN.fullmatch(compact)
    if match is None:
        raise InvalidFieldError("personal_identity_number", mask_identity_number(value), _IDENTITY_ALLOWED)

    short_date = match["date"]
    serial = match["serial"]
    separator = match["separator"]
    year_in_century = int(short_date[:2])
    month = int(short_date[2:4])
    written_day = int(short_date[4:6])
    day = written_day - _COORDINATION_DAY_OFFSET if written_day > _COORDINATION_DAY_OFFSET else written_day

    def invalid(reason: str) -> InvalidFieldError:
        return InvalidFieldError(
            "personal_identity_number", mask_identity_number(value), f"{reason}. Expected {_IDENTITY_ALLOWED}"
        )

    if not luhn_is_valid(short_date + serial):
        raise invalid("the check digit does not match")

    if match["century"] is not None:
        if match["century"] not in ("18", "19", "20"):
            raise invalid("the birth year must start with 18, 19 or 20")
        year = int(match["century"] + short_date[:2])
    else:
        year = _resolve_year(year_in_century, month, day, today=today, centenarian=separator == "+")

    try:
        birth_date = date(year, month, day)
    except ValueError:
        raise invalid("the birth date does not exist") from None
    if birth_date > today:
        raise invalid("the birth date is in the future")
    if match["century"] is not None and separator == "+" and _age_in_years(birth_date, today) < 100:
        raise invalid("'+' is only used for people aged 100 or more")

    return f"{year:04d}{short_date[2:]}{serial}"


def _resolve_year(year_in_century: int, month: int, day: int, *, today: date, centenarian: bool) -> int:
    """Return the latest birth year ending in `year_in_century` that is not after `today`.

    The year is one century earlier for `centenarian` ('+' separator).
    """
    year = today.year - (today.year - year_in_century) % 100
    if (month, day) > (today.month, today.day) and year == today.year:
        year -= 100
    if centenarian:
        year -= 100
    return year


def _age_in_years(birth_date: date, today: date) -> int:
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)


# --- Organisation number ------------------------------------------------------------------

_ORGANISATION_PATTERN = re.compile(r"(?:16)?(?P<first>[0-9]{6})-?(?P<last>[0-9]{4})")


def validate_organisation_number(value: str) -> str:
    """Validate a Swedish organisation number and return it as "NNNNNN-NNNN".

    Accepts 10 digits with an optional hyphen after the sixth and an optional "16" prefix.
    The third digit must be 2 or more, which rules out personal identity numbers. So a sole
    trader, whose organisation number is the owner's personnummer, is rejected here.
    """
    compact = _strip_spaces(value)
    allowed = "10 digits like 556047-3521 with a third digit of 2 or more and a Luhn check digit"
    match = _ORGANISATION_PATTERN.fullmatch(compact)
    if match is None:
        raise InvalidFieldError("organisation_number", value, allowed)

    digits = match["first"] + match["last"]
    if int(digits[2]) < 2:
        raise InvalidFieldError("organisation_number", value, allowed)
    if not luhn_is_valid(digits):
        raise InvalidFieldError("organisation_number", value, _wrong_check_digit(allowed))
    return f"{digits[:6]}-{digits[6:]}"


# --- Mobile phone number ------------------------------------------------------------------

# Swedish mobile numbers are 10 digits nationally and start 070, 072, 073, 076 or 079.
_SWEDISH_MOBILE_PATTERN = re.compile(r"07[02369][0-9]{7}")


def validate_swedish_mobile_number(value: str) -> str:
    """Validate a Swedish mobile number and return it in E.164 form, like "+46701234567".

    Accepts national ("070-123 45 67") and international ("+46 70 123 45 67", "0046...",
    "+46 (0)70...") forms with spaces, hyphens and brackets.
    """
    allowed = "a Swedish mobile number starting 070, 072, 073, 076 or 079, like 070-123 45 67"
    compact = re.sub(r"[\s\-()]", "", value.replace("(0)", ""))
    if compact.startswith("+46"):
        national = "0" + compact[3:]
    elif compact.startswith("0046"):
        national = "0" + compact[4:]
    else:
        national = compact

    if not _SWEDISH_MOBILE_PATTERN.fullmatch(national):
        raise InvalidFieldError("phone", mask_phone(value), allowed)
    return "+46" + national[1:]


# --- Card numbers -------------------------------------------------------------------------

CARD_MIN_DIGITS = 13
CARD_MAX_DIGITS = 19

# Digit groups separated by at most one space or hyphen, as card numbers are usually written.
_DIGIT_RUN_PATTERN = re.compile(r"[0-9]+(?:[ -][0-9]+)*")


def find_card_number(text: str) -> bool:
    """Return True when `text` contains something that looks like a payment card number.

    A match is 13 to 19 digits that pass the Luhn check, written together or in groups
    separated by single spaces or hyphens. Inside a longer run of groups, every sequence
    of whole groups is tried, so "4111 1111 1111 1111 12/28" is caught. Digits written
    without separators are only checked as a whole.
    """
    # NOTE: OCR references of 13 to 19 digits also end in a Luhn digit, so they match too.
    for run in _DIGIT_RUN_PATTERN.finditer(text):
        groups = re.split(r"[ -]", run.group())
        for start in range(len(groups)):
            candidate = ""
            for group in groups[start:]:
                candidate += group
                if len(candidate) > CARD_MAX_DIGITS:
                    break
                if len(candidate) >= CARD_MIN_DIGITS and luhn_is_valid(candidate):
                    return True
    return False


def looks_like_card_number(text: str) -> bool:
    """Return True when `text` contains a likely card number, by the same test as `find_card_number`."""
    return find_card_number(text)


# --- Masking ------------------------------------------------------------------------------

_MASK = "*"


def mask_identity_number(value: str) -> str:
    """Mask a personal identity number, keeping the birth date: "199001011234" -> "19900101-****".

    Input that is not 10 or 12 digits (separators aside) is masked completely.
    """
    digits = re.sub(r"[\s\-+]", "", value)
    if _is_ascii_digits(digits) and len(digits) in (10, 12):
        return f"{digits[:-4]}-****"
    return _MASK * max(len(digits), 4)


def mask_organisation_number(value: str) -> str:
    """Return an organisation number as given, because they are public in Sweden."""
    return value.strip()


def mask_account_number(value: str) -> str:
    """Mask a bank account number, keeping the last four digits: "1234567890" -> "******7890".

    Spaces, hyphens and dots are removed first. Numbers of four characters or fewer are
    masked completely.
    """
    compact = re.sub(r"[\s\-.]", "", value)
    if len(compact) <= 4:
        return _MASK * len(compact)
    return _MASK * (len(compact) - 4) + compact[-4:]


def mask_card_number(value: str) -> str:
    """Mask a card number, keeping at most the first 6 and last 4 digits as PCI DSS allows.

    Spaces and hyphens are removed. Anything shorter than 13 digits is masked completely
    because 6 + 4 digits would show most of it.
    """
    compact = re.sub(r"[\s\-]", "", value)
    if len(compact) < CARD_MIN_DIGITS:
        return _MASK * len(compact)
    return compact[:6] + _MASK * (len(compact) - 10) + compact[-4:]


# A longer text before the first underscore is treated as part of the secret, not a prefix.
_TOKEN_PREFIX_MAX = 16


def mask_token(value: str) -> str:
    """Mask a payment provider token: "tok_abcdef123456" -> "tok_…3456".

    Keeps the prefix up to and including the first underscore and the last four
    characters. The last four are hidden too when the rest is 8 characters or fewer.
    """
    underscore = value.find("_")
    prefix = value[: underscore + 1] if 0 <= underscore < _TOKEN_PREFIX_MAX else ""
    secret = value[len(prefix) :]
    if len(secret) <= 8:
        return prefix + "…"
    return prefix + "…" + secret[-4:]


def mask_phone(value: str) -> str:
    """Mask a phone number: "+46701234567" -> "+46 70*****67".

    Keeps the country code of Swedish numbers (national ones like "0701234567" count as
    Swedish) and the first two and last two digits of the national number.
    """
    compact = re.sub(r"[\s\-()]", "", value)
    if compact.startswith("+46"):
        country, national = "+46 ", compact[3:]
    elif compact.startswith("0046"):
        country, national = "+46 ", compact[4:]
    elif compact.startswith("0"):
        country, national = "+46 ", compact[1:]
    else:
        country, national = "", compact.lstrip("+")

    if len(national) <= 6:
        return country + _MASK * len(national)
    return country + national[:2] + _MASK * (len(national) - 4) + national[-2:]


def mask_email(value: str) -> str:
    """Mask an email address, keeping the first character and the domain: "a***@example.se"."""
    local, at, domain = value.strip().rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"
