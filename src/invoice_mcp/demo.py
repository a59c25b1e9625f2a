"""`invoice-mcp demo`: a scripted conversation with a real stdio server on fresh demo data.

The demo builds an SQLite database from the packaged demo fixtures, starts
`invoice-mcp serve` as a subprocess, connects the SDK client over stdio and
calls the tools the way an agent would for three questions. No LLM is involved.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

from invoice_mcp.domain.money import format_money

DEMO_BILLER = "nordvag"
DEMO_CUSTOMER = "100234"
# The demo fixtures describe the year up to this date; the server is pinned to it so
# that the conversation reads the same whenever the demo runs.
DEMO_TODAY = "2026-12-04"
# A Handelsbanken account with a valid check digit and the customer's own (fictional)
# personal identity number, as a person would type them.
DEMO_AUTOGIRO = {
    "clearing_number": "6789",
    "account_number": "123 456 789",
    "account_holder_identity_number": "",  # filled from the fixtures
}
WIDTH = 96


def fixtures_dir() -> Path:
    """Return the demo fixture folder: the repository's, or the copy installed with the package."""
    candidates = [
        Path(__file__).resolve().parents[2] / "fixtures" / "demo",
        Path(sys.prefix) / "share" / "invoice-mcp" / "fixtures" / "demo",
    ]
    for candidate in candidates:
        if (candidate / "invoices.json").exists():
            return candidate
    raise FileNotFoundError("demo fixtures not found; run the demo from a clone of the repository")


def _say(who: str, text: str) -> None:
    print(textwrap.fill(text, width=WIDTH, initial_indent=f"{who}: ", subsequent_indent=" " * (len(who) + 2)))


def _call_line(name: str, arguments: dict[str, Any]) -> None:
    print(f"  -> {name}({json.dumps(arguments, ensure_ascii=False)})")


def _show(result: Any, render: Callable[[dict[str, Any]], list[str]]) -> dict[str, Any]:
    data: dict[str, Any] = result.structured_content or {}
    if result.is_error:
        print(f"  <- error {data.get('code')}: {data.get('reason') or data.get('message')}")
        return data
    for line in render(data):
        print(textwrap.fill(line, width=WIDTH, initial_indent="  <- ", subsequent_indent="     "))
    return data


def _render_list(data: dict[str, Any]) -> list[str]:
    return [
        f"{i['invoice_number']}  {i['issue_date']}  {i['total']['formatted']:>12}  {i['status_label']}"
        for i in data["invoices"]
    ]


def _render_explanation(data: dict[str, Any]) -> list[str]:
    lines = [data["summary"]]
    for cause in data["causes"]:
        amount = format_money(cause["amount_minor"], data["currency"], data["locale"])
        lines.append(f"  {amount:>12}  {cause['kind']}: {cause['text']}")
    total = format_money(sum(c["amount_minor"] for c in data["causes"]), data["currency"], data["locale"])
    if data.get("difference"):
        lines.append(f"  causes add up to {total}; the difference is {data['difference']['formatted']}")
    return lines


def _render_action(data: dict[str, Any]) -> list[str]:
    lines = [f"status: {data['status']}", data["message"]]
    if "new_due_date" in data:
        lines.append(
            f"due date {data['current_due_date']} -> {data['new_due_date']} (+{data['extra_days']} days)"
        )
    if "details" in data:
        lines.append(f"details (masked): {json.dumps(data['details'], ensure_ascii=False)}")
    for issued in data.get("already_issued", []):
        lines.append(f"already issued {issued['invoice_number']}: {issued['how_to_pay']}")
    return lines


async def converse(database_url: str, holder_identity: str) -> None:
    from mcp import Client, StdioServerParameters

    env = {**os.environ, "INVOICE_MCP_LOG_LEVEL": os.environ.get("INVOICE_MCP_LOG_LEVEL", "WARNING")}
    params = StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "invoice_mcp",
            "serve",
            "--database-url",
            database_url,
            "--biller",
            DEMO_BILLER,
            "--customer",
            DEMO_CUSTOMER,
            "--today",
            DEMO_TODAY,
        ],
        env=env,
    )
    async with Client(params) as client:
        tools = await client.list_tools()
        print(f"Connected over stdio; tools: {', '.join(t.name for t in tools.tools)}\n")

        _say("Kund", "Varför är min faktura högre den här månaden?")
        _call_line("list_invoices", {"limit": 3})
        listing = _show(await client.call_tool("list_invoices", {"limit": 3}), _render_list)
        latest = listing["invoices"][0]["invoice_number"]
        _call_line("explain_amount", {"invoice_number": latest})
        _show(await client.call_tool("explain_amount", {"invoice_number": latest}), _render_explanation)

        print()
        _say("Kund", "Kan jag få två veckor till att betala?")
        arguments: dict[str, Any] = {"invoice_number": latest, "days": 14}
        _call_line("grant_deferral", arguments)
        quote = _show(await client.call_tool("grant_deferral", arguments), _render_action)
        _say("Kund", "Ja, gör det.")
        confirmed = {**arguments, "confirmation_token": quote["confirmation_token"]}
        _call_line("grant_deferral", {**arguments, "confirmation_token": "<from the quote>"})
        _show(await client.call_tool("grant_deferral", confirmed), _render_action)

        print()
        _say("Kund", "Byt mig till autogiro.")
        details = {**DEMO_AUTOGIRO, "account_holder_identity_number": holder_identity}
        arguments = {"method": "autogiro", "details": details}
        shown = {
            "method": "autogiro",
            "details": {**details, "account_holder_identity_number": "<personnummer>"},
        }
        _call_line("change_payment_method", shown)
        quote = _show(await client.call_tool("change_payment_method", arguments), _render_action)
        _say("Kund", "Ja, det stämmer.")
        _call_line("change_payment_method", {**shown, "confirmation_token": "<from the quote>"})
        confirmed = {**arguments, "confirmation_token": quote["confirmation_token"]}
        _show(await client.call_tool("change_payment_method", confirmed), _render_action)


def run_demo(*, keep: bool = False) -> int:
    from invoice_mcp.store.engine import make_engine
    from invoice_mcp.store.migrate import upgrade
    from invoice_mcp.store.seed import load_fixtures

    workdir = Path(tempfile.mkdtemp(prefix="invoice-mcp-demo-"))
    database_url = f"sqlite:///{workdir / 'demo.db'}"
    try:
        engine = make_engine(database_url)
        upgrade(engine)
        source = fixtures_dir()
        report = load_fixtures(engine, source)
        engine.dispose()
        customers = json.loads((source / "customers.json").read_text(encoding="utf-8"))
        holder = next(
            c["identity_number"]
            for c in customers
            if c["biller_id"] == DEMO_BILLER and c["customer_number"] == DEMO_CUSTOMER
        )
        print(f"Demo database {workdir / 'demo.db'}: {report}")
        print(
            f"Serving customer {DEMO_CUSTOMER} of biller {DEMO_BILLER}, with the date pinned to {DEMO_TODAY}.\n"
        )
        anyio.run(converse, database_url, holder)
    finally:
        if keep:
            print(f"\nKept the demo database: {database_url}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0
