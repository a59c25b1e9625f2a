"""A parsed e-invoice as plain values, the same for UBL and CII.

Amounts are integers in minor units of the document currency with the signs the document
writes: a credit note states positive amounts, and the conversion to the store negates them.
Quantities and unit prices stay `Decimal`. Names follow the EN 16931 business terms (BT-n).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

DocumentKind = Literal["invoice", "credit_note"]
SourceFormat = Literal["ubl_invoice", "ubl_credit_note", "cii"]


@dataclass(frozen=True)
class VatCategory:
    """VAT category code (UNCL5305: S, Z, E, AE, K, G, O, L, M) and rate in basis points (2500 = 25 %)."""

    code: str
    rate_basis_points: int

    def describe(self) -> str:
        percent = Decimal(self.rate_basis_points) / 100
        return f"{self.code} {format(percent.normalize(), 'f')} %"


@dataclass(frozen=True)
class Party:
    """Seller (BG-4) or buyer (BG-7)."""

    name: str
    legal_id: str | None = None  # BT-30 / BT-47, with its scheme in legal_id_scheme
    legal_id_scheme: str | None = None
    vat_number: str | None = None  # BT-31 / BT-48
    endpoint_id: str | None = None  # BT-34 / BT-49 electronic address
    endpoint_scheme: str | None = None
    party_ids: tuple[str, ...] = ()  # BT-29 / BT-46
    country: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class AllowanceCharge:
    """A document level (BG-20, BG-21) or line level (BG-27, BG-28) allowance or charge.

    `vat` is None on line level, where the line's VAT category applies.
    """

    is_charge: bool
    amount_minor: int
    reason: str | None = None
    reason_code: str | None = None
    vat: VatCategory | None = None


@dataclass(frozen=True)
class Line:
    """An invoice line (BG-25)."""

    line_id: str
    quantity: Decimal
    unit_code: str | None
    net_minor: int  # BT-131, after line allowances and charges
    # Net price per unit in minor units, BT-146 divided by the base quantity BT-149.
    unit_price_minor: Decimal | None
    item_name: str
    item_description: str | None
    seller_item_id: str | None
    standard_item_id: str | None
    classifications: tuple[tuple[str | None, str], ...]  # (listID, code) of BT-158
    vat: VatCategory
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class VatSubtotal:
    """One VAT breakdown group (BG-23)."""

    vat: VatCategory
    taxable_minor: int  # BT-116
    tax_minor: int  # BT-117


@dataclass(frozen=True)
class Totals:
    """Document totals (BG-22). An amount the document leaves out is None."""

    line_total_minor: int  # BT-106
    allowance_total_minor: int | None  # BT-107
    charge_total_minor: int | None  # BT-108
    tax_exclusive_minor: int  # BT-109
    vat_total_minor: int | None  # BT-110, in the document currency
    tax_inclusive_minor: int  # BT-112
    prepaid_minor: int | None  # BT-113
    rounding_minor: int | None  # BT-114
    payable_minor: int  # BT-115


@dataclass(frozen=True)
class PaymentMeans:
    """One payment instruction (BG-16).

    `account_id` is the payee account (BT-84) and `institution_id` its financial
    institution branch (BT-86), which Swedish senders set to "SE:BANKGIRO" or
    "SE:PLUSGIRO" for giro accounts.
    """

    code: str  # UNCL4461: 30 credit transfer, 58 SEPA credit transfer, 49/59 direct debit, ...
    account_id: str | None = None
    institution_id: str | None = None
    account_is_iban: bool = False


@dataclass(frozen=True)
class Document:
    """A parsed invoice or credit note."""

    source_format: SourceFormat
    kind: DocumentKind
    type_code: str  # BT-3
    number: str  # BT-1
    issue_date: dt.date  # BT-2
    due_date: dt.date | None  # BT-9
    currency: str  # BT-5
    exponent: int  # minor unit digits of the currency
    period_start: dt.date | None  # BT-73
    period_end: dt.date | None  # BT-74
    buyer_reference: str | None  # BT-10
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    allowances_charges: tuple[AllowanceCharge, ...]
    vat_subtotals: tuple[VatSubtotal, ...]
    totals: Totals
    payment_means: tuple[PaymentMeans, ...]
    payment_reference: str | None  # BT-83 remittance information, the OCR reference in Sweden
    preceding_invoice_numbers: tuple[str, ...]  # BT-25
