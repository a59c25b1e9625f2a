"""Killing the server in the middle of actions leaves a consistent store, and retries apply once."""

import json
import random
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.models import AuditEvent, IdempotencyRecord, PaymentMethod
from tests.crash_servers import autogiro_change, serve_argv

pytestmark = pytest.mark.slow

CALLS = 150
KILLS = 5


def start_server(url, policy_path):
    return subprocess.Popen(
        [sys.executable, "-m", "invoice_mcp", *serve_argv(url, policy_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def frames(keys):
    """The JSON-RPC frames of a legacy handshake followed by one autogiro change per key."""
    yield {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "crash", "version": "1"},
        },
    }
    yield {"jsonrpc": "2.0", "method": "notifications/initialized"}
    for number, key in enumerate(keys, start=1):
        yield {
            "jsonrpc": "2.0",
            "id": number,
            "method": "tools/call",
            "params": {
                "name": "change_payment_method",
                "arguments": {**autogiro_change(key), "idempotency_key": key},
            },
        }


def stop(process):
    process.stdin.close()
    process.wait(timeout=30)
    process.stdout.close()


def send_all(process, keys):
    payload = "".join(json.dumps(frame) + "\n" for frame in frames(keys)).encode()
    try:
        process.stdin.write(payload)
        process.stdin.flush()
    except BrokenPipeError:
        pass


def count_mandates(engine):
    with Session(engine) as session:
        return session.exec(
            select(func.count()).select_from(PaymentMethod).where(PaymentMethod.kind == "autogiro")
        ).one()


def assert_consistent(engine, mandates_at_start):
    """Check the invariants after a crash and return how many changes were applied."""
    with Session(engine) as session:
        applied = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "change_payment_method", AuditEvent.outcome == "applied")
        ).one()
        records = session.exec(
            select(func.count())
            .select_from(IdempotencyRecord)
            .where(
                IdempotencyRecord.action == "change_payment_method",
                IdempotencyRecord.idempotency_key.like("crash-%"),
            )
        ).one()
        pending = session.exec(
            select(func.count()).select_from(PaymentMethod).where(PaymentMethod.status == "pending_signature")
        ).one()
        if engine.dialect.name == "sqlite":
            assert session.exec(text("PRAGMA integrity_check")).one()[0] == "ok"
    # Every applied change has exactly its audit event and its stored result, or none of them.
    assert applied == records
    assert count_mandates(engine) - mandates_at_start == applied
    assert pending <= 1
    return applied


def test_kill_during_actions_keeps_store_consistent(store_url, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("[defaults.confirmation]\nrequired = false\n", encoding="utf-8")
    engine = make_engine(store_url)
    at_start = count_mandates(engine)
    keys = [f"crash-{number:04d}" for number in range(CALLS)]
    chooser = random.Random(20261204)

    for _ in range(KILLS):
        process = start_server(store_url, policy)
        send_all(process, keys)
        time.sleep(chooser.uniform(0.3, 1.5))
        process.send_signal(signal.SIGKILL)
        stop(process)
        assert_consistent(engine, at_start)

    process = start_server(store_url, policy)
    send_all(process, keys)
    # Read every answer before closing stdin: at end of input the server stops serving.
    replies = [json.loads(process.stdout.readline()) for _ in range(CALLS + 1)]
    stop(process)

    calls = [reply for reply in replies if reply.get("id") not in (None, 0)]
    assert len(calls) == CALLS
    assert all(not reply["result"].get("isError") for reply in calls), calls[:2]
    assert assert_consistent(engine, at_start) == CALLS
    engine.dispose()
