"""The org's team tree for a period, imported by its admin: the only groups anything is ever
released about (no ad-hoc filters, date windows or cross-tabs).

Reads: a CSV (``node_id,parent_id,name,kind`` rows for nodes; rows with an ``email`` put that
person in ``node_id``) or SCIM-style JSON (a ``ListResponse`` of ``Group`` resources whose
``members`` are users or nested groups, and ``User`` resources with their emails). Writes:
``org_nodes`` and ``org_members``. People are matched to accounts by the hash of their email
(``accounts.email_key``); the import reports how many nodes and listed people it read and
never how many of them have an account (that would tell the admin who signed up).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select

from upwell.errors import UpwellError
from upwell.store.accounts import email_key
from upwell.store.db import Store
from upwell.store.schema import accounts, aggregate_releases, org_members, org_nodes

KINDS = ("org", "department", "team")
MAX_NODES = 20_000
MAX_PEOPLE = 500_000


class TreeError(UpwellError):
    """A tree file that cannot be imported (what is wrong and how to fix it)."""

    code = "E511"


@dataclass(frozen=True, slots=True)
class Node:
    key: str
    parent: str | None
    name: str
    kind: str


@dataclass(slots=True)
class Tree:
    """Nodes by key, and each listed person's node (by email, as read)."""

    nodes: dict[str, Node]
    people: dict[str, str]

    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {k: [] for k in self.nodes}
        for k, n in sorted(self.nodes.items()):
            if n.parent is not None:
                out[n.parent].append(k)
        return out


def _node(key: str, parent: str | None, name: str, kind: str) -> Node:
    key, up = key.strip(), (parent or "").strip() or None
    if not key or len(key) > 64 or (up is not None and len(up) > 64):
        raise TreeError("every node needs an id of 1-64 characters")
    kind = kind.strip().lower() or "team"
    if kind not in KINDS:
        raise TreeError(f"node kind must be one of {KINDS}")
    return Node(key, up, (name.strip() or key)[:120], kind)


def check(tree: Tree) -> Tree:
    """The tree, or :class:`TreeError`: one root, known parents, no cycles, members in known
    nodes."""
    if not tree.nodes:
        raise TreeError("the file has no nodes: give node_id,parent_id,name,kind rows")
    if len(tree.nodes) > MAX_NODES or len(tree.people) > MAX_PEOPLE:
        raise TreeError("the tree is too large to import")
    roots = [k for k, n in tree.nodes.items() if n.parent is None]
    if len(roots) != 1:
        raise TreeError("the tree needs exactly one root (a node without parent_id)")
    for n in tree.nodes.values():
        if n.parent is not None and n.parent not in tree.nodes:
            raise TreeError("a node names a parent that is not in the file")
    for k in tree.nodes:
        seen: set[str] = set()
        cur: str | None = k
        while cur is not None:
            if cur in seen:
                raise TreeError("the tree has a cycle: a node is its own ancestor")
            seen.add(cur)
            cur = tree.nodes[cur].parent
    if any(node not in tree.nodes for node in tree.people.values()):
        raise TreeError("a person is placed in a node that is not in the file")
    return tree


def _add_person(people: dict[str, str], email: str, node: str) -> None:
    email = email.strip()
    if "@" not in email:
        raise TreeError("a member row needs an email address")
    if email.casefold() in people:
        raise TreeError("a person is listed twice: each person belongs to one node")
    people[email.casefold()] = node.strip()


def parse_csv(text: str, members: str | None = None) -> Tree:
    """Nodes (and people, in rows with an ``email``) from CSV; ``members`` is an optional second
    CSV of ``email,node_id`` rows."""
    nodes: dict[str, Node] = {}
    people: dict[str, str] = {}
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "node_id" not in reader.fieldnames:
        raise TreeError("the CSV needs a header with node_id,parent_id,name,kind (and email)")
    for row in reader:
        if (row.get("email") or "").strip():
            _add_person(people, row["email"] or "", row.get("node_id") or "")
            continue
        n = _node(row.get("node_id") or "", row.get("parent_id"), row.get("name") or "",
                  row.get("kind") or "")
        if n.key in nodes:
            raise TreeError("a node id appears twice")
        nodes[n.key] = n
    if members:
        mreader = csv.DictReader(io.StringIO(members))
        if not mreader.fieldnames or not {"email", "node_id"} <= set(mreader.fieldnames):
            raise TreeError("the members CSV needs a header with email,node_id")
        for row in mreader:
            _add_person(people, row.get("email") or "", row.get("node_id") or "")
    return check(Tree(nodes, people))


def _scim_email(user: dict[str, Any]) -> str | None:
    emails = user.get("emails") or []
    if isinstance(emails, list):
        primary = [e for e in emails if isinstance(e, dict) and e.get("primary")]
        for e in primary + [e for e in emails if isinstance(e, dict)]:
            if isinstance(e.get("value"), str):
                return str(e["value"])
    name = user.get("userName")
    return name if isinstance(name, str) and "@" in name else None


def parse_scim(text: str) -> Tree:
    """Nodes and people from SCIM-style JSON: ``Group`` resources (``id``, ``displayName``, an
    optional ``kind``, ``members`` of ``type`` User or Group) and ``User`` resources."""
    try:
        data = json.loads(text)
    except ValueError:
        raise TreeError("the SCIM file is not valid JSON") from None
    resources = data.get("Resources", data) if isinstance(data, dict) else data
    if not isinstance(resources, list):
        raise TreeError("the SCIM file needs a Resources list")
    groups = [r for r in resources if isinstance(r, dict) and _is(r, "Group")]
    users = {str(r.get("id")): r for r in resources if isinstance(r, dict) and _is(r, "User")}
    parent: dict[str, str] = {}
    people: dict[str, str] = {}
    ids = {str(g.get("id")) for g in groups}
    for g in groups:
        for m in g.get("members") or []:
            if not isinstance(m, dict):
                continue
            value = str(m.get("value"))
            if m.get("type") == "Group" or value in ids:
                if value in parent:
                    raise TreeError("a group is a member of two groups")
                parent[value] = str(g.get("id"))
            elif value in users:
                email = _scim_email(users[value])
                if email:
                    _add_person(people, email, str(g.get("id")))
    has_children = set(parent.values())
    nodes = {}
    for g in groups:
        key = str(g.get("id"))
        kind = g.get("kind") or g.get("urn:upwell:kind") or (
            "org" if key not in parent else "department" if key in has_children else "team")
        n = _node(key, parent.get(key), str(g.get("displayName") or key), str(kind))
        nodes[n.key] = n
    return check(Tree(nodes, people))


def _is(resource: dict[str, Any], kind: str) -> bool:
    schemas = resource.get("schemas") or []
    return any(isinstance(s, str) and s.endswith(":" + kind) for s in schemas) or \
        resource.get("resourceType") == kind or (resource.get("meta") or {}).get(
            "resourceType") == kind


def parse(text: str, filename: str = "", members: str | None = None) -> Tree:
    """A tree from CSV or SCIM JSON (told apart by the name, else by the first character)."""
    if filename.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        return parse_scim(text)
    return parse_csv(text, members)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    period: date
    nodes: int
    listed: int


def store_tree(store: Store, org: int, period: date, tree: Tree) -> ImportSummary:
    """Replace the org's tree for ``period`` (refused once anything was released for it:
    reshaping groups after a release is how differencing attacks start)."""
    check(tree)
    keys = {email_key(e): node for e, node in tree.people.items()}
    with store.engine.begin() as conn:
        if conn.execute(select(aggregate_releases.c.id).where(
                aggregate_releases.c.org_id == org,
                aggregate_releases.c.period == period).limit(1)).first() is not None:
            raise TreeError("this period already has releases: its tree is fixed; import the "
                            "new tree for the next period")
        found = {r.email_key: r.id for r in conn.execute(
            select(accounts.c.id, accounts.c.email_key).where(
                accounts.c.org_id == org, accounts.c.role == "member",
                accounts.c.email_key.in_(list(keys))))} if keys else {}
        for table in (org_members, org_nodes):
            conn.execute(delete(table).where(table.c.org_id == org, table.c.period == period))
        conn.execute(insert(org_nodes), [
            {"org_id": org, "period": period, "node_key": n.key, "parent_key": n.parent,
             "name": n.name, "kind": n.kind} for n in tree.nodes.values()])
        rows = [{"org_id": org, "period": period, "account_id": acc, "node_key": keys[k]}
                for k, acc in found.items()]
        if rows:
            conn.execute(insert(org_members), rows)
    return ImportSummary(period, len(tree.nodes), len(tree.people))


@dataclass(frozen=True, slots=True)
class PeriodTree:
    """The stored tree of a period, as the guard reads it."""

    nodes: dict[str, Node]
    members: dict[int, str]  # account id -> node (inside the guard only)

    def children(self) -> dict[str, list[str]]:
        return Tree(self.nodes, {}).children()

    def order(self) -> list[str]:
        """Nodes top-down (root first, then by depth and key)."""
        return sorted(self.nodes, key=lambda k: (self.depth(k), k))

    def depth(self, key: str) -> int:
        d, cur = 1, self.nodes[key].parent
        while cur is not None:
            d, cur = d + 1, self.nodes[cur].parent
        return d

    def max_depth(self) -> int:
        return max((self.depth(k) for k in self.nodes), default=1)

    def path(self, key: str) -> list[str]:
        """``key`` and its ancestors."""
        out = [key]
        while (p := self.nodes[out[-1]].parent) is not None:
            out.append(p)
        return out

    def subtree(self, key: str) -> set[str]:
        kids = self.children()
        out, todo = set(), [key]
        while todo:
            k = todo.pop()
            out.add(k)
            todo.extend(kids[k])
        return out

    def members_of(self, key: str) -> set[int]:
        nodes = self.subtree(key)
        return {a for a, n in self.members.items() if n in nodes}


def load_tree(store: Store, org: int, period: date) -> PeriodTree | None:
    with store.engine.connect() as conn:
        nodes = {r.node_key: Node(r.node_key, r.parent_key, r.name, r.kind) for r in conn.execute(
            select(org_nodes).where(org_nodes.c.org_id == org, org_nodes.c.period == period))}
        if not nodes:
            return None
        members = {r.account_id: r.node_key for r in conn.execute(
            select(org_members).where(org_members.c.org_id == org,
                                      org_members.c.period == period))}
    return PeriodTree(nodes, members)


def periods(store: Store, org: int) -> list[date]:
    """The periods with an imported tree, oldest first."""
    with store.engine.connect() as conn:
        return sorted({r[0] for r in conn.execute(
            select(org_nodes.c.period).where(org_nodes.c.org_id == org).distinct())})


def node_names(store: Store, org: int) -> dict[str, str]:
    with store.engine.connect() as conn:
        return {r.node_key: r.name for r in conn.execute(
            select(org_nodes.c.node_key, org_nodes.c.name).where(org_nodes.c.org_id == org))}


