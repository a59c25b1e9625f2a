"""SQLModel tables of the billing store.

Money is stored as integer minor units (öre for SEK) next to an ISO 4217
currency code, in 64-bit columns. Dates are calendar dates; instants are stored in UTC and
returned as timezone-aware datetimes by the repository.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel


def utc_datetime_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index))


class Biller(SQLModel, table=True):
    """A company that issues invoices: the tenant."""

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    organisation_number: str = Field(max_length=20)
    vat_number: str | None = Field(default=None, max_length=20)
    bankgiro: str | None = Field(default=None, max_length=10)
    plusgiro: str | None = Field(default=None, max_length=10)
    swish_number: str | None = Field(default=None, max_length=12)
    industry: str = Field(max_length=20)
    default_locale: str = Field(default="sv", max_length=5)
    # Peppol electronic address "scheme:identifier", like "0007:5568143027"; set by the e-invoice importer.
    endpoint_id: str | None = Field(default=None, max_length=80)


class Customer(SQLModel, table=True):
    """An invoice recipient of one biller: a consumer or a business."""

    __table_args__ = (UniqueConstraint("biller_id", "customer_number"),)

    id: int | None = Field(default=None, primary_key=True)
    biller_id: str = Field(foreign_key="biller.id", max_length=40)
    customer_number: str = Field(max_length=40)
    kind: str = Field(max_length=10)  # consumer | business
    name: str = Field(max_length=200)
    # Personal identity number for a consumer, organisation number for a business.
    # Stored in full because autogiro mandates need it; never returned unmasked.
    identity_number: str = Field(max_length=20)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=20)
    locale: str = Field(default="sv", max_length=5)
    street: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=100)
    # Peppol electronic address "scheme:identifier" of an e-invoice buyer.
    endpoint_id: str | None = Field(default=None, max_length=80)


class Invoice(SQLModel, table=True):
    """An issued invoice or credit note.

    `status` is the stored life-cycle state. Whether an open invoice is overdue or
    partly paid depends on the date and the payments, so the domain derives it.
    """

    __table_args__ = (
        UniqueConstraint("biller_id", "invoice_number"),
        Index("ix_invoice_customer_issue", "customer_id", "issue_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    biller_id: str = Field(foreign_key="biller.id", max_length=40)
    customer_id: int = Field(foreign_key="customer.id")
    invoice_number: str = Field(max_length=40)
    kind: str = Field(default="invoice", max_length=12)  # invoice | credit_note
    credited_invoice_id: int | None = Field(default=None, foreign_key="invoice.id", index=True)
    issue_date: dt.date
    due_date: dt.date
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    currency: str = Field(default="SEK", max_length=3)
    net_total_minor: int = Field(sa_type=BigInteger)
    vat_total_minor: int = Field(sa_type=BigInteger)
    rounding_minor: int = Field(default=0, sa_type=BigInteger)
    total_minor: int = Field(sa_type=BigInteger)
    # open | paid | reminded | collection | credited | written_off
    status: str = Field(max_length=12)
    reminder_count: int = 0
    ocr_reference: str | None = Field(default=None, max_length=25)
    payment_method_kind: str = Field(max_length=20)  # how this invoice is paid
    delivery_note: str | None = Field(default=None, max_length=500)
    # The fields below are set by the e-invoice importer and are None for other invoices.
    # Number of the credited invoice as the credit note states it, also when no stored invoice has it.
    credited_invoice_number: str | None = Field(default=None, max_length=40)
    source_format: str | None = Field(default=None, max_length=20)  # ubl_invoice | ubl_credit_note | cii
    # SHA-256 of the parsed document, which distinguishes a repeated import from a changed one.
    source_hash: str | None = Field(default=None, max_length=64)
    payee_iban: str | None = Field(default=None, max_length=34)


class InvoiceLine(SQLModel, table=True):
    """One line of an invoice.

    `net_amount_minor` excludes VAT and `vat_amount_minor` is the VAT on this
    line, so `gross = net + vat`. The invoice total is the sum of the line gross
    amounts plus the invoice's rounding.
    """

    __table_args__ = (Index("ix_invoice_line_invoice", "invoice_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id")
    position: int
    # subscription | usage | roaming | one_off | discount | fee | interest
    # | carried_over | credit | rounding
    category: str = Field(max_length=16)
    product_code: str = Field(max_length=40)
    description: str = Field(max_length=300)
    quantity: Decimal = Field(default=Decimal(1), sa_column=Column(Numeric(18, 3), nullable=False))
    unit: str | None = Field(default=None, max_length=12)
    # Net price per unit in minor units; may carry fractions of an öre (energy prices).
    unit_price_minor: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 4), nullable=True))
    net_amount_minor: int = Field(sa_type=BigInteger)
    vat_rate_basis_points: int = 0  # 2500 = 25 %
    vat_amount_minor: int = Field(default=0, sa_type=BigInteger)
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    country_code: str | None = Field(default=None, max_length=2)  # where usage happened


class Payment(SQLModel, table=True):
    """Money received against an invoice."""

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    paid_on: dt.date
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(default="SEK", max_length=3)
    method: str = Field(max_length=20)
    reference: str | None = Field(default=None, max_length=40)


class PaymentMethod(SQLModel, table=True):
    """A customer's payment method: how future invoices are delivered and paid.

    `details` holds the method's own fields (for autogiro the clearing and account
    number and the holder's identity number). It is never returned unmasked.
    """

    __table_args__ = (Index("ix_payment_method_customer", "customer_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    # autogiro | e_invoice | kivra | swish | email_pdf | paper | card
    kind: str = Field(max_length=20)
    # active | pending_signature | superseded | cancelled
    status: str = Field(max_length=20)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    applies_from_issue_date: dt.date | None = None
    created_at: dt.datetime = utc_datetime_column()


class PaymentExtension(SQLModel, table=True):
    """A granted payment extension (anstånd) on one invoice."""

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    original_due_date: dt.date
    new_due_date: dt.date
    fee_minor: int = Field(default=0, sa_type=BigInteger)
    reminders_paused_until: dt.date
    granted_at: dt.datetime = utc_datetime_column()
    granted_by: str = Field(max_length=120)


class AuditEvent(SQLModel, table=True):
    """One append-only audit record: who tried what, when, and how it ended.

    Parameters are stored with identifiers masked.
    """

    __table_args__ = (Index("ix_audit_event_customer", "biller_id", "customer_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: dt.datetime = utc_datetime_column(index=True)
    actor: str = Field(max_length=120)
    biller_id: str = Field(max_length=40)
    customer_id: int | None = None
    action: str = Field(max_length=40)
    invoice_id: int | None = None
    outcome: str = Field(max_length=16)  # quoted | applied | refused | failed | replayed
    code: str | None = Field(default=None, max_length=60)
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    idempotency_key: str | None = Field(default=None, max_length=100)


class ActionQuote(SQLModel, table=True):
    """A quoted write action waiting for the recipient's confirmation.

    Only a SHA-256 hash of the confirmation token is stored.
    """

    token_hash: str = Field(primary_key=True, max_length=64)
    principal: str = Field(max_length=120)
    action: str = Field(max_length=40)
    invoice_id: int | None = None
    parameters_hash: str = Field(max_length=64)
    quote: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = utc_datetime_column()
    expires_at: dt.datetime = utc_datetime_column()
    used_at: dt.datetime | None = utc_datetime_column(nullable=True)


class IdempotencyRecord(SQLModel, table=True):
    """The stored outcome of a write action, replayed for a repeated key."""

    __table_args__ = (UniqueConstraint("principal", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=120)
    idempotency_key: str = Field(max_length=100)
    action: str = Field(max_length=40)
    parameters_hash: str = Field(max_length=64)
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = utc_datetime_column()


class ApiToken(SQLModel, table=True):
    """An opaque bearer token for the HTTP transport. Only a SHA-256 hash of the token is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    # First characters of the token, to recognise it in listings without revealing it.
    token_prefix: str = Field(max_length=12)
    name: str | None = Field(default=None, max_length=100)
    kind: str = Field(max_length=10)  # customer | operator
    biller_id: str = Field(foreign_key="biller.id", max_length=40)
    customer_number: str | None = Field(default=None, max_length=40)
    operator_id: str | None = Field(default=None, max_length=80)
    scopes: str = Field(max_length=100)  # space-separated: read, act
    created_at: dt.datetime = utc_datetime_column()
    expires_at: dt.datetime | None = utc_datetime_column(nullable=True)
    revoked_at: dt.datetime | None = utc_datetime_column(nullable=True)
