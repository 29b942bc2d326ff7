"""Builders for the guard's tests: an org of accounts, its tree, and known contributions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from upwell.aggregate.guard import Contributions, Guard
from upwell.aggregate.policy import Policy, period_of, set_policy
from upwell.aggregate.tree import Node as TreeNode
from upwell.aggregate.tree import PeriodTree, Tree, store_tree
from upwell.store.accounts import create_account, create_org, find_account, org_id
from upwell.store.db import Store

P1 = period_of(date(2026, 1, 12), 28)
P2 = period_of(date(2026, 2, 9), 28)


def email(i: int, prefix: str = "person") -> str:
    return f"{prefix}{i:03d}@example.org"


def people(store: Store, slug: str, n: int) -> tuple[int, dict[str, int]]:
    """An org with ``n`` member accounts: (org id, email -> account id)."""
    org = org_id(store, slug) or create_org(store, slug, slug.title())
    out = {}
    for i in range(n):
        e = email(i, slug)
        acc = find_account(store, e) or create_account(store, org, e, None)
        out[e] = acc.id
    return org, out


def tree(nodes: list[tuple[str, str | None, str]], placement: dict[str, str]) -> Tree:
    """A tree from (key, parent, kind) rows and email -> node."""
    return Tree({k: TreeNode(k, p, k.title(), kind) for k, p, kind in nodes},
                {e.casefold(): n for e, n in placement.items()})


@dataclass
class Known:
    """A contribution source with known values: account id -> metric -> value. Counts calls."""

    values: dict[int, dict[str, float]]
    calls: list[date] = field(default_factory=list)

    def __call__(self, t: PeriodTree, period: date, policy: Policy) -> Contributions:
        self.calls.append(period)
        return {a: {m: v for m, v in vals.items() if m in policy.metrics}
                for a, vals in self.values.items() if a in t.members}


def guard(store: Store, org: int, source: Known, *, metrics: tuple[str, ...] = ("after_hours",),
          k: int = 5, epsilon: float = 1.0) -> Guard:
    policy, _ = set_policy(store, org, Policy(metrics, k, epsilon, 28, note="test"))
    return Guard(store, org, policy, source)


def install(store: Store, org: int, period: date, t: Tree) -> None:
    store_tree(store, org, period, t)
