"""A credit note that credits part of an invoice lowers what is left to pay on it, and owes
nothing itself."""

import json
import shutil

import pytest
from mcp import Client

from invoice_mcp.server.app import build_server
from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import upgrade
from invoice_mcp.store.seed import load_fixtures
from tests.conftest import ANNA, DEMO_FIXTURES, make_settings

INVOICE = "NV-2026-0031745"  # Anna's open invoice of 582,00 kr
CREDIT_NOTE = {
    "biller_id": "nordvag",
    "customer_number": "100234",
    "invoice_number": "NV-2026-K0001",
    "kind": "credit_note",
    "credited_invoice_number": INVOICE,
    "issue_date": "2026-11-30",
    "due_date": "2026-11-30",
    "period_start": "2026-12-01",
    "period_end": "2026-12-31",
    "currency": "SEK",
    "net_total_minor": -8000,
    "vat_total_minor": -2000,
    "rounding_minor": 0,
    "total_minor": -10000,
    "status": "open",
    "reminder_count": 0,
    "ocr_reference": None,
    "payment_method_kind": "paper",
    "delivery_note": None,
    "lines": [
        {
            "position": 1,
            "category": "credit",
            "product_code": "NV-GOODWILL",
            "description": "Kredit: ersättning för driftstörning",
            "quantity": "-1",
            "unit": "st",
            "unit_price_minor": "8000",
            "net_amount_minor": -8000,
            "vat_rate_basis_points": 2500,
            "vat_amount_minor": -2000,
            "period_start": None,
            "period_end": None,
            "country_code": None,
        }
    ],
    "payments": [],
}


@pytest.fixture
def credited_engine(tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(DEMO_FIXTURES, fixtures)
    invoices = json.loads((fixtures / "invoices.json").read_text(encoding="utf-8"))
    invoices.append(CREDIT_NOTE)
    (fixtures / "invoices.json").write_text(json.dumps(invoices, ensure_ascii=False), encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'credited.db'}")
    upgrade(engine)
    load_fixtures(engine, fixtures)
    yield engine
    engine.dispose()


async def test_partial_credit_lowers_balance(credited_engine):
    async with Client(build_server(make_settings(credited_engine, ANNA))) as client:
        listing = await client.call_tool("list_invoices", {"limit": 3})
        detail = await client.call_tool("get_invoice", {"invoice_number": INVOICE})
        explanation = await client.call_tool("explain_amount", {"invoice_number": INVOICE})
        quote = await client.call_tool("grant_deferral", {"invoice_number": INVOICE, "days": 14})
        method = await client.call_tool("change_payment_method", {"method": "kivra"})
        overdue = await client.call_tool("list_invoices", {"status": "overdue"})

    summary = next(i for i in listing.structured_content["invoices"] if i["invoice_number"] == INVOICE)
    assert summary["balance"]["amount_minor"] == 48200
    assert summary["status"] == "partly_credited"
    assert summary["status_label"] == "delvis krediterad"
    # The credit note's amount comes off the invoice; it owes nothing itself and is never overdue.
    note = next(i for i in listing.structured_content["invoices"] if i["invoice_number"] == "NV-2026-K0001")
    assert note["balance"]["amount_minor"] == 0
    assert note["status"] == "open"
    assert note["status_label"] == "ej avräknad"
    assert "NV-2026-K0001" not in [i["invoice_number"] for i in overdue.structured_content["invoices"]]
    invoice = detail.structured_content
    assert invoice["credited_by"] == ["NV-2026-K0001"]
    assert invoice["credited"]["formatted"] == "100,00 kr"
    assert invoice["balance"]["amount_minor"] == 48200
    assert "482,00 kr" in invoice["payment_instructions"]["text"]
    assert explanation.structured_content["payment_status"]["balance"]["amount_minor"] == 48200
    assert explanation.structured_content["payment_status"]["credited"]["amount_minor"] == 10000
    assert explanation.structured_content["summary"].endswith(
        "En kreditnota har dragit av 100,00 kr, så kvar att betala är 482,00 kr."
    )
    assert quote.structured_content["balance"]["amount_minor"] == 48200
    # The billing cycle comes from invoices; the credit note of 2026-11-30 does not move it.
    assert method.structured_content["applies_from_issue_date"] == "2026-12-25"


async def test_unpaid_filter_lists_every_invoice_with_a_balance(credited_engine):
    async with Client(build_server(make_settings(credited_engine, ANNA))) as client:
        unpaid = await client.call_tool("list_invoices", {"status": "unpaid"})
        everything = await client.call_tool("list_invoices", {"limit": 50})

    listed = {i["invoice_number"] for i in unpaid.structured_content["invoices"]}
    with_balance = {
        i["invoice_number"]
        for i in everything.structured_content["invoices"]
        if i["balance"]["amount_minor"] > 0
    }
    assert listed == with_balance
    assert INVOICE in listed
