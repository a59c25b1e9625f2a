from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import HEAD_REVISION, current_revision, head_revision, upgrade


def test_migrations_create_the_models_schema(store_url):
    engine = make_engine(store_url)

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    revision = current_revision(engine)
    engine.dispose()

    assert differences == []
    assert revision == head_revision()


def test_upgrade_twice_changes_nothing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'twice.db'}")

    upgrade(engine)
    upgrade(engine)

    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_head_constant_matches_the_migration_scripts():
    assert head_revision() == HEAD_REVISION
