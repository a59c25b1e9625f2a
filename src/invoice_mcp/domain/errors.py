"""Errors of the billing rules.

Every error carries a stable `code` that clients can branch on, a message for
engineers and models (English), and the fields that made the decision.

    BillingError
    ├── InvalidFieldError        input that breaks a format or range rule
    ├── NotFoundError            no such invoice for this principal
    ├── RefusedError             a business rule forbids the action
    └── ConfirmationError        a confirmation token or idempotency key does not fit
"""

from __future__ import annotations

from typing import Any


class BillingError(Exception):
    """Root of the billing errors; `code` is stable, `message` names the value and the rule."""

    code: str = "billing_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class InvalidFieldError(BillingError):
    """A field value breaks a format or range rule; `field` and `allowed` say which and what.

    Callers pass an already masked `value` for identity, account and card numbers.
    A `value` of None means the field is missing.
    """

    code = "invalid_field"

    def __init__(
        self, field: str, value: Any, allowed: str, *, code: str | None = None, **details: Any
    ) -> None:
        if value is None:
            message = f"{field} is missing: {allowed}"
            details["missing"] = True
        elif value is JSON_NULL:
            message = f"{field} null is invalid: {allowed}"
        else:
            shown = value if isinstance(value, int | float) else f"'{value}'"
            message = f"{field} {shown} is invalid: {allowed}"
        super().__init__(message, code=code, field=field, value=value, allowed=allowed, **details)


class _JsonNull:
    """An explicit JSON null given for a field, as opposed to a field left out (None)."""

    def __repr__(self) -> str:
        return "null"


JSON_NULL: Any = _JsonNull()


class NotFoundError(BillingError):
    code = "not_found"


class RefusedError(BillingError):
    """A business rule forbids the action. `alternative` describes what is allowed instead."""

    code = "refused"


class ConfirmationError(BillingError):
    code = "confirmation_invalid"
