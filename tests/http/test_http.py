"""The hosted deployment: streamable HTTP with bearer tokens, on SQLite and PostgreSQL."""

import datetime as dt
import json

import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from invoice_mcp.domain.principal import Principal
from invoice_mcp.service import tokens
from invoice_mcp.store.engine import make_engine
from tests.http.conftest import http_client, make_token, start_http_server, stop

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ANNA_LATEST = "NV-2026-0031745"
MCP_HEADERS = {
    "content-type": "application/json",
    "accept": "application/json, text/event-stream",
    "mcp-protocol-version": "2025-11-25",
}


def raw_call(server, token, name, arguments, **headers):
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }
    all_headers = {**MCP_HEADERS, **headers}
    if token:
        all_headers["authorization"] = f"Bearer {token}"
    return httpx2.post(server.mcp_url, headers=all_headers, content=json.dumps(body), timeout=30)


def refusal(result):
    assert result.is_error
    return json.loads(result.content[0].text)


def test_missing_token_gets_401_with_metadata(http_server):
    response = raw_call(http_server, None, "list_invoices", {})

    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert "resource_metadata=" in challenge
    metadata_url = challenge.split('resource_metadata="')[1].rstrip('"')
    metadata = httpx2.get(metadata_url, timeout=10)
    assert metadata.status_code == 200
    assert metadata.json()["resource"] == http_server.mcp_url


def test_unknown_token_gets_401(http_server):
    assert raw_call(http_server, "imt_not-a-real-token", "list_invoices", {}).status_code == 401
    assert raw_call(http_server, "something-else", "list_invoices", {}).status_code == 401


def test_read_token_cannot_act(http_server):
    token = make_token(
        http_server.database_url, "--biller", "nordvag", "--customer", "100234", "--scope", "read"
    )

    write = raw_call(http_server, token, "grant_deferral", {"invoice_number": ANNA_LATEST, "days": 14})
    read = raw_call(http_server, token, "list_invoices", {"limit": 1})

    assert write.status_code == 403
    assert 'error="insufficient_scope"' in write.headers["www-authenticate"]
    assert read.status_code == 200


async def test_read_token_is_offered_read_tools_only(http_server):
    read_only = make_token(
        http_server.database_url, "--biller", "nordvag", "--customer", "100234", "--scope", "read"
    )
    full = make_token(http_server.database_url, "--biller", "nordvag", "--customer", "100234")

    async with http_client(http_server, read_only, "auto") as client:
        offered = {tool.name for tool in (await client.list_tools()).tools}
    async with http_client(http_server, full, "auto") as client:
        offered_with_act = {tool.name for tool in (await client.list_tools()).tools}

    assert offered == {"list_invoices", "get_invoice", "explain_amount"}
    assert {"grant_deferral", "change_payment_method"} <= offered_with_act


def test_act_only_token_cannot_read(http_server):
    token = make_token(
        http_server.database_url, "--biller", "nordvag", "--customer", "100234", "--scope", "act"
    )

    assert raw_call(http_server, token, "list_invoices", {}).status_code == 403


def test_revoked_and_expired_tokens_get_401(http_server):
    engine = make_engine(http_server.database_url)
    anna = Principal(kind="customer", biller_id="nordvag", customer_number="100234")
    now = dt.datetime.now(dt.UTC)
    revoked, row = tokens.create_token(engine, anna, ("read",), now=now, expires_in=dt.timedelta(days=1))
    tokens.revoke_token(engine, row.id, now)
    expired, _ = tokens.create_token(
        engine, anna, ("read",), now=now - dt.timedelta(days=2), expires_in=dt.timedelta(days=1)
    )
    engine.dispose()

    assert raw_call(http_server, revoked, "list_invoices", {}).status_code == 401
    assert raw_call(http_server, expired, "list_invoices", {}).status_code == 401


def test_foreign_host_and_origin_are_rejected(http_server):
    token = make_token(http_server.database_url, "--biller", "nordvag", "--customer", "100234")

    bad_host = raw_call(http_server, token, "list_invoices", {}, host="evil.example")
    bad_origin = raw_call(http_server, token, "list_invoices", {}, origin="https://evil.example")

    assert bad_host.status_code in (400, 421)
    assert bad_origin.status_code == 403


def test_oversized_body_is_rejected(http_server):
    token = make_token(http_server.database_url, "--biller", "nordvag", "--customer", "100234")

    response = raw_call(http_server, token, "get_invoice", {"invoice_number": "X" * 400_000})

    assert response.status_code == 413


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_customer_token_reads_and_acts(http_server, mode):
    token = make_token(http_server.database_url, "--biller", "nordvag", "--customer", "100234")
    async with http_client(http_server, token, mode) as client:
        listing = await client.call_tool("list_invoices", {"limit": 1})
        explanation = await client.call_tool("explain_amount", {"invoice_number": ANNA_LATEST})
        quote = await client.call_tool("grant_deferral", {"invoice_number": ANNA_LATEST, "days": 14})
        granted = await client.call_tool(
            "grant_deferral",
            {
                "invoice_number": ANNA_LATEST,
                "days": 14,
                "confirmation_token": quote.structured_content["confirmation_token"],
            },
        )

    assert listing.structured_content["customer"]["customer_number"] == "100234"
    causes = explanation.structured_content["causes"]
    assert (
        sum(c["amount_minor"] for c in causes) == explanation.structured_content["difference"]["amount_minor"]
    )
    assert granted.structured_content["status"] == "granted"


async def test_operator_must_name_a_customer_of_its_biller(http_server):
    token = make_token(http_server.database_url, "--biller", "alvkraft", "--operator", "kundtjanst-7")
    async with http_client(http_server, token) as client:
        unnamed = await client.call_tool("list_invoices", {})
        own = await client.call_tool("list_invoices", {"customer_number": "5001234", "limit": 2})
        other_biller = await client.call_tool("list_invoices", {"customer_number": "100234"})
        missing = await client.call_tool("list_invoices", {"customer_number": "999999"})

    assert refusal(unnamed)["code"] == "customer_required"
    assert refusal(unnamed)["reason"] == "Ange kundnumret för den kund det gäller."
    assert own.structured_content["customer"]["customer_number"] == "5001234"
    assert refusal(other_biller)["code"] == refusal(missing)["code"] == "customer_not_found"
    assert refusal(other_biller)["message"].replace("100234", "N") == refusal(missing)["message"].replace(
        "999999", "N"
    )


async def test_operator_action_is_audited_as_operator(http_server):
    token = make_token(http_server.database_url, "--biller", "alvkraft", "--operator", "kundtjanst-7")
    async with http_client(http_server, token) as client:
        quote = await client.call_tool(
            "change_payment_method", {"method": "kivra", "customer_number": "5001234"}
        )
        applied = await client.call_tool(
            "change_payment_method",
            {
                "method": "kivra",
                "customer_number": "5001234",
                "confirmation_token": quote.structured_content["confirmation_token"],
            },
        )

    assert applied.structured_content["status"] == "applied"
    engine = make_engine(http_server.database_url)
    from sqlmodel import Session, select

    from invoice_mcp.store.models import AuditEvent

    with Session(engine) as session:
        actors = {e.actor for e in session.exec(select(AuditEvent))}
    engine.dispose()
    assert actors == {"operator:alvkraft/kundtjanst-7"}


@pytest.fixture
def rsa_key(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = tmp_path / "idp.pem"
    path.write_bytes(public)
    return key, path


def signed(key, **claims):
    now = int(dt.datetime.now(dt.UTC).timestamp())
    payload = {"iss": "https://idp.example.se", "aud": "invoice-mcp", "iat": now, "exp": now + 600, **claims}
    return jwt.encode(payload, key, algorithm="RS256")


async def test_jwt_from_identity_provider(sqlite_store, rsa_key):
    key, path = rsa_key
    server = start_http_server(
        sqlite_store,
        "--jwt-key-file",
        str(path),
        "--jwt-issuer",
        "https://idp.example.se",
        "--jwt-audience",
        "invoice-mcp",
    )
    try:
        good = signed(key, biller="lyra", customer="L-300045", scope="read act")
        other_audience = signed(key, biller="lyra", customer="L-300045", scope="read", aud="someone-else")
        other_issuer = signed(
            key, biller="lyra", customer="L-300045", scope="read", iss="https://evil.example"
        )
        async with http_client(server, good) as client:
            listing = await client.call_tool("list_invoices", {"limit": 1})

        assert listing.structured_content["customer"]["customer_number"] == "L-300045"
        assert raw_call(server, other_audience, "list_invoices", {}).status_code == 401
        assert raw_call(server, other_issuer, "list_invoices", {}).status_code == 401
        read_only = signed(key, biller="lyra", customer="L-300045", scope="read")
        assert (
            raw_call(server, read_only, "grant_deferral", {"invoice_number": "X", "days": 3}).status_code
            == 403
        )
    finally:
        stop(server)


async def test_two_processes_apply_once(store_url):
    """Concurrent confirmations of one quote through two server processes apply exactly once."""
    import anyio

    first = start_http_server(store_url)
    second = start_http_server(store_url)
    try:
        token = make_token(store_url, "--biller", "nordvag", "--customer", "100234")
        async with http_client(first, token) as client:
            quotes = [
                (
                    await client.call_tool("grant_deferral", {"invoice_number": ANNA_LATEST, "days": 14})
                ).structured_content
                for _ in range(8)
            ]
        results = []

        async def confirm(server, quote, key):
            async with http_client(server, token) as client:
                results.append(
                    await client.call_tool(
                        "grant_deferral",
                        {
                            "invoice_number": ANNA_LATEST,
                            "days": 14,
                            "confirmation_token": quote["confirmation_token"],
                            "idempotency_key": key,
                        },
                    )
                )

        async with anyio.create_task_group() as group:
            for index, quote in enumerate(quotes):
                group.start_soon(confirm, first if index % 2 else second, quote, f"two-processes-{index:03d}")

        granted = [r for r in results if not r.is_error]
        refused = [refusal(r)["code"] for r in results if r.is_error]
        assert len(granted) == 1
        assert refused == ["already_deferred"] * (len(quotes) - 1)
    finally:
        stop(first)
        stop(second)
