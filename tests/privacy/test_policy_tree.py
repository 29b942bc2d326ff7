"""The policy file (works-council mode) and the team tree import: validation, versions, the
change log, CSV and SCIM, and no oracle for who has an account."""

from __future__ import annotations

import json
from datetime import date

import pytest
from tests.privacy.helpers import P1, Known, guard, people, tree

from upwell.aggregate.policy import (
    Policy,
    PolicyError,
    current_policy,
    parse_period,
    parse_policy,
    period_of,
    policy_log,
    set_policy,
    window,
)
from upwell.aggregate.tree import TreeError, load_tree, parse, store_tree
from upwell.store.db import Store

CSV = """node_id,parent_id,name,kind,email
acme,,Acme,org,
eng,acme,Engineering,department,
web,eng,Web team,team,
web,,,,{a}
eng,,,,{b}
web,,,,nobody@example.org
"""


def test_policy_file_is_checked() -> None:
    p = parse_policy('metrics = ["after_hours", "tone"]\nk = 12\nepsilon = 0.5\n'
                     'period = "week"\nnote = "agreed"\n')
    assert (p.metrics, p.k, p.epsilon, p.period_days, p.note) == (
        ("after_hours", "tone"), 12, 0.5, 7, "agreed")
    assert parse_policy("[policy]\nk = 10\n").k == 10
    for bad, why in (("k = 4", "at least 5"), ('metrics = ["salary"]', "unknown"),
                     ("epsilon = 0", "epsilon"), ("epsilon = 11", "epsilon"),
                     ('period = "month"', "period"), ("colour = 1", "unknown keys"),
                     ("k = [", "TOML"), ('metrics = ["tone", "tone"]', "twice"),
                     ('epsilon = "x"', "number"), ("metrics = 3", "list")):
        with pytest.raises(PolicyError, match=why):
            parse_policy(bad)


def test_policy_versions_and_change_log(store: Store) -> None:
    org, _ = people(store, "policy", 0)
    assert current_policy(store, org) == Policy()
    assert current_policy(store, org).version == 0
    first, changed = set_policy(store, org, parse_policy("k = 10\nnote = 'first'"))
    assert changed
    assert first.version == 1
    same, changed = set_policy(store, org, parse_policy("k = 10\nnote = 'again'"))
    assert not changed
    assert same.version == 1
    second, changed = set_policy(store, org, parse_policy("k = 15\nnote = 'stricter'"))
    assert changed
    assert second.version == 2
    log = policy_log(store, org)
    assert [(p.version, p.k, p.note) for p in log] == [(2, 15, "stricter"), (1, 10, "first")]
    assert log[0].created_at is not None
    assert current_policy(store, org).k == 15
    with pytest.raises(PolicyError):
        set_policy(store, org, Policy(k=3))


def test_periods() -> None:
    assert period_of(date(2024, 1, 1), 28) == date(2024, 1, 1)
    assert period_of(date(2024, 1, 29), 28) == date(2024, 1, 29)
    assert period_of(date(2024, 1, 28), 28) == date(2024, 1, 1)
    assert period_of(date(2024, 1, 10), 7) == date(2024, 1, 8)
    start, end = window(date(2024, 1, 8), 7)
    assert (end - start).days == 7
    assert start.tzinfo is not None
    assert parse_period("2024-01-30", 28) == date(2024, 1, 29)
    with pytest.raises(PolicyError):
        parse_period("soon", 28)


def test_csv_tree_import_matches_accounts_by_email(store: Store) -> None:
    org, acc = people(store, "tree", 2)
    a, b = list(acc)
    t = parse(CSV.format(a=a.upper(), b=b))
    summary = store_tree(store, org, P1, t)
    assert (summary.nodes, summary.listed) == (3, 3)  # no count of matched accounts
    stored = load_tree(store, org, P1)
    assert stored is not None
    assert stored.members == {acc[a]: "web", acc[b]: "eng"}
    assert stored.members_of("eng") == {acc[a], acc[b]}
    assert stored.order() == ["acme", "eng", "web"]
    assert stored.max_depth() == 3


def test_members_csv_and_scim(store: Store) -> None:
    org, acc = people(store, "scim", 3)
    a, b, c = list(acc)
    nodes = "node_id,parent_id,name,kind\nroot,,Root,org\nx,root,X,team\n"
    t = parse(nodes, "tree.csv", members=f"email,node_id\n{a},x\n{b},root\n")
    assert t.people == {a: "x", b: "root"}
    scim = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "Resources": [
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1",
         "userName": "u1", "emails": [{"value": a, "primary": True}]},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u2",
         "userName": b},
        {"resourceType": "User", "id": "u3", "emails": [{"value": c}]},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "org",
         "displayName": "Org", "members": [{"value": "eng", "type": "Group"},
                                            {"value": "u3", "type": "User"}]},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "eng",
         "displayName": "Engineering", "members": [{"value": "u1"}, {"value": "u2"}]}]}
    t2 = parse(json.dumps(scim), "groups.json")
    assert {k: (n.parent, n.kind) for k, n in t2.nodes.items()} == {
        "org": (None, "org"), "eng": ("org", "team")}
    assert t2.people == {a: "eng", b: "eng", c: "org"}
    store_tree(store, org, P1, t2)
    loaded = load_tree(store, org, P1)
    assert loaded is not None
    assert len(loaded.members) == 3


@pytest.mark.parametrize(("text", "why"), [
    ("", "header"),
    ("node_id,parent_id,name,kind\n", "no nodes"),
    ("node_id,parent_id,name,kind\na,,A,org\nb,,B,org\n", "one root"),
    ("node_id,parent_id,name,kind\na,,A,org\nb,zz,B,team\n", "parent"),
    ("node_id,parent_id,name,kind\na,,A,org\na,,A,org\n", "twice"),
    ("node_id,parent_id,name,kind\na,,A,org\nb,c,B,team\nc,b,C,team\n", "one root|cycle"),
    ("node_id,parent_id,name,kind\na,,A,galaxy\n", "kind"),
    ("node_id,parent_id,name,kind,email\na,,A,org,\na,,,,x@y.org\na,,,,X@y.org\n", "twice"),
    ("node_id,parent_id,name,kind,email\na,,A,org,\nq,,,,x@y.org\n", "not in the file"),
    ("{", "JSON"),
    ('{"Resources": 3}', "Resources"),
])
def test_bad_trees_are_refused(text: str, why: str) -> None:
    with pytest.raises(TreeError, match=why):
        parse(text)


def test_tree_is_fixed_once_a_period_has_releases(store: Store) -> None:
    org, acc = people(store, "fixed", 6)
    t = tree([("org", None, "org")], dict.fromkeys(acc, "org"))
    store_tree(store, org, P1, t)
    store_tree(store, org, P1, t)  # replacing before any release is fine
    guard(store, org, Known({}), k=5).release(P1, "org", "after_hours")
    with pytest.raises(TreeError, match="already has releases"):
        store_tree(store, org, P1, t)
