"""Time: every instant inside Upwell is aware UTC, with the source's offset kept beside it.

Reads: source timestamps. Writes: aware UTC datetimes. Instants outside the plausible range
(before 1980 or more than a year ahead of now) are rejected as ``date_out_of_range``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from upwell.errors import BadItem

EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=366)


def check_instant(when: datetime, *, now: datetime | None = None) -> datetime:
    """``when`` converted to UTC, or :class:`BadItem` if naive or implausible."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise BadItem("naive_datetime")
    utc = when.astimezone(UTC)
    latest = (now or datetime.now(UTC)) + FUTURE_SLACK
    if utc < EARLIEST or utc > latest:
        raise BadItem("date_out_of_range")
    return utc


def offset_minutes(when: datetime) -> int | None:
    """The UTC offset of an aware datetime in whole minutes."""
    off = when.utcoffset()
    return None if off is None else int(off.total_seconds() // 60)
