"""The nudge queue: each timely nudge once, its words sealed, its state in clear.

Reads/writes: ``nudges``. A nudge is keyed by a blind index of what it is about (the member's
key: meaningless to anyone else), so detecting the same waiting ask twice queues it once. State:
``queued`` (due at ``due_at``), ``sent``, ``suppressed`` (by the gate: muted, snoozed, capped)
or ``expired`` (no longer timely). ``reason`` says why, content-free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from upwell.store.db import Member, Store
from upwell.store.schema import nudges


@dataclass(frozen=True, slots=True)
class Queued:
    id: int
    status: str
    reason: str | None
    channel: str | None
    due_at: datetime
    created_at: datetime
    payload: dict[str, Any]


def enqueue(store: Store, member: Member, key: str, payload: dict[str, Any], now: datetime
            ) -> int | None:
    """Queue a nudge due now; ``None`` when the same nudge (``key``) was queued before."""
    dedupe = member.cipher.index("nudge|" + key)
    try:
        with store.engine.begin() as conn:
            pk = conn.execute(insert(nudges).values(
                member_id=member.id, dedupe_key=dedupe, status="queued", due_at=now,
                created_at=now, payload_enc=b"")).inserted_primary_key
            assert pk is not None
            nid = int(pk[0])
            conn.execute(update(nudges).where(nudges.c.id == nid).values(
                payload_enc=member.cipher.seal("nudges", str(nid), "payload",
                                               json.dumps(payload, ensure_ascii=False))))
    except IntegrityError:
        return None
    return nid


def listed(store: Store, member: Member, *, status: str | None = None) -> list[Queued]:
    """The member's nudges (all, or in one state), oldest first."""
    q = select(nudges).where(nudges.c.member_id == member.id)
    if status is not None:
        q = q.where(nudges.c.status == status)
    with store.engine.connect() as conn:
        rows = list(conn.execute(q.order_by(nudges.c.id)))
    return [Queued(r.id, r.status, r.reason, r.channel, r.due_at, r.created_at,
                   json.loads(member.cipher.open("nudges", str(r.id), "payload", r.payload_enc)))
            for r in rows]


def mark(store: Store, member_id: int, nudge_id: int, status: str, *, reason: str | None = None,
         channel: str | None = None, due_at: datetime | None = None,
         sent_at: datetime | None = None) -> None:
    values: dict[str, Any] = {"status": status, "reason": reason}
    if channel is not None:
        values["channel"] = channel
    if due_at is not None:
        values["due_at"] = due_at
    if sent_at is not None:
        values["sent_at"] = sent_at
    with store.engine.begin() as conn:
        conn.execute(update(nudges).where(nudges.c.id == nudge_id,
                                          nudges.c.member_id == member_id).values(**values))
