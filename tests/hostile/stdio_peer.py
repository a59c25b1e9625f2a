"""A raw stdio peer for `invoice-mcp serve`: writes bytes, reads JSON-RPC replies on a thread.

The SDK client cannot send malformed frames, so the hostile stdio tests talk to the
server process through this peer instead.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from invoice_mcp.cli import main as cli_main
from tests.conftest import DEMO_FIXTURES

PROTOCOL_VERSION = "2025-11-25"


def seed_demo_store(url: str) -> None:
    """Create the schema and load the demo fixtures, as `invoice-mcp db upgrade` and `seed` do."""
    assert cli_main(["--log-level", "ERROR", "db", "upgrade", "--database-url", url]) == 0
    assert cli_main(["--log-level", "ERROR", "seed", str(DEMO_FIXTURES), "--database-url", url]) == 0


def serve_command(url: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "invoice_mcp",
        "serve",
        "--database-url",
        url,
        "--biller",
        "nordvag",
        "--customer",
        "100234",
        "--today",
        "2026-12-04",
        *extra,
    ]


def encode(frame: Any) -> bytes:
    """Return one frame as a line: JSON for Python values, bytes and text as given."""
    if isinstance(frame, bytes):
        raw = frame
    elif isinstance(frame, str):
        raw = frame.encode()
    else:
        raw = json.dumps(frame, separators=(",", ":")).encode()
    return raw + b"\n"


class StdioPeer:
    """A running `serve` process with a reader thread that collects every reply line."""

    def __init__(self, url: str, stderr_path: Path) -> None:
        self._stderr = stderr_path.open("wb")
        self.process = subprocess.Popen(
            serve_command(url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self.replies: queue.Queue[dict[str, Any] | str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.replies.put(json.loads(line))
            except ValueError:
                # A line that is not JSON on stdout is a protocol violation; keep it for the assert.
                self.replies.put(line.decode(errors="replace"))
        self.replies.put(None)

    def send(self, *frames: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"".join(encode(frame) for frame in frames))
        self.process.stdin.flush()

    def next_reply(self, timeout: float) -> dict[str, Any] | str | None:
        """Return the next reply line, or raise queue.Empty after `timeout` seconds."""
        return self.replies.get(timeout=timeout)

    def wait_for(self, request_id: Any, timeout: float = 10.0) -> tuple[dict[str, Any], list[Any]]:
        """Return the reply to `request_id` and every other reply that arrived before it."""
        deadline = time.monotonic() + timeout
        others: list[Any] = []
        while True:
            reply = self.next_reply(max(0.01, deadline - time.monotonic()))
            if reply is None:
                raise AssertionError(f"server closed stdout before replying to {request_id!r}: {others[-3:]}")
            if isinstance(reply, dict) and reply.get("id") == request_id and "method" not in reply:
                return reply, others
            others.append(reply)

    def handshake(self) -> dict[str, Any]:
        self.send(
            {
                "jsonrpc": "2.0",
                "id": "init",
                "method": "initialize",
                "params": {
                    "protocolVersion": PROTOCOL_VERSION,
                    "capabilities": {},
                    "clientInfo": {"name": "hostile-tests", "version": "1"},
                },
            },
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
        )
        reply, _ = self.wait_for("init")
        return reply

    def rss_kib(self) -> int:
        """Return the server's resident set size in KiB, from /proc/PID/status."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(row for row in status.splitlines() if row.startswith("VmRSS:"))
        return int(line.split()[1])

    def close(self) -> int:
        """Close stdin, which ends the session, and return the exit status."""
        if self.process.stdin and not self.process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        try:
            status = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait(timeout=15)
        self._reader.join(timeout=5)
        if self.process.stdout:
            self.process.stdout.close()
        self._stderr.close()
        return status
