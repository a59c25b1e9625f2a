"""An unavailable or locked database: a clear, retryable error, and recovery without a restart.

A refusal the agent can act on is an isError whose JSON has a `code` and `retryable: true`,
not the SDK's generic "Error executing tool X".
"""

from __future__ import annotations

import json
import os
import sqlite3

import anyio
import pytest
from mcp import Client
from sqlalchemy import create_engine, make_url, text

import invoice_mcp.store.engine as store_engine
from invoice_mcp.server.app import build_server
from tests.conftest import POSTGRES_URL_ENV, _prepare, make_settings, postgres_database
from tests.hostile.tcp_proxy import TcpProxy

# Far below the product's 10 s, so that a locked call fails quickly.
TEST_BUSY_TIMEOUT_MS = 200
READ = ("list_invoices", {"limit": 1})
QUOTE = ("grant_deferral", {"invoice_number": "NV-2026-0031745", "days": 14})
CHANGE = ("change_payment_method", {"method": "kivra"})


async def call(server, name, arguments):
    async with Client(server) as client:
        return await client.call_tool(name, arguments)


def assert_retryable_error(result) -> None:
    text_content = result.content[0].text
    assert result.is_error
    body = json.loads(text_content) if text_content.startswith("{") else {}
    assert body.get("code"), text_content
    assert body.get("retryable") is True, text_content


@pytest.fixture
def sqlite_store(tmp_path, monkeypatch):
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT_MS", TEST_BUSY_TIMEOUT_MS)
    path = tmp_path / "store.db"
    url = f"sqlite:///{path}"
    # _prepare disposes its engine, so no connection of this process keeps the file open.
    _prepare(url)
    engine = store_engine.make_engine(url)
    server = build_server(make_settings(engine))
    # Open the pool's connection before the lock, as a server that has been running would.
    assert not anyio.run(call, server, *READ).is_error
    yield server, engine, path
    engine.dispose()


def take_lock(engine, path, kind: str) -> sqlite3.Connection:
    """Lock the store from another connection: 'writer' blocks writers, 'exclusive' everyone."""
    locker = sqlite3.connect(path, isolation_level=None)
    if kind == "writer":
        locker.execute("BEGIN IMMEDIATE")
        return locker
    # Exclusive locking mode on a WAL database needs the other connections closed first.
    engine.pool.dispose()
    locker.execute("PRAGMA locking_mode=EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")
    locker.execute("UPDATE biller SET name = name")
    return locker


LOCKED_CALLS = [
    pytest.param("writer", *QUOTE, id="writer-lock-grant_deferral"),
    pytest.param("writer", *CHANGE, id="writer-lock-change_payment_method"),
    # A new connection waits 5 s here: Python's sqlite3.connect timeout applies to the
    # journal_mode pragma, which make_engine runs before it sets the busy timeout.
    pytest.param("exclusive", *READ, id="exclusive-lock-list_invoices"),
]


@pytest.mark.parametrize(("lock", "tool", "arguments"), LOCKED_CALLS)
def test_locked_sqlite_gives_retryable_error(sqlite_store, lock, tool, arguments):
    server, engine, path = sqlite_store
    locker = take_lock(engine, path, lock)
    try:
        result = anyio.run(call, server, tool, arguments)
    finally:
        locker.close()

    assert_retryable_error(result)


@pytest.mark.parametrize(("lock", "tool", "arguments"), LOCKED_CALLS)
def test_sqlite_serves_again_after_lock_released(sqlite_store, lock, tool, arguments):
    server, engine, path = sqlite_store
    locker = take_lock(engine, path, lock)
    locked = anyio.run(call, server, tool, arguments)
    locker.close()

    result = anyio.run(call, server, tool, arguments)

    assert locked.is_error
    assert not result.is_error, result.content[0].text


def test_reads_succeed_while_writer_holds_lock(sqlite_store):
    server, engine, path = sqlite_store
    locker = take_lock(engine, path, "writer")
    try:
        result = anyio.run(call, server, *READ)
    finally:
        locker.close()

    assert not result.is_error, result.content[0].text


@pytest.fixture
def postgres_store():
    base_url = os.environ.get(POSTGRES_URL_ENV)
    if not base_url:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    with postgres_database(base_url) as url:
        _prepare(url)
        admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
        target = make_url(url)
        proxy = TcpProxy((target.host or "127.0.0.1", target.port or 5432))
        proxy.start()
        engine = store_engine.make_engine(
            target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        )
        server = build_server(make_settings(engine))
        assert not anyio.run(call, server, *READ).is_error
        yield server, admin, target.database, proxy
        engine.dispose()
        proxy.stop()
        admin.dispose()


def terminate_connections(admin, database: str) -> int:
    """Terminate the server's connections to the scratch database, as a PostgreSQL restart would."""
    with admin.connect() as connection:
        return connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :database AND pid <> pg_backend_pid()"
            ),
            {"database": database},
        ).scalar_one()


@pytest.mark.postgres
@pytest.mark.parametrize(("tool", "arguments"), [READ, QUOTE, CHANGE], ids=["read", "quote", "change"])
def test_postgres_serves_after_connections_terminated(postgres_store, tool, arguments):
    server, admin, database, _ = postgres_store

    terminated = terminate_connections(admin, database)
    result = anyio.run(call, server, tool, arguments)

    assert terminated >= 1
    # The pool pings each connection before use (pool_pre_ping), so the call reconnects.
    assert not result.is_error, result.content[0].text


@pytest.mark.postgres
@pytest.mark.parametrize(("tool", "arguments"), [READ, QUOTE], ids=["read", "quote"])
def test_postgres_down_gives_retryable_error(postgres_store, tool, arguments):
    server, _, _, proxy = postgres_store

    proxy.stop()
    result = anyio.run(call, server, tool, arguments)

    assert_retryable_error(result)


@pytest.mark.postgres
def test_postgres_serves_again_when_back(postgres_store):
    server, _, _, proxy = postgres_store
    proxy.stop()
    down = anyio.run(call, server, *READ)
    proxy.start()

    result = anyio.run(call, server, *READ)

    assert down.is_error
    assert not result.is_error, result.content[0].text
