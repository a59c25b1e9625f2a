"""Parse EN 16931 documents in UN/CEFACT Cross Industry Invoice (CII D16B) syntax.

CII has one root element for invoices and credit notes, and the document type code (BT-3)
distinguishes them. Only the elements the billing store needs are read. The paths follow
the EN 16931-3-3 syntax binding.
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
    cii_date,
    clean_text,
    currency_exponent,
    parse_decimal,
    rate_basis_points,
)

CII_NAMESPACE = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
ROOT_TAG = f"{{{CII_NAMESPACE}}}CrossIndustryInvoice"
NS = {
    "rsm": CII_NAMESPACE,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
# UNCL1001 document type codes that EN 16931 treats as credit notes.
CREDIT_NOTE_TYPE_CODES = frozenset({"81", "83", "381", "396", "532"})


def is_cii(root: Element) -> bool:
    return root.tag == ROOT_TAG


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


def _date(element: Element | None, path: str, label: str) -> dt.date | None:
    """Read the udt:DateTimeString below `path`, or None when `path` is absent."""
    if element is None or element.find(path, NS) is None:
        return None
    return cii_date(
        _text(element, f"{path}/udt:DateTimeString"),
        _attribute(element, f"{path}/udt:DateTimeString", "format"),
        label,
    )


def _is_true(text: str | None, label: str) -> bool:
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise InvalidDocumentError(f"{label} '{text}' is not true or false")


class _Reader:
    """Reads amounts, which CII writes without a currency, in the document currency."""

    def __init__(self, currency: str, exponent: int) -> None:
        self.currency = currency
        self.exponent = exponent

    def amount(self, element: Element | None, path: str, label: str) -> int:
        return amount_minor(_text(element, path), self.exponent, self.currency, label)

    def optional_amount(self, element: Element, path: str, label: str) -> int | None:
        if element.find(path, NS) is None:
            return None
        return self.amount(element, path, label)


def parse_cii(root: Element) -> Document:
    """Parse a CII `CrossIndustryInvoice` root element.

    Raises:
        InvalidDocumentError: a required element is missing or a value is invalid.
    """
    header = root.find("rsm:ExchangedDocument", NS)
    transaction = root.find("rsm:SupplyChainTradeTransaction", NS)
    if header is None or transaction is None:
        raise InvalidDocumentError("rsm:ExchangedDocument or rsm:SupplyChainTradeTransaction is missing")
    agreement = transaction.find("ram:ApplicableHeaderTradeAgreement", NS)
    settlement = transaction.find("ram:ApplicableHeaderTradeSettlement", NS)
    if agreement is None or settlement is None:
        raise InvalidDocumentError(
            "ram:ApplicableHeaderTradeAgreement or ram:ApplicableHeaderTradeSettlement is missing"
        )
    number = _text(header, "ram:ID")
    if number is None:
        raise InvalidDocumentError("the document number (BT-1, ram:ID) is missing")
    type_code = _text(header, "ram:TypeCode") or ""
    currency, exponent = currency_exponent(_text(settlement, "ram:InvoiceCurrencyCode"))
    reader = _Reader(currency, exponent)
    issue_date = _date(header, "ram:IssueDateTime", "issue date (BT-2)")
    if issue_date is None:
        raise InvalidDocumentError("the issue date (BT-2, ram:IssueDateTime) is missing")
    summation = settlement.find("ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS)
    if summation is None:
        raise InvalidDocumentError(
            "the document totals (BG-22, ram:SpecifiedTradeSettlementHeaderMonetarySummation) are missing"
        )

    return Document(
        source_format="cii",
        kind="credit_note" if type_code in CREDIT_NOTE_TYPE_CODES else "invoice",
        type_code=type_code,
        number=number,
        issue_date=issue_date,
        due_date=_date(
            settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime", "payment due date (BT-9)"
        ),
        currency=currency,
        exponent=exponent,
        period_start=_date(
            settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime", "invoicing period start (BT-73)"
        ),
        period_end=_date(
            settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime", "invoicing period end (BT-74)"
        ),
        buyer_reference=_text(agreement, "ram:BuyerReference"),
        seller=_party(agreement.find("ram:SellerTradeParty", NS), "seller"),
        buyer=_party(agreement.find("ram:BuyerTradeParty", NS), "buyer"),
        lines=tuple(
            _line(element, index, reader)
            for index, element in enumerate(
                transaction.findall("ram:IncludedSupplyChainTradeLineItem", NS), start=1
            )
        ),
        allowances_charges=tuple(
            _allowance_charge(element, reader, f"document level allowance or charge {index}", with_vat=True)
            for index, element in enumerate(
                settlement.findall("ram:SpecifiedTradeAllowanceCharge", NS), start=1
            )
        ),
        vat_subtotals=tuple(
            _vat_subtotal(element, index, reader)
            for index, element in enumerate(settlement.findall("ram:ApplicableTradeTax", NS), start=1)
        ),
        totals=_totals(summation, reader),
        payment_means=tuple(
            _payment_means(element)
            for element in settlement.findall("ram:SpecifiedTradeSettlementPaymentMeans", NS)
        ),
        payment_reference=_text(settlement, "ram:PaymentReference"),
        preceding_invoice_numbers=tuple(
            number
            for element in settlement.findall("ram:InvoiceReferencedDocument", NS)
            if (number := _text(element, "ram:IssuerAssignedID")) is not None
        ),
    )


def _party(party: Element | None, role: str) -> Party:
    if party is None:
        raise InvalidDocumentError(f"the {role} party (ram:{role.capitalize()}TradeParty) is missing")
    name = _text(party, "ram:Name")
    if name is None:
        raise InvalidDocumentError(f"the {role} name (ram:Name) is missing")
    vat_number = None
    for registration in party.findall("ram:SpecifiedTaxRegistration/ram:ID", NS):
        if (registration.get("schemeID") or "").strip().upper() == "VA":
            vat_number = clean_text(registration.text)
            break
    address = party.find("ram:PostalTradeAddress", NS)
    street_parts = [part for part in (_text(address, "ram:LineOne"), _text(address, "ram:LineTwo")) if part]
    return Party(
        name=name,
        legal_id=_text(party, "ram:SpecifiedLegalOrganization/ram:ID"),
        legal_id_scheme=_attribute(party, "ram:SpecifiedLegalOrganization/ram:ID", "schemeID"),
        vat_number=vat_number,
        endpoint_id=_text(party, "ram:URIUniversalCommunication/ram:URIID"),
        endpoint_scheme=_attribute(party, "ram:URIUniversalCommunication/ram:URIID", "schemeID"),
        party_ids=tuple(
            text
            for path in ("ram:ID", "ram:GlobalID")
            for element in party.findall(path, NS)
            if (text := clean_text(element.text)) is not None
        ),
        country=_text(address, "ram:CountryID"),
        street=", ".join(street_parts) or None,
        postal_code=_text(address, "ram:PostcodeCode"),
        city=_text(address, "ram:CityName"),
        email=_text(party, "ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID"),
        phone=_text(party, "ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
    )


def _vat_category(element: Element | None, label: str) -> VatCategory:
    code = _text(element, "ram:CategoryCode")
    if element is None or code is None:
        raise InvalidDocumentError(f"the VAT category code of {label} is missing")
    return VatCategory(
        code=code.upper(),
        rate_basis_points=rate_basis_points(
            _text(element, "ram:RateApplicablePercent"), f"VAT rate of {label}"
        ),
    )


def _allowance_charge(element: Element, reader: _Reader, label: str, *, with_vat: bool) -> AllowanceCharge:
    return AllowanceCharge(
        is_charge=_is_true(
            _text(element, "ram:ChargeIndicator/udt:Indicator"), f"ChargeIndicator of {label}"
        ),
        amount_minor=reader.amount(element, "ram:ActualAmount", f"amount of {label}"),
        reason=_text(element, "ram:Reason"),
        reason_code=_text(element, "ram:ReasonCode"),
        vat=_vat_category(element.find("ram:CategoryTradeTax", NS), label) if with_vat else None,
    )


def _line(element: Element, index: int, reader: _Reader) -> Line:
    line_id = _text(element, "ram:AssociatedDocumentLineDocument/ram:LineID") or str(index)
    label = f"line {line_id}"
    product = element.find("ram:SpecifiedTradeProduct", NS)
    name = _text(product, "ram:Name")
    if product is None or name is None:
        raise InvalidDocumentError(f"the item name (BT-153) of {label} is missing")
    settlement = element.find("ram:SpecifiedLineTradeSettlement", NS)
    if settlement is None:
        raise InvalidDocumentError(f"ram:SpecifiedLineTradeSettlement of {label} is missing")
    quantity_path = "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"
    return Line(
        line_id=line_id,
        quantity=parse_decimal(_text(element, quantity_path), f"quantity (BT-129) of {label}"),
        unit_code=_attribute(element, quantity_path, "unitCode"),
        net_minor=reader.amount(
            settlement,
            "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
            f"net amount (BT-131) of {label}",
        ),
        unit_price_minor=_unit_price(element, reader, label),
        item_name=name,
        item_description=_text(product, "ram:Description"),
        seller_item_id=_text(product, "ram:SellerAssignedID"),
        standard_item_id=_text(product, "ram:GlobalID"),
        classifications=tuple(
            (clean_text(code.get("listID")), text)
            for code in product.findall("ram:DesignatedProductClassification/ram:ClassCode", NS)
            if (text := clean_text(code.text)) is not None
        ),
        vat=_vat_category(settlement.find("ram:ApplicableTradeTax", NS), label),
        period_start=_date(
            settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime", f"period start of {label}"
        ),
        period_end=_date(settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime", f"period end of {label}"),
        allowances_charges=tuple(
            _allowance_charge(child, reader, f"allowance or charge {number} of {label}", with_vat=False)
            for number, child in enumerate(
                settlement.findall("ram:SpecifiedTradeAllowanceCharge", NS), start=1
            )
        ),
        note=_text(element, "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content"),
    )


def _unit_price(element: Element, reader: _Reader, label: str) -> Decimal | None:
    price_path = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice"
    price_text = _text(element, f"{price_path}/ram:ChargeAmount")
    if price_text is None:
        return None
    price = parse_decimal(price_text, f"item net price (BT-146) of {label}")
    base_text = _text(element, f"{price_path}/ram:BasisQuantity")
    base = parse_decimal(base_text, f"price base quantity (BT-149) of {label}") if base_text else Decimal(1)
    if base <= 0:
        raise InvalidDocumentError(f"price base quantity (BT-149) of {label} is {base}; it must be positive")
    return price.scaleb(reader.exponent) / base


def _vat_subtotal(element: Element, index: int, reader: _Reader) -> VatSubtotal:
    label = f"VAT breakdown {index}"
    return VatSubtotal(
        vat=_vat_category(element, label),
        taxable_minor=reader.amount(element, "ram:BasisAmount", f"taxable amount (BT-116) of {label}"),
        tax_minor=reader.amount(element, "ram:CalculatedAmount", f"VAT amount (BT-117) of {label}"),
    )


def _totals(summation: Element, reader: _Reader) -> Totals:
    return Totals(
        line_total_minor=reader.amount(summation, "ram:LineTotalAmount", "sum of line net amounts (BT-106)"),
        allowance_total_minor=reader.optional_amount(
            summation, "ram:AllowanceTotalAmount", "sum of allowances (BT-107)"
        ),
        charge_total_minor=reader.optional_amount(
            summation, "ram:ChargeTotalAmount", "sum of charges (BT-108)"
        ),
        tax_exclusive_minor=reader.amount(
            summation, "ram:TaxBasisTotalAmount", "total without VAT (BT-109, ram:TaxBasisTotalAmount)"
        ),
        vat_total_minor=_vat_total(summation, reader),
        tax_inclusive_minor=reader.amount(
            summation, "ram:GrandTotalAmount", "total with VAT (BT-112, ram:GrandTotalAmount)"
        ),
        prepaid_minor=reader.optional_amount(summation, "ram:TotalPrepaidAmount", "paid amount (BT-113)"),
        rounding_minor=reader.optional_amount(summation, "ram:RoundingAmount", "rounding amount (BT-114)"),
        payable_minor=reader.amount(
            summation, "ram:DuePayableAmount", "amount due (BT-115, ram:DuePayableAmount)"
        ),
    )


def _vat_total(summation: Element, reader: _Reader) -> int | None:
    """Return the VAT total in the document currency; a second one in the accounting currency (BT-111) is skipped."""
    matching = [
        element
        for element in summation.findall("ram:TaxTotalAmount", NS)
        if (element.get("currencyID") or reader.currency).strip().upper() == reader.currency
    ]
    if not matching:
        return None
    if len(matching) > 1:
        raise InvalidDocumentError(
            f"the document has {len(matching)} VAT totals in {reader.currency}; EN 16931 allows one (BT-110)"
        )
    return amount_minor(matching[0].text, reader.exponent, reader.currency, "VAT total (BT-110)")


def _payment_means(element: Element) -> PaymentMeans:
    iban = _text(element, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
    return PaymentMeans(
        code=_text(element, "ram:TypeCode") or "",
        account_id=iban or _text(element, "ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID"),
        # NOTE: EN 16931 gives CII no place for the "SE:BANKGIRO" branch id that Peppol UBL uses.
        # The importer reads it from the BIC element, which is a guess at where Swedish senders put it.
        institution_id=_text(element, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
        account_is_iban=iban is not None,
    )
