"""Migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from upwell.store.db import SCHEMA_HEAD, Store, _alembic_config, migrate, schema_revision
from upwell.store.schema import metadata


def test_migrated_schema_matches_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrate_is_idempotent_and_head_constant_is_alembics(store: Store) -> None:
    migrate(store.engine)
    with store.engine.connect() as conn:
        cfg = _alembic_config(conn)
        head = ScriptDirectory.from_config(cfg).get_current_head()
        assert MigrationContext.configure(conn).get_current_revision() == head
        assert schema_revision(conn) == SCHEMA_HEAD == head
