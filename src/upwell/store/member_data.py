"""A member's rights over their stored data: export everything, delete everything.

Reads/writes: every member table. Export decrypts with the member's own key and returns plain
JSON-ready data for that member alone. Delete crypto-shreds: the wrapped data key goes first (so
nothing left anywhere, backups included, can be decrypted), then every row, and a tombstone keeps
a later import from recreating the member until they opt in again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select

from upwell.store.db import Member, Store, member_ref_key
from upwell.store.schema import (
    MEMBER_TABLES,
    event_attendees,
    events,
    evidence,
    features,
    imports,
    member_keys,
    members,
    message_parties,
    messages,
    persons,
    tombstones,
)


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def export_member(store: Store, member: Member) -> dict[str, Any]:
    """Everything stored for ``member``, decrypted, as JSON-ready data."""
    c = member.cipher
    out: dict[str, Any] = {
        "format": "upwell-export/1",
        "exported_at": datetime.now(UTC).isoformat(),
    }
    with store.engine.connect() as conn:
        out["persons"] = [
            {
                "id": r.id,
                "is_self": r.is_self,
                "name": c.open("persons", r.id, "name", r.name_enc) if r.name_enc else "",
                "handle": c.open("persons", r.id, "handle", r.handle_enc),
            }
            for r in conn.execute(select(persons).where(persons.c.member_id == member.id))
        ]
        parties: dict[str, list[dict[str, str]]] = {}
        for p in conn.execute(
            select(message_parties).where(message_parties.c.member_id == member.id)
        ):
            parties.setdefault(p.message_id, []).append({"person": p.person_id, "role": p.role})
        kept = {
            e.message_id: json.loads(c.open("evidence", e.message_id, "snippets", e.snippets_enc))
            for e in conn.execute(select(evidence).where(evidence.c.member_id == member.id))
        }
        feats: dict[str, Any] = {}
        for f in conn.execute(select(features).where(features.c.member_id == member.id)):
            feats[f.message_id] = json.loads(c.open("features", f.message_id, "values",
                                                     f.values_enc))
        msgs = []
        for r in conn.execute(
            select(messages).where(messages.c.member_id == member.id).order_by(messages.c.sent_at)
        ):
            row = {k: _iso(v) for k, v in r._mapping.items() if not k.endswith(("_enc", "_key"))}
            row["subject"] = (
                c.open("messages", r.id, "subject", r.subject_enc) if r.subject_enc else ""
            )
            row["parties"] = parties.get(r.id, [])
            row["features"] = feats.get(r.id, {})
            row["evidence"] = kept.get(r.id, {})
            msgs.append(row)
        out["messages"] = msgs
        atts: dict[str, list[dict[str, str]]] = {}
        for a in conn.execute(
            select(event_attendees).where(event_attendees.c.member_id == member.id)
        ):
            atts.setdefault(a.event_id, []).append({"person": a.person_id, "response": a.response})
        evts = []
        for r in conn.execute(
            select(events).where(events.c.member_id == member.id).order_by(events.c.start_at)
        ):
            row = {k: _iso(v) for k, v in r._mapping.items() if not k.endswith(("_enc", "_key"))}
            row["title"] = c.open("events", r.id, "title", r.title_enc) if r.title_enc else ""
            row["attendees"] = atts.get(r.id, [])
            evts.append(row)
        out["events"] = evts
        out["imports"] = [
            {k: _iso(v) for k, v in r._mapping.items()}
            for r in conn.execute(select(imports).where(imports.c.member_id == member.id))
        ]
    return out


def purge_evidence(store: Store, member: Member, retention_days: int) -> int:
    """Delete the member's evidence phrases older than ``retention_days`` (all of them at 0)."""
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    with store.engine.begin() as conn:
        res = conn.execute(delete(evidence).where(evidence.c.member_id == member.id,
                                                  evidence.c.captured_at < cutoff))
    return int(res.rowcount or 0)


def delete_member(store: Store, ref: str) -> dict[str, int]:
    """Crypto-shred member ``ref``: key, rows, then a tombstone. Returns rows removed by table."""
    key = member_ref_key(ref)
    removed: dict[str, int] = {}
    with store.engine.begin() as conn:
        member_id = conn.scalar(select(members.c.id).where(members.c.ref_key == key))
        if member_id is not None:
            # The wrapped key goes first: from then on no copy of any row decrypts.
            for table in (member_keys, *(t for t in MEMBER_TABLES if t is not member_keys)):
                res = conn.execute(delete(table).where(table.c.member_id == member_id))
                removed[table.name] = int(res.rowcount or 0)
            conn.execute(delete(members).where(members.c.id == member_id))
        if conn.scalar(select(tombstones.c.ref_key).where(tombstones.c.ref_key == key)) is None:
            conn.execute(insert(tombstones).values(ref_key=key, deleted_at=datetime.now(UTC)))
    return removed
