"""Imported e-invoices through the real server: `python -m invoice_mcp serve` driven over stdio."""

import sys

import pytest
from mcp import Client, StdioServerParameters

from invoice_mcp.importers.batch import import_paths
from tests.importers.conftest import EINVOICES

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def server(url: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "invoice_mcp",
            "serve",
            "--database-url",
            url,
            "--biller",
            "norrsken-mobil-ab",
            "--customer",
            "K-10042",
            "--today",
            "2026-02-10",
        ],
    )


async def test_explain_imported_invoice_against_previous(engine, database_url):
    import_paths(engine, [EINVOICES], progress=False)

    async with Client(server(database_url)) as client:
        listing = await client.call_tool("list_invoices", {})
        detail = await client.call_tool("get_invoice", {"invoice_number": "NM-2026-0002"})
        explanation = await client.call_tool("explain_amount", {"invoice_number": "NM-2026-0002"})

    invoices = {row["invoice_number"]: row for row in listing.structured_content["invoices"]}
    assert sorted(invoices) == [
        "NM-2026-0001",
        "NM-2026-0002",
        "NM-2026-0003",
        "NM-2026-0004",
        "NM-2026-0005",
    ]
    assert invoices["NM-2026-0004"]["status"] == "credited"
    instructions = detail.structured_content["payment_instructions"]
    assert (instructions["bankgiro"], instructions["ocr_reference"]) == ("4310-5527", "202602004212")
    assert detail.structured_content["credited_by"] == ["NM-2026-0003"]
    content = explanation.structured_content
    assert content["baseline"]["invoice_number"] == "NM-2026-0001"
    assert content["difference"]["amount_minor"] == 66600 - 71900
    causes = {cause["kind"]: cause["amount_minor"] for cause in content["causes"]}
    assert causes == {
        "one_off_no_longer_charged": -24875,
        # usage_change (134.75) and usage_added (12.38) are folded into one usage cause.
        "usage_changes": 13475 + 1238,
        "discount_ended": 6125,
        "fee_added": 6000,
        # Six categories, five places: the two that weigh least, roaming_ended (-73.13) and
        # rounding (0.50), are merged.
        "other_changes": -7313 + 50,
    }
    assert sum(causes.values()) == content["difference"]["amount_minor"]
