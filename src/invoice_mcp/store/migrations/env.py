"""Alembic environment: runs the migrations on the connection that `invoice_mcp.store.migrate` passes."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from invoice_mcp.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through invoice_mcp.store.migrate, which passes a connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
