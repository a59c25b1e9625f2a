"""The stdio transport, with a JSON-RPC error reply for every frame that cannot be parsed.

MCP SDK 2.3.0's stdio_server passes a frame that fails to parse down the read stream as an
exception, and its dispatcher only debug-logs it, so the client never gets a reply and
waits until its own timeout. This module checks each line before the SDK sees it and
replies -32700 (invalid JSON) or -32600 (not a JSON-RPC 2.0 message) itself.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from io import TextIOWrapper
from typing import Any

import anyio
import mcp_types as types
from mcp.server import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp_types import INVALID_REQUEST, PARSE_ERROR, ErrorData, JSONRPCError
from pydantic import ValidationError


def frame_problem(line: str) -> JSONRPCError | None:
    """Return the JSON-RPC error reply for a line that is not a valid JSON-RPC 2.0 message, else None."""
    try:
        frame: Any = json.loads(line)
    except (ValueError, RecursionError):
        return _parse_error()
    ident = frame.get("id") if isinstance(frame, dict) else None
    valid_id = isinstance(ident, int | str) and not isinstance(ident, bool)
    # The SDK reads a request whose id has the wrong type as a notification and drops the id.
    if not isinstance(frame, dict) or ("id" in frame and not valid_id):
        return _invalid_request(ident if valid_id else None)
    try:
        types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValidationError as error:
        if any(problem["type"] == "json_invalid" for problem in error.errors()):
            return _parse_error()
        return _invalid_request(ident if valid_id else None)
    return None


def _parse_error() -> JSONRPCError:
    return JSONRPCError(jsonrpc="2.0", id=None, error=ErrorData(code=PARSE_ERROR, message="Parse error"))


def _invalid_request(ident: int | str | None) -> JSONRPCError:
    return JSONRPCError(
        jsonrpc="2.0", id=ident, error=ErrorData(code=INVALID_REQUEST, message="Invalid Request")
    )


class CheckedLines:
    """Stdin lines for stdio_server, minus malformed frames, which get their error reply here."""

    def __init__(self) -> None:
        # Same decoding as stdio_server's own reader: UTF-8 with U+FFFD for invalid bytes.
        source = TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
        self._source = anyio.wrap_file(source)
        self._lines: AsyncIterator[str] | None = None
        self.write_stream: Any = None
        self.ready = anyio.Event()

    def __aiter__(self) -> CheckedLines:
        return self

    async def __anext__(self) -> str:
        if self._lines is None:
            self._lines = self._source.__aiter__()
        while True:
            line = await self._lines.__anext__()
            problem = frame_problem(line)
            if problem is None:
                return line
            await self.ready.wait()
            await self.write_stream.send(SessionMessage(problem))


async def serve_stdio(server: MCPServer) -> None:
    """Serve `server` over stdin and stdout until stdin closes."""
    lowlevel = server._lowlevel_server
    lines = CheckedLines()
    async with stdio_server(stdin=lines) as (read_stream, write_stream):  # type: ignore[arg-type]
        lines.write_stream = write_stream
        lines.ready.set()
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
