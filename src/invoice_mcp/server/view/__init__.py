"""The interactive invoice view: an MCP App (the `io.modelcontextprotocol/ui` extension).

`invoice_view.html` is one self-contained HTML document with inline CSS and JavaScript. Hosts
that support MCP Apps render it in a sandboxed iframe next to the results of `explain_amount`
and `get_invoice`. It talks to the host with JSON-RPC over `postMessage` and makes no network
requests of its own. docs/invoice-view.md describes the protocol it speaks.
"""

from __future__ import annotations

from importlib import resources

VIEW_URI = "ui://invoice-mcp/invoice-view.html"
"""The `ui://` resource URI that the tools' `_meta.ui.resourceUri` points at."""


def invoice_view_html() -> str:
    """Read the view's HTML document from the installed package."""
    return resources.files(__name__).joinpath("invoice_view.html").read_text(encoding="utf-8")
