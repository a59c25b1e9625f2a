"""Check a parsed document against the EN 16931 calculation rules for its totals.

The document-level rules (BR-CO-10 to BR-CO-16) must hold exactly. For the VAT breakdown
(BR-CO-17 and the taxable amount rules BR-S-08, BR-Z-08, ...) the standard's text requires
exact results. The official validation artefacts of CEN/TC 434 (the schematron
ubl/schematron/UBL/EN16931-UBL-model.sch in the ConnectingEurope/eInvoicing-EN16931
repository) accept a difference of less than one whole currency unit, which lets invoices
whose VAT was computed per line pass. The importer follows the artefacts, so such a
difference is a warning and a larger one a refusal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from invoice_mcp.importers.errors import InvalidDocumentError, TotalsRuleError
from invoice_mcp.importers.model import Document, VatCategory
from invoice_mcp.importers.values import format_minor

# The rule that ties a VAT category's taxable amount to its lines, allowances and charges.
TAXABLE_RULES = {
    "S": "BR-S-08",
    "Z": "BR-Z-08",
    "E": "BR-E-08",
    "AE": "BR-AE-08",
    "K": "BR-IC-08",
    "G": "BR-G-08",
    "O": "BR-O-08",
    "L": "BR-IG-08",
    "M": "BR-IP-08",
}


def vat_for(taxable_minor: int, rate_basis_points: int) -> int:
    """Return taxable × rate rounded half up (away from zero) to a whole minor unit."""
    exact = Decimal(taxable_minor) * rate_basis_points / 10_000
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def check_totals(document: Document) -> list[str]:
    """Check the totals rules and return warnings for differences the rules tolerate.

    Raises:
        TotalsRuleError: a rule is broken; the message names the rule, both amounts and
            the difference.
        InvalidDocumentError: the VAT breakdown is missing or lists a category twice.
    """
    checker = _Checker(document)
    checker.check_document_totals()
    checker.check_vat_breakdown()
    return checker.warnings


class _Checker:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.currency = document.currency
        self.exponent = document.exponent
        self.warnings: list[str] = []

    def money(self, amount_minor: int) -> str:
        return f"{format_minor(amount_minor, self.exponent)} {self.currency}"

    def require(self, rule: str, stated_name: str, stated: int, expected: int, formula: str) -> None:
        if stated == expected:
            return
        raise TotalsRuleError(
            f"{rule}: {stated_name} is {self.money(stated)}, but {formula} = {self.money(expected)}; "
            f"the difference is {self.money(stated - expected)}",
            rule=rule,
            stated_minor=stated,
            expected_minor=expected,
            currency=self.currency,
        )

    def check_document_totals(self) -> None:
        document = self.document
        totals = document.totals
        line_sum = sum(line.net_minor for line in document.lines)
        allowances = [item.amount_minor for item in document.allowances_charges if not item.is_charge]
        charges = [item.amount_minor for item in document.allowances_charges if item.is_charge]

        self.require(
            "BR-CO-10",
            "the sum of line net amounts (BT-106)",
            totals.line_total_minor,
            line_sum,
            f"the sum of the {len(document.lines)} line net amounts (BT-131)",
        )
        self._check_sum(
            "BR-CO-11",
            "the sum of allowances (BT-107)",
            totals.allowance_total_minor,
            allowances,
            "document level allowances (BT-92)",
        )
        self._check_sum(
            "BR-CO-12",
            "the sum of charges (BT-108)",
            totals.charge_total_minor,
            charges,
            "document level charges (BT-99)",
        )
        allowance_total = totals.allowance_total_minor or 0
        charge_total = totals.charge_total_minor or 0
        self.require(
            "BR-CO-13",
            "the total without VAT (BT-109)",
            totals.tax_exclusive_minor,
            totals.line_total_minor - allowance_total + charge_total,
            f"line total {self.money(totals.line_total_minor)} - allowances {self.money(allowance_total)} "
            f"+ charges {self.money(charge_total)}",
        )
        if totals.vat_total_minor is None:
            raise InvalidDocumentError(
                f"the VAT total (BT-110) in the document currency {self.currency} is missing"
            )
        if document.vat_subtotals:
            self.require(
                "BR-CO-14",
                "the VAT total (BT-110)",
                totals.vat_total_minor,
                sum(subtotal.tax_minor for subtotal in document.vat_subtotals),
                f"the sum of the {len(document.vat_subtotals)} VAT breakdown amounts (BT-117)",
            )
        self.require(
            "BR-CO-15",
            "the total with VAT (BT-112)",
            totals.tax_inclusive_minor,
            totals.tax_exclusive_minor + totals.vat_total_minor,
            f"total without VAT {self.money(totals.tax_exclusive_minor)} + VAT {self.money(totals.vat_total_minor)}",
        )
        prepaid = totals.prepaid_minor or 0
        rounding = totals.rounding_minor or 0
        self.require(
            "BR-CO-16",
            "the amount due (BT-115)",
            totals.payable_minor,
            totals.tax_inclusive_minor - prepaid + rounding,
            f"total with VAT {self.money(totals.tax_inclusive_minor)} - paid {self.money(prepaid)} "
            f"+ rounding {self.money(rounding)}",
        )

    def _check_sum(self, rule: str, name: str, stated: int | None, parts: list[int], label: str) -> None:
        if stated is None:
            if parts:
                raise TotalsRuleError(
                    f"{rule}: {name} is missing, but the document has {len(parts)} {label} "
                    f"adding up to {self.money(sum(parts))}",
                    rule=rule,
                    stated_minor=0,
                    expected_minor=sum(parts),
                    currency=self.currency,
                )
            return
        self.require(rule, name, stated, sum(parts), f"the sum of the {len(parts)} {label}")

    def check_vat_breakdown(self) -> None:
        document = self.document
        if not document.vat_subtotals:
            raise InvalidDocumentError("BR-CO-18: the document has no VAT breakdown (BG-23)")
        seen: set[VatCategory] = set()
        for subtotal in document.vat_subtotals:
            if subtotal.vat in seen:
                raise InvalidDocumentError(
                    f"the VAT breakdown lists category {subtotal.vat.describe()} twice; EN 16931 allows one "
                    "breakdown per category and rate"
                )
            seen.add(subtotal.vat)
        expected_taxable = _taxable_by_category(document)
        for subtotal in document.vat_subtotals:
            category = subtotal.vat.describe()
            self._tolerate(
                TAXABLE_RULES.get(subtotal.vat.code, f"BR-{subtotal.vat.code}-08"),
                f"the taxable amount (BT-116) of VAT category {category}",
                subtotal.taxable_minor,
                expected_taxable.get(subtotal.vat, 0),
                f"its lines' net amounts + charges - allowances in category {category}",
            )
            self._tolerate(
                "BR-CO-17",
                f"the VAT amount (BT-117) of VAT category {category}",
                subtotal.tax_minor,
                vat_for(subtotal.taxable_minor, subtotal.vat.rate_basis_points),
                f"taxable amount {self.money(subtotal.taxable_minor)} × {category}, rounded half up,",
            )
        missing = sorted(
            {category.describe() for category in _categories_used(document)}
            - {category.describe() for category in seen}
        )
        if missing:
            raise InvalidDocumentError(
                f"BR-CO-18: lines, allowances or charges use VAT category {', '.join(missing)}, "
                "but the VAT breakdown (BG-23) has no such category"
            )

    def _tolerate(self, rule: str, stated_name: str, stated: int, expected: int, formula: str) -> None:
        """Warn about a difference under one currency unit and raise for a larger one."""
        difference = stated - expected
        if difference == 0:
            return
        if abs(difference) < 10**self.exponent:
            self.warnings.append(
                f"{rule}: {stated_name} is {self.money(stated)}, but {formula} = {self.money(expected)}; "
                f"the difference of {self.money(difference)} is under the one-unit tolerance of the "
                "EN 16931 validation artefacts, so the document was accepted"
            )
            return
        self.require(rule, stated_name, stated, expected, formula)


def _taxable_by_category(document: Document) -> dict[VatCategory, int]:
    taxable: dict[VatCategory, int] = defaultdict(int)
    for line in document.lines:
        taxable[line.vat] += line.net_minor
    for item in document.allowances_charges:
        if item.vat is not None:
            taxable[item.vat] += item.amount_minor if item.is_charge else -item.amount_minor
    return taxable


def _categories_used(document: Document) -> Iterable[VatCategory]:
    yield from (line.vat for line in document.lines)
    yield from (item.vat for item in document.allowances_charges if item.vat is not None)
