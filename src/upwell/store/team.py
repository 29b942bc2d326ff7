"""The member's direct reports and manager: declared by them, or suggested for them to confirm.

Reads/writes: ``team`` (person ids only). Suggestions come from the member's own data: people
with a recurring one-to-one meeting, and the people they exchange most with. The one place of
the rules: ``upwell team add/remove/list`` and the web page ``/me/team`` both call
:func:`add_to_team`, :func:`remove_from_team`, :func:`members_of` and :func:`suggestions`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import delete, select

from upwell.model import Address, make_address
from upwell.store.db import Member, Store
from upwell.store.member_view import MemberView
from upwell.store.records import RecordWriter, insert_ignoring_duplicates
from upwell.store.schema import persons, team

RELATIONS = ("report", "manager")


class TeamError(ValueError):
    """A team change that cannot be made; the message says what to give instead."""


def parse_person(value: str) -> Address:
    """Someone as the member names them: an email address or a full name."""
    address = make_address(value.strip())
    if address is None:
        raise TeamError("give an email address or a full name")
    return address


def add_to_team(store: Store, member: Member, value: str, relation: str = "report") -> str:
    """Declare the person named by ``value`` (:func:`parse_person`) as the member's
    ``relation``; returns the person id."""
    return set_relation(store, member, parse_person(value), relation)


def remove_from_team(store: Store, member: Member, value: str) -> bool:
    """Take the person named by ``value`` off the member's team; ``False`` if not on it."""
    return remove_relation(store, member, parse_person(value))


def set_relation(store: Store, member: Member, address: Address, relation: str) -> str:
    """Declare ``address`` as the member's ``relation``; returns the person id."""
    _check(relation)
    pid, rows = RecordWriter(member.id, member.cipher).person_rows(address)
    with store.engine.begin() as conn:
        insert_ignoring_duplicates(conn, persons, rows)
    _put(store, member, pid, relation)
    return pid


def set_person_relation(store: Store, member: Member, person_id: str, relation: str) -> None:
    """Declare one of the member's own known people (a suggestion) as their ``relation``."""
    _check(relation)
    with store.engine.connect() as conn:
        known = conn.scalar(select(persons.c.id).where(persons.c.member_id == member.id,
                                                       persons.c.id == person_id))
    if known is None:
        raise LookupError("no such person among yours")
    _put(store, member, person_id, relation)


def _check(relation: str) -> None:
    if relation not in RELATIONS:
        raise TeamError(f"relation must be one of {RELATIONS}")


def _put(store: Store, member: Member, pid: str, relation: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(team).where(team.c.member_id == member.id, team.c.person_id == pid))
        insert_ignoring_duplicates(conn, team, [{"member_id": member.id, "person_id": pid,
                                                 "relation": relation}])


def remove_relation(store: Store, member: Member, address: Address) -> bool:
    return remove_person(store, member, RecordWriter(member.id, member.cipher).person_id(address))


def remove_person(store: Store, member: Member, person_id: str) -> bool:
    """Take one person (by id) off the member's team; ``False`` if not on it."""
    with store.engine.begin() as conn:
        res = conn.execute(delete(team).where(team.c.member_id == member.id,
                                              team.c.person_id == person_id))
    return bool(res.rowcount)


def relations(store: Store, member: Member) -> dict[str, str]:
    """person id -> relation."""
    with store.engine.connect() as conn:
        return {r.person_id: r.relation for r in conn.execute(
            select(team).where(team.c.member_id == member.id))}


@dataclass(frozen=True, slots=True)
class TeamMember:
    person_id: str
    name: str
    relation: str


def members_of(view: MemberView) -> list[TeamMember]:
    """The member's declared team, managers first then reports, by name (for their eyes)."""
    return [TeamMember(pid, view.name(pid), rel) for pid, rel in
            sorted(view.team.items(), key=lambda kv: (kv[1], view.name(kv[0])))]


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


def suggestions(view: MemberView) -> list[Suggestion]:
    """:func:`suggest_reports` minus anyone already on the member's team."""
    return [s for s in suggest_reports(view) if s.person_id not in view.team]
