"""invoice-mcp: an MCP server that explains invoices and acts on them for the recipient."""

__version__ = "0.1.0"
