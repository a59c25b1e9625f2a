"""Instructions hidden in invoice data: returned as data, never acted on.

A corpus of 100 payloads (fixtures/injection/payloads.json) is written into a copy of the
demo data: line descriptions, the customer's name and delivery notes. Every read tool is
then called over it. The payloads go in with SQL, past the seed loader's length limits
(description 300, name 200, delivery note 500 characters), because data can also come from
importers or other writers of the store.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from sqlalchemy import text

from invoice_mcp.server.app import build_server
from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import upgrade
from invoice_mcp.store.seed import load_fixtures
from tests.conftest import DEMO_FIXTURES, REPO_ROOT, make_settings
from tests.hostile.conftest import result_json, strings_in, table_digests

PAYLOADS_FILE = REPO_ROOT / "fixtures" / "injection" / "payloads.json"
PAYLOADS_PER_ROUND = 10
ANNA_NUMBER = "100234"
# Character categories that carry no visible text: controls, format characters (zero-width,
# bidirectional overrides, tags) and line or paragraph separators.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
# The store's column limits, which returned invoice text should not exceed either.
FIELD_LIMITS = {"customer.name": 200, "lines[].description": 300}
OTHER_STRING_LIMIT = 1_000
# How much of one payload a server-written sentence (summary, cause text) may repeat.
NARRATIVE_QUOTE_LIMIT = 80


def load_payloads(path: Path = PAYLOADS_FILE) -> list[str]:
    entries = json.loads(path.read_text(encoding="utf-8"))["payloads"]
    return [entry["text"] * entry.get("repeat", 1) for entry in entries]


def place_payloads(engine, payloads: list[str]) -> None:
    """Write `payloads` into Anna's name, her invoices' delivery notes and their line descriptions."""
    with engine.begin() as connection:
        customer_id = connection.execute(
            text("SELECT id FROM customer WHERE biller_id = 'nordvag' AND customer_number = :number"),
            {"number": ANNA_NUMBER},
        ).scalar_one()
        connection.execute(
            text("UPDATE customer SET name = :name WHERE id = :id"), {"name": payloads[0], "id": customer_id}
        )
        invoice_ids = (
            connection.execute(
                text("SELECT id FROM invoice WHERE customer_id = :id ORDER BY id"), {"id": customer_id}
            )
            .scalars()
            .all()
        )
        for index, invoice_id in enumerate(invoice_ids):
            connection.execute(
                text("UPDATE invoice SET delivery_note = :note WHERE id = :id"),
                {"note": payloads[index % len(payloads)], "id": invoice_id},
            )
        line_ids = (
            connection.execute(
                text(
                    "SELECT invoiceline.id FROM invoiceline JOIN invoice ON invoice.id = invoiceline.invoice_id "
                    "WHERE invoice.customer_id = :id ORDER BY invoiceline.id"
                ),
                {"id": customer_id},
            )
            .scalars()
            .all()
        )
        for index, line_id in enumerate(line_ids):
            connection.execute(
                text("UPDATE invoiceline SET description = :text WHERE id = :id"),
                {"text": payloads[(index + 1) % len(payloads)], "id": line_id},
            )


async def read_everything(server) -> list[tuple[str, dict[str, Any], Any]]:
    """Call every read tool on every invoice in both languages; return (tool, arguments, result)."""
    calls: list[tuple[str, dict[str, Any], Any]] = []
    async with Client(server) as client:

        async def call(name: str, arguments: dict[str, Any]) -> Any:
            result = await client.call_tool(name, arguments)
            calls.append((name, arguments, result))
            return result

        numbers: list[str] = []
        for locale in ("sv", "en"):
            listing = await call("list_invoices", {"limit": 50, "locale": locale})
            numbers = [invoice["invoice_number"] for invoice in listing.structured_content["invoices"]]
            await call("list_invoices", {"status": "open", "locale": locale})
            for number in numbers:
                await call("get_invoice", {"invoice_number": number, "locale": locale})
                for baseline in ("previous", "same_period_last_year", "typical"):
                    await call(
                        "explain_amount", {"invoice_number": number, "baseline": baseline, "locale": locale}
                    )
    return calls


@pytest.fixture(scope="module")
def injected_session():
    """Run every read tool over each round of placed payloads; return the rounds' records."""
    payloads = load_payloads()
    engine = make_engine("sqlite://")
    upgrade(engine)
    load_fixtures(engine, DEMO_FIXTURES)
    server = build_server(make_settings(engine))
    rounds = []
    for start in range(0, len(payloads), PAYLOADS_PER_ROUND):
        placed = payloads[start : start + PAYLOADS_PER_ROUND]
        place_payloads(engine, placed)
        before = table_digests(engine)
        calls = anyio.run(read_everything, server)
        after = table_digests(engine)
        rounds.append({"payloads": placed, "before": before, "after": after, "calls": calls})
    yield {"payloads": payloads, "rounds": rounds, "tools": anyio.run(list_tools, server)}
    engine.dispose()


async def list_tools(server) -> dict[str, dict[str, Any]]:
    async with Client(server) as client:
        listing = await client.list_tools()
    return {
        tool.name: tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listing.tools
    }


def returned_strings(session) -> list[tuple[str, str, str]]:
    """Return (tool, path, string) for every string in every result of the session."""
    found = []
    for round_ in session["rounds"]:
        for name, _, result in round_["calls"]:
            for path, value in strings_in(result_json(result)):
                found.append((name, path, value))
    return found


def test_payload_corpus_has_100_entries():
    entries = json.loads(PAYLOADS_FILE.read_text(encoding="utf-8"))["payloads"]

    assert len(entries) == 100
    assert len({entry["id"] for entry in entries}) == 100


def test_read_tools_leave_store_unchanged(injected_session):
    for round_ in injected_session["rounds"]:
        changed = [name for name, digest in round_["after"].items() if round_["before"][name] != digest]
        assert not changed, f"tables changed by read tools: {changed}"


def test_read_tools_succeed_on_injected_data(injected_session):
    for round_ in injected_session["rounds"]:
        for name, arguments, result in round_["calls"]:
            assert not result.is_error, (name, arguments, result.content[0].text[:300])


def squeezed(text: str) -> str:
    """Return `text` without whitespace and invisible characters, which a sanitizer may change."""
    return "".join(
        char for char in text if not char.isspace() and unicodedata.category(char) not in INVISIBLE_CATEGORIES
    )


def test_line_descriptions_returned_as_line_data(injected_session):
    for round_ in injected_session["rounds"]:
        descriptions = [
            squeezed(line["description"])
            for name, _, result in round_["calls"]
            if name == "get_invoice"
            for line in result.structured_content["lines"]
        ]
        # Each payload of the round is in some line: compare what a sanitizer would keep.
        for payload in round_["payloads"]:
            start = squeezed(payload)[:50]
            assert any(description.startswith(start) for description in descriptions), payload[:60]


def test_delivery_note_not_returned(injected_session):
    notes = {payload for round_ in injected_session["rounds"] for payload in round_["payloads"]}
    strings = {value for _, path, value in returned_strings(injected_session) if "delivery" in path}

    assert not strings & notes


def test_returned_text_has_no_invisible_characters(injected_session):
    found = {
        (tool, path)
        for tool, path, value in returned_strings(injected_session)
        if any(unicodedata.category(char) in INVISIBLE_CATEGORIES for char in value)
    }

    assert not found, sorted(found)[:10]


def test_returned_text_is_length_capped(injected_session):
    too_long = set()
    for tool, path, value in returned_strings(injected_session):
        limit = next(
            (cap for suffix, cap in FIELD_LIMITS.items() if path.endswith(suffix)), OTHER_STRING_LIMIT
        )
        if len(value) > limit:
            too_long.add((tool, path, len(value)))

    assert not too_long, sorted(too_long)[:10]


def test_narrative_quotes_little_of_payload(injected_session):
    repeated = set()
    for round_ in injected_session["rounds"]:
        long_payloads = [payload for payload in round_["payloads"] if len(payload) > NARRATIVE_QUOTE_LIMIT]
        for name, _, result in round_["calls"]:
            if name != "explain_amount":
                continue
            for path, value in strings_in(result.structured_content):
                if path in ("summary", "causes[].text", "causes[].parts[].text"):
                    repeated.update((path, payload[:40]) for payload in long_payloads if payload in value)

    assert not repeated, sorted(repeated)[:5]


def schema_description(schema: dict[str, Any], path: str) -> str:
    """Return the description of the output-schema property at a dotted path ('[]' steps into arrays)."""
    defs = schema.get("$defs", {})
    node = schema
    for step in path.split("."):
        is_list = step.endswith("[]")
        node = resolve(node, defs)["properties"][step.removesuffix("[]")]
        if is_list:
            node = resolve(node, defs)["items"]
    return node.get("description", "")


def resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return defs[node["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in node:
        return resolve(next(option for option in node["anyOf"] if option.get("type") != "null"), defs)
    return node


INVOICE_TEXT_FIELDS = [
    pytest.param("get_invoice", "lines[].description", id="get_invoice-line-description"),
    pytest.param("get_invoice", "customer.name", id="get_invoice-customer-name"),
    pytest.param("list_invoices", "customer.name", id="list_invoices-customer-name"),
    pytest.param("explain_amount", "summary", id="explain_amount-summary"),
    pytest.param("explain_amount", "causes[].text", id="explain_amount-cause-text"),
]


@pytest.mark.parametrize(("tool", "path"), INVOICE_TEXT_FIELDS)
def test_invoice_text_field_marked_as_data(injected_session, tool, path):
    description = schema_description(injected_session["tools"][tool]["outputSchema"], path)

    assert "not instructions" in description.lower(), description
