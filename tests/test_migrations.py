"""Migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from upwell.store.db import Store, migrate
from upwell.store.schema import metadata


def test_migrated_schema_matches_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrate_is_idempotent(store: Store) -> None:
    migrate(store.engine)
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == "0001"
