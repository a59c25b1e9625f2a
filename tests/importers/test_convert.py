import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from invoice_mcp.importers.convert import document_hash, plan_invoice
from invoice_mcp.importers.errors import InvalidDocumentError
from invoice_mcp.importers.model import Line, PaymentMeans, Totals, VatCategory, VatSubtotal
from invoice_mcp.importers.parse import parse_document
from tests.importers.conftest import (
    ALVSOL_CREDIT,
    ALVSOL_JANUARY,
    NORRSKEN_CREDIT_FEBRUARY,
    NORRSKEN_FEBRUARY,
    NORRSKEN_JANUARY,
)

S25 = VatCategory("S", 2500)
JANUARY = parse_document(NORRSKEN_JANUARY.read_bytes())


def plan_of(path):
    return plan_invoice(parse_document(path.read_bytes()))


def item_line(line_id: str, net_minor: int, name: str = "Tjänst") -> Line:
    return Line(
        line_id=line_id,
        quantity=Decimal(5),
        unit_code="C62",
        net_minor=net_minor,
        unit_price_minor=Decimal(net_minor) / 5,
        item_name=name,
        item_description=None,
        seller_item_id=None,
        standard_item_id=None,
        classifications=(),
        vat=S25,
    )


def document_with_lines(*nets: int):
    """A document whose S 25 % lines have these net amounts and whose totals follow the rules."""
    lines = tuple(item_line(str(index), net) for index, net in enumerate(nets, start=1))
    taxable = sum(nets)
    tax = int((Decimal(taxable) / 4).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    totals = Totals(
        line_total_minor=taxable,
        allowance_total_minor=None,
        charge_total_minor=None,
        tax_exclusive_minor=taxable,
        vat_total_minor=tax,
        tax_inclusive_minor=taxable + tax,
        prepaid_minor=None,
        rounding_minor=None,
        payable_minor=taxable + tax,
    )
    return replace(
        JANUARY,
        lines=lines,
        allowances_charges=(),
        vat_subtotals=(VatSubtotal(S25, taxable, tax),),
        totals=totals,
    )


def test_lines_sum_to_invoice_total():
    plan = plan_of(NORRSKEN_JANUARY)

    gross = sum(line.net_amount_minor + line.vat_amount_minor for line in plan.lines)
    assert plan.total_minor == gross + plan.rounding_minor == 71900
    assert plan.net_total_minor == sum(line.net_amount_minor for line in plan.lines) == 57530
    assert plan.vat_total_minor == sum(line.vat_amount_minor for line in plan.lines) == 14383
    assert plan.rounding_minor == -13


def test_vat_difference_goes_to_largest_line():
    # Each 4.95 line has 1.2375 VAT, rounded to 1.24, but the breakdown gives 3.71 for 14.85.
    plan = plan_invoice(document_with_lines(495, 495, 29900, 495))

    assert [line.vat_amount_minor for line in plan.lines] == [124, 124, 7474, 124]
    assert plan.vat_total_minor == 7846 == plan.total_minor - plan.net_total_minor


def test_vat_without_difference_is_rounded_per_line():
    plan = plan_invoice(document_with_lines(5880, 5850))

    assert [line.vat_amount_minor for line in plan.lines] == [1470, 1463]


def test_vat_largest_line_by_absolute_amount():
    plan = plan_invoice(document_with_lines(495, 495, -29900, 495, 29910))

    # The net 14.95 gives 3.74 VAT; the lines round to 1.24 * 3 - 74.75 + 74.78 = 3.75, so the
    # 299.10 line, the largest by absolute amount, gives up 0.01.
    assert [line.vat_amount_minor for line in plan.lines] == [124, 124, -7475, 124, 7477]
    assert plan.vat_total_minor == 374


def test_line_allowance_becomes_discount_line():
    lines = plan_of(NORRSKEN_JANUARY).lines

    charger, campaign = lines[3], lines[4]
    assert (charger.category, charger.product_code, charger.net_amount_minor) == (
        "one_off",
        "7350000000019",
        19900,
    )
    assert (campaign.category, campaign.net_amount_minor, campaign.vat_amount_minor) == (
        "discount",
        -4900,
        -1225,
    )
    assert campaign.product_code == "7350000000019:allowance:kampanj"
    assert campaign.description == "Laddare USB-C: Kampanj"


def test_document_allowance_and_charge_lines():
    lines = plan_of(NORRSKEN_JANUARY).lines

    assert [(line.category, line.product_code, line.net_amount_minor) for line in lines[5:]] == [
        ("fee", "charge:pappersfakturaavgift", 2900),
        ("discount", "allowance:trogen-kund-rabatt", -2000),
    ]


def test_charge_reason_maps_to_interest():
    lines = plan_of(ALVSOL_JANUARY).lines

    assert (lines[-1].category, lines[-1].net_amount_minor, lines[-1].vat_rate_basis_points) == (
        "interest",
        1240,
        0,
    )


def test_lines_keep_quantity_unit_price_and_period():
    first, calls = plan_of(NORRSKEN_JANUARY).lines[:2]

    assert (first.category, first.unit, first.quantity, first.unit_price_minor) == (
        "subscription",
        "mån",
        Decimal(1),
        Decimal(29900),
    )
    assert (first.period_start, first.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert (calls.category, calls.unit, calls.quantity, calls.unit_price_minor) == (
        "usage",
        "min",
        Decimal(120),
        Decimal(49),
    )


def test_ubl_credit_note_is_negated():
    plan = plan_of(NORRSKEN_CREDIT_FEBRUARY)

    assert plan.kind == "credit_note"
    assert plan.total_minor == -6000
    assert [(line.category, line.quantity, line.net_amount_minor) for line in plan.lines] == [
        ("fee", Decimal(-1), -6000)
    ]
    assert plan.credited_invoice_number == "NM-2026-0002"
    assert plan.status == "paid"
    assert plan.due_date == dt.date(2026, 2, 12)


def test_cii_credit_note_is_negated():
    plan = plan_of(ALVSOL_CREDIT)

    assert (plan.kind, plan.total_minor, plan.net_total_minor, plan.vat_total_minor) == (
        "credit_note",
        -6125,
        -4900,
        -1225,
    )
    assert plan.credited_invoice_number == "AE-260112"


def test_negative_invoice_with_reference_is_credit_note():
    negative = replace(
        JANUARY,
        lines=tuple(
            replace(line, net_minor=-line.net_minor, quantity=-line.quantity) for line in JANUARY.lines
        ),
        allowances_charges=tuple(
            replace(item, amount_minor=-item.amount_minor) for item in JANUARY.allowances_charges
        ),
        vat_subtotals=tuple(
            replace(subtotal, taxable_minor=-subtotal.taxable_minor, tax_minor=-subtotal.tax_minor)
            for subtotal in JANUARY.vat_subtotals
        ),
        totals=Totals(-56630, -2000, -2900, -57530, -14383, -71913, None, 13, -71900),
        preceding_invoice_numbers=("NM-2026-0000",),
    )

    plan = plan_invoice(negative)

    assert (plan.kind, plan.total_minor, plan.credited_invoice_number) == (
        "credit_note",
        -71900,
        "NM-2026-0000",
    )


def test_negative_invoice_without_reference_stays_invoice():
    plan = plan_invoice(document_with_lines(-10000))

    assert plan.kind == "invoice"
    assert [line.category for line in plan.lines] == ["credit"]


def test_prepaid_amount_and_status():
    plan = plan_of(ALVSOL_JANUARY)

    assert (plan.total_minor, plan.prepaid_minor, plan.amount_due_minor) == (141700, 50000, 91700)
    assert plan.status == "open"


def test_fully_prepaid_invoice_is_paid():
    document = document_with_lines(10000)
    document = replace(document, totals=replace(document.totals, prepaid_minor=12500, payable_minor=0))

    plan = plan_invoice(document)

    assert (plan.status, plan.prepaid_minor, plan.amount_due_minor) == ("paid", 12500, 0)


@pytest.mark.parametrize(
    ("means", "expected"),
    [
        pytest.param(
            (PaymentMeans("30", "43105527", "SE:BANKGIRO"),),
            ("bankgiro", "4310-5527", None, None),
            id="bankgiro",
        ),
        pytest.param(
            (PaymentMeans("30", "902003-3", "SE:PLUSGIRO"),),
            ("plusgiro", None, "902003-3", None),
            id="plusgiro",
        ),
        pytest.param(
            (PaymentMeans("58", "SE45 5000 0000 0583 9825 7466", "ESSESESS"),),
            ("iban", None, None, "SE4550000000058398257466"),
            id="iban",
        ),
        pytest.param(
            (PaymentMeans("49"), PaymentMeans("30", "43105527", "SE:BANKGIRO")),
            ("autogiro", "4310-5527", None, None),
            id="direct-debit-wins",
        ),
        pytest.param((PaymentMeans("59"),), ("autogiro", None, None, None), id="sepa-direct-debit"),
        pytest.param(
            (PaymentMeans("30", "33331234567", "BANKSBIC"),),
            ("bank_account", None, None, None),
            id="domestic-account",
        ),
        pytest.param((PaymentMeans("48"),), ("card", None, None, None), id="card"),
        pytest.param((PaymentMeans("1"),), ("other", None, None, None), id="not-defined"),
        pytest.param((), ("none", None, None, None), id="no-means"),
    ],
)
def test_payment_method(means, expected):
    plan = plan_invoice(replace(JANUARY, payment_means=means))

    assert (plan.payment_method_kind, plan.bankgiro, plan.plusgiro, plan.payee_iban) == expected


def test_invalid_bankgiro_is_not_stored():
    plan = plan_invoice(replace(JANUARY, payment_means=(PaymentMeans("30", "44445555", "SE:BANKGIRO"),)))

    assert (plan.payment_method_kind, plan.bankgiro) == ("bankgiro", None)
    assert any(
        warning.startswith("bankgiro 44445555 was not stored on the biller") for warning in plan.warnings
    )


@pytest.mark.parametrize(
    ("reference", "stored", "warned"),
    [
        pytest.param("202601004213", "202601004213", False, id="valid-ocr"),
        pytest.param("2026 0100 4213", "202601004213", False, id="grouped-ocr"),
        pytest.param("202601004214", "202601004214", True, id="wrong-check-digit"),
        pytest.param("F/N ABCDEFG", "F/N ABCDEFG", False, id="free-text"),
        pytest.param("1" * 26, None, False, id="too-long"),
        pytest.param(None, None, False, id="none"),
    ],
)
def test_ocr_reference(reference, stored, warned):
    plan = plan_invoice(replace(JANUARY, payment_reference=reference))

    assert plan.ocr_reference == stored
    assert any("fails its Luhn (mod 10) check digit" in warning for warning in plan.warnings) == warned


def test_missing_due_date_uses_issue_date_with_warning():
    plan = plan_invoice(replace(JANUARY, due_date=None))

    assert plan.due_date == JANUARY.issue_date
    assert "the document has no due date (BT-9), so the issue date 2026-01-05 is used" in plan.warnings


def test_long_invoice_number_is_refused():
    with pytest.raises(InvalidDocumentError) as raised:
        plan_invoice(replace(JANUARY, number="N" * 41))

    assert "longer than 40 characters" in raised.value.message


def test_period_ending_before_start_is_refused():
    with pytest.raises(InvalidDocumentError) as raised:
        plan_invoice(replace(JANUARY, period_start=dt.date(2026, 2, 1)))

    assert (
        "BR-29: the invoicing period ends on 2026-01-31, before its start 2026-02-01" in raised.value.message
    )


def test_hash_ignores_formatting():
    text = NORRSKEN_FEBRUARY.read_text(encoding="utf-8")
    reformatted = text.replace("\n  ", "\n    ").replace("<!-- Fictional", "<!-- Reformatted, fictional")

    assert document_hash(parse_document(reformatted.encode())) == document_hash(parse_document(text.encode()))
    assert document_hash(parse_document(text.replace("299.00", "299.01").encode())) != document_hash(
        parse_document(text.encode())
    )


def test_amount_beyond_store_range_is_refused():
    # The amount columns are 64-bit; 10**19 minor units do not fit.
    with pytest.raises(InvalidDocumentError) as raised:
        plan_invoice(document_with_lines(10**19))

    assert "is larger than the store keeps (9223372036854775807 minor units)" in raised.value.message


def test_thirty_million_kronor_fits():
    # 30 000 000.00 SEK needs more than 32 bits.
    planned = plan_invoice(document_with_lines(3_000_000_000))

    assert planned is not None


def test_quantity_beyond_store_range_is_refused():
    document = document_with_lines(10000)
    document = replace(document, lines=(replace(document.lines[0], quantity=Decimal("1e15")),))

    with pytest.raises(InvalidDocumentError) as raised:
        plan_invoice(document)

    assert "the quantity 1000000000000000.000 of 'Tjänst' is too large to store" in raised.value.message
