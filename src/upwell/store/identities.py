"""Identity resolution over one member's stored persons: one Person per colleague.

Reads: the member's ``persons`` (decrypted in memory with the member's key) and message shape.
Writes: merged person ids in ``messages``, ``message_parties``, ``events``, ``event_attendees``
and ``persons``. A colleague who appears under several handles with the same full name (an SMTP
address, an Exchange X.500 path, a bare display name) is one person; the email address is kept
as the canonical handle. Also infers which persons are the member themselves.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.engine import Connection

from upwell.normalize.address import fold_name
from upwell.store.crypto import MemberCipher
from upwell.store.schema import event_attendees, events, message_parties, messages, persons

_KIND_RANK = {"email": 0, "x500": 1, "slack": 2, "name": 3}


def _kind(handle: str) -> str:
    if handle.startswith("name:"):
        return "name"
    if handle.startswith("slack:"):
        return "slack"
    if handle.startswith("/o="):
        return "x500"
    return "email"


def merge_same_name(conn: Connection, member_id: int, cipher: MemberCipher) -> int:
    """Merge persons whose full names (two words or more) fold the same; returns merges made."""
    groups: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
    for r in conn.execute(
        select(persons.c.id, persons.c.name_enc, persons.c.handle_enc, persons.c.is_self)
        .where(persons.c.member_id == member_id)
    ):
        handle = cipher.open("persons", r.id, "handle", r.handle_enc)
        name = cipher.open("persons", r.id, "name", r.name_enc) if r.name_enc else ""
        folded = fold_name(name) if name else handle.removeprefix("name:")
        if len(folded.split()) >= 2:
            groups[folded].append((_KIND_RANK[_kind(handle)], r.id, bool(r.is_self)))
    merged = 0
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort()
        keep = members[0][1]
        for _rank, pid, is_self in members[1:]:
            _merge(conn, member_id, keep, pid, is_self)
            merged += 1
    return merged


def _merge(conn: Connection, member_id: int, keep: str, drop: str, drop_is_self: bool) -> None:
    mp, ea = message_parties.c, event_attendees.c
    dup = message_parties.alias("dup")
    conn.execute(delete(message_parties).where(
        mp.member_id == member_id, mp.person_id == drop,
        exists().where(and_(dup.c.message_id == mp.message_id, dup.c.role == mp.role,
                            dup.c.person_id == keep)),
    ))
    conn.execute(update(message_parties).where(mp.member_id == member_id, mp.person_id == drop)
                 .values(person_id=keep))
    dup_a = event_attendees.alias("dup_a")
    conn.execute(delete(event_attendees).where(
        ea.member_id == member_id, ea.person_id == drop,
        exists().where(and_(dup_a.c.event_id == ea.event_id, dup_a.c.person_id == keep)),
    ))
    conn.execute(update(event_attendees).where(ea.member_id == member_id, ea.person_id == drop)
                 .values(person_id=keep))
    conn.execute(update(messages).where(messages.c.member_id == member_id,
                                        messages.c.sender_id == drop).values(sender_id=keep))
    conn.execute(update(events).where(events.c.member_id == member_id,
                                      events.c.organizer_id == drop).values(organizer_id=keep))
    if drop_is_self:
        conn.execute(update(persons).where(persons.c.id == keep).values(is_self=True))
    conn.execute(delete(persons).where(persons.c.id == drop))


def mark_self(conn: Connection, member_id: int, person_ids: list[str]) -> int:
    """Mark persons as the member's own identities; returns how many rows changed."""
    if not person_ids:
        return 0
    res = conn.execute(
        update(persons).where(persons.c.member_id == member_id, persons.c.id.in_(person_ids))
        .values(is_self=True)
    )
    return int(res.rowcount or 0)


def infer_self(conn: Connection, member_id: int, min_share: float = 0.2) -> list[str]:
    """The member's own identities, inferred: the senders of their Sent folders (each with at
    least ``min_share`` of them); with no Sent folder, the one person who sent or received the
    most messages, if that is at least 30 % of them."""
    rows = conn.execute(
        select(messages.c.sender_id).where(
            messages.c.member_id == member_id, messages.c.in_sent_folder.is_(True)
        )
    ).scalars().all()
    if rows:
        counts = Counter(rows)
        return [sid for sid, n in counts.items() if n / len(rows) >= min_share]
    # No Sent folder: the member is the one party on most of their own mail, as sender or
    # recipient.
    total = conn.scalar(
        select(func.count()).select_from(messages).where(messages.c.member_id == member_id)
    ) or 0
    on: Counter[str] = Counter(
        conn.execute(select(messages.c.sender_id).where(messages.c.member_id == member_id))
        .scalars().all()
    )
    for pid, n in conn.execute(
        select(message_parties.c.person_id, func.count(func.distinct(message_parties.c.message_id)))
        .where(message_parties.c.member_id == member_id, message_parties.c.role != "mention")
        .group_by(message_parties.c.person_id)
    ):
        on[pid] += n
    if not on or not total:
        return []
    top, n = on.most_common(1)[0]
    return [top] if n / total >= 0.3 else []
