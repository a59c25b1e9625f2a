"""HTTP transport settings, checked without a server process."""

from invoice_mcp.server.http import HttpOptions, auth_settings, transport_security


def test_ipv6_host_in_urls():
    options = HttpOptions(host="::1", port=8123)

    settings = auth_settings(options)

    assert options.listen_url == "http://[::1]:8123"
    assert str(settings.issuer_url) == "http://[::1]:8123"
    assert str(settings.resource_server_url) == "http://[::1]:8123/mcp"
    assert "http://[::1]:*" in transport_security(options).allowed_origins
