"""What the crash tests send to a stdio server for the demo customer Anna."""

import hashlib
from pathlib import Path

from invoice_mcp.domain.bank_accounts import validate_bank_account
from invoice_mcp.domain.errors import BillingError
from invoice_mcp.domain.identifiers import luhn_check_digit

# A fictional personal identity number with a valid check digit.
HOLDER = "19840317" + "123" + luhn_check_digit("840317123")
CLEARING_NUMBER = "6789"


def autogiro_change(key: str) -> dict:
    """Return the arguments of an autogiro change to an account of its own for `key`.

    Each key gets a different valid account, because a second mandate for the account of a
    pending one is refused, and the crash tests expect every change to apply.
    """
    candidate = 100_000_000 + int(hashlib.sha256(key.encode()).hexdigest(), 16) % 800_000_000
    while True:
        try:
            validate_bank_account(CLEARING_NUMBER, str(candidate))
            break
        except BillingError:
            candidate += 1
    return {
        "method": "autogiro",
        "details": {
            "clearing_number": CLEARING_NUMBER,
            "account_number": str(candidate),
            "account_holder_identity_number": HOLDER,
        },
    }


def serve_argv(url: str, policy: Path) -> list[str]:
    """Return the `invoice_mcp` arguments that serve Anna over stdio on `url` with `policy`."""
    return [
        "--log-level",
        "ERROR",
        "serve",
        "--database-url",
        url,
        "--biller",
        "nordvag",
        "--customer",
        "100234",
        "--today",
        "2026-12-04",
        "--policy",
        str(policy),
    ]
