"""Streamable HTTP deployment: bearer-token authorization per request, Host/Origin checks, limits.

Every request carries a bearer token, either an opaque API token made by
`invoice-mcp token create` or, when configured, a JWT from the biller's identity
provider. The token resolves to the request's principal; tools read it from the
SDK's auth context, so one process serves many customers. The server is stateless
(no MCP sessions), so any number of processes can run behind a load balancer with
all state in the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from sqlalchemy import Engine

from invoice_mcp.domain.principal import Principal
from invoice_mcp.service.tokens import TOKEN_PREFIX, resolve_token

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

WRITE_TOOLS = frozenset({"grant_deferral", "change_payment_method"})
# Seconds a verified token is trusted before it is looked up again, so that a revoked token
# stops working within this time.
TOKEN_CACHE_SECONDS = 5.0
DEFAULT_MAX_BODY_BYTES = 256 * 1024
DEFAULT_REQUEST_SECONDS = 30.0


@dataclass(frozen=True)
class JwtSettings:
    """How to verify JWTs from the biller's identity provider.

    The key file holds a PEM public key, or a JWKS document (JSON) whose key is picked
    by the token's `kid`. The token must carry `iss` and `aud` equal to these values,
    a `biller` claim, and either a `customer` claim (a customer principal) or
    `role: operator` with `sub` naming the operator. Scopes come from `scope`
    (space-separated) or `scp` (a list).
    """

    key_file: Path
    issuer: str
    audience: str
    algorithms: tuple[str, ...] = ("RS256", "ES256")


@dataclass
class InvoiceTokenVerifier:
    """Resolve a bearer token to an AccessToken whose claims name the principal."""

    engine: Engine
    jwt: JwtSettings | None = None
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    _cache: dict[str, tuple[float, AccessToken | None]] = field(default_factory=dict)

    async def verify_token(self, token: str) -> AccessToken | None:
        key = hashlib.sha256(token.encode()).hexdigest()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        if token.startswith(TOKEN_PREFIX):
            access = await anyio.to_thread.run_sync(self._verify_opaque, token)
        elif self.jwt is not None:
            access = self._verify_jwt(token)
        else:
            access = None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (time.monotonic() + TOKEN_CACHE_SECONDS, access)
        return access

    def _verify_opaque(self, token: str) -> AccessToken | None:
        resolved = resolve_token(self.engine, token, self.clock())
        if resolved is None:
            # The first characters identify the token in `token list` without revealing it.
            logger.info("API token %s… rejected: unknown, revoked or expired", token[:10])
            return None
        expires = int(resolved.expires_at.timestamp()) if resolved.expires_at else None
        return _access_token(token, resolved.principal, resolved.scopes, expires)

    def _verify_jwt(self, token: str) -> AccessToken | None:
        import jwt

        assert self.jwt is not None
        try:
            key = _jwt_key(self.jwt.key_file, token)
            claims = jwt.decode(
                token,
                key=key,
                algorithms=list(self.jwt.algorithms),
                audience=self.jwt.audience,
                issuer=self.jwt.issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except (jwt.PyJWTError, ValueError, OSError) as exc:
            # The reason is logged without the token; the client gets a plain 401.
            logger.info("JWT rejected: %s", type(exc).__name__)
            return None
        biller = claims.get("biller")
        if not isinstance(biller, str):
            logger.info("JWT rejected: no biller claim")
            return None
        if isinstance(claims.get("customer"), str):
            principal = Principal(kind="customer", biller_id=biller, customer_number=claims["customer"])
        elif claims.get("role") == "operator" and isinstance(claims.get("sub"), str):
            principal = Principal(kind="operator", biller_id=biller, operator_id=claims["sub"])
        else:
            logger.info("JWT rejected: neither a customer claim nor role operator")
            return None
        raw_scopes = claims.get("scope", claims.get("scp", []))
        scopes = tuple(raw_scopes.split() if isinstance(raw_scopes, str) else raw_scopes)
        return _access_token(token, principal, scopes, int(claims["exp"]))


def check_jwt_key_file(key_file: Path) -> None:
    """Check at start that the key file contains a PEM public key or a JWKS with at least one key.

    The file is read again for every token, so that a rotated key needs no restart.

    Raises:
        ValueError: the file cannot be read or contains no usable key; the message says which.
    """
    import jwt
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        text = key_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"JWT key file {key_file} cannot be read: {exc}") from exc
    try:
        if text.lstrip().startswith("{"):
            if not jwt.PyJWKSet.from_dict(json.loads(text)).keys:
                raise ValueError("the JWKS has no keys")
        else:
            load_pem_public_key(text.encode())
    except (ValueError, jwt.PyJWTError, TypeError) as exc:
        raise ValueError(
            f"JWT key file {key_file} contains neither a PEM public key nor a JWKS with a usable key ({exc})"
        ) from exc


def _jwt_key(key_file: Path, token: str) -> Any:
    import jwt

    text = key_file.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        keys = jwt.PyJWKSet.from_dict(json.loads(text))
        kid = jwt.get_unverified_header(token).get("kid")
        for candidate in keys.keys:
            if kid is None or candidate.key_id == kid:
                return candidate.key
        raise ValueError("no JWKS key matches the token's kid")
    return text


def _access_token(
    token: str, principal: Principal, scopes: tuple[str, ...], expires_at: int | None
) -> AccessToken:
    return AccessToken(
        token=token,
        client_id=principal.label,
        scopes=list(scopes),
        expires_at=expires_at,
        subject=principal.label,
        claims={
            "kind": principal.kind,
            "biller_id": principal.biller_id,
            "customer_number": principal.customer_number,
            "operator_id": principal.operator_id,
        },
    )


def principal_from_access_token(token: AccessToken) -> Principal:
    claims = token.claims or {}
    return Principal(
        kind=claims["kind"],
        biller_id=claims["biller_id"],
        customer_number=claims.get("customer_number"),
        operator_id=claims.get("operator_id"),
    )


class RequestGuard:
    """ASGI middleware in front of the MCP app: the `act` scope for write tools, and a time limit.

    A tools/call of a write tool with a token that lacks `act` gets 403 insufficient_scope.
    A request that runs longer than the limit gets 503 before any response started.
    The body-size limit is the SDK's own (`max_request_body_size`).
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: InvoiceTokenVerifier | None,
        resource_metadata_url: str,
        max_seconds: float,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.resource_metadata_url = resource_metadata_url
        self.max_seconds = max_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        body, receive = await _buffer_body(receive)
        if await self._needs_act_scope(scope, body):
            await _send_json(
                send,
                403,
                {"error": "insufficient_scope", "error_description": "Required scope: act"},
                {
                    "www-authenticate": 'Bearer error="insufficient_scope", scope="act", '
                    f'resource_metadata="{self.resource_metadata_url}"'
                },
            )
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        with anyio.move_on_after(self.max_seconds) as deadline:
            await self.app(scope, receive, tracking_send)
        if deadline.cancelled_caught:
            logger.warning("request to %s timed out after %g s", scope.get("path"), self.max_seconds)
            if not started:
                await _send_json(
                    send, 503, {"error": "timeout", "error_description": "the request took too long"}
                )

    async def _needs_act_scope(self, scope: Scope, body: bytes) -> bool:
        try:
            message = json.loads(body)
        except ValueError:
            return False
        calls = message if isinstance(message, list) else [message]
        writes = any(
            isinstance(call, dict)
            and call.get("method") == "tools/call"
            and isinstance(call.get("params"), dict)
            and call["params"].get("name") in WRITE_TOOLS
            for call in calls
        )
        if not writes or self.verifier is None:
            return False
        token = _bearer(scope)
        if token is None:
            return False  # The SDK answers 401 for a missing token.
        access = await self.verifier.verify_token(token)
        return access is not None and "act" not in access.scopes


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            text = value.decode("latin-1")
            if text.lower().startswith("bearer "):
                return text[7:].strip()
    return None


async def _buffer_body(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole request body and return it with a `receive` that replays it."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _send_json(
    send: Send, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(payload).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class HttpOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    # The URL clients use, when it differs from http://host:port (behind a reverse proxy).
    public_url: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_request_seconds: float = DEFAULT_REQUEST_SECONDS
    jwt: JwtSettings | None = None

    @property
    def listen_url(self) -> str:
        # An IPv6 address such as ::1 needs brackets in a URL.
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return (self.public_url or self.listen_url).rstrip("/")


def auth_settings(options: HttpOptions) -> AuthSettings:
    issuer = options.jwt.issuer if options.jwt else options.base_url
    return AuthSettings(
        issuer_url=issuer,  # type: ignore[arg-type]
        resource_server_url=f"{options.base_url}/mcp",  # type: ignore[arg-type]
        required_scopes=["read"],
        # The verifier checks a JWT's audience itself, and opaque tokens belong to this server.
        validate_token_resource=False,
    )


def transport_security(options: HttpOptions) -> TransportSecuritySettings:
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*", *options.allowed_hosts]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*", *options.allowed_origins]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


def build_http_app(server: Any, verifier: InvoiceTokenVerifier | None, options: HttpOptions) -> ASGIApp:
    """Wrap the server's streamable HTTP app (stateless, JSON responses) in the request guard."""
    app = server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        max_request_body_size=options.max_body_bytes,
        transport_security=transport_security(options),
        host=options.host,
    )
    metadata_url = f"{options.base_url}/.well-known/oauth-protected-resource/mcp"
    return RequestGuard(app, verifier, metadata_url, options.max_request_seconds)


class ListenError(Exception):
    """The server cannot listen on the address it was given."""


def listening_socket(host: str, port: int) -> socket.socket:
    """Return the server's socket, bound before anything reports the server as up.

    Raises:
        ListenError: the address is in use or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ListenError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock


def run_http(server: Any, verifier: InvoiceTokenVerifier | None, options: HttpOptions) -> None:
    import uvicorn

    app = build_http_app(server, verifier, options)
    sock = listening_socket(options.host, options.port)
    logger.info("serving streamable HTTP on %s/mcp", options.listen_url)
    # Access logs carry paths only, never headers, so tokens stay out of the log.
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
