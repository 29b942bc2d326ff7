"""The member's access log: append-only and hash-chained, readable by the member.

Reads/writes: ``access_log``. Each entry records who touched the member's data (``member``: the
member in their browser or API; ``member-job``: their own background jobs; ``operator``: a
command run by whoever operates the service), what they did (an action slug) and a content-free
detail. Each row's hash covers the previous row's, so a removed or altered row breaks
:func:`verify`. Nothing here ever holds content, names or addresses.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from upwell.store.db import Store
from upwell.store.schema import access_log

ACTORS = ("member", "member-job", "operator")
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    at: datetime
    actor: str
    action: str
    detail: str
    hash: str


def _digest(member_id: int, seq: int, at: datetime, *, actor: str, action: str, detail: str,
            prev: str) -> str:
    body = json.dumps([member_id, seq, at.astimezone(UTC).isoformat(), actor, action, detail,
                       prev], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def append(store: Store, member_id: int, actor: str, action: str, detail: str = "") -> None:
    """Add one entry at the end of the member's chain (retried if another writer raced)."""
    if actor not in ACTORS:
        raise ValueError(f"actor must be one of {ACTORS}")
    for _attempt in range(8):
        try:
            with store.engine.begin() as conn:
                last = conn.execute(select(access_log.c.seq, access_log.c.hash)
                                    .where(access_log.c.member_id == member_id)
                                    .order_by(access_log.c.seq.desc()).limit(1)).first()
                seq, prev = (last.seq + 1, last.hash) if last is not None else (1, GENESIS)
                at = datetime.now(UTC).replace(microsecond=0)
                conn.execute(insert(access_log).values(
                    member_id=member_id, seq=seq, at=at, actor=actor, action=action,
                    detail=detail[:200], prev_hash=prev,
                    hash=_digest(member_id, seq, at, actor=actor, action=action,
                                 detail=detail[:200], prev=prev)))
            return
        except IntegrityError:
            continue
    raise RuntimeError("the access log is too busy to append; try again")


def entries(store: Store, member_id: int, limit: int = 500) -> list[Entry]:
    """The member's newest entries first."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(access_log).where(access_log.c.member_id == member_id)
                            .order_by(access_log.c.seq.desc()).limit(limit))
        return [Entry(r.seq, r.at, r.actor,
                      r.action, r.detail, r.hash) for r in rows]


def verify(store: Store, member_id: int) -> bool:
    """Whether the member's whole chain is intact."""
    prev = GENESIS
    with store.engine.connect() as conn:
        for r in conn.execute(select(access_log).where(access_log.c.member_id == member_id)
                              .order_by(access_log.c.seq)):
            if r.prev_hash != prev or r.hash != _digest(
                    member_id, r.seq, r.at, actor=r.actor, action=r.action, detail=r.detail,
                    prev=prev):
                return False
            prev = r.hash
    return True
