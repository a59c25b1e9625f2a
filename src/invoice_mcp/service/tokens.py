"""Opaque API tokens for the HTTP transport: create, resolve, list and revoke.

A token is `imt_` plus 32 random bytes in URL-safe base64. Only its SHA-256 hash is
stored, so a leaked database does not leak usable tokens; the token itself is shown
once, when it is created.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from invoice_mcp.domain.errors import InvalidFieldError, NotFoundError
from invoice_mcp.domain.principal import Principal
from invoice_mcp.store import repository as repo
from invoice_mcp.store.engine import write_session
from invoice_mcp.store.models import ApiToken

TOKEN_PREFIX = "imt_"
SCOPES: tuple[str, ...] = ("read", "act")


@dataclass(frozen=True)
class ResolvedToken:
    principal: Principal
    scopes: tuple[str, ...]
    expires_at: dt.datetime | None
    token_id: int


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    engine: Engine,
    principal: Principal,
    scopes: tuple[str, ...],
    *,
    now: dt.datetime,
    expires_in: dt.timedelta | None,
    name: str | None = None,
) -> tuple[str, ApiToken]:
    """Create a token for `principal` and return it with its stored row.

    Raises:
        InvalidFieldError: an unknown scope or a non-positive lifetime.
        NotFoundError: the biller or the customer does not exist.
    """
    for scope in scopes:
        if scope not in SCOPES:
            raise InvalidFieldError("scope", scope, f"use {' or '.join(SCOPES)}")
    if expires_in is not None and expires_in <= dt.timedelta(0):
        raise InvalidFieldError("expires_in", str(expires_in), "a positive lifetime")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_session(engine) as session:
        repo.biller_by_id(session, principal.biller_id)
        if principal.kind == "customer":
            repo.customer_for(session, principal)
        row = ApiToken(
            token_hash=hash_token(token),
            token_prefix=token[:10],
            name=name,
            kind=principal.kind,
            biller_id=principal.biller_id,
            customer_number=principal.customer_number,
            operator_id=principal.operator_id,
            scopes=" ".join(sorted(set(scopes))),
            created_at=now,
            expires_at=now + expires_in if expires_in else None,
        )
        session.add(row)
        session.flush()
    return token, row


def resolve_token(engine: Engine, token: str, now: dt.datetime) -> ResolvedToken | None:
    """Return what a presented token grants, or None when it is unknown, expired or revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with Session(engine) as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    expires_at = repo.as_utc(row.expires_at)
    if expires_at is not None and expires_at <= now:
        return None
    assert row.id is not None
    principal = Principal(
        kind=row.kind,  # type: ignore[arg-type]
        biller_id=row.biller_id,
        customer_number=row.customer_number,
        operator_id=row.operator_id,
    )
    return ResolvedToken(
        principal=principal, scopes=tuple(row.scopes.split()), expires_at=expires_at, token_id=row.id
    )


def list_tokens(engine: Engine, biller_id: str | None = None) -> list[ApiToken]:
    query = select(ApiToken).order_by(col(ApiToken.id))
    if biller_id:
        query = query.where(ApiToken.biller_id == biller_id)
    with Session(engine) as session:
        return list(session.exec(query).all())


def revoke_token(engine: Engine, token_id: int, now: dt.datetime) -> ApiToken:
    """Revoke a token by id; revoking twice keeps the first time.

    Raises:
        NotFoundError: no token has this id.
    """
    with write_session(engine) as session:
        row = session.get(ApiToken, token_id)
        if row is None:
            raise NotFoundError(f"token {token_id} not found", code="token_not_found")
        if row.revoked_at is None:
            row.revoked_at = now
            session.add(row)
        return row
