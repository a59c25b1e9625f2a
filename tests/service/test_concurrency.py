"""Exactly-once under concurrency, on an SQLite file and on PostgreSQL."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, func, select

from invoice_mcp.domain.errors import BillingError
from invoice_mcp.domain.policy import BillerPolicy, ConfirmationPolicy
from invoice_mcp.service import actions
from invoice_mcp.store.models import AuditEvent, IdempotencyRecord, PaymentExtension
from tests.conftest import ANNA, DEMO_TODAY

pytestmark = pytest.mark.slow

CALLERS = 50
ANNA_LATEST = "NV-2026-0031745"
NOW = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)
WITHOUT_CONFIRMATION = BillerPolicy(confirmation=ConfirmationPolicy(required=False))


def context(engine, policy=WITHOUT_CONFIRMATION):
    return actions.ActionContext(engine=engine, principal=ANNA, policy=policy, today=DEMO_TODAY, now=NOW)


def run_together(calls):
    """Start every call at the same moment on its own thread; return results or errors."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        except BillingError as error:
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def count(engine, model, *where):
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_same_key_applies_once_with_identical_answers(store_engine):
    ctx = context(store_engine)
    calls = [
        lambda: actions.grant_deferral(ctx, ANNA_LATEST, 14, idempotency_key="anna-two-weeks-0001")
        for _ in range(CALLERS)
    ]

    results = run_together(calls)

    errors = [r for r in results if isinstance(r, BillingError)]
    assert errors == []
    answers = {r.model_copy(update={"replayed": False}).model_dump_json() for r in results}
    assert len(answers) == 1
    assert sum(not r.replayed for r in results) == 1
    assert count(store_engine, PaymentExtension) == 1
    assert count(store_engine, AuditEvent, AuditEvent.outcome == "applied") == 1


def test_different_keys_give_one_extension_and_refusals(store_engine):
    ctx = context(store_engine)
    calls = [
        (lambda i=i: actions.grant_deferral(ctx, ANNA_LATEST, 14, idempotency_key=f"anna-attempt-{i:04d}"))
        for i in range(CALLERS)
    ]

    results = run_together(calls)

    granted = [r for r in results if not isinstance(r, BillingError)]
    refused = [r for r in results if isinstance(r, BillingError)]
    assert len(granted) == 1
    assert {e.code for e in refused} == {"already_deferred"}
    assert len(refused) == CALLERS - 1
    assert count(store_engine, PaymentExtension) == 1
    assert count(store_engine, AuditEvent, AuditEvent.outcome == "refused") == CALLERS - 1


def test_one_token_confirmed_concurrently_applies_once(store_engine):
    ctx = context(store_engine, policy=BillerPolicy())
    quote = actions.grant_deferral(ctx, ANNA_LATEST, 14)
    calls = [
        lambda: actions.grant_deferral(ctx, ANNA_LATEST, 14, confirmation_token=quote.confirmation_token)
        for _ in range(CALLERS)
    ]

    results = run_together(calls)

    assert [r for r in results if isinstance(r, BillingError)] == []
    assert {r.new_due_date for r in results} == {quote.new_due_date}
    assert count(store_engine, PaymentExtension) == 1
    assert count(store_engine, IdempotencyRecord) == 1


def test_separate_quotes_confirmed_concurrently_apply_once(store_engine):
    ctx = context(store_engine, policy=BillerPolicy())
    quotes = [actions.grant_deferral(ctx, ANNA_LATEST, 14) for _ in range(10)]
    calls = [
        (lambda q=q: actions.grant_deferral(ctx, ANNA_LATEST, 14, confirmation_token=q.confirmation_token))
        for q in quotes
    ]

    results = run_together(calls)

    refused = [r for r in results if isinstance(r, BillingError)]
    assert len(refused) == len(quotes) - 1
    assert {e.code for e in refused} == {"already_deferred"}
    assert count(store_engine, PaymentExtension) == 1
