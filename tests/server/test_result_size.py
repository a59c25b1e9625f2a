"""Results go into the model's context, so their size is part of the interface.

`tools/bench.py` reports the same sizes; these tests keep them from growing unnoticed.
"""

import json
import sys
from pathlib import Path

from mcp import Client

from invoice_mcp.cli import build_parser
from invoice_mcp.domain.principal import Principal
from invoice_mcp.server.app import build_server
from invoice_mcp.store.engine import make_engine
from tests.conftest import make_settings

TOOLS = Path(__file__).resolve().parents[2] / "tools"
# A 30-line invoice with about ten changes against the previous one explains in about 2.5 KB.
EXPLAIN_30_LINES_MAX_BYTES = 2560
# Name, description and input schema of all tools: what model APIs take as tool definitions.
TOOL_DEFINITIONS_MAX_BYTES = 8192
# The whole tools/list result when the server leaves out the output schemas.
TOOLS_LIST_MAX_BYTES = 8192


def generated_store(path: Path) -> str:
    sys.path.insert(0, str(TOOLS))
    try:
        import generate_large_store
    finally:
        sys.path.remove(str(TOOLS))
    generate_large_store.generate(path, invoices=4, customers=2, lines_per_invoice=30)
    return f"sqlite:///{path}"


def text_bytes(result) -> int:
    return sum(len(block.text.encode()) for block in result.content if block.type == "text")


async def test_explanation_of_30_lines_fits(tmp_path):
    engine = make_engine(generated_store(tmp_path / "lines30.db"))
    # The generator numbers customers from 700000 and makes the even ones telecom customers.
    principal = Principal(kind="customer", biller_id="benchtel", customer_number="700000")
    try:
        async with Client(build_server(make_settings(engine, principal))) as client:
            listing = await client.call_tool("list_invoices", {"limit": 1})
            newest = listing.structured_content["invoices"][0]["invoice_number"]
            explained = await client.call_tool("explain_amount", {"invoice_number": newest})
    finally:
        engine.dispose()

    assert not explained.is_error
    assert len(explained.structured_content["causes"]) >= 5
    assert text_bytes(explained) <= EXPLAIN_30_LINES_MAX_BYTES


async def test_tool_definitions_fit(demo_server):
    tools = await demo_server.list_tools()
    definitions = [
        {"name": tool.name, "description": tool.description, "input_schema": tool.input_schema}
        for tool in tools
    ]

    size = len(json.dumps(definitions, ensure_ascii=False, separators=(",", ":")).encode())
    assert size <= TOOL_DEFINITIONS_MAX_BYTES


async def test_listing_without_output_schemas_fits(demo_engine):
    server = build_server(make_settings(demo_engine), output_schemas=False)

    async with Client(server) as client:
        listing = await client.list_tools()
        explained = await client.call_tool("explain_amount", {"invoice_number": "NV-2026-0031745"})

    assert all(tool.output_schema is None for tool in listing.tools)
    wire = listing.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert len(json.dumps(wire, ensure_ascii=False, separators=(",", ":")).encode()) <= TOOLS_LIST_MAX_BYTES
    # Results keep their structured content; only the listing is shorter.
    assert explained.structured_content["invoice_number"] == "NV-2026-0031745"


def test_serve_option_turns_output_schemas_off():
    parser = build_parser()

    assert parser.parse_args(["serve"]).output_schemas is True
    assert parser.parse_args(["serve", "--no-output-schemas"]).output_schemas is False
