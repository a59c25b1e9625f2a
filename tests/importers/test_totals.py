from dataclasses import replace

import pytest

from invoice_mcp.importers.errors import InvalidDocumentError, TotalsRuleError
from invoice_mcp.importers.model import VatCategory, VatSubtotal
from invoice_mcp.importers.parse import parse_document
from invoice_mcp.importers.totals import check_totals, vat_for
from tests.importers.conftest import ALVSOL_JANUARY, NORRSKEN_FEBRUARY, NORRSKEN_JANUARY

JANUARY = parse_document(NORRSKEN_JANUARY.read_bytes())
S25 = VatCategory("S", 2500)


def with_totals(document, **changes):
    return replace(document, totals=replace(document.totals, **changes))


def with_subtotal(document, **changes):
    return replace(document, vat_subtotals=(replace(document.vat_subtotals[0], **changes),))


@pytest.mark.parametrize(
    "path", [NORRSKEN_JANUARY, NORRSKEN_FEBRUARY, ALVSOL_JANUARY], ids=lambda path: path.name
)
def test_fixtures_pass_all_rules(path):
    assert check_totals(parse_document(path.read_bytes())) == []


@pytest.mark.parametrize(
    ("document", "rule", "stated", "expected", "message"),
    [
        pytest.param(
            with_totals(JANUARY, line_total_minor=56631),
            "BR-CO-10",
            56631,
            56630,
            "BR-CO-10: the sum of line net amounts (BT-106) is 566.31 SEK, but the sum of the 4 line net "
            "amounts (BT-131) = 566.30 SEK; the difference is 0.01 SEK",
            id="line-total",
        ),
        pytest.param(
            with_totals(JANUARY, allowance_total_minor=2100),
            "BR-CO-11",
            2100,
            2000,
            "BR-CO-11: the sum of allowances (BT-107) is 21.00 SEK",
            id="allowance-total",
        ),
        pytest.param(
            with_totals(JANUARY, charge_total_minor=None),
            "BR-CO-12",
            0,
            2900,
            "BR-CO-12: the sum of charges (BT-108) is missing, but the document has 1 document level charges",
            id="charge-total-missing",
        ),
        pytest.param(
            with_totals(JANUARY, tax_exclusive_minor=56630),
            "BR-CO-13",
            56630,
            57530,
            "BR-CO-13: the total without VAT (BT-109) is 566.30 SEK, but line total 566.30 SEK - allowances "
            "20.00 SEK + charges 29.00 SEK = 575.30 SEK; the difference is -9.00 SEK",
            id="net-total",
        ),
        pytest.param(
            with_totals(JANUARY, vat_total_minor=14384),
            "BR-CO-14",
            14384,
            14383,
            "BR-CO-14: the VAT total (BT-110) is 143.84 SEK",
            id="vat-total",
        ),
        pytest.param(
            with_totals(JANUARY, tax_inclusive_minor=71914),
            "BR-CO-15",
            71914,
            71913,
            "BR-CO-15: the total with VAT (BT-112) is 719.14 SEK, but total without VAT 575.30 SEK + VAT "
            "143.83 SEK = 719.13 SEK; the difference is 0.01 SEK",
            id="total-with-vat",
        ),
        pytest.param(
            with_totals(JANUARY, payable_minor=71913),
            "BR-CO-16",
            71913,
            71900,
            "BR-CO-16: the amount due (BT-115) is 719.13 SEK, but total with VAT 719.13 SEK - paid 0.00 SEK "
            "+ rounding -0.13 SEK = 719.00 SEK; the difference is 0.13 SEK",
            id="amount-due",
        ),
        pytest.param(
            with_totals(
                with_subtotal(JANUARY, tax_minor=14483),
                vat_total_minor=14483,
                tax_inclusive_minor=72013,
                payable_minor=72000,
            ),
            "BR-CO-17",
            14483,
            14383,
            "BR-CO-17: the VAT amount (BT-117) of VAT category S 25 % is 144.83 SEK, but taxable amount "
            "575.30 SEK × S 25 %, rounded half up, = 143.83 SEK; the difference is 1.00 SEK",
            id="vat-subtotal-amount",
        ),
        pytest.param(
            with_subtotal(JANUARY, taxable_minor=57630),
            "BR-S-08",
            57630,
            57530,
            "BR-S-08: the taxable amount (BT-116) of VAT category S 25 % is 576.30 SEK",
            id="vat-subtotal-taxable",
        ),
    ],
)
def test_broken_rule_is_refused_with_amounts(document, rule, stated, expected, message):
    with pytest.raises(TotalsRuleError) as raised:
        check_totals(document)

    error = raised.value
    assert error.rule == rule
    assert (error.stated_minor, error.expected_minor, error.difference_minor) == (
        stated,
        expected,
        stated - expected,
    )
    assert message in error.message
    assert error.to_dict()["code"] == "totals_rule_broken"


def test_vat_subtotal_difference_under_one_unit_warns():
    document = with_totals(
        with_subtotal(JANUARY, tax_minor=14384),
        vat_total_minor=14384,
        tax_inclusive_minor=71914,
        rounding_minor=-14,
    )

    warnings = check_totals(document)

    assert len(warnings) == 1
    assert warnings[0].startswith("BR-CO-17: the VAT amount (BT-117) of VAT category S 25 % is 143.84 SEK")
    assert "the difference of 0.01 SEK is under the one-unit tolerance" in warnings[0]


def test_taxable_difference_under_one_unit_warns():
    document = with_subtotal(JANUARY, taxable_minor=57531)

    warnings = check_totals(document)

    assert [warning.split(":")[0] for warning in warnings] == ["BR-S-08"]


def test_missing_breakdown_category_is_named():
    document = replace(
        JANUARY,
        lines=(replace(JANUARY.lines[0], vat=VatCategory("Z", 0)), *JANUARY.lines[1:]),
        vat_subtotals=(
            VatSubtotal(S25, taxable_minor=57530 - 29900, tax_minor=vat_for(57530 - 29900, 2500)),
        ),
    )
    document = with_totals(document, vat_total_minor=document.vat_subtotals[0].tax_minor)
    document = with_totals(
        document,
        tax_inclusive_minor=57530 + document.totals.vat_total_minor,
        payable_minor=57530 + document.totals.vat_total_minor - 13,
    )

    with pytest.raises(InvalidDocumentError) as raised:
        check_totals(document)

    assert "BR-CO-18: lines, allowances or charges use VAT category Z 0 %" in raised.value.message


def test_no_breakdown_is_refused():
    with pytest.raises(InvalidDocumentError) as raised:
        check_totals(replace(JANUARY, vat_subtotals=()))

    assert "BR-CO-18" in raised.value.message


def test_duplicate_breakdown_category_is_refused():
    split = (
        VatSubtotal(S25, taxable_minor=30000, tax_minor=7500),
        VatSubtotal(S25, taxable_minor=27530, tax_minor=6883),
    )

    with pytest.raises(InvalidDocumentError) as raised:
        check_totals(replace(JANUARY, vat_subtotals=split))

    assert "the VAT breakdown lists category S 25 % twice" in raised.value.message


@pytest.mark.parametrize(
    ("taxable", "rate", "expected"),
    [
        pytest.param(57530, 2500, 14383, id="half-up"),
        pytest.param(-1062, 2500, -266, id="negative-half-away-from-zero"),
        pytest.param(1061, 2500, 265, id="below-half"),
        pytest.param(1063, 2500, 266, id="above-half"),
        pytest.param(100, 0, 0, id="zero-rate"),
        pytest.param(1, 1250, 0, id="tiny"),
    ],
)
def test_vat_for_rounds_half_away_from_zero(taxable, rate, expected):
    assert vat_for(taxable, rate) == expected
