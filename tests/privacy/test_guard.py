"""The guard's rules on known contributions: the group floor, nested-group, sibling and churn
differencing attacks, budget exhaustion, the cache, and the ledger's charges."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from tests.privacy.helpers import P1, P2, Known, guard, install, people, tree

from upwell.aggregate.guard import Guard, GuardError
from upwell.aggregate.mechanism import RESOLUTION, mean_mechanism
from upwell.aggregate.metrics import METRICS
from upwell.aggregate.policy import Policy, current_policy, set_policy
from upwell.aggregate.views import adoption, ledger, spent
from upwell.store.db import Store
from upwell.store.schema import aggregate_contributors, aggregate_ledger, aggregate_releases


def _values(accounts: dict[str, int], metric: str = "after_hours") -> dict[int, dict[str, float]]:
    return {a: {metric: float(i * 7 % 100)} for i, a in enumerate(accounts.values())}


def _ledger_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(aggregate_ledger)) or 0)


def test_nested_group_attack_fails(store: Store) -> None:
    """A team of ten inside a department of eleven: releasing both would isolate the one
    person outside the team (11 x dept mean - 10 x team mean)."""
    org, acc = people(store, "nest", 11)
    emails = list(acc)
    placement = dict.fromkeys(emails[:10], "team") | {emails[10]: "dept"}
    install(store, org, P1, tree([("org", None, "org"), ("dept", "org", "department"),
                                  ("team", "dept", "team")], placement))
    source = Known(_values(acc))
    g = guard(store, org, source, k=5)
    # The fixture does hold a per-person value that the attack would isolate.
    assert source.values[acc[emails[10]]]["after_hours"] == 70.0
    out = {d.node: d for d in g.release_period(P1)}
    assert out["org"].released
    assert out["dept"].released  # the same eleven people as the org: nothing isolated
    assert not out["team"].released
    assert out["team"].reason == "differencing"
    assert out["team"].value is None
    assert out["team"].threshold_reached  # ten >= k: reached, but suppressed
    assert adoption(store, org, P1) == {"org": True, "dept": True, "team": True}


def test_sibling_attack_fails(store: Store) -> None:
    """A parent with two children, one of them a single person: parent minus the big child
    would be that person."""
    org, acc = people(store, "sib", 7)
    emails = list(acc)
    placement = dict.fromkeys(emails[:6], "a") | {emails[6]: "b"}
    install(store, org, P1, tree([("root", None, "org"), ("a", "root", "team"),
                                  ("b", "root", "team")], placement))
    g = guard(store, org, Known(_values(acc)), k=5)
    out = {d.node: d for d in g.release_period(P1)}
    assert out["root"].released
    assert out["a"].reason == "differencing"
    assert out["b"].reason == "below-floor"
    assert not out["b"].threshold_reached
    assert adoption(store, org, P1) == {"root": True, "a": True, "b": False}


def test_parent_minus_all_released_children_attack_fails(store: Store) -> None:
    """Three children of six, six and two people: the parent and the two big children are each
    far apart pairwise, yet parent - A - B would be the two people of C."""
    org, acc = people(store, "union", 14)
    emails = list(acc)
    placement = {e: ("a" if i < 6 else "b" if i < 12 else "c") for i, e in enumerate(emails)}
    install(store, org, P1, tree([("root", None, "org"), ("a", "root", "team"),
                                  ("b", "root", "team"), ("c", "root", "team")], placement))
    g = guard(store, org, Known(_values(acc)), k=5)
    out = {d.node: d for d in g.release_period(P1)}
    assert out["root"].released
    assert out["a"].released  # the root minus A leaves eight: no one isolated yet
    assert out["b"].reason == "differencing"
    assert out["c"].reason == "below-floor"


def test_churn_attack_fails_across_periods(store: Store) -> None:
    """The same team one period later without one person (they left or opted out): the two
    releases would isolate them. A renamed node does not get around it."""
    org, acc = people(store, "churn", 12)
    emails = list(acc)
    nodes = [("org", None, "org")]
    install(store, org, P1, tree(nodes, dict.fromkeys(emails, "org")))
    source = Known(_values(acc))
    g = guard(store, org, source, k=5)
    assert g.release(P1, "org", "after_hours").released
    install(store, org, P2, tree(nodes, dict.fromkeys(emails[:11], "org")))
    again = g.release(P2, "org", "after_hours")
    assert again.status == "suppressed"
    assert again.reason == "churn"
    # The same people under another node id: still compared with the earlier period.
    org2, acc2 = people(store, "churn2", 12)
    e2 = list(acc2)
    install(store, org2, P1, tree(nodes, dict.fromkeys(e2, "org")))
    g2 = guard(store, org2, Known(_values(acc2)), k=5)
    assert g2.release(P1, "org", "after_hours").released
    install(store, org2, P2, tree([("org-renamed", None, "org")],
                                  dict.fromkeys(e2[:11], "org-renamed")))
    assert g2.release(P2, "org-renamed", "after_hours").reason == "differencing"
    # A change of k or more people isolates nobody: released.
    p3 = P2 + timedelta(days=28)
    install(store, org2, p3, tree(nodes, dict.fromkeys(e2[:6], "org")))
    assert g2.release(p3, "org", "after_hours").released


def test_below_floor_never_released_and_floor_is_at_least_five(store: Store) -> None:
    org, acc = people(store, "floor", 9)
    install(store, org, P1, tree([("org", None, "org")], dict.fromkeys(acc, "org")))
    g = guard(store, org, Known(_values(acc)), k=10)
    d = g.release(P1, "org", "after_hours")
    assert (d.status, d.reason, d.value) == ("suppressed", "below-floor", None)
    assert _ledger_rows(store) == 0
    g5 = Guard(store, org, Policy(("meeting_hours",), 5, 1.0, 28, version=99),
               Known({a: {"meeting_hours": 3.0} for a in acc.values()}))
    assert g5.release(P1, "org", "meeting_hours").released


def test_budget_exhaustion_refuses(store: Store) -> None:
    org, acc = people(store, "budget", 24)
    emails = list(acc)
    placement = {e: ("a" if i < 12 else "b") for i, e in enumerate(emails)}
    install(store, org, P1, tree([("org", None, "org"), ("a", "org", "team"),
                                  ("b", "org", "team")], placement))
    values = {a: {"after_hours": 10.0, "meeting_hours": 5.0, "tone": 0.2}
              for a in acc.values()}
    g = guard(store, org, Known(values), metrics=("after_hours", "meeting_hours"), k=5)
    out = g.release_period(P1)
    assert all(d.released for d in out)
    # Two metrics, depth two: each release costs 1/4 and every path is exactly spent.
    assert abs(spent(store, org, P1) - 1.0) < 1e-9
    assert _ledger_rows(store) == 6
    # A new policy (a third metric) in the same period finds the budget spent.
    policy, changed = set_policy(store, org, Policy(("after_hours", "meeting_hours", "tone"), 5,
                                                    1.0, 28, note="add tone"))
    assert changed
    g2 = Guard(store, org, policy, Known(values))
    refused = g2.release(P1, "org", "tone")
    assert (refused.status, refused.reason, refused.value) == ("refused", "budget", None)
    assert _ledger_rows(store) == 6
    assert abs(spent(store, org, P1) - 1.0) < 1e-9
    # The next period has a fresh budget.
    install(store, org, P2, tree([("org", None, "org"), ("a", "org", "team"),
                                  ("b", "org", "team")], placement))
    assert g2.release(P2, "org", "tone").released


def test_repeated_query_returns_the_cached_release(store: Store) -> None:
    org, acc = people(store, "cache", 15)
    install(store, org, P1, tree([("org", None, "org")], dict.fromkeys(acc, "org")))
    source = Known(_values(acc))
    g = guard(store, org, source, k=5)
    first = g.release(P1, "org", "after_hours")
    assert first.released
    assert first.value is not None
    rows = _ledger_rows(store)
    for _ in range(3):
        assert g.release(P1, "org", "after_hours") == first
    fresh_source = Known(_values(acc))
    again = Guard(store, org, current_policy(store, org), fresh_source).release(
        P1, "org", "after_hours")
    assert again == first
    assert fresh_source.calls == []  # a cached answer reads nobody's data
    assert _ledger_rows(store) == rows
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(aggregate_releases)) == 1


def test_ledger_records_every_charge_with_its_mechanism(store: Store) -> None:
    org, acc = people(store, "ledger", 20)
    emails = list(acc)
    install(store, org, P1, tree([("org", None, "org"), ("x", "org", "team"),
                                  ("y", "org", "team")],
                                 {e: ("x" if i % 2 else "y") for i, e in enumerate(emails)}))
    g = guard(store, org, Known(_values(acc)), k=5)
    released = [d for d in g.release_period(P1) if d.released]
    charges = ledger(store, org)
    assert len(charges) == len(released) == 3
    spec = METRICS["after_hours"]
    for c in charges:
        mech = mean_mechanism(spec.low, spec.high, c.epsilon)
        assert mech.measurement.map(1) <= c.epsilon
        assert c.scale_sum == mech.scale_sum / RESOLUTION
        assert c.scale_count == mech.scale_count
        assert "OpenDP" in c.mechanism
    with store.engine.connect() as conn:
        sets = conn.execute(select(aggregate_contributors.c.release_id,
                                   func.count()).group_by(aggregate_contributors.c.release_id)
                            ).all()
    assert sorted(n for _r, n in sets) == [10, 10, 20]


def test_metric_outside_the_policy_and_unknown_groups_are_refused(store: Store) -> None:
    org, acc = people(store, "refuse", 6)
    g = guard(store, org, Known(_values(acc)), k=5)
    with pytest.raises(GuardError, match="import one first"):
        g.release(P1, "org", "after_hours")
    install(store, org, P1, tree([("org", None, "org")], dict.fromkeys(acc, "org")))
    with pytest.raises(GuardError, match="not in the policy"):
        g.release(P1, "org", "tone")
    with pytest.raises(GuardError, match="not a group"):
        g.release(P1, "nope", "after_hours")
