import logging
from pathlib import Path

import pytest

from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import upgrade

REPO_ROOT = Path(__file__).resolve().parents[2]
EINVOICES = REPO_ROOT / "fixtures" / "einvoices"
NORRSKEN_JANUARY = EINVOICES / "ubl" / "norrsken-2026-01.xml"
NORRSKEN_FEBRUARY = EINVOICES / "ubl" / "norrsken-2026-02.xml"
NORRSKEN_MARCH = EINVOICES / "ubl" / "norrsken-2026-03.xml"
NORRSKEN_CREDIT_FEBRUARY = EINVOICES / "ubl" / "norrsken-credit-2026-02.xml"
NORRSKEN_CREDIT_MARCH = EINVOICES / "ubl" / "norrsken-credit-2026-03.xml"
ALVSOL_JANUARY = EINVOICES / "cii" / "alvsol-2026-01.xml"
ALVSOL_CREDIT = EINVOICES / "cii" / "alvsol-credit-2026-01.xml"
# The public example files live beside the repository, in the shared folder (CI has them there too).
PUBLIC_EXAMPLES = REPO_ROOT.parent / "shared" / "einvoices"


def variant(path: Path, tmp_path: Path, *replacements: tuple[str, str], name: str | None = None) -> Path:
    """Write a copy of `path` with each (old, new) replaced once, failing if `old` is not in the file."""
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) >= 1, f"{old!r} is not in {path.name}"
        text = text.replace(old, new, 1)
    target = tmp_path / (name or f"variant-{path.name}")
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def database_url(tmp_path):
    """A migrated, empty SQLite file."""
    url = f"sqlite:///{tmp_path / 'import.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def import_log(caplog):
    """Capture the importer's log records, including debug ones."""
    caplog.set_level(logging.DEBUG, logger="invoice_mcp.importers")
    return caplog
