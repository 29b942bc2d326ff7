"""What the guard's tables may show: decisions, trends, the ledger and the budget spent.

Reads: ``aggregate_releases`` (status, reason, noisy value and interval only: never the
contributor sets), ``aggregate_ledger``, ``org_nodes``. Writes nothing. The admin console and
every member's group-insights page render these; nothing here carries a count, an id of a
person, or a per-person value.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from upwell.aggregate.guard import Decision, _decision
from upwell.aggregate.tree import load_tree, node_names
from upwell.store.db import Store
from upwell.store.schema import aggregate_ledger, aggregate_releases


@dataclass(frozen=True, slots=True)
class Charge:
    period: date
    group: str
    metric: str
    policy_version: int
    epsilon: float
    mechanism: str
    scale_sum: float
    scale_count: float
    charged_at: datetime


def decisions(store: Store, org: int, period: date | None = None) -> list[Decision]:
    """Every stored decision (newest policy version first within a key)."""
    r = aggregate_releases
    q = select(r).where(r.c.org_id == org)
    if period is not None:
        q = q.where(r.c.period == period)
    with store.engine.connect() as conn:
        return [_decision(row) for row in conn.execute(
            q.order_by(r.c.period, r.c.node_key, r.c.metric, r.c.policy_version.desc()))]


def latest(store: Store, org: int, period: date) -> dict[tuple[str, str], Decision]:
    """(node, metric) -> the decision under the newest policy version for the period."""
    out: dict[tuple[str, str], Decision] = {}
    for d in decisions(store, org, period):
        out.setdefault((d.node, d.metric), d)
    return out


def adoption(store: Store, org: int, period: date) -> dict[str, bool]:
    """Per group: threshold reached (for some metric) or not yet. Never who, never how many."""
    out: dict[str, bool] = {}
    for (node, _metric), d in latest(store, org, period).items():
        out[node] = out.get(node, False) or d.threshold_reached
    return out


def trends(store: Store, org: int, node: str) -> dict[str, list[Decision]]:
    """metric -> the group's decisions across periods (newest policy version per period)."""
    seen: set[tuple[date, str]] = set()
    out: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions(store, org):
        if d.node == node and (d.period, d.metric) not in seen:
            seen.add((d.period, d.metric))
            out[d.metric].append(d)
    return dict(out)


def ledger(store: Store, org: int) -> list[Charge]:
    """Every charge to the org's budget, newest first (the same rows for admins and members)."""
    names = node_names(store, org)
    t = aggregate_ledger
    with store.engine.connect() as conn:
        return [Charge(r.period, names.get(r.node_key, r.node_key), r.metric, r.policy_version,
                       r.epsilon, r.mechanism, r.scale_sum, r.scale_count,
                       r.charged_at)
                for r in conn.execute(select(t).where(t.c.org_id == org)
                                      .order_by(t.c.id.desc()))]


def spent(store: Store, org: int, period: date) -> float:
    """The period's spend: the largest sum of charges along any root path of its tree."""
    tree = load_tree(store, org, period)
    if tree is None:
        return 0.0
    charged: dict[str, float] = defaultdict(float)
    t = aggregate_ledger
    with store.engine.connect() as conn:
        for r in conn.execute(select(t.c.node_key, t.c.epsilon).where(
                t.c.org_id == org, t.c.period == period)):
            charged[r.node_key] += r.epsilon
    return max(sum(charged[p] for p in tree.path(x)) for x in tree.nodes)

