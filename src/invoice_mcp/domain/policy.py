"""A biller's business rules for write actions, as typed values.

The values come from TOML (see `invoice_mcp.policy_file`); this module only
defines their shape and the allowed values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

PaymentMethodKind = Literal["autogiro", "e_invoice", "kivra", "email_pdf", "swish", "card", "paper"]
PAYMENT_METHOD_KINDS: tuple[str, ...] = PaymentMethodKind.__args__  # type: ignore[attr-defined]


class DeferralPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_days: int = Field(default=30, ge=1, le=365)
    once_per_invoice: bool = True
    max_per_rolling_12_months: int = Field(default=2, ge=0)
    amount_cap_minor: int = Field(default=1_500_000, ge=0)
    allowed_statuses: tuple[str, ...] = ("open",)
    allow_after_due_date: bool = False
    fee_minor: int = Field(default=0, ge=0)
    interest_percent_per_year: Decimal = Field(default=Decimal("10.00"), ge=0, le=100)


class PaymentMethodPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    offered: tuple[PaymentMethodKind, ...] = Field(default=PAYMENT_METHOD_KINDS, min_length=1)  # type: ignore[assignment]
    paper_invoice_fee_minor: int = Field(default=2900, ge=0)
    lead_days: dict[PaymentMethodKind, Annotated[int, Field(ge=0, le=365)]] = Field(
        default_factory=lambda: {
            "autogiro": 21,
            "e_invoice": 5,
            "kivra": 5,
            "email_pdf": 1,
            "swish": 1,
            "card": 1,
            "paper": 1,
        }
    )

    def lead_days_for(self, kind: str) -> int:
        return self.lead_days.get(kind, 1)  # type: ignore[call-overload]


class ConfirmationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    required: bool = True
    token_ttl_minutes: int = Field(default=10, ge=1, le=24 * 60)


class BillerPolicy(BaseModel):
    """All rules of one biller."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deferral: DeferralPolicy = DeferralPolicy()
    payment_methods: PaymentMethodPolicy = PaymentMethodPolicy()
    confirmation: ConfirmationPolicy = ConfirmationPolicy()
