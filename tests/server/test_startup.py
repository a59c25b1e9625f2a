"""Starting the server before its store is open: what it imports, and how requests wait."""

import subprocess
import sys

import anyio
import pytest
from mcp import Client

from invoice_mcp.server.app import PendingStore, build_server
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio

# Modules that together take a few hundred milliseconds to import, and that initialize and
# tools/list do not need.
STORE_MODULES = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "defusedxml",
    "invoice_mcp.store",
    "invoice_mcp.service.reads",
    "invoice_mcp.service.actions",
    "invoice_mcp.service.tokens",
)

LIST_TOOLS_SCRIPT = """
import sys

import anyio

import invoice_mcp.server.stdio
from invoice_mcp.cli import build_parser
from invoice_mcp.domain.principal import Principal
from invoice_mcp.policy_file import load_policies
from invoice_mcp.server.app import PendingStore, ServerSettings, build_server

build_parser().parse_args(["serve", "--biller", "nordvag", "--customer", "100234"])
principal = Principal(kind="customer", biller_id="nordvag", customer_number="100234")
settings = ServerSettings(engine=PendingStore(), principal=principal, policies=load_policies(None))
anyio.run(build_server(settings).list_tools)
print("\\n".join(sorted(sys.modules)))
"""


def test_tools_list_loads_no_store_modules():
    completed = subprocess.run(
        [sys.executable, "-c", LIST_TOOLS_SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = completed.stdout.split()

    assert "invoice_mcp.server.app" in loaded
    assert [name for name in loaded if name.startswith(STORE_MODULES)] == []


async def test_tool_call_waits_for_pending_store(demo_engine):
    store = PendingStore()
    results = []

    async with Client(build_server(make_settings(store))) as client:

        async def call() -> None:
            results.append(await client.call_tool("list_invoices", {"limit": 1}))

        with anyio.fail_after(20):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(call)
                await anyio.sleep(0.5)
                waiting = list(results)
                store.set_engine(demo_engine)

    assert waiting == []
    assert not results[0].is_error
    assert len(results[0].structured_content["invoices"]) == 1
