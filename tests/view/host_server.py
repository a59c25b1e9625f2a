"""A local HTTP server for the browser test: the test host page, the view, and a bridge that
forwards the view's tool calls to the real invoice-mcp server running in process."""

from __future__ import annotations

import asyncio
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.server import MCPServer

from invoice_mcp.server.view import invoice_view_html

HOST_PAGE = Path(__file__).with_name("host.html")
CALL_TIMEOUT_SECONDS = 20.0

# The Content-Security-Policy that the MCP Apps specification (2026-01-26) requires hosts to apply
# to a view whose resource declares no `_meta.ui.csp`. Serving the view under it shows that the view
# needs no network access.
DEFAULT_VIEW_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self' data:; connect-src 'none'"
)


class McpBridge:
    """An SDK client connected in process to `server`, on an event loop in its own thread.

    `call()` may be used from any other thread, such as the HTTP server's request threads.
    """

    def __init__(self, server: MCPServer) -> None:
        self._server = server
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mcp-bridge", daemon=True)
        self._client: Client | None = None
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(CALL_TIMEOUT_SECONDS):
            raise RuntimeError("the in-process MCP client did not connect")
        if self._failure:
            raise RuntimeError("the in-process MCP client failed to start") from self._failure

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(CALL_TIMEOUT_SECONDS)
        self._loop.close()

    def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Call a tool and return the result as it travels on the wire (camelCase JSON)."""
        assert self._client is not None
        future = asyncio.run_coroutine_threadsafe(self._client.call_tool(name, arguments), self._loop)
        result = future.result(CALL_TIMEOUT_SECONDS)
        return result.model_dump(mode="json", by_alias=True, exclude_none=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as error:
            self._failure = error
            self._ready.set()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with Client(self._server) as client:
            self._client = client
            self._ready.set()
            await self._stop.wait()


class HostServer:
    """Serves /host.html, /view.html, /scenario (what the host feeds the view) and POST /call."""

    def __init__(self, bridge: McpBridge) -> None:
        self.bridge = bridge
        self.scenario: dict[str, Any] = {}
        self.requested_paths: list[str] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="view-host-http", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(CALL_TIMEOUT_SECONDS)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requested_paths.append(self.path)
                if self.path == "/host.html":
                    self._reply(HTTPStatus.OK, "text/html; charset=utf-8", HOST_PAGE.read_bytes())
                elif self.path == "/view.html":
                    headers = {"Content-Security-Policy": DEFAULT_VIEW_CSP}
                    self._reply(
                        HTTPStatus.OK, "text/html; charset=utf-8", invoice_view_html().encode(), headers
                    )
                elif self.path == "/scenario":
                    self._reply(HTTPStatus.OK, "application/json", json.dumps(owner.scenario).encode())
                else:
                    self._reply(HTTPStatus.NOT_FOUND, "text/plain", b"not found")

            def do_POST(self) -> None:
                owner.requested_paths.append(self.path)
                if self.path != "/call":
                    self._reply(HTTPStatus.NOT_FOUND, "text/plain", b"not found")
                    return
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(length))
                result = owner.bridge.call(request["name"], request.get("arguments") or {})
                self._reply(HTTPStatus.OK, "application/json", json.dumps(result).encode())

            def _reply(
                self,
                status: HTTPStatus,
                content_type: str,
                body: bytes,
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                # Keep the test output free of one line per request.
                pass

        return Handler
