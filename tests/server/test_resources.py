"""Resources and prompts, read through the SDK client."""

import json

import pytest
from mcp import Client, MCPError

from tests.server.test_tools import MODES

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", MODES)
async def test_invoice_resource_is_the_invoice_as_json(demo_server, mode):
    async with Client(demo_server, mode=mode) as client:
        templates = await client.list_resource_templates()
        result = await client.read_resource("invoice://NV-2026-0031745")

    assert [t.uri_template for t in templates.resource_templates] == ["invoice://{invoice_number}"]
    invoice = json.loads(result.contents[0].text)
    assert result.contents[0].mime_type == "application/json"
    assert invoice["invoice_number"] == "NV-2026-0031745"
    assert invoice["total"]["formatted"] == "582,00 kr"


async def test_foreign_invoice_resource_is_not_found(demo_server):
    async with Client(demo_server) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource("invoice://AK-2026-0297434")

    assert "not found" in str(caught.value)


@pytest.mark.parametrize("mode", MODES)
async def test_payment_instructions_resource(demo_server, mode):
    async with Client(demo_server, mode=mode) as client:
        resources = await client.list_resources()
        result = await client.read_resource("invoice-mcp://customer/payment-instructions")

    overview = json.loads(result.contents[0].text)
    assert "invoice-mcp://customer/payment-instructions" in [str(r.uri) for r in resources.resources]
    assert overview["current_method"]["kind"] == "paper"
    assert [i["invoice_number"] for i in overview["unpaid_invoices"]] == ["NV-2026-0031745"]
    assert "OCR" in overview["unpaid_invoices"][0]["how_to_pay"]


@pytest.mark.parametrize("mode", MODES)
async def test_explain_prompt_guides_to_tools(demo_server, mode):
    async with Client(demo_server, mode=mode) as client:
        prompts = await client.list_prompts()
        prompt = await client.get_prompt("explain_my_invoice", {"invoice_number": "NV-2026-0031745"})

    assert [p.name for p in prompts.prompts] == ["explain_my_invoice"]
    assert all(p.description for p in prompts.prompts)
    text = prompt.messages[0].content.text
    assert "explain_amount" in text
    assert "NV-2026-0031745" in text
    assert "locale" in text


async def test_every_tool_resource_and_prompt_has_a_description(demo_server):
    async with Client(demo_server) as client:
        tools = (await client.list_tools()).tools
        resources = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
        prompts = (await client.list_prompts()).prompts

    for item in [*tools, *resources, *templates, *prompts]:
        assert item.description, item.name


async def test_invoice_number_completion(demo_server):
    from mcp_types import PromptReference, ResourceTemplateReference

    async with Client(demo_server, mode="legacy") as client:
        template = await client.complete(
            ResourceTemplateReference(type="ref/resource", uri="invoice://{invoice_number}"),
            {"name": "invoice_number", "value": "nv-2026-003"},
        )
        prompt = await client.complete(
            PromptReference(type="ref/prompt", name="explain_my_invoice"),
            {"name": "invoice_number", "value": ""},
        )

    assert template.completion.values == ["NV-2026-0031745", "NV-2026-0030045"]
    assert len(prompt.completion.values) == 13


async def test_invoice_view_is_an_app_resource(demo_server):
    from mcp.server.apps import APP_MIME_TYPE

    from invoice_mcp.server.view import VIEW_URI, invoice_view_html

    async with Client(demo_server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        view = await client.read_resource(VIEW_URI)

    assert view.contents[0].mime_type == APP_MIME_TYPE
    assert view.contents[0].text == invoice_view_html()
    for name in ("explain_amount", "get_invoice"):
        assert tools[name].meta["ui"]["resourceUri"] == VIEW_URI
    assert "ui" not in (tools["grant_deferral"].meta or {})
