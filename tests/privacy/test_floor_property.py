"""Property: over random trees, memberships and opt-in patterns, the guard releases no group
below k, never two groups whose contributors differ by 1 to k-1, and charges every release."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.privacy.helpers import P1, Known, guard, install, people, tree

from upwell.aggregate.tree import load_tree
from upwell.store.schema import aggregate_contributors, aggregate_ledger, aggregate_releases
from upwell.testing import open_store

_orgs = itertools.count()


@st.composite
def orgs(draw: st.DrawFn) -> tuple[list[int | None], list[int], list[bool], int]:
    n_nodes = draw(st.integers(1, 5))
    parents: list[int | None] = [None] + [draw(st.integers(0, i - 1)) for i in range(1, n_nodes)]
    n_people = draw(st.integers(0, 48))
    placement = [draw(st.integers(0, n_nodes - 1)) for _ in range(n_people)]
    opted = [draw(st.integers(0, 3)) > 0 for _ in range(n_people)]  # three in four opt in
    k = draw(st.integers(5, 6))
    return parents, placement, opted, k


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orgs())
def test_k_floor_and_differencing_hold_for_random_orgs(
        case: tuple[list[int | None], list[int], list[bool], int]) -> None:
    parents, placement, opted, k = case
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        store = open_store(home)
        try:
            org, acc = people(store, f"prop{next(_orgs)}", len(placement))
            ids = list(acc.values())
            nodes = [(f"n{i}", None if p is None else f"n{p}", "org" if p is None else "team")
                     for i, p in enumerate(parents)]
            install(store, org, P1, tree(nodes, {e: f"n{placement[i]}"
                                                 for i, e in enumerate(acc)}))
            values = {a: {"after_hours": float(10 * i % 100)}
                      for i, a in enumerate(ids) if opted[i]}
            g = guard(store, org, Known(values), k=k)
            decisions = g.release_period(P1)
            t = load_tree(store, org, P1)
            assert t is not None
            with store.engine.connect() as conn:
                sets: dict[str, set[int]] = {}
                for r in conn.execute(select(aggregate_releases)):
                    members = {c.account_id for c in conn.execute(
                        select(aggregate_contributors).where(
                            aggregate_contributors.c.release_id == r.id))}
                    truth = {a for a in t.members_of(r.node_key) if a in values}
                    if r.status == "released":
                        assert members == truth
                        assert len(truth) >= k
                        assert r.value is not None
                        sets[r.node_key] = members
                    else:
                        assert members == set()
                        assert r.value is None
                        if r.reason == "below-floor":
                            assert len(truth) < k
                        else:
                            assert len(truth) >= k
                charges = list(conn.execute(select(aggregate_ledger)))
            assert len(charges) == len(sets)
            for a, b in itertools.combinations(sets.values(), 2):
                assert len(a ^ b) == 0 or len(a ^ b) >= k
            for x, members_x in sets.items():  # no released group minus its released subgroups
                below = [d for d in sets if d != x and x in t.path(d)]
                top = [d for d in below if not any(a in below for a in t.path(d)[1:])]
                rest = members_x - set().union(*(sets[d] for d in top))
                assert len(rest) == 0 or len(rest) >= k
            assert len(decisions) == len(parents)
        finally:
            store.close()
