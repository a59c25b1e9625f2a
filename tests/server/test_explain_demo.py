"""explain_amount over every demo invoice, every baseline and both languages."""

import json

import pytest
from mcp import Client

from invoice_mcp.domain.principal import Principal
from invoice_mcp.server.app import build_server
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio

DEMO_CUSTOMERS = [
    ("nordvag", "100234"),
    ("nordvag", "100871"),
    ("alvkraft", "5001234"),
    ("alvkraft", "7700421"),
    ("lyra", "L-300045"),
    ("lyra", "L-300112"),
]


@pytest.mark.parametrize(("biller", "customer"), DEMO_CUSTOMERS, ids=[c for _, c in DEMO_CUSTOMERS])
async def test_every_demo_invoice_is_explained_exactly(demo_engine, biller, customer):
    principal = Principal(kind="customer", biller_id=biller, customer_number=customer)
    async with Client(build_server(make_settings(demo_engine, principal=principal))) as client:
        listing = await client.call_tool("list_invoices", {"limit": 50})
        numbers = [invoice["invoice_number"] for invoice in listing.structured_content["invoices"]]
        results = [
            await client.call_tool("explain_amount", {"invoice_number": n, "baseline": b, "locale": lang})
            for n in numbers
            for b in ("previous", "same_period_last_year", "typical")
            for lang in ("sv", "en")
        ]

    assert len(numbers) >= 13
    for result in results:
        assert not result.is_error, result.content
        explanation = result.structured_content
        assert explanation["summary"]
        assert "{" not in explanation["summary"]
        if explanation.get("difference"):
            total = sum(cause["amount_minor"] for cause in explanation["causes"])
            assert total == explanation["difference"]["amount_minor"], explanation["invoice_number"]
        else:
            assert explanation["no_baseline_reason"] in (
                "no_earlier_invoice",
                "no_invoice_same_period_last_year",
                "credit_note",
            )


async def test_plan_change_shows_its_parts(demo_engine):
    liam = Principal(kind="customer", biller_id="nordvag", customer_number="100871")
    async with Client(build_server(make_settings(demo_engine, principal=liam))) as client:
        result = await client.call_tool("explain_amount", {"invoice_number": "NV-2026-0027171"})

    causes = {cause["kind"]: cause for cause in result.structured_content["causes"]}
    plan = causes["plan_change"]
    part_kinds = sorted(part["kind"] for part in plan["parts"])
    assert part_kinds == ["credit_added", "part_period_added", "subscription_added", "subscription_removed"]
    assert sum(part["amount_minor"] for part in plan["parts"]) == plan["amount_minor"]
    assert result.structured_content["locale"] == "en"


async def test_energy_price_and_volume_are_split(demo_engine):
    maria = Principal(kind="customer", biller_id="alvkraft", customer_number="5001234")
    async with Client(build_server(make_settings(demo_engine, principal=maria))) as client:
        listing = await client.call_tool("list_invoices", {"limit": 50})
        numbers = [invoice["invoice_number"] for invoice in listing.structured_content["invoices"]]
        kinds = set()
        for number in numbers:
            result = await client.call_tool("explain_amount", {"invoice_number": number})
            kinds |= {cause["kind"] for cause in result.structured_content["causes"]}

    assert {"price_change", "usage_change"} <= kinds


async def test_folded_price_change_is_spelt_out(demo_engine):
    maria = Principal(kind="customer", biller_id="alvkraft", customer_number="5001234")
    arguments = {"invoice_number": "AK-2026-0301634", "baseline": "same_period_last_year"}
    async with Client(build_server(make_settings(demo_engine, principal=maria))) as client:
        result = await client.call_tool("explain_amount", arguments)

    other = next(c for c in result.structured_content["causes"] if c["kind"] == "other_changes")
    assert "från 39,00 kr/mån till 45,00 kr/mån" in other["text"]


async def test_credit_note_names_credited_invoice(demo_engine):
    johan = Principal(kind="customer", biller_id="lyra", customer_number="L-300045")
    async with Client(build_server(make_settings(demo_engine, principal=johan))) as client:
        result = await client.call_tool("explain_amount", {"invoice_number": "LF-2026-0093111"})

    assert result.structured_content["no_baseline_reason"] == "credit_note"
    assert "LF-2026-0092545" in result.structured_content["summary"]


async def test_explanation_stays_compact(demo_engine):
    async with Client(build_server(make_settings(demo_engine))) as client:
        listing = await client.call_tool("list_invoices", {"limit": 1})
        number = listing.structured_content["invoices"][0]["invoice_number"]
        result = await client.call_tool("explain_amount", {"invoice_number": number})

    assert len(result.content[0].text.encode()) <= 2500
    assert json.loads(result.content[0].text) == result.structured_content
