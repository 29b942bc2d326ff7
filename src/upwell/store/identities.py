"""Identity resolution over one member's stored persons: one Person per colleague.

Reads: the member's ``persons`` (decrypted in memory with the member's key) and message shape.
Writes: merged person ids in ``messages``, ``message_parties``, ``events``, ``event_attendees``
and ``persons``. A colleague who appears under several handles with the same full name (an SMTP
address, an Exchange X.500 path, a bare display name) is one person; the email address is kept
as the canonical handle. Also infers which persons are the member themselves.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import Connection

from upwell.model import handle_rank, person_name_key
from upwell.store.crypto import MemberCipher
from upwell.store.records import insert_ignoring_duplicates
from upwell.store.schema import event_attendees, events, message_parties, messages, persons


def merge_same_name(conn: Connection, member_id: int, cipher: MemberCipher) -> int:
    """Merge persons whose full names (two words or more) fold the same; returns merges made.

    The import resolves most of these as it goes; what is left is a better handle (an email
    address) that turned up after rows were written under a worse one (a bare name).
    """
    groups: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
    for r in conn.execute(
        select(persons.c.id, persons.c.name_enc, persons.c.handle_enc, persons.c.is_self)
        .where(persons.c.member_id == member_id)
    ):
        handle = cipher.open("persons", r.id, "handle", r.handle_enc)
        name = cipher.open("persons", r.id, "name", r.name_enc) if r.name_enc else ""
        key = person_name_key(handle, name)
        if key is not None:
            groups[key].append((handle_rank(handle), r.id, bool(r.is_self)))
    mapping: dict[str, str] = {}
    selves: set[str] = set()
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort()
        keep = group[0][1]
        for _rank, pid, is_self in group[1:]:
            mapping[pid] = keep
            if is_self:
                selves.add(keep)
    if mapping:
        _apply(conn, member_id, mapping, selves)
    return len(mapping)


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _apply(conn: Connection, member_id: int, mapping: dict[str, str], selves: set[str]) -> None:
    drops = list(mapping)
    for table in (message_parties, event_attendees):
        for part in _chunks(drops):
            cond = (table.c.member_id == member_id) & table.c.person_id.in_(part)
            rows = [dict(r._mapping) for r in conn.execute(select(table).where(cond))]
            conn.execute(delete(table).where(cond))
            for r in rows:
                r["person_id"] = mapping[r["person_id"]]
            insert_ignoring_duplicates(conn, table, rows)
    pairs = [{"b_drop": d, "b_keep": k} for d, k in mapping.items()]
    conn.execute(
        update(messages)
        .where(messages.c.member_id == member_id, messages.c.sender_id == bindparam("b_drop"))
        .values(sender_id=bindparam("b_keep")),
        pairs,
    )
    conn.execute(
        update(events)
        .where(events.c.member_id == member_id, events.c.organizer_id == bindparam("b_drop"))
        .values(organizer_id=bindparam("b_keep")),
        pairs,
    )
    if selves:
        conn.execute(update(persons).where(persons.c.id.in_(list(selves))).values(is_self=True))
    for part in _chunks(drops):
        conn.execute(delete(persons).where(persons.c.id.in_(part)))


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
