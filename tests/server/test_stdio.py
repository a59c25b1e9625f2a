"""The real thing: `python -m invoice_mcp serve` as a subprocess, driven by the SDK client over stdio."""

import json
import subprocess
import sys

import pytest
from mcp import Client, StdioServerParameters

from invoice_mcp.cli import main as cli_main
from tests.conftest import DEMO_FIXTURES, serve_until_exit

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
def demo_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert cli_main(["db", "upgrade", "--database-url", url]) == 0
    assert cli_main(["seed", str(DEMO_FIXTURES), "--database-url", url]) == 0
    return url


def server_params(url, *extra):
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "invoice_mcp", "serve", "--database-url", url, "--today", "2026-12-04", *extra],
    )


async def test_stdio_explain_and_defer(demo_database):
    async with Client(server_params(demo_database, "--biller", "nordvag", "--customer", "100234")) as client:
        tools = await client.list_tools()
        listing = await client.call_tool("list_invoices", {"limit": 1})
        number = listing.structured_content["invoices"][0]["invoice_number"]
        explanation = await client.call_tool("explain_amount", {"invoice_number": number})
        quote = await client.call_tool("grant_deferral", {"invoice_number": number, "days": 14})
        granted = await client.call_tool(
            "grant_deferral",
            {
                "invoice_number": number,
                "days": 14,
                "confirmation_token": quote.structured_content["confirmation_token"],
            },
        )

    assert {t.name for t in tools.tools} == {
        "list_invoices",
        "get_invoice",
        "explain_amount",
        "grant_deferral",
        "change_payment_method",
    }
    causes = explanation.structured_content["causes"]
    assert (
        sum(c["amount_minor"] for c in causes) == explanation.structured_content["difference"]["amount_minor"]
    )
    assert granted.structured_content["status"] == "granted"


async def test_stdio_principal_from_environment(demo_database):
    params = server_params(demo_database)
    params.env = {
        "INVOICE_MCP_BILLER": "alvkraft",
        "INVOICE_MCP_CUSTOMER": "5001234",
        "PATH": "/usr/bin:/bin",
    }
    async with Client(params) as client:
        listing = await client.call_tool("list_invoices", {"limit": 1})

    assert listing.structured_content["customer"]["customer_number"] == "5001234"


def test_serve_without_customer_fails_clearly(demo_database, capsys):
    status = cli_main(["serve", "--database-url", demo_database, "--biller", "nordvag"])

    assert status == 2
    assert "--customer" in capsys.readouterr().err


def test_serve_on_empty_database_asks_for_upgrade(tmp_path):
    (tmp_path / "empty.db").touch()

    status, error = serve_until_exit(
        "--database-url", f"sqlite:///{tmp_path / 'empty.db'}", "--biller", "b", "--customer", "c"
    )

    assert status == 2
    assert "invoice-mcp db upgrade" in error


def test_unknown_customer_ends_server_unanswered(demo_database):
    # The client's messages are all sent before the server checks the customer, so the
    # tools/call waits for that check. It must get no result, only the exit with status 2.
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "list_invoices", "arguments": {}},
        },
    ]
    command = [sys.executable, "-m", "invoice_mcp", "serve", "--database-url", demo_database]
    command += ["--biller", "nordvag", "--customer", "999999"]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        process.stdin.write("".join(json.dumps(message) + "\n" for message in messages))
        process.stdin.flush()
        try:
            status = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        replies = [json.loads(line) for line in process.stdout.read().splitlines()]
        error = process.stderr.read()

    assert status == 2
    assert "customer '999999' not found for biller 'nordvag'" in error
    assert 2 not in [reply.get("id") for reply in replies]
