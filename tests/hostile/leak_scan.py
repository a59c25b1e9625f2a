"""Find unmasked personal identity numbers, account numbers, card numbers and tokens in text.

OCR references are Luhn-valid digit runs by design and are not secrets, so the scan takes
the known ones as allowed values instead of loosening its patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from invoice_mcp.domain.identifiers import CARD_MAX_DIGITS, CARD_MIN_DIGITS, luhn_is_valid

# Ten digits YYMMDDNNNN, optionally with the century and a '-' or '+' before the last four.
# A '*' next to the digits belongs to a masked value, which is allowed.
_IDENTITY = re.compile(r"(?<![\d*])(?:19|20)?(\d{6})[-+]?(\d{4})(?![\d*])")
# Digit groups separated by single spaces or hyphens, as card numbers are written.
_DIGIT_RUN = re.compile(r"\d+(?:[ -]\d+)*")
# Payment provider and confirmation tokens: a known prefix, an underscore and 8 or more characters.
_TOKEN = re.compile(r"\b(?:tok|pm|ct)_[A-Za-z0-9_-]{8,}")
# The day of a coordination number (samordningsnummer) is the day of birth plus 60.
_COORDINATION_DAY_OFFSET = 60


@dataclass
class LeakScanner:
    """Scanner for one session.

    `planted` are raw secrets that the session used, found as substrings. `allowed_digits`
    are digit strings that are not secrets (OCR references).
    """

    planted: set[str] = field(default_factory=set)
    allowed_digits: set[str] = field(default_factory=set)

    def find(self, text: str) -> list[str]:
        """Return a short description of every unmasked secret in `text`."""
        leaks = [f"planted secret {value!r}" for value in sorted(self.planted) if value in text]
        leaks += [f"identity number {match}" for match in identity_numbers(text)]
        leaks += [
            f"card number {digits}" for digits in card_numbers(text) if digits not in self.allowed_digits
        ]
        leaks += [f"token {match}" for match in _TOKEN.findall(text)]
        return leaks

    def scan(self, items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Return (where, leak) for every leak in (where, text) pairs."""
        return [(where, leak) for where, text in items for leak in self.find(text)]


def identity_numbers(text: str) -> list[str]:
    found = []
    for match in _IDENTITY.finditer(text):
        birth, serial = match.group(1), match.group(2)
        month, day = int(birth[2:4]), int(birth[4:6])
        if day > _COORDINATION_DAY_OFFSET:
            day -= _COORDINATION_DAY_OFFSET
        if 1 <= month <= 12 and 1 <= day <= 31 and luhn_is_valid(birth + serial):
            found.append(match.group(0))
    return found


def card_numbers(text: str) -> list[str]:
    """Return the digits of every 13-19 digit Luhn-valid sequence of whole digit groups."""
    found = []
    for run in _DIGIT_RUN.finditer(text):
        groups = re.split(r"[ -]", run.group())
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) > CARD_MAX_DIGITS:
                    break
                if len(digits) >= CARD_MIN_DIGITS and luhn_is_valid(digits):
                    found.append(digits)
    return found
