"""SIGKILL at 200 random points during write actions: the store stays consistent, retries apply once.

Each round starts a server, forked from tests/hostile/zygote.py to skip the import time.
It waits for the handshake and sends the retries of the previous round's calls and a few
new ones. Then it kills the server after a random delay within the time those calls take. After every
kill the SQLite file must pass its integrity check and the invariants below. A last server
then retries every call: each must apply exactly once.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import bindparam, text

from invoice_mcp.store.engine import make_engine
from tests.crash_servers import autogiro_change, serve_argv
from tests.hostile.stdio_peer import PROTOCOL_VERSION, encode, seed_demo_store

pytestmark = pytest.mark.slow

KILLS = 200
NEW_CALLS_PER_ROUND = 4
SEED = 20261205
ZYGOTE = Path(__file__).with_name("zygote.py")
DEFERRABLE_INVOICE = "NV-2026-0031745"


def handshake_frames() -> list[dict]:
    return [
        {
            "jsonrpc": "2.0",
            "id": "init",
            "method": "initialize",
            "params": {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "crash-points", "version": "1"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
    ]


# A read call sent and answered before the timed calls. The stdio server opens the store on
# a worker thread after the handshake, and the kill window must cover the writes only.
STORE_READY_FRAME = {
    "jsonrpc": "2.0",
    "id": "store-ready",
    "method": "tools/call",
    "params": {"name": "list_invoices", "arguments": {"limit": 1}},
}


def call_frame(key: str) -> dict:
    """A write call for `key`: a deferral for keys starting 'defer-', else an autogiro change."""
    if key.startswith("defer-"):
        name, arguments = "grant_deferral", {"invoice_number": DEFERRABLE_INVOICE, "days": 14}
    else:
        name, arguments = "change_payment_method", autogiro_change(key)
    return {
        "jsonrpc": "2.0",
        "id": key,
        "method": "tools/call",
        "params": {"name": name, "arguments": {**arguments, "idempotency_key": key}},
    }


class Zygote:
    """The forking helper process and its control socket."""

    def __init__(self) -> None:
        self.control, child_end = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, str(ZYGOTE), str(child_end.fileno())],
            pass_fds=[child_end.fileno()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        child_end.close()
        self._replies = self.control.makefile("rb")

    def spawn(self, argv: list[str]) -> tuple[int, int, int]:
        """Fork a server running `invoice-mcp ARGV`; return its pid, stdin fd and stdout fd."""
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        socket.send_fds(self.control, [json.dumps(argv).encode()], [stdin_read, stdout_write])
        os.close(stdin_read)
        os.close(stdout_write)
        pid = json.loads(self._replies.readline())
        return pid, stdin_write, stdout_read

    def close(self) -> None:
        self._replies.close()
        self.control.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def read_until(stdout, request_id: str, timeout: float = 10.0) -> list[dict]:
    """Read reply lines until the one for `request_id`; return all of them."""
    deadline = time.monotonic() + timeout
    replies = []
    while time.monotonic() < deadline:
        line = stdout.readline()
        if not line:
            raise AssertionError(f"server ended before replying to {request_id}: {replies[-2:]}")
        reply = json.loads(line)
        replies.append(reply)
        if reply.get("id") == request_id:
            return replies
    raise AssertionError(f"no reply to {request_id} within {timeout} s")


def snapshot(engine) -> dict[str, int]:
    with engine.connect() as connection:
        scalar = lambda sql: connection.execute(text(sql)).scalar_one()  # noqa: E731
        return {
            "mandates": scalar("SELECT count(*) FROM paymentmethod WHERE kind = 'autogiro'"),
            "pending": scalar("SELECT count(*) FROM paymentmethod WHERE status = 'pending_signature'"),
            "extensions": scalar("SELECT count(*) FROM paymentextension"),
            "applied_changes": scalar(
                "SELECT count(*) FROM auditevent WHERE action = 'change_payment_method' AND outcome = 'applied'"
            ),
            "applied_deferrals": scalar(
                "SELECT count(*) FROM auditevent WHERE action = 'grant_deferral' AND outcome = 'applied'"
            ),
            "change_records": scalar(
                "SELECT count(*) FROM idempotencyrecord WHERE action = 'change_payment_method'"
            ),
            "deferral_records": scalar(
                "SELECT count(*) FROM idempotencyrecord WHERE action = 'grant_deferral'"
            ),
            "keys_applied_twice": scalar(
                "SELECT count(*) FROM (SELECT idempotency_key FROM auditevent WHERE outcome = 'applied' "
                "AND idempotency_key IS NOT NULL GROUP BY idempotency_key HAVING count(*) > 1) AS twice"
            ),
        }


def count_records(engine, keys: list[str]) -> int:
    with engine.connect() as connection:
        statement = text("SELECT count(*) FROM idempotencyrecord WHERE idempotency_key IN :keys").bindparams(
            bindparam("keys", expanding=True)
        )
        return connection.execute(statement, {"keys": keys}).scalar_one()


def assert_consistent(engine, start: dict[str, int]) -> dict[str, int]:
    """Assert the store's integrity and invariants after a kill; return the counts."""
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    now = snapshot(engine)
    # An applied action has its audit event, its stored result and its change, or none of them.
    assert (
        now["applied_changes"] - start["applied_changes"] == now["change_records"] - start["change_records"]
    )
    assert now["mandates"] - start["mandates"] == now["applied_changes"] - start["applied_changes"]
    assert now["applied_deferrals"] - start["applied_deferrals"] == now["extensions"] - start["extensions"]
    assert now["deferral_records"] - start["deferral_records"] == now["extensions"] - start["extensions"]
    assert now["keys_applied_twice"] == 0
    assert now["pending"] <= 1
    return now


@pytest.fixture
def crash_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    seed_demo_store(url)
    policy = tmp_path / "policy.toml"
    policy.write_text("[defaults.confirmation]\nrequired = false\n", encoding="utf-8")
    zygote = Zygote()
    yield url, policy, zygote
    zygote.close()


def run_round(
    zygote: Zygote, argv: list[str], keys: list[str], delay: float | None
) -> tuple[float, dict[str, dict]]:
    """Start a server, send `keys`' calls after the handshake, and kill it after `delay` seconds.

    With `delay` None the server replies to every call and ends normally. Returns the seconds
    from sending the calls until the kill or the last reply, and the replies by key.
    """
    pid, stdin_fd, stdout_fd = zygote.spawn(argv)
    with open(stdin_fd, "wb", buffering=0) as stdin, open(stdout_fd, "rb") as stdout:
        stdin.write(b"".join(encode(frame) for frame in handshake_frames()))
        read_until(stdout, "init")
        stdin.write(encode(STORE_READY_FRAME))
        read_until(stdout, "store-ready")
        started = time.monotonic()
        with contextlib.suppress(BrokenPipeError):
            stdin.write(b"".join(encode(call_frame(key)) for key in keys))
        if delay is None:
            replies = read_until(stdout, keys[-1], timeout=120)
            elapsed = time.monotonic() - started
            answered = {reply["id"]: reply for reply in replies}
            # Requests run concurrently, so the last key's reply may come before others.
            while missing := sorted(set(keys) - set(answered)):
                answered.update({reply["id"]: reply for reply in read_until(stdout, missing[0])})
            return elapsed, answered
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        # The pipe reaches end of file once the killed server's descriptors are gone.
        while stdout.read(65536):
            pass
        return delay, {}


def test_kills_at_random_points_keep_store_consistent(crash_store):
    url, policy, zygote = crash_store
    engine = make_engine(url)
    start = snapshot(engine)
    argv = serve_argv(url, policy)
    chooser = random.Random(SEED)

    # A first round without a kill measures how long a round's calls take.
    calibration = [f"calibrate-{n}" for n in range(NEW_CALLS_PER_ROUND)]
    window, _ = run_round(zygote, argv, calibration, delay=None)
    all_keys = list(calibration)
    previous: list[str] = []
    # Rounds by how many of their new changes applied before the kill: 0, some, all.
    outcomes = {"none": 0, "some": 0, "all": 0}
    for round_number in range(KILLS):
        changes = [f"crash-{round_number:03d}-{n}" for n in range(NEW_CALLS_PER_ROUND - 1)]
        new = [*changes, f"defer-{round_number:03d}"]
        run_round(zygote, argv, previous + new, delay=chooser.uniform(0, 2 * window))
        assert_consistent(engine, start)
        applied = count_records(engine, changes)
        if applied == 0:
            outcomes["none"] += 1
        elif applied == len(changes):
            outcomes["all"] += 1
        else:
            outcomes["some"] += 1
        all_keys += new
        previous = new

    final_started = time.monotonic()
    _, replies = run_round(zygote, argv, all_keys, delay=None)
    print(
        f"window {window:.3f} s, rounds by applied changes {outcomes}, last round {time.monotonic() - final_started:.1f} s"
    )
    # Kills must land inside the calls, not only before or after them.
    assert outcomes["some"] >= KILLS // 10
    end = assert_consistent(engine, start)
    refused = {
        key: json.loads(reply["result"]["content"][0]["text"])["code"]
        for key, reply in replies.items()
        if reply["result"].get("isError")
    }
    changes = [key for key in all_keys if not key.startswith("defer-")]
    assert not set(refused) & set(changes), refused
    # Once one deferral applied, the invoice has had its one extension.
    assert set(refused.values()) <= {"already_deferred"}
    assert end["change_records"] - start["change_records"] == len(changes)
    assert end["applied_changes"] - start["applied_changes"] == len(changes)
    # The policy allows two extensions in 12 months and one per invoice, so one deferral applies.
    assert end["extensions"] - start["extensions"] == 1
    engine.dispose()
