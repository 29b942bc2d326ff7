"""A member's consents: per source and per purpose, versioned, append-only, revocable.

Reads/writes: ``consents``. Each change is a new record (source, purpose, granted, the version
of the wording the member saw, when); the latest record per (source, purpose) is in force and
anything never granted is refused. Contributing to anonymized group insights is a separate
purpose, off until the member turns it on. Nothing is read from a source before its coaching
consent (see :func:`missing_for`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select

from upwell.store.db import Store
from upwell.store.schema import consents

#: The version of the consent wording (the invitation and consent pages); bump when it changes.
CONSENT_VERSION = "2025-06"
SOURCES = ("mail", "chat", "calendar")
PURPOSES = ("coaching", "aggregate")


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    source: str
    purpose: str
    granted: bool
    version: str
    recorded_at: datetime


def current(store: Store, member_id: int) -> dict[tuple[str, str], bool]:
    """What is in force for every (source, purpose): ``False`` unless granted."""
    out = {(s, p): False for s in SOURCES for p in PURPOSES}
    for r in history(store, member_id):
        out[(r.source, r.purpose)] = r.granted
    return out


def history(store: Store, member_id: int) -> list[ConsentRecord]:
    """Every consent record of the member, oldest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(consents).where(consents.c.member_id == member_id)
                            .order_by(consents.c.id))
        return [ConsentRecord(r.source, r.purpose, r.granted, r.version,
                              r.recorded_at) for r in rows]


def record(store: Store, member_id: int, choices: Mapping[tuple[str, str], bool],
           version: str = CONSENT_VERSION) -> int:
    """Record the choices that differ from what is in force; returns how many records."""
    now = datetime.now(UTC)
    before = current(store, member_id)
    rows = []
    for (source, purpose), granted in choices.items():
        if source not in SOURCES or purpose not in PURPOSES:
            raise ValueError("unknown consent source or purpose")
        if before[(source, purpose)] != granted:
            rows.append({"member_id": member_id, "source": source, "purpose": purpose,
                         "granted": granted, "version": version, "recorded_at": now})
    if rows:
        with store.engine.begin() as conn:
            conn.execute(insert(consents), rows)
    return len(rows)


def sources_of(reader_id: str, provides: Iterable[str]) -> set[str]:
    """The consent sources an archive reader reads: chat for Slack, else mail; calendar for
    events."""
    out = set()
    for kind in provides:
        if kind == "messages":
            out.add("chat" if reader_id == "slack" else "mail")
        elif kind == "events":
            out.add("calendar")
    return out


def missing_for(store: Store, member_id: int, sources: Iterable[str]) -> list[str]:
    """The sources among ``sources`` without coaching consent (empty: reading may start)."""
    now = current(store, member_id)
    return sorted(s for s in sources if not now.get((s, "coaching"), False))
