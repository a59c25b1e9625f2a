"""Invoice facts as plain values, and the rules that derive state from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

LINE_CATEGORIES: tuple[str, ...] = (
    "subscription",
    "usage",
    "roaming",
    "one_off",
    "discount",
    "fee",
    "interest",
    "carried_over",
    "credit",
    "rounding",
)

# Stored life-cycle states. `overdue` and `partly_paid` are derived, never stored.
STORED_STATUSES: tuple[str, ...] = ("open", "paid", "reminded", "collection", "credited", "written_off")


@dataclass(frozen=True)
class LineFacts:
    position: int
    category: str
    product_code: str
    description: str
    net_minor: int
    vat_minor: int = 0
    vat_rate_basis_points: int = 0
    quantity: Decimal = Decimal(1)
    unit: str | None = None
    unit_price_minor: Decimal | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    country_code: str | None = None

    @property
    def gross_minor(self) -> int:
        return self.net_minor + self.vat_minor


@dataclass(frozen=True)
class InvoiceFacts:
    invoice_id: int
    invoice_number: str
    issue_date: dt.date
    due_date: dt.date
    currency: str
    total_minor: int
    rounding_minor: int = 0
    kind: str = "invoice"
    status: str = "open"
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    lines: tuple[LineFacts, ...] = field(default_factory=tuple)
    credited_invoice_number: str | None = None

    @property
    def lines_gross_minor(self) -> int:
        return sum(line.gross_minor for line in self.lines)

    @property
    def is_regular(self) -> bool:
        """True for an ordinary invoice: not a credit note and not credited away."""
        return self.kind == "invoice" and self.status != "credited"

    @property
    def period_days(self) -> int | None:
        if self.period_start is None or self.period_end is None:
            return None
        return (self.period_end - self.period_start).days + 1


def derive_status(
    stored_status: str, total_minor: int, paid_minor: int, due_date: dt.date, today: dt.date
) -> str:
    """Return the status a person sees: the stored state refined by payments and the date.

    An open invoice becomes `partly_paid` once something is paid and `overdue` after
    its (possibly extended) due date; overdue wins over partly paid.
    """
    if stored_status != "open":
        return stored_status
    if total_minor > 0 and paid_minor >= total_minor:
        return "paid"
    if due_date < today:
        return "overdue"
    if paid_minor > 0:
        return "partly_paid"
    return "open"
