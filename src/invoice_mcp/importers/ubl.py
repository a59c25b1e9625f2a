"""Parse Peppol BIS Billing 3.0 documents in UBL 2.1 syntax: `Invoice` and `CreditNote`.

Only the elements the billing store needs are read; everything else is ignored. The
element paths follow the Peppol BIS Billing 3.0 syntax binding of EN 16931.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from xml.etree.ElementTree import Element

from invoice_mcp.importers.errors import InvalidDocumentError
from invoice_mcp.importers.model import (
    AllowanceCharge,
    Document,
    Line,
    Party,
    PaymentMeans,
    Totals,
    VatCategory,
    VatSubtotal,
)
from invoice_mcp.importers.values import (
    amount_minor,
    clean_text,
    currency_exponent,
    iso_date,
    parse_decimal,
    rate_basis_points,
)

INVOICE_NAMESPACE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NAMESPACE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
ROOT_TAGS = {
    f"{{{INVOICE_NAMESPACE}}}Invoice": "invoice",
    f"{{{CREDIT_NOTE_NAMESPACE}}}CreditNote": "credit_note",
}
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def is_ubl(root: Element) -> bool:
    return root.tag in ROOT_TAGS


def _text(element: Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path, NS)
    return clean_text(found.text) if found is not None else None


def _attribute(element: Element | None, path: str, name: str) -> str | None:
    if element is None:
        return None
    found = element.find(path, NS)
    return clean_text(found.get(name)) if found is not None else None


def _is_true(text: str | None, label: str) -> bool:
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise InvalidDocumentError(f"{label} '{text}' is not true or false")


class _Reader:
    """Reads amounts in the document currency, so each checks its currencyID and decimals."""

    def __init__(self, currency: str, exponent: int) -> None:
        self.currency = currency
        self.exponent = exponent

    def amount(self, element: Element, path: str, label: str) -> int:
        found = element.find(path, NS)
        if found is None:
            raise InvalidDocumentError(f"{label} is missing")
        stated_currency = found.get("currencyID")
        if stated_currency is not None and stated_currency.strip().upper() != self.currency:
            raise InvalidDocumentError(
                f"{label} is in {stated_currency.strip()[:10]}, but the document currency is {self.currency}"
            )
        return amount_minor(found.text, self.exponent, self.currency, label)

    def optional_amount(self, element: Element, path: str, label: str) -> int | None:
        if element.find(path, NS) is None:
            return None
        return self.amount(element, path, label)


def parse_ubl(root: Element) -> Document:
    """Parse a UBL `Invoice` or `CreditNote` root element.

    Raises:
        InvalidDocumentError: a required element is missing or a value is invalid.
    """
    kind = ROOT_TAGS[root.tag]
    is_credit_note = kind == "credit_note"
    number = _text(root, "cbc:ID")
    if number is None:
        raise InvalidDocumentError("the document number (BT-1, cbc:ID) is missing")
    currency, exponent = currency_exponent(_text(root, "cbc:DocumentCurrencyCode"))
    reader = _Reader(currency, exponent)

    due_text = _text(root, "cbc:DueDate") or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate")
    period = root.find("cac:InvoicePeriod", NS)
    line_tag = "cac:CreditNoteLine" if is_credit_note else "cac:InvoiceLine"
    quantity_tag = "cbc:CreditedQuantity" if is_credit_note else "cbc:InvoicedQuantity"
    monetary_total = root.find("cac:LegalMonetaryTotal", NS)
    if monetary_total is None:
        raise InvalidDocumentError("the document totals (BG-22, cac:LegalMonetaryTotal) are missing")

    vat_total, subtotals = _tax_total(root, reader)
    return Document(
        source_format="ubl_credit_note" if is_credit_note else "ubl_invoice",
        kind=kind,  # type: ignore[arg-type]
        type_code=_text(root, "cbc:CreditNoteTypeCode" if is_credit_note else "cbc:InvoiceTypeCode") or "",
        number=number,
        issue_date=iso_date(_text(root, "cbc:IssueDate"), "issue date (BT-2, cbc:IssueDate)"),
        due_date=iso_date(due_text, "due date (BT-9)") if due_text else None,
        currency=currency,
        exponent=exponent,
        period_start=_optional_date(period, "cbc:StartDate", "invoice period start (BT-73)"),
        period_end=_optional_date(period, "cbc:EndDate", "invoice period end (BT-74)"),
        buyer_reference=_text(root, "cbc:BuyerReference"),
        seller=_party(root.find("cac:AccountingSupplierParty/cac:Party", NS), "seller"),
        buyer=_party(root.find("cac:AccountingCustomerParty/cac:Party", NS), "buyer"),
        lines=tuple(
            _line(element, index, quantity_tag, reader)
            for index, element in enumerate(root.findall(line_tag, NS), start=1)
        ),
        allowances_charges=tuple(
            _allowance_charge(element, reader, f"document level allowance or charge {index}", with_vat=True)
            for index, element in enumerate(root.findall("cac:AllowanceCharge", NS), start=1)
        ),
        vat_subtotals=subtotals,
        totals=_totals(monetary_total, vat_total, reader),
        payment_means=tuple(_payment_means(element) for element in root.findall("cac:PaymentMeans", NS)),
        # UBL repeats the remittance information (BT-83) in each cac:PaymentMeans; the first one counts.
        payment_reference=next(
            (
                text
                for element in root.findall("cac:PaymentMeans/cbc:PaymentID", NS)
                if (text := clean_text(element.text)) is not None
            ),
            None,
        ),
        preceding_invoice_numbers=tuple(
            number
            for element in root.findall("cac:BillingReference/cac:InvoiceDocumentReference", NS)
            if (number := _text(element, "cbc:ID")) is not None
        ),
    )


def _optional_date(element: Element | None, path: str, label: str) -> dt.date | None:
    text = _text(element, path)
    return iso_date(text, label) if text else None


def _party(party: Element | None, role: str) -> Party:
    if party is None:
        raise InvalidDocumentError(f"the {role} party is missing")
    name = _text(party, "cac:PartyLegalEntity/cbc:RegistrationName") or _text(party, "cac:PartyName/cbc:Name")
    if name is None:
        raise InvalidDocumentError(f"the {role} name (cac:PartyLegalEntity/cbc:RegistrationName) is missing")
    vat_number = None
    for scheme in party.findall("cac:PartyTaxScheme", NS):
        if (_text(scheme, "cac:TaxScheme/cbc:ID") or "").upper() == "VAT":
            vat_number = _text(scheme, "cbc:CompanyID")
            break
    address = party.find("cac:PostalAddress", NS)
    street = _text(address, "cbc:StreetName")
    extra = _text(address, "cbc:AdditionalStreetName")
    if extra:
        street = f"{street}, {extra}" if street else extra
    return Party(
        name=name,
        legal_id=_text(party, "cac:PartyLegalEntity/cbc:CompanyID"),
        legal_id_scheme=_attribute(party, "cac:PartyLegalEntity/cbc:CompanyID", "schemeID"),
        vat_number=vat_number,
        endpoint_id=_text(party, "cbc:EndpointID"),
        endpoint_scheme=_attribute(party, "cbc:EndpointID", "schemeID"),
        party_ids=tuple(
            text
            for element in party.findall("cac:PartyIdentification/cbc:ID", NS)
            if (text := clean_text(element.text)) is not None
        ),
        country=_text(address, "cac:Country/cbc:IdentificationCode"),
        street=street,
        postal_code=_text(address, "cbc:PostalZone"),
        city=_text(address, "cbc:CityName"),
        email=_text(party, "cac:Contact/cbc:ElectronicMail"),
        phone=_text(party, "cac:Contact/cbc:Telephone"),
    )


def _vat_category(element: Element | None, label: str) -> VatCategory:
    code = _text(element, "cbc:ID")
    if element is None or code is None:
        raise InvalidDocumentError(f"the VAT category code of {label} is missing")
    return VatCategory(
        code=code.upper(),
        rate_basis_points=rate_basis_points(_text(element, "cbc:Percent"), f"VAT rate of {label}"),
    )


def _allowance_charge(element: Element, reader: _Reader, label: str, *, with_vat: bool) -> AllowanceCharge:
    return AllowanceCharge(
        is_charge=_is_true(_text(element, "cbc:ChargeIndicator"), f"ChargeIndicator of {label}"),
        amount_minor=reader.amount(element, "cbc:Amount", f"amount of {label}"),
        reason=_text(element, "cbc:AllowanceChargeReason"),
        reason_code=_text(element, "cbc:AllowanceChargeReasonCode"),
        vat=_vat_category(element.find("cac:TaxCategory", NS), label) if with_vat else None,
    )


def _line(element: Element, index: int, quantity_tag: str, reader: _Reader) -> Line:
    line_id = _text(element, "cbc:ID") or str(index)
    label = f"line {line_id}"
    item = element.find("cac:Item", NS)
    name = _text(item, "cbc:Name")
    if item is None or name is None:
        raise InvalidDocumentError(f"the item name (BT-153) of {label} is missing")
    period = element.find("cac:InvoicePeriod", NS)
    return Line(
        line_id=line_id,
        quantity=parse_decimal(_text(element, quantity_tag), f"quantity (BT-129) of {label}"),
        unit_code=_attribute(element, quantity_tag, "unitCode"),
        net_minor=reader.amount(element, "cbc:LineExtensionAmount", f"net amount (BT-131) of {label}"),
        unit_price_minor=_unit_price(element, reader, label),
        item_name=name,
        item_description=_text(item, "cbc:Description"),
        seller_item_id=_text(item, "cac:SellersItemIdentification/cbc:ID"),
        standard_item_id=_text(item, "cac:StandardItemIdentification/cbc:ID"),
        classifications=tuple(
            (clean_text(code.get("listID")), text)
            for code in item.findall("cac:CommodityClassification/cbc:ItemClassificationCode", NS)
            if (text := clean_text(code.text)) is not None
        ),
        vat=_vat_category(item.find("cac:ClassifiedTaxCategory", NS), label),
        period_start=_optional_date(period, "cbc:StartDate", f"period start of {label}"),
        period_end=_optional_date(period, "cbc:EndDate", f"period end of {label}"),
        allowances_charges=tuple(
            _allowance_charge(child, reader, f"allowance or charge {number} of {label}", with_vat=False)
            for number, child in enumerate(element.findall("cac:AllowanceCharge", NS), start=1)
        ),
        note=_text(element, "cbc:Note"),
    )


def _unit_price(element: Element, reader: _Reader, label: str) -> Decimal | None:
    price_text = _text(element, "cac:Price/cbc:PriceAmount")
    if price_text is None:
        return None
    price = parse_decimal(price_text, f"item net price (BT-146) of {label}")
    base_text = _text(element, "cac:Price/cbc:BaseQuantity")
    base = parse_decimal(base_text, f"price base quantity (BT-149) of {label}") if base_text else Decimal(1)
    if base <= 0:
        raise InvalidDocumentError(f"price base quantity (BT-149) of {label} is {base}; it must be positive")
    return price.scaleb(reader.exponent) / base


def _tax_total(root: Element, reader: _Reader) -> tuple[int | None, tuple[VatSubtotal, ...]]:
    """Return the VAT total and breakdown in the document currency.

    A second cac:TaxTotal may give the VAT in the accounting currency (BT-111); it has no
    breakdown and is skipped.
    """
    in_document_currency = [
        element
        for element in root.findall("cac:TaxTotal", NS)
        if (_attribute(element, "cbc:TaxAmount", "currencyID") or reader.currency).upper() == reader.currency
    ]
    if not in_document_currency:
        return None, ()
    if len(in_document_currency) > 1:
        raise InvalidDocumentError(
            f"the document has {len(in_document_currency)} VAT totals in {reader.currency}; "
            "EN 16931 allows one (BT-110)"
        )
    tax_total = in_document_currency[0]
    subtotals = []
    for index, element in enumerate(tax_total.findall("cac:TaxSubtotal", NS), start=1):
        label = f"VAT breakdown {index}"
        subtotals.append(
            VatSubtotal(
                vat=_vat_category(element.find("cac:TaxCategory", NS), label),
                taxable_minor=reader.amount(
                    element, "cbc:TaxableAmount", f"taxable amount (BT-116) of {label}"
                ),
                tax_minor=reader.amount(element, "cbc:TaxAmount", f"VAT amount (BT-117) of {label}"),
            )
        )
    return reader.amount(tax_total, "cbc:TaxAmount", "VAT total (BT-110)"), tuple(subtotals)


def _totals(element: Element, vat_total: int | None, reader: _Reader) -> Totals:
    return Totals(
        line_total_minor=reader.amount(
            element, "cbc:LineExtensionAmount", "sum of line net amounts (BT-106)"
        ),
        allowance_total_minor=reader.optional_amount(
            element, "cbc:AllowanceTotalAmount", "sum of allowances (BT-107)"
        ),
        charge_total_minor=reader.optional_amount(
            element, "cbc:ChargeTotalAmount", "sum of charges (BT-108)"
        ),
        tax_exclusive_minor=reader.amount(
            element, "cbc:TaxExclusiveAmount", "total without VAT (BT-109, cbc:TaxExclusiveAmount)"
        ),
        vat_total_minor=vat_total,
        tax_inclusive_minor=reader.amount(
            element, "cbc:TaxInclusiveAmount", "total with VAT (BT-112, cbc:TaxInclusiveAmount)"
        ),
        prepaid_minor=reader.optional_amount(element, "cbc:PrepaidAmount", "paid amount (BT-113)"),
        rounding_minor=reader.optional_amount(
            element, "cbc:PayableRoundingAmount", "rounding amount (BT-114)"
        ),
        payable_minor=reader.amount(element, "cbc:PayableAmount", "amount due (BT-115, cbc:PayableAmount)"),
    )


def _payment_means(element: Element) -> PaymentMeans:
    return PaymentMeans(
        code=_text(element, "cbc:PaymentMeansCode") or "",
        account_id=_text(element, "cac:PayeeFinancialAccount/cbc:ID"),
        institution_id=_text(element, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"),
    )
