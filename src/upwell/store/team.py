"""The member's direct reports and manager: declared by them, or suggested for them to confirm.

Reads/writes: ``team`` (person ids only). Suggestions come from the member's own data: people
with a recurring one-to-one meeting, and the people they exchange most with.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import delete, select

from upwell.model import Address
from upwell.store.db import Member, Store
from upwell.store.member_view import MemberView
from upwell.store.records import RecordWriter, insert_ignoring_duplicates
from upwell.store.schema import team

RELATIONS = ("report", "manager")


def set_relation(store: Store, member: Member, address: Address, relation: str) -> str:
    """Declare ``address`` as the member's ``relation``; returns the person id."""
    if relation not in RELATIONS:
        raise ValueError(f"relation must be one of {RELATIONS}")
    pid = RecordWriter(member.id, member.cipher).person_id(address)
    with store.engine.begin() as conn:
        conn.execute(delete(team).where(team.c.member_id == member.id, team.c.person_id == pid))
        insert_ignoring_duplicates(conn, team, [{"member_id": member.id, "person_id": pid,
                                                 "relation": relation}])
    return pid


def remove_relation(store: Store, member: Member, address: Address) -> bool:
    pid = RecordWriter(member.id, member.cipher).person_id(address)
    with store.engine.begin() as conn:
        res = conn.execute(delete(team).where(team.c.member_id == member.id,
                                              team.c.person_id == pid))
    return bool(res.rowcount)


def relations(store: Store, member: Member) -> dict[str, str]:
    """person id -> relation."""
    with store.engine.connect() as conn:
        return {r.person_id: r.relation for r in conn.execute(
            select(team).where(team.c.member_id == member.id))}


@dataclass(frozen=True, slots=True)
class Suggestion:
    person_id: str
    name: str
    one_on_ones: int
    exchanges: int


def suggest_reports(view: MemberView, limit: int = 12) -> list[Suggestion]:
    """People with recurring one-to-ones with the member (3 or more), most frequent first."""
    ones: Counter[str] = Counter()
    for e in view.events:
        people = e.people
        others = people - view.me
        if not e.cancelled and len(others) == 1 and people & view.me:
            ones[next(iter(others))] += 1
    traffic: Counter[str] = Counter()
    for m in view.messages:
        if m.sender in view.me:
            traffic.update(set(m.to) - view.me)
        elif set(m.to) & view.me:
            traffic[m.sender] += 1
    return [Suggestion(p, view.name(p), n, traffic[p])
            for p, n in ones.most_common(limit) if n >= 3]
