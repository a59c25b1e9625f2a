"""Engine setup for the billing store: an SQLite file by default, any SQLAlchemy URL otherwise."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

logger = logging.getLogger(__name__)

DATABASE_URL_ENV = "INVOICE_MCP_DATABASE_URL"
POOL_SIZE_ENV = "INVOICE_MCP_DB_POOL_SIZE"
# Database connections per server process (not SQLite). Sync tools run on up to 40 worker
# threads; a call that finds the pool empty waits up to 30 s for a connection.
DEFAULT_POOL_SIZE = 20
POSTGRES_LOCK_TIMEOUT_MS = 10_000
POSTGRES_STATEMENT_TIMEOUT_MS = 20_000
# How long an SQLite connection waits for another writer before failing, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 10_000


def default_data_dir() -> Path:
    """Return the per-user data folder (XDG_DATA_HOME, else ~/.local/share) for invoice-mcp."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "invoice-mcp"


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'invoice-mcp.db'}"


def resolve_database_url(explicit: str | None = None) -> str:
    """Pick the database URL: the explicit argument, then the environment, then the default file."""
    return explicit or os.environ.get(DATABASE_URL_ENV) or default_database_url()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine with the settings each backend needs for concurrent, worker-thread access.

    SQLite: WAL journal, a busy timeout, foreign keys on, and transactions that start
    only when the code says so, so that `BEGIN IMMEDIATE` can take the write lock up
    front. An in-memory database shares one connection across threads.
    """
    if url.startswith("sqlite"):
        return _make_sqlite_engine(url, echo=echo)
    # A fixed pool: overflow connections are closed when returned, and under load that meant
    # a new PostgreSQL connection for about every third call.
    pool_size = int(os.environ.get(POOL_SIZE_ENV, DEFAULT_POOL_SIZE))
    connect_args: dict[str, Any] = {}
    if url.startswith("postgresql"):
        # A call waiting on a lock or a slow statement fails with a retryable error instead of
        # holding its worker thread; SQLite's busy timeout plays the same part.
        connect_args["options"] = (
            f"-c lock_timeout={POSTGRES_LOCK_TIMEOUT_MS} -c statement_timeout={POSTGRES_STATEMENT_TIMEOUT_MS}"
        )
    return create_engine(
        url,
        echo=echo,
        # Errors and logs show statements without their values, which may be personal data.
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=30,
        connect_args=connect_args,
    )


def _make_sqlite_engine(url: str, *, echo: bool) -> Engine:
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    kwargs: dict[str, Any] = {
        "echo": echo,
        "hide_parameters": True,
        "connect_args": {"check_same_thread": False},
    }
    if in_memory:
        kwargs["poolclass"] = StaticPool
    else:
        path = url.split("///", 1)[1] if "///" in url else ""
        if path:
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory and _is_empty_or_store(cursor):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        mode = connection.info.pop("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _is_empty_or_store(cursor: Any) -> bool:
    """Tell whether an SQLite file is new or has a migrated schema.

    WAL mode stays with the file after it is closed, so another program's database that
    the schema check is about to reject keeps its journal mode.
    """
    tables = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return not tables or "alembic_version" in tables


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """Open a session whose transaction takes the write lock up front, and commit it on success.

    SQLite gets `BEGIN IMMEDIATE`, so two writers never both read and then collide
    on upgrade; PostgreSQL callers lock the rows they change with `FOR UPDATE`.
    """
    with engine.connect() as connection:
        if is_sqlite(engine):
            connection.info["sqlite_begin"] = "IMMEDIATE"
        with Session(bind=connection, expire_on_commit=False) as session:
            yield session
            session.commit()


def serialize_on(session: Session, name: str) -> None:
    """Hold a transaction-scoped lock on `name` until the session's transaction ends.

    PostgreSQL takes an advisory lock, so concurrent actions for one customer run one
    after the other, across processes. SQLite needs nothing more: `write_session` began
    the transaction with `BEGIN IMMEDIATE`, which already admits one writer at a time.
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name})
