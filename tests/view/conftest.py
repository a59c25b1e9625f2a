"""Fixtures for the browser tests of the invoice view: Chromium, the real server and the test host."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from invoice_mcp.server.app import build_server
from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import upgrade
from invoice_mcp.store.seed import load_fixtures
from tests.conftest import DEMO_FIXTURES, make_settings
from tests.view.host_server import HostServer, McpBridge

CHROMIUM = Path("/usr/bin/chromium")


def _require(available: bool, problem: str) -> None:
    """Skip the browser tests when something they need is missing, but fail in CI, where a
    skipped browser test would hide a broken view."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{problem}, and CI is set: CI must install it so that the browser tests run")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    _require(CHROMIUM.exists(), f"{CHROMIUM} is missing (Debian packages chromium and chromium-driver)")
    _require(
        importlib.util.find_spec("websockets") is not None,
        "the websockets package is missing (pip install 'invoice-mcp[test]')",
    )
    from tests.view.cdp import Browser

    instance = Browser.launch(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"))
    yield instance
    instance.close()


@pytest.fixture
def view_engine(tmp_path):
    """The demo data in an SQLite file. The view makes tool calls in parallel, and the in-memory
    database of `demo_engine` shares one connection, on which parallel transactions collide."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    load_fixtures(engine, DEMO_FIXTURES)
    yield engine
    engine.dispose()


@pytest.fixture
def bridge(view_engine):
    instance = McpBridge(build_server(make_settings(view_engine)))
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def host_server(bridge):
    server = HostServer(bridge)
    server.start()
    yield server
    server.stop()
