"""No unmasked identity, account or card number or token in outputs, errors, logs or audit rows.

A representative session calls every tool on the demo data, refusals and invalid details
included, and keeps what each channel produced: tool results, log records (all levels),
audit events, and the stored quotes and replay results. Each channel is scanned on its own.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from mcp import Client
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

import invoice_mcp.store.engine as store_engine
from invoice_mcp.domain.identifiers import luhn_check_digit
from invoice_mcp.server.app import build_server
from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import upgrade
from invoice_mcp.store.models import ActionQuote, AuditEvent, IdempotencyRecord
from invoice_mcp.store.seed import load_fixtures
from tests.conftest import DEMO_FIXTURES, POSTGRES_URL_ENV, _prepare, make_settings, postgres_database
from tests.hostile.conftest import result_json, strings_in
from tests.hostile.leak_scan import LeakScanner

ANNA_IDENTITY = "19840317-2482"
HOLDER = "19840317" + "123" + luhn_check_digit("840317123")
CARD_NUMBER = "4111 1111 1111 1111"
CARD_TOKEN = "tok_visa_4242abcd9876"
ACCOUNT = "123456789"
AUTOGIRO = {"clearing_number": "6789", "account_number": ACCOUNT, "account_holder_identity_number": HOLDER}
OPEN_INVOICE = "NV-2026-0031745"

# What an agent sends in an ordinary session, mistakes that the tools refuse included.
SESSION: list[tuple[str, dict[str, Any]]] = [
    ("list_invoices", {"limit": 50}),
    ("get_invoice", {"invoice_number": OPEN_INVOICE}),
    ("get_invoice", {"invoice_number": "NV-2025-0011345"}),
    ("explain_amount", {"invoice_number": OPEN_INVOICE}),
    ("explain_amount", {"invoice_number": OPEN_INVOICE, "baseline": "typical", "locale": "en"}),
    ("get_invoice", {"invoice_number": "NV-9999-0000000"}),
    ("grant_deferral", {"invoice_number": OPEN_INVOICE, "days": 45}),
    ("grant_deferral", {"invoice_number": OPEN_INVOICE, "days": 14}),
    ("grant_deferral", {"invoice_number": OPEN_INVOICE, "days": 14, "confirmation_token": "ct_" + "x" * 32}),
    (
        "change_payment_method",
        {"method": "autogiro", "details": AUTOGIRO, "idempotency_key": "session-autogiro-1"},
    ),
    ("change_payment_method", {"method": "autogiro", "details": {**AUTOGIRO, "account_number": "12345"}}),
    (
        "change_payment_method",
        {"method": "autogiro", "details": {**AUTOGIRO, "account_holder_identity_number": "19840317-1234"}},
    ),
    ("change_payment_method", {"method": "autogiro", "details": {**AUTOGIRO, "clearing_number": "12"}}),
    ("change_payment_method", {"method": "card", "details": {"card_token": CARD_NUMBER}}),
    ("change_payment_method", {"method": "card", "details": {"card_token": CARD_NUMBER.replace(" ", "")}}),
    ("change_payment_method", {"method": "e_invoice", "details": {"bank_name": CARD_NUMBER}}),
    ("change_payment_method", {"method": "e_invoice", "details": {"bank_name": ANNA_IDENTITY}}),
    ("change_payment_method", {"method": "kivra", "details": {"note": ANNA_IDENTITY}}),
    ("change_payment_method", {"method": "card", "details": {"card_token": "tok_bad"}}),
    ("change_payment_method", {"method": "card", "details": {"card_token": CARD_TOKEN}}),
    ("change_payment_method", {"method": "swish", "details": {"phone": "0701234567"}}),
    ("change_payment_method", {"method": "email_pdf", "details": {"email": "anna@example.se"}}),
    ("change_payment_method", {"method": "autogiro", "details": {**AUTOGIRO, "account_number": 5}}),
    ("grant_deferral", {"invoice_number": OPEN_INVOICE, "days": "fourteen"}),
]
# An identifier typed into the wrong argument: the tools refuse it, and must not repeat it.
MISTYPED: list[tuple[str, dict[str, Any]]] = [
    ("get_invoice", {"invoice_number": "198403172482"}),
    ("explain_amount", {"invoice_number": ANNA_IDENTITY}),
    ("grant_deferral", {"invoice_number": CARD_NUMBER, "days": 14}),
    ("grant_deferral", {"invoice_number": f"6789-{ACCOUNT}", "days": 14}),
    ("list_invoices", {"cursor": ANNA_IDENTITY}),
]


async def run_calls(server, calls: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any], Any]]:
    """Run `calls`, confirming each quote with its token, and return (tool, arguments, result)."""
    results = []
    async with Client(server, mode="legacy") as client:
        for name, arguments in calls:
            result = await client.call_tool(name, arguments)
            results.append((name, arguments, result))
            token = (result.structured_content or {}).get("confirmation_token")
            if token:
                confirm = {**arguments, "confirmation_token": token}
                results.append((name, confirm, await client.call_tool(name, confirm)))
                # A replay of the confirmation returns the stored result.
                results.append((name, confirm, await client.call_tool(name, confirm)))
    return results


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run_session(calls: list[tuple[str, dict[str, Any]]]) -> dict[str, list[tuple[str, str]]]:
    """Run a session on fresh demo data, and return (where, text) pairs by channel."""
    engine = make_engine("sqlite://")
    upgrade(engine)
    load_fixtures(engine, DEMO_FIXTURES)
    server = build_server(make_settings(engine))

    handler = ListHandler()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        results = anyio.run(run_calls, server, calls)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)

    with Session(engine) as session:
        audit = [event.model_dump(mode="json") for event in session.exec(select(AuditEvent)).all()]
        quotes = [row.quote for row in session.exec(select(ActionQuote)).all()]
        stored = [row.result for row in session.exec(select(IdempotencyRecord)).all()]
    engine.dispose()

    logs = [(record, f"log {record.name}", log_text(record)) for record in handler.records]
    return {
        "outputs": list(output_texts(results)),
        "logs": [(where, text) for _, where, text in logs],
        "logs_info": [(where, text) for record, where, text in logs if record.levelno >= logging.INFO],
        "audit": [
            (f"audit {event['action']} {event['outcome']}", json.dumps(event, ensure_ascii=False))
            for event in audit
        ],
        "stored_results": [("quote", json.dumps(quote, ensure_ascii=False)) for quote in quotes]
        + [("replay", json.dumps(result, ensure_ascii=False)) for result in stored],
    }


def log_text(record: logging.LogRecord) -> str:
    message = record.getMessage()
    if record.exc_info:
        message += "\n" + logging.Formatter().formatException(record.exc_info)
    return message


def output_texts(results) -> Iterator[tuple[str, str]]:
    """Yield every string of every result, except a quote's own confirmation_token."""
    for name, arguments, result in results:
        where = f"{name} {sorted(arguments)}"
        body = result_json(result)
        for path, value in strings_in(body):
            if path != "confirmation_token":
                yield f"{where} {path}", value
        if result.structured_content is None and not isinstance(body, dict | str):
            yield where, result.content[0].text


@pytest.fixture(scope="module")
def scanner() -> LeakScanner:
    ocr_references = set()
    accounts = {ACCOUNT, CARD_TOKEN, CARD_NUMBER}
    for invoice in json.loads((DEMO_FIXTURES / "invoices.json").read_text(encoding="utf-8")):
        if invoice.get("ocr_reference"):
            ocr_references.add(invoice["ocr_reference"])
    for method in json.loads((DEMO_FIXTURES / "payment_methods.json").read_text(encoding="utf-8")):
        for name in ("account_number", "token"):
            if name in method["details"]:
                accounts.add(method["details"][name])
    return LeakScanner(planted=accounts, allowed_digits=ocr_references)


@pytest.fixture(scope="module")
def session_channels():
    return run_session(SESSION)


@pytest.fixture(scope="module")
def mistyped_channels():
    return run_session(MISTYPED)


@pytest.mark.parametrize("channel", ["outputs", "logs", "audit", "stored_results"])
def test_session_leaks_no_secrets(session_channels, scanner, channel):
    items = session_channels[channel]

    leaks = scanner.scan(items)

    assert items
    assert not leaks, leaks[:5]


def test_session_covers_every_tool(session_channels):
    tools = {where.split()[0] for where, _ in session_channels["outputs"]}

    assert tools == {
        "list_invoices",
        "get_invoice",
        "explain_amount",
        "grant_deferral",
        "change_payment_method",
    }


@pytest.mark.parametrize(
    "channel",
    [
        "outputs",
        "logs_info",
        "audit",
        "stored_results",
    ],
)
def test_mistyped_identifier_not_repeated(mistyped_channels, scanner, channel):
    leaks = scanner.scan(mistyped_channels[channel])

    assert not leaks, leaks[:5]


@pytest.fixture
def locked_invoice_table(monkeypatch):
    """Yield a server on PostgreSQL whose invoice table another connection holds locked."""
    base_url = os.environ.get(POSTGRES_URL_ENV)
    if not base_url:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    # The product waits 10 s for a lock; a short wait keeps the test fast.
    monkeypatch.setattr(store_engine, "POSTGRES_LOCK_TIMEOUT_MS", 300)
    with postgres_database(base_url) as url:
        _prepare(url)
        engine = store_engine.make_engine(url)
        locker_engine = create_engine(url)
        with locker_engine.connect() as locker:
            locker.execute(text("LOCK TABLE invoice IN ACCESS EXCLUSIVE MODE"))
            yield build_server(make_settings(engine))
            locker.rollback()
        locker_engine.dispose()
        engine.dispose()


@pytest.mark.postgres
def test_database_error_log_leaks_no_secrets(locked_invoice_table, scanner):
    handler = ListHandler()
    logging.getLogger().addHandler(handler)
    try:
        result = anyio.run(
            run_calls, locked_invoice_table, [("get_invoice", {"invoice_number": "198403172482"})]
        )
    finally:
        logging.getLogger().removeHandler(handler)
    logs = [(f"log {record.name}", log_text(record)) for record in handler.records]

    leaks = scanner.scan(logs)

    assert json.loads(result[0][2].content[0].text)["retryable"] is True
    assert not leaks, leaks[:3]
