"""The store keeps aware UTC datetimes only, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime, insert, select
from sqlalchemy.exc import StatementError

from upwell.store import UTCDateTime
from upwell.store.db import Store
from upwell.store.schema import members, metadata, tombstones


def test_every_datetime_column_is_utc_aware() -> None:
    plain = [f"{t.name}.{c.name}" for t in metadata.tables.values() for c in t.c
             if isinstance(c.type, DateTime)]
    assert plain == []
    assert isinstance(members.c.created_at.type, UTCDateTime)


def test_naive_datetime_is_refused(store: Store) -> None:
    with pytest.raises(StatementError) as raised, store.engine.begin() as conn:
        conn.execute(insert(tombstones).values(ref_key="naive", deleted_at=datetime(2024, 3, 4, 9)))
    assert isinstance(raised.value.orig, ValueError)
    assert "naive datetime refused" in str(raised.value.orig)
    with store.engine.connect() as conn:
        kept = conn.execute(select(tombstones).where(tombstones.c.ref_key == "naive")).first()
    assert kept is None


def test_aware_datetime_round_trips_as_aware_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=2))
    at = datetime(2024, 3, 4, 11, 30, 15, 250000, tzinfo=paris)
    with store.engine.begin() as conn:
        conn.execute(insert(tombstones).values(ref_key="aware", deleted_at=at))
    with store.engine.connect() as conn:
        back = conn.execute(select(tombstones.c.deleted_at)
                            .where(tombstones.c.ref_key == "aware")).scalar_one()
        found = conn.execute(select(tombstones.c.ref_key).where(
            tombstones.c.deleted_at > datetime(2024, 3, 4, 9, 30, tzinfo=UTC))).scalars().all()
    assert back == at
    assert back.tzinfo is UTC
    assert back == datetime(2024, 3, 4, 9, 30, 15, 250000, tzinfo=UTC)
    assert found == ["aware"]
