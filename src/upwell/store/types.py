"""Column types: a datetime column that holds aware UTC datetimes only.

Reads/writes: values bound to and read from a column. SQLite keeps no zone (it hands back naive
datetimes) while PostgreSQL hands back its session's zone; :class:`UTCDateTime` refuses a naive
datetime on the way in and returns aware UTC on the way out from either, so no reader patches a
zone onto what it reads (docs/store.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that takes aware datetimes only and gives back aware UTC.

    Stored as UTC (SQLite keeps the UTC wall time, PostgreSQL a ``timestamptz``), so the
    database's own ordering and comparisons agree with Python's. The migrations need no change:
    the column underneath is the same ``DateTime(timezone=True)``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise ValueError(f"a datetime column takes datetimes, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                "naive datetime refused by a UTCDateTime column: pass an aware datetime "
                "(e.g. datetime.now(UTC)); Upwell keeps every time in aware UTC"
            )
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # SQLite: stored as UTC, read back without a zone
        return value.astimezone(UTC)
