"""HTTP transport settings and the request guard, checked without a server process."""

import logging

import anyio
import pytest

from invoice_mcp.server.http import HttpOptions, RequestGuard, auth_settings, transport_security


def test_ipv6_host_in_urls():
    options = HttpOptions(host="::1", port=8123)

    settings = auth_settings(options)

    assert options.listen_url == "http://[::1]:8123"
    assert str(settings.issuer_url) == "http://[::1]:8123"
    assert str(settings.resource_server_url) == "http://[::1]:8123/mcp"
    assert "http://[::1]:*" in transport_security(options).allowed_origins


@pytest.mark.anyio
async def test_request_guard_subsecond_timeout(caplog):
    async def slow_app(scope, receive, send):
        await anyio.sleep(10)

    async def receive():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    sent = []

    async def send(message):
        sent.append(message)

    guard = RequestGuard(slow_app, None, "http://127.0.0.1:8000/metadata", max_seconds=0.05)
    with caplog.at_level(logging.WARNING, logger="invoice_mcp.server.http"):
        await guard({"type": "http", "method": "POST", "path": "/mcp", "headers": []}, receive, send)

    assert "request to /mcp timed out after 0.05 s" in caplog.text
    assert sent[0]["status"] == 503
