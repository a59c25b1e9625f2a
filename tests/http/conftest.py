"""Real `invoice-mcp serve --transport http` processes on a seeded store, and clients for them."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from contextlib import asynccontextmanager

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from invoice_mcp.cli import main as cli_main

PYTHON = sys.executable


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HttpServer:
    def __init__(self, url: str, port: int, process: subprocess.Popen) -> None:
        self.database_url = url
        self.port = port
        self.process = process

    @property
    def mcp_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"


def start_http_server(database_url: str, *extra: str) -> HttpServer:
    port = free_port()
    env = {**os.environ, "INVOICE_MCP_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "invoice_mcp",
            "serve",
            "--transport",
            "http",
            "--port",
            str(port),
            "--database-url",
            database_url,
            "--today",
            "2026-12-04",
            *extra,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return HttpServer(database_url, port, process)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start listening within 20 s")


def stop(server: HttpServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    server.process.stderr.close()


def make_token(database_url: str, *args: str) -> str:
    """Create an API token with the CLI and return it."""
    result = subprocess.run(
        [PYTHON, "-m", "invoice_mcp", "token", "create", "--database-url", database_url, *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@asynccontextmanager
async def http_client(server: HttpServer, token: str | None, mode: str = "auto"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(server.mcp_url, http_client=http), mode=mode) as client,
    ):
        yield client


@pytest.fixture
def http_server(store_url):
    server = start_http_server(store_url)
    yield server
    stop(server)


@pytest.fixture
def sqlite_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'http.db'}"
    assert cli_main(["db", "upgrade", "--database-url", url]) == 0
    from tests.conftest import DEMO_FIXTURES

    assert cli_main(["seed", str(DEMO_FIXTURES), "--database-url", url]) == 0
    return url
