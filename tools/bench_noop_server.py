"""Minimal MCP server with one `noop` tool: the baseline that tools/bench.py compares against.

It is started the way `invoice-mcp serve` is: `python tools/bench_noop_server.py` serves stdio,
and `--transport http --port PORT` serves stateless streamable HTTP with JSON responses at
http://127.0.0.1:PORT/mcp, through uvicorn at log level warning as `serve --transport http`
does. Like the invoice tools, `noop` is a synchronous function returning a pydantic model, so
the SDK runs it on a worker thread and checks it against an output schema. In this mode the
server imports nothing but the SDK and pydantic, and keeps the SDK's default logging.

`--replay FILE` serves another control instead: one tool per entry of a JSON file that maps an
invoice-mcp tool name to a result recorded from it. Each tool returns its recorded result with
the same output schema as the real tool, and does no other work. Only this mode imports
invoice_mcp, for the output models.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mcp.server import MCPServer
from pydantic import BaseModel


class NoopResult(BaseModel):
    """The tiny result of the no-op tool."""

    ok: bool


def build_server() -> MCPServer:
    """Create the no-op server."""
    server = MCPServer("bench-noop", version="0.0.0")

    @server.tool()
    def noop() -> NoopResult:
        """Do nothing and return ok=true."""
        return NoopResult(ok=True)

    return server


def build_replay_server(results: dict[str, dict[str, Any]]) -> MCPServer:
    """Create a server whose tools return recorded invoice-mcp results under the real output schemas."""
    from typing import Annotated

    from mcp_types import CallToolResult, TextContent

    from invoice_mcp.service import outputs

    output_models: dict[str, type[BaseModel]] = {
        "explain_amount": outputs.ExplanationOut,
        "get_invoice": outputs.InvoiceDetail,
        "list_invoices": outputs.InvoiceList,
        "grant_deferral": outputs.DeferralOut,
        "change_payment_method": outputs.PaymentMethodChangeOut,
    }
    server = MCPServer("bench-replay", version="0.0.0")
    for name, structured in results.items():
        # The same compact JSON text copy that invoice-mcp puts next to its structured content.
        text = json.dumps(structured, ensure_ascii=False, separators=(",", ":"))

        def make_tool(structured: dict[str, Any] = structured, text: str = text) -> Any:
            def replay() -> CallToolResult:
                return CallToolResult(
                    content=[TextContent(type="text", text=text)], structured_content=structured
                )

            return replay

        tool = make_tool()
        tool.__annotations__ = {"return": Annotated[CallToolResult, output_models[name]]}
        server.tool(name=name, description=f"Return a recorded {name} result.")(tool)
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description="Minimal MCP server with one no-op tool.")
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8790, help="HTTP port (default: 8790)")
    parser.add_argument(
        "--replay", type=Path, help="JSON file of recorded invoice-mcp results to serve instead of noop"
    )
    args = parser.parse_args()

    if args.replay:
        server = build_replay_server(json.loads(args.replay.read_text(encoding="utf-8")))
    else:
        server = build_server()
    if args.transport == "stdio":
        server.run("stdio")
        return
    import uvicorn

    app = server.streamable_http_app(stateless_http=True, json_response=True, host=args.host)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
