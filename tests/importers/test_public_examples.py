"""The public EN 16931 and Peppol example files: what the importer does with each, and that the
MCP tools then answer with the documents' totals.

The examples reuse invoice numbers and organisation numbers across documents of different
sellers, so importing the whole folder into one store skips some files as duplicates of an
earlier one with the same seller identifiers and number. Each file alone imports.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from invoice_mcp.importers.batch import import_file, import_paths
from invoice_mcp.importers.parse import parse_document
from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import upgrade
from tests.importers.conftest import PUBLIC_EXAMPLES

pytestmark = pytest.mark.skipif(not PUBLIC_EXAMPLES.is_dir(), reason=f"{PUBLIC_EXAMPLES} is not present")

EN16931 = "ConnectingEurope_eInvoicing-EN16931"
PEPPOL = "OpenPEPPOL_peppol-bis-invoice-3"


@dataclass(frozen=True)
class Expected:
    """The outcome of a file in the batch import of the whole folder, in file name order."""

    status: str
    kind: str
    biller_id: str
    customer_number: str
    # For a duplicate: the earlier file of the same seller with the same number.
    same_number_as: str | None = None


EXPECTED = {
    f"{EN16931}/BIS_Billing_30-Elhandel.xml": Expected(
        "imported", "invoice", "el-handlar-n-sverige-ab", "9876543210"
    ),
    f"{EN16931}/BIS_Billing_30-Kreditering_med_kreditnota.xml": Expected(
        "imported", "credit_note", "produtionsbolaget-sverige-ab", "9876543210"
    ),
    # Lagerproffset AB has the organisation number 1234567890 of Produtionsbolaget Sverige AB.
    f"{EN16931}/BIS_Billing_30-Rabatter_och_avgifter.xml": Expected(
        "imported", "invoice", "produtionsbolaget-sverige-ab", "9876543210"
    ),
    f"{EN16931}/BIS_Billing_30-Rantefaktura_Enkel.xml": Expected(
        "imported", "invoice", "qvk-montage-ab", "Bevakningsärenden"
    ),
    # Telefonitjänster AB has the organisation number 5566778899 of El-Handlar'n Sverige AB.
    f"{EN16931}/BIS_Billing_30-Telefoni.xml": Expected(
        "imported", "invoice", "el-handlar-n-sverige-ab", "PoPe"
    ),
    f"{EN16931}/CII_example2.xml": Expected("imported", "invoice", "salescompany-ltd", "987654321"),
    f"{EN16931}/CII_example4.xml": Expected("imported", "invoice", "sellercompany", "5790000436057"),
    # Another SellerCompany: Dutch VAT number NL16356706 instead of the Danish DK16356706.
    f"{EN16931}/CII_example5.xml": Expected("imported", "invoice", "sellercompany-2", "qwerty"),
    f"{EN16931}/CreditNote-Max_content.xml": Expected(
        "duplicate",
        "credit_note",
        "produtionsbolaget-sverige-ab",
        "9876543210",
        same_number_as=f"{EN16931}/BIS_Billing_30-Rabatter_och_avgifter.xml",
    ),
    f"{EN16931}/CreditNote-Min_content_with_VAT.xml": Expected(
        "imported", "credit_note", "saljbolaget-ab", "ACE22"
    ),
    f"{EN16931}/Invoice-Max_content.xml": Expected(
        "duplicate",
        "invoice",
        "produtionsbolaget-sverige-ab",
        "9876543210",
        same_number_as=f"{EN16931}/BIS_Billing_30-Rabatter_och_avgifter.xml",
    ),
    f"{EN16931}/Invoice-Min_content_with_VAT.xml": Expected(
        "duplicate",
        "invoice",
        "saljbolaget-ab",
        "ACE22",
        same_number_as=f"{EN16931}/CreditNote-Min_content_with_VAT.xml",
    ),
    f"{EN16931}/sample-discount-price.xml": Expected("imported", "invoice", "hep-split", "08634543"),
    f"{EN16931}/ubl-tc434-creditnote1.xml": Expected(
        "imported", "credit_note", "my-supplier-company", "018304 / 28865"
    ),
    f"{EN16931}/ubl-tc434-example2.xml": Expected(
        "duplicate", "invoice", "salescompany-ltd", "987654321", same_number_as=f"{EN16931}/CII_example2.xml"
    ),
    f"{EN16931}/ubl-tc434-example5.xml": Expected(
        "duplicate", "invoice", "sellercompany-2", "qwerty", same_number_as=f"{EN16931}/CII_example5.xml"
    ),
    f"{PEPPOL}/Allowance-example.xml": Expected("imported", "invoice", "supplierofficialname-ltd", "0150abc"),
    f"{PEPPOL}/Norwegian-example-1.xml": Expected("imported", "invoice", "the-sellercompany-asa", "3150bdn"),
    f"{PEPPOL}/Vat-category-S.xml": Expected(
        "duplicate",
        "invoice",
        "supplierofficialname-ltd",
        "0150abc",
        same_number_as=f"{PEPPOL}/Allowance-example.xml",
    ),
    f"{PEPPOL}/base-creditnote-correction.xml": Expected(
        "duplicate",
        "credit_note",
        "supplierofficialname-ltd",
        "0150abc",
        same_number_as=f"{PEPPOL}/Allowance-example.xml",
    ),
    f"{PEPPOL}/base-example.xml": Expected(
        "duplicate",
        "invoice",
        "supplierofficialname-ltd",
        "0150abc",
        same_number_as=f"{PEPPOL}/Allowance-example.xml",
    ),
    # A negative invoice that corrects Snippet1 is stored as a credit note.
    f"{PEPPOL}/base-negative-inv-correction.xml": Expected(
        "imported", "credit_note", "supplierofficialname-ltd", "0150abc"
    ),
}
EXAMPLE_FILES = sorted(
    path.relative_to(PUBLIC_EXAMPLES).as_posix() for path in PUBLIC_EXAMPLES.rglob("*.xml")
)


def test_table_lists_every_example():
    assert sorted(EXPECTED) == EXAMPLE_FILES


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The whole folder imported into one SQLite file: (database URL, report)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('public') / 'examples.db'}"
    engine = make_engine(url)
    upgrade(engine)
    report = import_paths(engine, [PUBLIC_EXAMPLES], progress=False)
    engine.dispose()
    return url, report


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_batch_outcome(batch, name):
    _, report = batch
    outcome = next(outcome for outcome in report.outcomes if outcome.path == PUBLIC_EXAMPLES / name)
    expected = EXPECTED[name]

    assert outcome.status == expected.status, outcome.describe()
    assert (outcome.kind, outcome.biller_id, outcome.customer_number) == (
        expected.kind,
        expected.biller_id,
        expected.customer_number,
    )
    if expected.same_number_as is not None:
        earlier = parse_document((PUBLIC_EXAMPLES / expected.same_number_as).read_bytes())
        assert outcome.invoice_number == earlier.number
        assert outcome.content_differs is True
        assert "already stored" in outcome.describe()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_example_imports_alone(tmp_path, name):
    engine = make_engine(f"sqlite:///{tmp_path / 'alone.db'}")
    upgrade(engine)

    outcome = import_file(engine, PUBLIC_EXAMPLES / name)
    engine.dispose()

    assert outcome.status == "imported", outcome.describe()


def expected_totals(path: Path) -> dict[str, int]:
    """The document's own totals, signed as the store keeps them."""
    document = parse_document(path.read_bytes())
    totals = document.totals
    sign = -1 if document.kind == "credit_note" else 1
    return {
        "total": sign * (totals.tax_inclusive_minor + (totals.rounding_minor or 0)),
        "net_total": sign * totals.tax_exclusive_minor,
        "vat_total": sign * (totals.vat_total_minor or 0),
        "paid": sign * (totals.prepaid_minor or 0),
        "amount_due": sign * totals.payable_minor,
    }


def server(url: str, biller_id: str, customer_number: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "invoice_mcp",
            "serve",
            "--database-url",
            url,
            "--biller",
            biller_id,
            "--customer",
            customer_number,
            "--today",
            "2026-12-04",
        ],
    )


async def ask_customer(url, biller_id, customer_number, numbers, answers):
    async with Client(server(url, biller_id, customer_number)) as client:
        for number in numbers:
            detail = await client.call_tool("get_invoice", {"invoice_number": number})
            explanation = await client.call_tool("explain_amount", {"invoice_number": number})
            answers[(biller_id, number)] = (detail, explanation)


@pytest.mark.anyio
@pytest.mark.slow
async def test_tools_answer_with_document_totals(batch):
    url, report = batch
    by_customer: dict[tuple[str, str], list[str]] = {}
    for outcome in report.imported:
        by_customer.setdefault((outcome.biller_id, outcome.customer_number), []).append(
            outcome.invoice_number
        )
    answers: dict[tuple[str, str], tuple] = {}

    # A few servers at a time: each is a process that imports the MCP SDK and the store.
    limiter = anyio.CapacityLimiter(4)

    async def ask(key, numbers):
        async with limiter:
            await ask_customer(url, *key, numbers, answers)

    async with anyio.create_task_group() as group:
        for key, numbers in by_customer.items():
            group.start_soon(ask, key, numbers)

    assert len(answers) == len(report.imported) == 14
    for outcome in report.imported:
        detail, explanation = answers[(outcome.biller_id, outcome.invoice_number)]
        expected = expected_totals(outcome.path)
        assert not detail.is_error, detail.content
        assert not explanation.is_error, explanation.content
        content = detail.structured_content
        name = outcome.path.name
        assert content["total"]["amount_minor"] == expected["total"], name
        assert content["net_total"]["amount_minor"] == expected["net_total"], name
        assert content["vat_total"]["amount_minor"] == expected["vat_total"], name
        assert content["currency"] == outcome.currency, name
        assert (
            sum(line["amount"]["amount_minor"] for line in content["lines"])
            + content["rounding"]["amount_minor"]
            == expected["total"]
        ), name
        if outcome.kind == "invoice":
            assert content["paid"]["amount_minor"] == expected["paid"], name
            # A credit note imported from another document takes its amount off the balance.
            credited = content.get("credited", {"amount_minor": 0})["amount_minor"]
            assert content["balance"]["amount_minor"] == expected["amount_due"] - credited, name
        explained = explanation.structured_content
        assert explained["total"]["amount_minor"] == expected["total"], name
        assert sum(part["amount_minor"] for part in explained["composition"]) == expected["total"], name
        if explained.get("difference") is not None:
            assert (
                sum(cause["amount_minor"] for cause in explained["causes"])
                == explained["difference"]["amount_minor"]
            ), name
