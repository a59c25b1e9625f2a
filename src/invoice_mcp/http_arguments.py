"""Argument types for the HTTP options of `invoice-mcp serve`: addresses, URLs and allowed headers.

Each rejects, with argparse's exit status 2, a value that would otherwise end in a pydantic
traceback when the server starts or in a Host or Origin check that no request can pass.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

HOST_NAME_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


def _is_host(text: str | None) -> bool:
    """Return whether `text` is an IP address or a DNS host name, international names included."""
    if not text:
        return False
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        # A zone index, as in fe80::1%eth0, cannot go into the server's URLs.
        return getattr(address, "scope_id", None) is None
    try:
        ascii_name = text.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_name.removesuffix(".").split(".")
    # URL parsers read a name that ends in a number, such as 1.2.3.999, as an invalid IPv4 address.
    return (
        len(ascii_name) <= 253
        and all(HOST_NAME_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
    )


def _split_url(value: str) -> SplitResult | None:
    """Split a URL, or return None unless its host and its port, if any, are valid."""
    try:
        parts = urlsplit(value)
        # urllib raises ValueError for a port that is not a number from 0 to 65535, and port 0 is no
        # port a client can connect to.
        valid_port = parts.port is None or parts.port > 0
    except ValueError:
        return None
    return parts if valid_port and _is_host(parts.hostname) else None


def bind_host(value: str) -> str:
    if not _is_host(value):
        raise argparse.ArgumentTypeError(
            f"'{value}' is not an IP address or host name, e.g. 127.0.0.1, ::1 or localhost"
        )
    return value


def http_url(value: str) -> str:
    parts = _split_url(value)
    if parts is None or parts.scheme not in ("http", "https"):
        raise argparse.ArgumentTypeError(
            f"'{value}' is not an http or https URL with a host, e.g. https://mcp.example.se"
        )
    # The server appends paths such as /mcp to the public URL, and an issuer URL has no query or
    # fragment (OpenID Connect Core 1.0, the iss claim).
    if parts.username is not None or "?" in value or "#" in value:
        raise argparse.ArgumentTypeError(f"'{value}' must not contain a user name, query or fragment")
    return value


# The MCP SDK (mcp 2.3, TransportSecurityMiddleware) compares the Host and Origin headers with
# --allowed-host and --allowed-origin exactly, except that a trailing :* matches any port.
# Browsers send both headers in lower case and an international name in its punycode (xn--) form.
# So these checks reject a value that no request could match, and return the others in lower case.


def _check_ascii(value: str) -> None:
    if not value.isascii():
        raise argparse.ArgumentTypeError(
            f"'{value}' is not ASCII: give an international domain name in its punycode (xn--) form, "
            "as browsers send it"
        )


def allowed_host(value: str) -> str:
    _check_ascii(value)
    host = value.removesuffix(":*").lower()
    parts = _split_url(f"//{host}")
    if parts is None or "@" in host or parts.netloc != host:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a host with an optional :PORT or :*, e.g. mcp.example.se or mcp.example.se:*"
        )
    return value.lower()


def allowed_origin(value: str) -> str:
    _check_ascii(value)
    origin = value.removesuffix(":*").lower()
    parts = _split_url(origin)
    if parts is None or "@" in origin or origin != f"{parts.scheme}://{parts.netloc}":
        raise argparse.ArgumentTypeError(
            f"'{value}' is not an origin, SCHEME://HOST with an optional :PORT or :* and no path, "
            "e.g. https://app.example.se"
        )
    return value.lower()
