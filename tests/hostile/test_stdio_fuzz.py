"""Malformed and hostile frames on stdio: the server stays up, replies where it can, and goes on.

Frame kinds, and what MCP Python SDK 2.3.0 does with them (checked by these tests):

- Requests the SDK can parse are answered: unknown methods with -32601, invalid params of
  a known method with -32602, anything else with a result. Invalid UTF-8 inside a frame is
  decoded with U+FFFD in its place (stdio_server opens stdin with errors="replace"), so such
  a frame is answered like any other.
- Notifications and stray responses get no reply, as JSON-RPC requires.
- Frames the SDK cannot parse or validate (invalid JSON, batches, no "jsonrpc": "2.0", a
  method that is not a string, params that are not an object, nesting deeper than
  pydantic-core's JSON recursion limit, lone surrogate escapes) get no reply at all,
  although JSON-RPC 2.0 asks for -32700 or -32600. `stdio_server` (mcp/server/stdio.py)
  sends the validation error down the read stream, and `JSONRPCDispatcher._dispatch`
  (mcp/shared/jsonrpc_dispatcher.py) only debug-logs it, because the server never sets
  `on_stream_exception`. A request whose id is a float, bool, object, array or null is
  read as a notification (JSONRPCNotification ignores the extra "id" member) and dropped
  too. `test_unparsable_frame_gets_error_reply` keeps these gaps visible.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.hostile.stdio_peer import StdioPeer, seed_demo_store

pytestmark = pytest.mark.slow

FRAMES = 10_000
SEED = 20261204
ONE_MIB = 1024 * 1024
HUGE_FRAMES = 30
# Growth of the server's RSS over the fuzz run that still counts as bounded. The run sends
# about 45 MiB of frames; RSS grew by about 7 MiB on a 2-core Linux machine.
RSS_GROWTH_LIMIT_KIB = 48 * 1024
TOOL_NAMES = {"list_invoices", "get_invoice", "explain_amount", "grant_deferral", "change_payment_method"}

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602


@dataclass(frozen=True)
class FrameKind:
    """How to build one kind of frame and which replies are acceptable for it.

    `answered_by_sdk` is False for kinds the SDK drops. For those, `codes` lists the JSON-RPC
    error codes a correct server would send, and the fuzz test only checks that a reply,
    if one arrives, has one of them.
    """

    build: Callable[[random.Random, int], Any]
    weight: int
    reply: str  # "result", "error" or "none"
    codes: frozenset[int] = frozenset()
    answered_by_sdk: bool = True


def request(ident: Any, method: str, params: Any = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"jsonrpc": "2.0", "id": ident, "method": method}
    if params is not None:
        frame["params"] = params
    return frame


def random_text(rng: random.Random, size: int) -> str:
    alphabet = 'abcåäö ÅÄÖ"\\{}[]:,/\u200b\u202e\U0001f600\t'
    return "".join(rng.choice(alphabet) for _ in range(size))


def truncated(rng: random.Random, ident: int) -> bytes:
    whole = json.dumps(request(ident, "tools/call", {"name": "list_invoices", "arguments": {"limit": 5}}))
    return whole[: rng.randrange(1, len(whole) - 1)].encode()


def garbage(rng: random.Random, _ident: int) -> bytes:
    raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    # Line and carriage-return bytes would split the frame into several.
    return raw.replace(b"\n", b" ").replace(b"\r", b" ")


def invalid_utf8_params(rng: random.Random, ident: int) -> bytes:
    text = json.dumps(request(ident, "tools/list", {"cursor": "PLACEHOLDER"}))
    junk = bytes(rng.choice([0xFF, 0xFE, 0xC0, 0x80, 0xED]) for _ in range(rng.randrange(1, 8)))
    return text.replace("PLACEHOLDER", "").encode().replace(b'""', b'"' + junk + b'"')


def invalid_utf8_method(rng: random.Random, ident: int) -> bytes:
    return json.dumps(request(ident, "tools/XX")).encode().replace(b"XX", b"\xff\xfe")


def deep_nesting(rng: random.Random, ident: int) -> str:
    depth = rng.randrange(300, 20_000)
    return json.dumps(request(ident, "ping", {"x": None})).replace("null", "[" * depth + "]" * depth)


def lone_surrogate(_rng: random.Random, ident: int) -> str:
    return json.dumps(request(ident, "tools/list", {"cursor": "X"})).replace('"X"', '"\\ud800"')


def huge_ping(rng: random.Random, ident: int) -> dict[str, Any]:
    return request(ident, "ping", {"_meta": {"padding": "a" * ONE_MIB}})


def huge_garbage(rng: random.Random, _ident: int) -> bytes:
    return b"{" * ONE_MIB


KINDS: dict[str, FrameKind] = {
    "ping": FrameKind(lambda rng, i: request(i, "ping"), 20, "result"),
    "ping_string_id": FrameKind(lambda rng, i: request(f"s-{i}", "ping"), 5, "result"),
    "ping_negative_id": FrameKind(lambda rng, i: request(-i, "ping"), 2, "result"),
    "tools_list_invalid_utf8": FrameKind(invalid_utf8_params, 5, "result"),
    "unknown_method": FrameKind(
        lambda rng, i: request(i, f"x/{random_text(rng, 8)}"), 10, "error", frozenset({METHOD_NOT_FOUND})
    ),
    "unknown_method_invalid_utf8": FrameKind(invalid_utf8_method, 3, "error", frozenset({METHOD_NOT_FOUND})),
    "unknown_tool": FrameKind(
        lambda rng, i: request(i, "tools/call", {"name": random_text(rng, 12), "arguments": {}}), 4, "result"
    ),
    "tool_name_not_string": FrameKind(
        lambda rng, i: request(i, "tools/call", {"name": rng.randrange(10)}),
        4,
        "error",
        frozenset({INVALID_PARAMS}),
    ),
    "tool_call_text_arguments": FrameKind(
        lambda rng, i: request(i, "tools/call", {"name": "get_invoice", "arguments": random_text(rng, 20)}),
        3,
        "error",
        frozenset({INVALID_PARAMS}),
    ),
    "unknown_notification": FrameKind(
        lambda rng, i: {"jsonrpc": "2.0", "method": f"notifications/{random_text(rng, 6)}"}, 5, "none"
    ),
    "cancel_unknown_request": FrameKind(
        lambda rng, i: {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": i}},
        2,
        "none",
    ),
    "response_to_unknown_id": FrameKind(lambda rng, i: {"jsonrpc": "2.0", "id": i, "result": {}}, 2, "none"),
    "error_response": FrameKind(
        lambda rng, i: {"jsonrpc": "2.0", "id": i, "error": {"code": -1, "message": "x"}}, 2, "none"
    ),
    # The SDK drops the kinds below without a reply. Their `codes` are what JSON-RPC 2.0 requires.
    "truncated_json": FrameKind(truncated, 8, "error", frozenset({PARSE_ERROR}), answered_by_sdk=False),
    "random_bytes": FrameKind(garbage, 6, "error", frozenset({PARSE_ERROR}), answered_by_sdk=False),
    "batch": FrameKind(
        lambda rng, i: [request(i, "ping"), request(i + 1, "tools/list")],
        3,
        "error",
        frozenset({INVALID_REQUEST}),
        answered_by_sdk=False,
    ),
    "empty_batch": FrameKind(
        lambda rng, i: [], 1, "error", frozenset({INVALID_REQUEST}), answered_by_sdk=False
    ),
    "id_float": FrameKind(
        lambda rng, i: request(i + 0.5, "ping"),
        1,
        "error",
        frozenset({INVALID_REQUEST}),
        answered_by_sdk=False,
    ),
    "id_bool": FrameKind(
        lambda rng, i: request(True, "ping"), 1, "error", frozenset({INVALID_REQUEST}), answered_by_sdk=False
    ),
    "id_object": FrameKind(
        lambda rng, i: request({"n": i}, "ping"),
        1,
        "error",
        frozenset({INVALID_REQUEST}),
        answered_by_sdk=False,
    ),
    "id_array": FrameKind(
        lambda rng, i: request([i], "ping"), 1, "error", frozenset({INVALID_REQUEST}), answered_by_sdk=False
    ),
    "id_null": FrameKind(
        lambda rng, i: request(None, "ping"), 1, "error", frozenset({INVALID_REQUEST}), answered_by_sdk=False
    ),
    "no_jsonrpc_member": FrameKind(
        lambda rng, i: {"id": i, "method": "ping"},
        1,
        "error",
        frozenset({INVALID_REQUEST}),
        answered_by_sdk=False,
    ),
    "jsonrpc_1_0": FrameKind(
        lambda rng, i: {"jsonrpc": "1.0", "id": i, "method": "ping"},
        1,
        "error",
        frozenset({INVALID_REQUEST}),
        answered_by_sdk=False,
    ),
    "method_not_string": FrameKind(
        lambda rng, i: request(i, rng.randrange(100)),
        1,
        "error",
        frozenset({INVALID_REQUEST}),
        answered_by_sdk=False,
    ),
    "params_not_object": FrameKind(
        lambda rng, i: request(i, "tools/list", rng.choice(["x", [1, 2], 7])),
        2,
        "error",
        frozenset({INVALID_REQUEST, INVALID_PARAMS}),
        answered_by_sdk=False,
    ),
    "scalar_json": FrameKind(
        lambda rng, i: rng.choice(["42", '"ping"', "null", "true"]),
        1,
        "error",
        frozenset({INVALID_REQUEST}),
        answered_by_sdk=False,
    ),
    "deep_nesting": FrameKind(
        deep_nesting, 2, "error", frozenset({PARSE_ERROR, INVALID_REQUEST}), answered_by_sdk=False
    ),
    "lone_surrogate_escape": FrameKind(
        lone_surrogate, 1, "error", frozenset({PARSE_ERROR, INVALID_REQUEST}), answered_by_sdk=False
    ),
}
HUGE_KINDS: dict[str, FrameKind] = {
    "ping_1mib": FrameKind(huge_ping, 0, "result"),
    "garbage_1mib": FrameKind(huge_garbage, 0, "error", frozenset({PARSE_ERROR}), answered_by_sdk=False),
}


def generate(count: int, rng: random.Random, first_id: int) -> list[tuple[str, Any, Any]]:
    """Return `count` frames as (kind, frame, id) with ids unique from `first_id` on."""
    names = list(KINDS)
    weights = [KINDS[name].weight for name in names]
    chosen = rng.choices(names, weights=weights, k=count - HUGE_FRAMES)
    chosen += [rng.choice(list(HUGE_KINDS)) for _ in range(HUGE_FRAMES)]
    rng.shuffle(chosen)
    frames = []
    for offset, name in enumerate(chosen):
        # Batches use two ids, so every frame reserves two.
        ident = first_id + 2 * offset
        kind = KINDS.get(name) or HUGE_KINDS[name]
        frames.append((name, kind.build(rng, ident), ident))
    return frames


def expected_reply_id(name: str, ident: int) -> Any:
    if name == "ping_string_id":
        return f"s-{ident}"
    if name == "ping_negative_id":
        return -ident
    return ident


def write_all(peer: StdioPeer, frames: list[tuple[str, Any, Any]], failures: list[BaseException]) -> None:
    try:
        for start in range(0, len(frames), 200):
            peer.send(*(frame for _, frame, _ in frames[start : start + 200]))
    except BaseException as error:  # reported by the test thread
        failures.append(error)


def run_frames(peer: StdioPeer, frames: list[tuple[str, Any, Any]], timeout: float) -> dict[Any, Any]:
    """Send `frames` from a writer thread, then a ping, and return every reply by id."""
    failures: list[BaseException] = []
    writer = threading.Thread(target=write_all, args=(peer, frames, failures), daemon=True)
    writer.start()
    sentinel = f"sentinel-{frames[0][2]}"
    deadline = time.monotonic() + timeout
    while writer.is_alive() and time.monotonic() < deadline:
        writer.join(0.05)
    assert not writer.is_alive(), "writing the frames timed out"
    assert not failures, failures

    peer.send({"jsonrpc": "2.0", "id": sentinel, "method": "ping"})
    _, replies = peer.wait_for(sentinel, timeout=max(1.0, deadline - time.monotonic()))

    pending = {
        expected_reply_id(name, ident)
        for name, _, ident in frames
        if (KINDS.get(name) or HUGE_KINDS[name]).reply != "none"
        and (KINDS.get(name) or HUGE_KINDS[name]).answered_by_sdk
    }
    by_id: dict[Any, Any] = {}
    for reply in replies:
        key = reply.get("id") if isinstance(reply, dict) else ("not-json", len(by_id))
        by_id.setdefault(key, []).append(reply)

    # Requests run as concurrent tasks, so a few replies may come after the sentinel's.
    while not pending <= set(by_id) and time.monotonic() < deadline:
        try:
            reply = peer.next_reply(0.1)
        except queue.Empty:
            continue
        key = reply.get("id") if isinstance(reply, dict) else ("not-json", len(by_id))
        by_id.setdefault(key, []).append(reply)
    return by_id


def outcome(reply: Any) -> str:
    if not isinstance(reply, dict):
        return "not json"
    if "error" in reply:
        return f"error {reply['error'].get('code')}"
    return "result"


def check_replies(frames: list[tuple[str, Any, Any]], by_id: dict[Any, list[Any]]) -> dict[str, Counter]:
    """Assert that each reply fits its frame kind, and return the outcomes per kind for the report."""
    outcomes: dict[str, Counter] = {}
    known_ids = set()
    for name, _, ident in frames:
        kind = KINDS.get(name) or HUGE_KINDS[name]
        reply_id = expected_reply_id(name, ident)
        known_ids.add(reply_id)
        got = by_id.get(reply_id, [])
        counter = outcomes.setdefault(name, Counter())
        counter[outcome(got[0]) if got else "no reply"] += 1
        if kind.reply == "none" or not kind.answered_by_sdk:
            for reply in got:
                assert kind.reply != "none", f"{name}: a reply to a notification or response: {reply}"
                assert reply.get("error", {}).get("code") in kind.codes, f"{name}: wrong reply {reply}"
            continue
        assert len(got) == 1, f"{name} id {reply_id!r}: expected one reply, got {got}"
        reply = got[0]
        if kind.reply == "result":
            assert "result" in reply, f"{name}: expected a result, got {reply}"
        else:
            assert reply.get("error", {}).get("code") in kind.codes, f"{name}: wrong reply {reply}"
    null_replies = by_id.get(None, [])
    for reply in null_replies:
        assert reply["error"]["code"] in (PARSE_ERROR, INVALID_REQUEST), reply
    strays = [
        key
        for key in by_id
        if key is not None and key not in known_ids and not str(key).startswith("sentinel")
    ]
    assert not strays, f"replies to ids that were never sent: {strays[:5]}"
    return outcomes


@pytest.fixture
def fuzz_peer(tmp_path):
    url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    seed_demo_store(url)
    peer = StdioPeer(url, tmp_path / "serve.log")
    yield peer
    peer.close()


def test_fuzzed_frames_leave_server_serving(fuzz_peer):
    peer = fuzz_peer
    rng = random.Random(SEED)
    started = time.monotonic()
    assert "result" in peer.handshake()

    # Warm up every code path once, so that lazy imports and caches do not count as growth.
    warm_up = generate(400, rng, first_id=1)
    check_replies(warm_up, run_frames(peer, warm_up, timeout=30))
    rss_before = peer.rss_kib()

    frames = generate(FRAMES, rng, first_id=10_000)
    by_id = run_frames(peer, frames, timeout=45)
    rss_after = peer.rss_kib()
    outcomes = check_replies(frames, by_id)

    peer.send({"jsonrpc": "2.0", "id": "final", "method": "tools/list"})
    final, _ = peer.wait_for("final", timeout=10)
    elapsed = time.monotonic() - started
    report = "\n".join(f"  {name:28} {dict(counts)}" for name, counts in sorted(outcomes.items()))
    print(f"\n{FRAMES} frames in {elapsed:.1f} s, RSS {rss_before} -> {rss_after} KiB\n{report}")

    assert peer.process.poll() is None
    assert {tool["name"] for tool in final["result"]["tools"]} >= TOOL_NAMES
    assert rss_after - rss_before < RSS_GROWTH_LIMIT_KIB
    assert peer.close() == 0


DROPPED_KINDS = sorted(name for name, kind in {**KINDS, **HUGE_KINDS}.items() if not kind.answered_by_sdk)


@pytest.fixture(scope="module")
def shared_peer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("unparsable")
    url = f"sqlite:///{folder / 'store.db'}"
    seed_demo_store(url)
    peer = StdioPeer(url, folder / "serve.log")
    peer.handshake()
    yield peer
    peer.close()


@pytest.mark.parametrize("name", DROPPED_KINDS)
def test_unparsable_frame_gets_error_reply(shared_peer, name):
    kind = KINDS.get(name) or HUGE_KINDS[name]
    ident = 900_000 + DROPPED_KINDS.index(name) * 2
    shared_peer.send(kind.build(random.Random(SEED), ident))
    shared_peer.send({"jsonrpc": "2.0", "id": f"after-{name}", "method": "ping"})

    _, before = shared_peer.wait_for(f"after-{name}")

    errors = [
        reply["error"]["code"]
        for reply in before
        if isinstance(reply, dict) and reply.get("id") in (ident, None) and "error" in reply
    ]
    assert errors, f"{name}: no JSON-RPC error reply"
    assert errors[0] in kind.codes
