"""Turn a checked `Document` into the invoice, lines and payment the billing store keeps. Pure.

The store needs what EN 16931 leaves out:

- VAT per line. EN 16931 gives VAT per category only, so each line gets its net amount × rate
  rounded half up. The largest line of each category then takes the rounding difference, so
  the lines' VAT adds up exactly to the document's VAT amount for that category.
- Signs. A credit note states positive amounts; the store keeps them negative.
- Allowances and charges as lines of their own, so that an explanation can name a discount
  that ended or a fee that was added. A line's allowances and charges follow the line they
  belong to, and that line keeps its amount before them. Together they still add up to the
  line's net amount (BT-131).

Together this keeps the store's rule that an invoice total is the sum of its line gross
amounts plus the rounding.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from stdnum import iban as stdnum_iban

from invoice_mcp.domain.errors import InvalidFieldError
from invoice_mcp.domain.identifiers import luhn_is_valid, validate_bankgiro, validate_plusgiro
from invoice_mcp.importers.errors import InvalidDocumentError
from invoice_mcp.importers.mapping import (
    LineText,
    categorize,
    fit_code,
    normalize_name,
    product_code,
    unit_name,
)
from invoice_mcp.importers.model import AllowanceCharge, Document, Line, PaymentMeans, VatCategory
from invoice_mcp.importers.totals import vat_for

INVOICE_NUMBER_MAX_LENGTH = 40
DESCRIPTION_MAX_LENGTH = 300
OCR_MAX_LENGTH = 25
QUANTITY_STEP = Decimal("0.001")  # InvoiceLine.quantity is Numeric(18, 3)
UNIT_PRICE_STEP = Decimal("0.0001")  # InvoiceLine.unit_price_minor is Numeric(18, 4)
# Amount columns are BIGINT (64 bits).
MAX_STORED_MINOR = 2**63 - 1
MAX_QUANTITY = Decimal(10) ** 15  # 18 digits, 3 of them decimals
MAX_UNIT_PRICE = Decimal(10) ** 14  # 18 digits, 4 of them decimals

DIRECT_DEBIT_CODES = frozenset({"49", "59"})  # UNCL4461: direct debit, SEPA direct debit
CARD_CODES = frozenset({"48", "54", "55"})  # UNCL4461: bank card, credit card, debit card
# Payment method kinds, from the strongest signal to the weakest. A direct debit wins
# because the amount is drawn whatever else the invoice offers.
PAYMENT_METHOD_ORDER = ("autogiro", "bankgiro", "plusgiro", "iban", "bank_account", "card", "other")


@dataclass(frozen=True)
class PlannedLine:
    """An InvoiceLine row without its ids."""

    position: int
    category: str
    product_code: str
    description: str
    quantity: Decimal
    unit: str | None
    unit_price_minor: Decimal | None
    net_amount_minor: int
    vat_rate_basis_points: int
    vat_amount_minor: int
    period_start: dt.date | None
    period_end: dt.date | None


@dataclass(frozen=True)
class PlannedInvoice:
    """An Invoice row, its lines and its prepaid amount, ready to write."""

    kind: str
    invoice_number: str
    issue_date: dt.date
    due_date: dt.date
    period_start: dt.date | None
    period_end: dt.date | None
    currency: str
    net_total_minor: int
    vat_total_minor: int
    rounding_minor: int
    total_minor: int
    prepaid_minor: int
    status: str
    ocr_reference: str | None
    payment_method_kind: str
    credited_invoice_number: str | None
    payee_iban: str | None
    bankgiro: str | None
    plusgiro: str | None
    source_format: str
    source_hash: str
    lines: tuple[PlannedLine, ...]
    warnings: tuple[str, ...]

    @property
    def amount_due_minor(self) -> int:
        return self.total_minor - self.prepaid_minor


@dataclass
class _Draft:
    """A line on its way to the store: its VAT comes once all lines are known."""

    category: str
    product_code: str
    description: str
    quantity: Decimal
    unit: str | None
    unit_price_minor: Decimal | None
    net_minor: int
    vat: VatCategory
    period_start: dt.date | None
    period_end: dt.date | None
    vat_minor: int = 0


def document_hash(document: Document) -> str:
    """Return a SHA-256 of the parsed content, so formatting and comments do not change it."""
    content = json.dumps(dataclasses.asdict(document), default=str, sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()


def plan_invoice(document: Document) -> PlannedInvoice:
    """Convert a document that passed `check_totals` into store values.

    Raises:
        InvalidDocumentError: a value does not fit the store, like an invoice number longer
            than 40 characters, or a VAT amount that no line can carry.
    """
    if len(document.number) > INVOICE_NUMBER_MAX_LENGTH:
        raise InvalidDocumentError(
            f"the document number '{document.number[:60]}' is longer than {INVOICE_NUMBER_MAX_LENGTH} characters"
        )
    _check_period(document.period_start, document.period_end, "BR-29: the invoicing period")
    warnings: list[str] = []
    sign = -1 if document.kind == "credit_note" else 1
    kind = _store_kind(document)
    credit_note = kind == "credit_note"

    drafts: list[_Draft] = []
    for line in document.lines:
        _check_period(line.period_start, line.period_end, f"BR-30: the period of line {line.line_id}")
        drafts.extend(_line_drafts(line, sign, credit_note))
    drafts.extend(_allowance_charge_draft(item, sign, credit_note) for item in document.allowances_charges)
    _distribute_vat(drafts, document, sign)

    totals = document.totals
    rounding = sign * (totals.rounding_minor or 0)
    net_total = sum(draft.net_minor for draft in drafts)
    vat_total = sum(draft.vat_minor for draft in drafts)
    total = net_total + vat_total + rounding
    if total != sign * (totals.tax_inclusive_minor + (totals.rounding_minor or 0)):
        raise RuntimeError(f"document {document.number}: lines do not add up to the checked totals")
    prepaid = sign * (totals.prepaid_minor or 0)
    _check_fits_store(drafts, (total, net_total, vat_total, prepaid), document.currency)

    due_date = document.due_date or document.issue_date
    if document.due_date is None and not credit_note and totals.payable_minor > 0:
        warnings.append(
            f"the document has no due date (BT-9), so the issue date {document.issue_date} is used"
        )
    payment = _payment_details(document.payment_means, document.payment_reference, warnings)
    return PlannedInvoice(
        kind=kind,
        invoice_number=document.number,
        issue_date=document.issue_date,
        due_date=due_date,
        period_start=document.period_start,
        period_end=document.period_end,
        currency=document.currency,
        net_total_minor=net_total,
        vat_total_minor=vat_total,
        rounding_minor=rounding,
        total_minor=total,
        prepaid_minor=prepaid,
        status=_status(credit_note, total - prepaid),
        ocr_reference=payment.ocr_reference,
        payment_method_kind=payment.method,
        credited_invoice_number=_credited_number(document, credit_note, warnings),
        payee_iban=payment.iban,
        bankgiro=payment.bankgiro,
        plusgiro=payment.plusgiro,
        source_format=document.source_format,
        source_hash=document_hash(document),
        lines=tuple(
            PlannedLine(
                position=position,
                category=draft.category,
                product_code=draft.product_code,
                description=draft.description,
                quantity=draft.quantity,
                unit=draft.unit,
                unit_price_minor=draft.unit_price_minor,
                net_amount_minor=draft.net_minor,
                vat_rate_basis_points=draft.vat.rate_basis_points,
                vat_amount_minor=draft.vat_minor,
                period_start=draft.period_start,
                period_end=draft.period_end,
            )
            for position, draft in enumerate(drafts, start=1)
        ),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _check_fits_store(drafts: list[_Draft], totals: tuple[int, ...], currency: str) -> None:
    """Raise InvalidDocumentError for a value too large for its store column."""
    for amount in (*totals, *(value for draft in drafts for value in (draft.net_minor, draft.vat_minor))):
        if abs(amount) > MAX_STORED_MINOR:
            raise InvalidDocumentError(
                f"the amount of {amount} minor units of {currency} is larger than the store keeps "
                f"({MAX_STORED_MINOR} minor units)"
            )
    for draft in drafts:
        if abs(draft.quantity) >= MAX_QUANTITY:
            raise InvalidDocumentError(
                f"the quantity {draft.quantity} of '{draft.description}' is too large to store"
            )
        if draft.unit_price_minor is not None and abs(draft.unit_price_minor) >= MAX_UNIT_PRICE:
            raise InvalidDocumentError(f"the unit price of '{draft.description}' is too large to store")


def _store_kind(document: Document) -> str:
    """Return "credit_note" for a credit note and for a negative invoice that corrects an earlier one."""
    if document.kind == "credit_note":
        return "credit_note"
    if document.totals.tax_inclusive_minor < 0 and document.preceding_invoice_numbers:
        return "credit_note"
    return "invoice"


def _status(credit_note: bool, amount_due: int) -> str:
    # Credit notes are stored settled, as the seeded data does, because the derived status of
    # an "open" document with a past due date would be "overdue".
    if credit_note or amount_due == 0:
        return "paid"
    return "open"


def _check_period(start: dt.date | None, end: dt.date | None, label: str) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidDocumentError(f"{label} ends on {end}, before its start {start}")


def _fit_description(text: str) -> str:
    if len(text) <= DESCRIPTION_MAX_LENGTH:
        return text
    return text[: DESCRIPTION_MAX_LENGTH - 1] + "…"


def _line_drafts(line: Line, sign: int, credit_note: bool) -> list[_Draft]:
    adjustments = sum(
        item.amount_minor if item.is_charge else -item.amount_minor for item in line.allowances_charges
    )
    base_net = sign * (line.net_minor - adjustments)
    code = product_code(line.seller_item_id, line.standard_item_id, line.item_name)
    text = LineText(
        name=line.item_name,
        description=line.item_description,
        classifications=line.classifications,
        unit_code=line.unit_code,
    )
    unit_price = (
        line.unit_price_minor.quantize(UNIT_PRICE_STEP, rounding=ROUND_HALF_UP)
        if line.unit_price_minor is not None
        else None
    )
    drafts = [
        _Draft(
            category=categorize(text, net_minor=base_net, credit_note=credit_note),
            product_code=code,
            description=_fit_description(line.item_name),
            quantity=(sign * line.quantity).quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP),
            unit=unit_name(line.unit_code),
            unit_price_minor=unit_price,
            net_minor=base_net,
            vat=line.vat,
            period_start=line.period_start,
            period_end=line.period_end,
        )
    ]
    for item in line.allowances_charges:
        reason = _reason_text(item)
        net = sign * (item.amount_minor if item.is_charge else -item.amount_minor)
        drafts.append(
            _Draft(
                category=categorize(
                    LineText(name=reason, is_allowance=not item.is_charge, is_charge=item.is_charge),
                    net_minor=net,
                    credit_note=credit_note,
                ),
                product_code=fit_code(f"{code}:{_adjustment_code(item)}"),
                description=_fit_description(f"{line.item_name}: {reason}"),
                quantity=Decimal(1),
                unit=None,
                unit_price_minor=None,
                net_minor=net,
                vat=line.vat,
                period_start=line.period_start,
                period_end=line.period_end,
            )
        )
    return drafts


def _allowance_charge_draft(item: AllowanceCharge, sign: int, credit_note: bool) -> _Draft:
    assert item.vat is not None, "document level allowances and charges carry their VAT category"
    reason = _reason_text(item)
    net = sign * (item.amount_minor if item.is_charge else -item.amount_minor)
    return _Draft(
        category=categorize(
            LineText(name=reason, is_allowance=not item.is_charge, is_charge=item.is_charge),
            net_minor=net,
            credit_note=credit_note,
        ),
        product_code=fit_code(_adjustment_code(item)),
        description=_fit_description(reason),
        quantity=Decimal(1),
        unit=None,
        unit_price_minor=None,
        net_minor=net,
        vat=item.vat,
        period_start=None,
        period_end=None,
    )


def _reason_text(item: AllowanceCharge) -> str:
    if item.reason:
        return item.reason
    label = "Charge" if item.is_charge else "Allowance"
    return f"{label}, reason code {item.reason_code}" if item.reason_code else label


def _adjustment_code(item: AllowanceCharge) -> str:
    """Return "allowance:<reason>" or "charge:<reason>", the same on every invoice with that reason."""
    prefix = "charge" if item.is_charge else "allowance"
    reason = normalize_name(item.reason) if item.reason else (item.reason_code or "none")
    return f"{prefix}:{reason}"


def _distribute_vat(drafts: list[_Draft], document: Document, sign: int) -> None:
    """Give each line its VAT so that the lines of each category add up to the document's VAT.

    Each line gets round-half-up(net × rate). The line with the largest absolute net amount
    in the category (the first of equals) takes the difference to the VAT breakdown amount.
    """
    by_category: dict[VatCategory, list[_Draft]] = defaultdict(list)
    for draft in drafts:
        draft.vat_minor = vat_for(draft.net_minor, draft.vat.rate_basis_points)
        by_category[draft.vat].append(draft)
    for subtotal in document.vat_subtotals:
        members = by_category.get(subtotal.vat, [])
        target = sign * subtotal.tax_minor
        difference = target - sum(draft.vat_minor for draft in members)
        if difference == 0:
            continue
        if not members:
            raise InvalidDocumentError(
                f"the VAT breakdown gives {subtotal.tax_minor} minor units of VAT for category "
                f"{subtotal.vat.describe()}, but no line, allowance or charge is in that category"
            )
        largest = max(members, key=lambda draft: abs(draft.net_minor))
        largest.vat_minor += difference


@dataclass(frozen=True)
class _Payment:
    method: str
    ocr_reference: str | None
    bankgiro: str | None
    plusgiro: str | None
    iban: str | None


def _payment_details(means: tuple[PaymentMeans, ...], reference: str | None, warnings: list[str]) -> _Payment:
    methods: set[str] = set()
    bankgiro = plusgiro = iban = None
    for item in means:
        institution = (item.institution_id or "").upper()
        if item.code in DIRECT_DEBIT_CODES:
            methods.add("autogiro")
        elif institution == "SE:BANKGIRO" and item.account_id:
            methods.add("bankgiro")
            bankgiro = bankgiro or _valid_giro(validate_bankgiro, "bankgiro", item.account_id, warnings)
        elif institution == "SE:PLUSGIRO" and item.account_id:
            methods.add("plusgiro")
            plusgiro = plusgiro or _valid_giro(validate_plusgiro, "plusgiro", item.account_id, warnings)
        elif item.account_id and (
            item.account_is_iban or item.code == "58" or stdnum_iban.is_valid(item.account_id)
        ):
            if stdnum_iban.is_valid(item.account_id):
                methods.add("iban")
                iban = iban or stdnum_iban.compact(item.account_id)
            else:
                methods.add("bank_account")
                warnings.append(
                    f"IBAN {item.account_id} is invalid (its check digits do not match), so it was not stored"
                )
        elif item.account_id:
            methods.add("bank_account")
        elif item.code in CARD_CODES:
            methods.add("card")
        else:
            methods.add("other")
    method = next((name for name in PAYMENT_METHOD_ORDER if name in methods), "none")
    return _Payment(
        method=method,
        ocr_reference=_ocr_reference(reference, warnings),
        bankgiro=bankgiro,
        plusgiro=plusgiro,
        iban=iban,
    )


def _valid_giro(validate, name: str, value: str, warnings: list[str]) -> str | None:  # type: ignore[no-untyped-def]
    try:
        return validate(value)
    except InvalidFieldError as error:
        warnings.append(f"{name} {value} was not stored on the biller: {error.details.get('allowed')}")
        return None


def _ocr_reference(reference: str | None, warnings: list[str]) -> str | None:
    """Return the payment reference to store, warning when an OCR number fails its Luhn check.

    An OCR number written in groups ("1234 5678 97") is stored without the spaces; another
    reference is stored as written.
    """
    if reference is None:
        return None
    compact = "".join(reference.split())
    is_ocr = compact.isascii() and compact.isdigit()
    stored = compact if is_ocr else reference
    if len(stored) > OCR_MAX_LENGTH:
        warnings.append(
            f"payment reference {reference} is longer than {OCR_MAX_LENGTH} characters, so it was not stored"
        )
        return None
    if is_ocr and not luhn_is_valid(compact):
        warnings.append(
            f"OCR reference {compact} fails its Luhn (mod 10) check digit; it was stored as the document gives it"
        )
    return stored


def _credited_number(document: Document, credit_note: bool, warnings: list[str]) -> str | None:
    numbers = document.preceding_invoice_numbers
    if not credit_note or not numbers:
        return None
    if len(numbers) > 1:
        warnings.append(
            f"the credit note refers to {len(numbers)} invoices ({', '.join(numbers)}); only {numbers[0]} is linked"
        )
    if len(numbers[0]) > INVOICE_NUMBER_MAX_LENGTH:
        warnings.append(f"the credited invoice number {numbers[0][:60]} is too long to store")
        return None
    return numbers[0]
