"""What the crash tests send to a stdio server for the demo customer Anna."""

from pathlib import Path

from invoice_mcp.domain.identifiers import luhn_check_digit

# A fictional personal identity number with a valid check digit.
HOLDER = "19840317" + "123" + luhn_check_digit("840317123")
# The arguments of an autogiro change with valid account details.
AUTOGIRO_CHANGE = {
    "method": "autogiro",
    "details": {
        "clearing_number": "6789",
        "account_number": "123456789",
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
