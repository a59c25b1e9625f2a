import datetime as dt
from decimal import Decimal

import pytest

from invoice_mcp.importers.errors import InvalidDocumentError
from invoice_mcp.importers.model import AllowanceCharge, VatCategory, VatSubtotal
from invoice_mcp.importers.parse import parse_document
from invoice_mcp.importers.values import amount_minor, currency_exponent
from tests.importers.conftest import (
    ALVSOL_CREDIT,
    ALVSOL_JANUARY,
    NORRSKEN_CREDIT_FEBRUARY,
    NORRSKEN_FEBRUARY,
    NORRSKEN_JANUARY,
)

S25 = VatCategory("S", 2500)


def parse_text(text: str):
    return parse_document(text.encode("utf-8"))


def test_ubl_invoice_header():
    document = parse_document(NORRSKEN_JANUARY.read_bytes())

    assert document.source_format == "ubl_invoice"
    assert document.kind == "invoice"
    assert document.type_code == "380"
    assert document.number == "NM-2026-0001"
    assert document.issue_date == dt.date(2026, 1, 5)
    assert document.due_date == dt.date(2026, 1, 31)
    assert (document.period_start, document.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert (document.currency, document.exponent) == ("SEK", 2)
    assert document.buyer_reference == "K-10042"


def test_ubl_parties():
    document = parse_document(NORRSKEN_JANUARY.read_bytes())

    assert document.seller.name == "Norrsken Mobil AB"
    assert (document.seller.legal_id, document.seller.legal_id_scheme) == ("5590213848", "0007")
    assert document.seller.vat_number == "SE559021384801"
    assert (document.seller.endpoint_scheme, document.seller.endpoint_id) == ("0007", "5590213848")
    assert document.buyer.name == "Fjällbacka Bygg AB"
    assert document.buyer.email == "ekonomi@fjallbackabygg.example"
    assert (
        document.buyer.street,
        document.buyer.postal_code,
        document.buyer.city,
        document.buyer.country,
    ) == (
        "Sjögatan 12",
        "457 40",
        "Fjällbacka",
        "SE",
    )


def test_ubl_lines():
    lines = parse_document(NORRSKEN_JANUARY.read_bytes()).lines

    assert [line.line_id for line in lines] == ["1", "2", "3", "4"]
    assert lines[0].classifications == (("ZZZ", "subscription"),)
    assert lines[0].seller_item_id == "NM-FRI-25"
    assert (lines[0].period_start, lines[0].period_end) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert (lines[1].quantity, lines[1].unit_code, lines[1].net_minor) == (Decimal(120), "MIN", 5880)
    assert lines[1].unit_price_minor == Decimal(49)
    assert (lines[2].quantity, lines[2].unit_code) == (Decimal("1.5"), "E34")
    assert lines[3].standard_item_id == "7350000000019"
    assert lines[3].allowances_charges == (
        AllowanceCharge(is_charge=False, amount_minor=4900, reason="Kampanj"),
    )
    assert {line.vat for line in lines} == {S25}


def test_ubl_document_allowances_charges_and_totals():
    document = parse_document(NORRSKEN_JANUARY.read_bytes())

    assert document.allowances_charges == (
        AllowanceCharge(is_charge=True, amount_minor=2900, reason="Pappersfakturaavgift", vat=S25),
        AllowanceCharge(
            is_charge=False, amount_minor=2000, reason="Trogen kund-rabatt", reason_code="95", vat=S25
        ),
    )
    assert document.vat_subtotals == (VatSubtotal(S25, taxable_minor=57530, tax_minor=14383),)
    totals = document.totals
    assert (totals.line_total_minor, totals.allowance_total_minor, totals.charge_total_minor) == (
        56630,
        2000,
        2900,
    )
    assert (totals.tax_exclusive_minor, totals.vat_total_minor, totals.tax_inclusive_minor) == (
        57530,
        14383,
        71913,
    )
    assert (totals.prepaid_minor, totals.rounding_minor, totals.payable_minor) == (None, -13, 71900)


def test_ubl_payment_means():
    document = parse_document(NORRSKEN_JANUARY.read_bytes())

    assert document.payment_reference == "202601004213"
    assert len(document.payment_means) == 1
    means = document.payment_means[0]
    assert (means.code, means.account_id, means.institution_id) == ("30", "43105527", "SE:BANKGIRO")


def test_ubl_exempt_vat_category():
    document = parse_document(NORRSKEN_FEBRUARY.read_bytes())

    assert [subtotal.vat for subtotal in document.vat_subtotals] == [S25, VatCategory("E", 0)]
    assert document.lines[3].vat == VatCategory("E", 0)


def test_ubl_credit_note():
    document = parse_document(NORRSKEN_CREDIT_FEBRUARY.read_bytes())

    assert (document.source_format, document.kind, document.type_code) == (
        "ubl_credit_note",
        "credit_note",
        "381",
    )
    assert document.preceding_invoice_numbers == ("NM-2026-0002",)
    assert document.due_date is None
    assert document.lines[0].quantity == Decimal(1)
    assert document.lines[0].net_minor == 6000
    assert document.totals.payable_minor == 6000


def test_cii_invoice():
    document = parse_document(ALVSOL_JANUARY.read_bytes())

    assert (document.source_format, document.kind, document.number) == ("cii", "invoice", "AE-260112")
    assert document.issue_date == dt.date(2026, 2, 3)
    assert document.due_date == dt.date(2026, 3, 2)
    assert (document.period_start, document.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert document.buyer_reference == "E-7781"
    assert document.seller.legal_id == "9165542177"
    assert document.seller.vat_number == "SE916554217701"
    assert (document.seller.endpoint_scheme, document.seller.endpoint_id) == ("0007", "9165542177")
    assert document.buyer.street == "Storgatan 31"
    assert document.payment_reference == "778101262"
    means = document.payment_means[0]
    assert (means.code, means.account_id, means.institution_id, means.account_is_iban) == (
        "30",
        "5812342",
        "SE:BANKGIRO",
        False,
    )


def test_cii_lines_and_totals():
    document = parse_document(ALVSOL_JANUARY.read_bytes())

    first = document.lines[0]
    assert (first.quantity, first.unit_code, first.net_minor) == (Decimal("1250.5"), "KWH", 106443)
    assert first.unit_price_minor == Decimal("85.12")
    assert first.seller_item_id == "AE-EL-RORLIG"
    assert document.lines[2].standard_item_id == "7350000000026"
    assert document.allowances_charges == (
        AllowanceCharge(
            is_charge=True,
            amount_minor=1240,
            reason="Dröjsmålsränta på faktura AE-251212",
            vat=VatCategory("E", 0),
        ),
    )
    totals = document.totals
    assert (totals.prepaid_minor, totals.rounding_minor, totals.payable_minor) == (50000, -48, 91700)
    assert (totals.allowance_total_minor, totals.charge_total_minor) == (0, 1240)


def test_cii_credit_note():
    document = parse_document(ALVSOL_CREDIT.read_bytes())

    assert (document.kind, document.type_code) == ("credit_note", "381")
    assert document.preceding_invoice_numbers == ("AE-260112",)
    assert document.totals.tax_inclusive_minor == 6125


UBL_JANUARY = NORRSKEN_JANUARY.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            '<cbc:PayableAmount currencyID="SEK">719.00<',
            '<cbc:PayableAmount currencyID="SEK">719.005<',
            "amount due (BT-115, cbc:PayableAmount) 719.005 has more decimals than SEK allows (2)",
            id="total-three-decimals",
        ),
        pytest.param(
            '<cbc:LineExtensionAmount currencyID="SEK">58.80<',
            '<cbc:LineExtensionAmount currencyID="SEK">58.801<',
            "net amount (BT-131) of line 2 58.801 has more decimals than SEK allows (2)",
            id="line-three-decimals",
        ),
        pytest.param(
            '<cbc:Amount currencyID="SEK">49.00<',
            '<cbc:Amount currencyID="SEK">49.001<',
            "amount of allowance or charge 1 of line 4 49.001 has more decimals",
            id="line-allowance-three-decimals",
        ),
        pytest.param(
            '<cbc:PayableAmount currencyID="SEK">719.00<',
            '<cbc:PayableAmount currencyID="SEK">7.19e2<',
            "'7.19e2' is not a decimal number",
            id="exponent-notation",
        ),
        pytest.param(
            '<cbc:PayableAmount currencyID="SEK">',
            '<cbc:PayableAmount currencyID="EUR">',
            "amount due (BT-115, cbc:PayableAmount) is in EUR, but the document currency is SEK",
            id="other-currency",
        ),
        pytest.param(
            "<cbc:DocumentCurrencyCode>SEK<",
            "<cbc:DocumentCurrencyCode>XYZ<",
            "document currency code 'XYZ' is not an ISO 4217 currency",
            id="unknown-currency",
        ),
        pytest.param(
            "<cbc:IssueDate>2026-01-05<", "<cbc:IssueDate>2026-02-30<", "is not a date", id="invalid-date"
        ),
        pytest.param(
            "<cbc:Percent>25</cbc:Percent>",
            "<cbc:Percent>25.125</cbc:Percent>",
            "at most two decimals",
            id="rate-three-decimals",
        ),
        pytest.param(
            "<cbc:ID>NM-2026-0001</cbc:ID>", "<cbc:ID></cbc:ID>", "document number (BT-1", id="no-number"
        ),
        pytest.param(
            "<cbc:ChargeIndicator>true<",
            "<cbc:ChargeIndicator>yes<",
            "is not true or false",
            id="bad-indicator",
        ),
    ],
)
def test_invalid_values_are_refused(old, new, expected):
    assert old in UBL_JANUARY

    with pytest.raises(InvalidDocumentError) as raised:
        parse_text(UBL_JANUARY.replace(old, new, 1))

    assert expected in raised.value.message


@pytest.mark.parametrize(
    ("text", "expected_minor"),
    [
        pytest.param("719.00", 71900, id="two-decimals"),
        pytest.param("719.000", 71900, id="trailing-zero"),
        pytest.param("719", 71900, id="whole"),
        pytest.param(" 719.0 ", 71900, id="whitespace"),
    ],
)
def test_exact_amounts_are_accepted(text, expected_minor):
    document = parse_text(
        UBL_JANUARY.replace(
            '<cbc:PayableAmount currencyID="SEK">719.00<', f'<cbc:PayableAmount currencyID="SEK">{text}<'
        )
    )

    assert document.totals.payable_minor == expected_minor


def test_unit_price_keeps_fractions_of_minor_unit():
    document = parse_text(
        UBL_JANUARY.replace(
            '<cbc:PriceAmount currencyID="SEK">0.49<', '<cbc:PriceAmount currencyID="SEK">0.4912<'
        )
    )

    assert document.lines[1].unit_price_minor == Decimal("49.12")


def test_price_base_quantity_divides_price():
    document = parse_text(
        UBL_JANUARY.replace(
            '<cbc:PriceAmount currencyID="SEK">0.49</cbc:PriceAmount>',
            '<cbc:PriceAmount currencyID="SEK">49</cbc:PriceAmount><cbc:BaseQuantity unitCode="MIN">100</cbc:BaseQuantity>',
        )
    )

    assert document.lines[1].unit_price_minor == Decimal(49)


@pytest.mark.parametrize(
    ("text", "currency", "expected_minor"),
    [
        pytest.param("1249", "JPY", 1249, id="yen-whole"),
        pytest.param("1249.0", "JPY", 1249, id="yen-trailing-zero"),
        pytest.param("1.250", "KWD", 1250, id="dinar-three-decimals"),
        pytest.param("-0.10", "SEK", -10, id="negative"),
    ],
)
def test_amounts_use_currency_exponent(text, currency, expected_minor):
    code, exponent = currency_exponent(currency)

    assert amount_minor(text, exponent, code, "amount") == expected_minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        pytest.param("1249.5", "JPY", id="yen-half"),
        pytest.param("1.2505", "KWD", id="dinar-four-decimals"),
    ],
)
def test_amounts_beyond_currency_exponent_are_refused(text, currency):
    code, exponent = currency_exponent(currency)

    with pytest.raises(InvalidDocumentError) as raised:
        amount_minor(text, exponent, code, "amount")

    assert f"amount {text} has more decimals than {currency} allows ({exponent})" in raised.value.message


def test_vat_total_in_accounting_currency_is_skipped():
    accounting_total = (
        '<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">12.90</cbc:TaxAmount></cac:TaxTotal>\n  <cac:TaxTotal>'
    )
    document = parse_text(UBL_JANUARY.replace("<cac:TaxTotal>", accounting_total, 1))

    assert document.totals.vat_total_minor == 14383


def test_credit_note_due_date_from_payment_means():
    text = NORRSKEN_CREDIT_FEBRUARY.read_text(encoding="utf-8").replace(
        "  <cac:TaxTotal>",
        "  <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
        "<cbc:PaymentDueDate>2026-03-01</cbc:PaymentDueDate></cac:PaymentMeans>\n  <cac:TaxTotal>",
        1,
    )

    assert parse_text(text).due_date == dt.date(2026, 3, 1)
