import datetime as dt
from pathlib import Path

import pytest
from invoice_mcp.store.seed import load_fixtures

from invoice_mcp.domain.principal import Principal
from invoice_mcp.policy_file import load_policies
from invoice_mcp.server.app import ServerSettings, build_server
from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import upgrade

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_FIXTURES = REPO_ROOT / "fixtures" / "demo"
# The demo data describes the year up to this date.
DEMO_TODAY = dt.date(2026, 12, 4)
ANNA = Principal(kind="customer", biller_id="nordvag", customer_number="100234")


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def demo_engine():
    engine = make_engine("sqlite://")
    upgrade(engine)
    load_fixtures(engine, DEMO_FIXTURES)
    yield engine
    engine.dispose()


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
