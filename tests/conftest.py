import datetime as dt
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

from invoice_mcp.domain.principal import Principal
from invoice_mcp.policy_file import load_policies
from invoice_mcp.server.app import ServerSettings, build_server
from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import upgrade
from invoice_mcp.store.seed import load_fixtures

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_FIXTURES = REPO_ROOT / "fixtures" / "demo"
# The demo data describes the year up to this date.
DEMO_TODAY = dt.date(2026, 12, 4)
ANNA = Principal(kind="customer", biller_id="nordvag", customer_number="100234")


def serve_until_exit(*arguments: str, timeout: float = 30) -> tuple[int, str]:
    """Run `invoice-mcp serve ARGUMENTS` with stdin left open, as a client leaves it, until it exits.

    Returns the exit status and what the process wrote to stderr.
    """
    with subprocess.Popen(
        [sys.executable, "-m", "invoice_mcp", "serve", *arguments],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        return status, process.stderr.read()


@pytest.fixture
def anyio_backend():
    return "asyncio"


POSTGRES_URL_ENV = "INVOICE_MCP_TEST_POSTGRES_URL"


@pytest.fixture
def demo_engine():
    engine = make_engine("sqlite://")
    upgrade(engine)
    load_fixtures(engine, DEMO_FIXTURES)
    yield engine
    engine.dispose()


@contextmanager
def postgres_database(base_url: str):
    """Create a scratch database on the test PostgreSQL server, yield its URL, then drop it."""
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"invoice_mcp_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A migrated, seeded demo store on an SQLite file and on PostgreSQL, as a URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        _prepare(url)
        yield url
        return
    base_url = os.environ.get(POSTGRES_URL_ENV)
    if not base_url:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    with postgres_database(base_url) as url:
        _prepare(url)
        yield url


def _prepare(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    load_fixtures(engine, DEMO_FIXTURES)
    engine.dispose()


@pytest.fixture
def store_engine(store_url):
    engine = make_engine(store_url)
    yield engine
    engine.dispose()


def pytest_collection_modifyitems(config, items):
    # In CI a PostgreSQL test that skips would hide a broken deployment target.
    if os.environ.get("CI") and not os.environ.get(POSTGRES_URL_ENV):
        raise pytest.UsageError(f"CI is set but {POSTGRES_URL_ENV} is not: the PostgreSQL tests would skip")


@pytest.fixture
def fixed_now():
    return dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)


def make_settings(engine, principal=ANNA, now=None, policy_path=None):
    moment = now or dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)
    return ServerSettings(
        engine=engine,
        principal=principal,
        policies=load_policies(policy_path),
        today=DEMO_TODAY,
        clock=lambda: moment,
    )


@pytest.fixture
def demo_server(demo_engine):
    return build_server(make_settings(demo_engine))
