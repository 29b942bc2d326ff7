"""The privacy guard: the only exit for anything about a group.

Reads: the period's tree (``org_nodes``, ``org_members``), the policy in force, each
contributing member's clipped values (from a contribution source, in memory), earlier decisions
and the ledger. Writes: one cached decision per (org, policy version, node, metric, period) in
``aggregate_releases``; for a release also its contributor set (``aggregate_contributors``,
never shown) and its charge (``aggregate_ledger``), in one transaction.

A group (a node of the tree and everything under it) is released only if

1. its true number of contributors to the metric is at least k (the policy's floor, >= 5);
2. its contributor set differs by 0 or by at least k people from every group released for the
   metric in this period or the latest earlier one (nested, sibling or any other), and from its
   own previous release (churn); and no released group (it or an ancestor) is left with 1 to
   k-1 contributors outside its released subgroups (a parent minus all its released children);
3. the charge fits the period's budget: along every path from the root to a node, the charges
   of the groups on the path (a person is in each of them; sibling groups are disjoint) plus
   this one stay within the policy's epsilon, all metrics together;

and every released number is an OpenDP measurement whose privacy map is the epsilon charged.
Asking again returns the stored decision: no fresh noise, no second charge. Only noisy numbers,
"threshold reached / not yet" and reasons without counts ever leave this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from upwell.aggregate.mechanism import MECHANISM, RESOLUTION, mean_mechanism, release_mean
from upwell.aggregate.metrics import METRICS
from upwell.aggregate.policy import Policy
from upwell.aggregate.tree import PeriodTree, load_tree
from upwell.errors import UpwellError
from upwell.store.db import Store
from upwell.store.schema import aggregate_contributors, aggregate_ledger, aggregate_releases

#: Why a group was not released: shown to admins and members, never with a count.
REASONS = {
    "below-floor": "fewer contributors than the group floor: threshold not reached yet",
    "differencing": "its contributors differ from another released group by fewer than k "
                    "people",
    "churn": "its contributors differ from its own previous release by fewer than k people",
    "budget": "the period's privacy budget is spent",
}
#: The same reasons in a word or two, for table cells (the full text is beside them).
SHORT = {"below-floor": "below k", "differencing": "suppressed: differencing",
         "churn": "suppressed: churn", "budget": "refused: budget spent"}
#: Float slack when adding charges (epsilons are sums of a few floats).
_SLACK = 1e-9

#: ``source(tree, period, policy)``: account id -> metric -> one clipped value, for the
#: members of the period's tree who share them (computed in memory, never stored).
Contributions = dict[int, dict[str, float]]
ContributionSource = Callable[[PeriodTree, date, Policy], Contributions]


class GuardError(UpwellError):
    """A question the guard cannot answer (no tree for the period, a node not in it)."""

    code = "E512"


@dataclass(frozen=True, slots=True)
class Decision:
    """The guard's answer for one group, metric and period."""

    period: date
    node: str
    metric: str
    policy_version: int
    status: str  # released | suppressed | refused
    reason: str | None
    value: float | None
    half_width: float | None

    @property
    def released(self) -> bool:
        return self.status == "released"

    @property
    def threshold_reached(self) -> bool:
        return self.reason != "below-floor"


def release_epsilon(policy: Policy, tree: PeriodTree) -> float:
    """Each release's share: the period's epsilon over (metrics x the tree's depth), so that
    every group on every path, for every metric, fits the budget."""
    return policy.epsilon / (len(policy.metrics) * tree.max_depth())


def _decision(r: object) -> Decision:
    return Decision(r.period, r.node_key, r.metric, r.policy_version,  # type: ignore[attr-defined]
                    r.status, r.reason, r.value, r.half_width)  # type: ignore[attr-defined]


class Guard:
    """Releases for one org under the policy in force, with contributions from ``source``."""

    def __init__(self, store: Store, org: int, policy: Policy, source: ContributionSource
                 ) -> None:
        self.store = store
        self.org = org
        self.policy = policy.checked()
        self.source = source
        self._contributions: dict[date, Contributions] = {}
        self._trees: dict[date, PeriodTree] = {}

    def tree(self, period: date) -> PeriodTree:
        if period not in self._trees:
            found = load_tree(self.store, self.org, period)
            if found is None:
                raise GuardError("no team tree for this period: import one first "
                                 "(upwell org import-tree)")
            self._trees[period] = found
        return self._trees[period]

    def cached(self, period: date, node: str, metric: str) -> Decision | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(aggregate_releases).where(
                aggregate_releases.c.org_id == self.org,
                aggregate_releases.c.policy_version == self.policy.version,
                aggregate_releases.c.node_key == node, aggregate_releases.c.metric == metric,
                aggregate_releases.c.period == period)).first()
        return _decision(row) if row is not None else None

    def release_period(self, period: date) -> list[Decision]:
        """Every metric of the policy for every group of the period's tree, top-down."""
        tree = self.tree(period)
        return [self.release(period, node, metric)
                for metric in self.policy.metrics for node in tree.order()]

    def release(self, period: date, node: str, metric: str) -> Decision:
        """The guard's decision for one group, metric and period (cached)."""
        if metric not in self.policy.metrics:
            raise GuardError("this metric is not in the policy: nothing about it leaves anyone's "
                             "data")
        hit = self.cached(period, node, metric)
        if hit is not None:
            return hit
        tree = self.tree(period)
        if node not in tree.nodes:
            raise GuardError("not a group of this period's tree")
        if period not in self._contributions:
            self._contributions[period] = self.source(tree, period, self.policy)
        values = self._contributions[period]
        contributors = {a for a in tree.members_of(node) if metric in values.get(a, {})}
        reason = self._why_not(period, node, metric, contributors, tree)
        if reason is not None:
            return self._store(period, node, metric, "refused" if reason == "budget"
                               else "suppressed", reason)
        spec = METRICS[metric]
        eps = release_epsilon(self.policy, tree)
        mech = mean_mechanism(spec.low, spec.high, eps)
        if mech.privacy_loss() > eps + _SLACK:  # pragma: no cover - mean_mechanism checks too
            raise GuardError("the measurement's privacy map exceeds its charge")
        drawn = release_mean([values[a][metric] for a in sorted(contributors)], spec.low,
                             spec.high, eps)
        return self._store(period, node, metric, "released", None, value=drawn.value,
                           half_width=drawn.half_width, contributors=contributors,
                           charge=(eps, mech.scale_sum / RESOLUTION, mech.scale_count))

    # -- the rules ---------------------------------------------------------------------------

    def _why_not(self, period: date, node: str, metric: str, contributors: set[int],
                 tree: PeriodTree) -> str | None:
        k = self.policy.k
        if len(contributors) < k:
            return "below-floor"
        for other, previous_self in self._released_sets(period, node, metric):
            d = len(contributors ^ other)
            if 0 < d < k:
                return "churn" if previous_self else "differencing"
        if not self._residuals_ok(period, node, metric, contributors, tree):
            return "differencing"
        charge = release_epsilon(self.policy, tree)
        if self._worst_path(period, tree, node) + charge > self.policy.epsilon + _SLACK:
            return "budget"
        return None

    def _released_sets(self, period: date, node: str, metric: str
                       ) -> list[tuple[set[int], bool]]:
        """Contributor sets to compare with: every release of the metric in this period and in
        the latest earlier period with one, and this node's own latest earlier release."""
        r = aggregate_releases
        with self.store.engine.connect() as conn:
            base = select(r.c.id, r.c.node_key, r.c.period).where(
                r.c.org_id == self.org, r.c.metric == metric, r.c.status == "released")
            earlier = conn.scalar(select(r.c.period).where(
                r.c.org_id == self.org, r.c.metric == metric, r.c.status == "released",
                r.c.period < period).order_by(r.c.period.desc()).limit(1))
            own = conn.scalar(select(r.c.id).where(
                r.c.org_id == self.org, r.c.metric == metric, r.c.status == "released",
                r.c.node_key == node, r.c.period < period).order_by(r.c.period.desc())
                .limit(1))
            wanted = [period] if earlier is None else [period, earlier]
            rows = list(conn.execute(base.where(r.c.period.in_(wanted))))
            ids = {row.id for row in rows} | ({own} if own is not None else set())
            sets: dict[int, set[int]] = {i: set() for i in ids}
            if ids:
                for c in conn.execute(select(aggregate_contributors).where(
                        aggregate_contributors.c.release_id.in_(ids))):
                    sets[c.release_id].add(c.account_id)
        return [(s, i == own) for i, s in sorted(sets.items(), key=lambda kv: kv[0] != own)]

    def _residuals_ok(self, period: date, node: str, metric: str, contributors: set[int],
                      tree: PeriodTree) -> bool:
        """With this group released, no released group (this one or an ancestor) may have 1
        to k-1 contributors outside its released subgroups: a parent minus all its released
        children would isolate them, which no pairwise comparison sees."""
        released = {**self._period_sets(period, metric), node: contributors}
        for x in tree.path(node):
            if x not in released:
                continue
            below = [d for d in released if d != x and x in tree.path(d)]
            maximal = [d for d in below if not any(a in below for a in tree.path(d)[1:])]
            covered: set[int] = set().union(*(released[d] for d in maximal))
            if 0 < len(released[x] - covered) < self.policy.k:
                return False
        return True

    def _period_sets(self, period: date, metric: str) -> dict[str, set[int]]:
        """Contributor sets of the groups released for the metric in the period, by node."""
        r = aggregate_releases
        out: dict[str, set[int]] = {}
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(r.c.node_key, aggregate_contributors.c.account_id)
                .join(aggregate_contributors, aggregate_contributors.c.release_id == r.c.id)
                .where(r.c.org_id == self.org, r.c.metric == metric, r.c.period == period,
                       r.c.status == "released"))
            for row in rows:
                out.setdefault(row.node_key, set()).add(row.account_id)
        return out

    def _worst_path(self, period: date, tree: PeriodTree, node: str) -> float:
        """The largest charge so far along any root path through ``node``'s subtree."""
        charged = self.charges(period)
        return max(sum(charged.get(p, 0.0) for p in tree.path(x)) for x in tree.subtree(node))

    def charges(self, period: date) -> dict[str, float]:
        """Charges of the period so far, summed by node (all metrics, all policy versions)."""
        out: dict[str, float] = {}
        with self.store.engine.connect() as conn:
            for row in conn.execute(select(aggregate_ledger.c.node_key, aggregate_ledger.c.epsilon)
                                    .where(aggregate_ledger.c.org_id == self.org,
                                           aggregate_ledger.c.period == period)):
                out[row.node_key] = out.get(row.node_key, 0.0) + row.epsilon
        return out

    # -- storing -------------------------------------------------------------------------------

    def _store(self, period: date, node: str, metric: str, status: str, reason: str | None,
               *, value: float | None = None, half_width: float | None = None,
               contributors: set[int] | None = None,
               charge: tuple[float, float, float] | None = None) -> Decision:
        now = datetime.now(UTC)
        try:
            with self.store.engine.begin() as conn:
                pk = conn.execute(insert(aggregate_releases).values(
                    org_id=self.org, policy_version=self.policy.version, period=period,
                    node_key=node, metric=metric, status=status, reason=reason, value=value,
                    half_width=half_width, created_at=now)).inserted_primary_key
                assert pk is not None
                if contributors:
                    conn.execute(insert(aggregate_contributors), [
                        {"release_id": int(pk[0]), "account_id": a} for a in contributors])
                if charge is not None:
                    conn.execute(insert(aggregate_ledger).values(
                        org_id=self.org, period=period, node_key=node, metric=metric,
                        policy_version=self.policy.version, epsilon=charge[0],
                        mechanism=MECHANISM, scale_sum=charge[1], scale_count=charge[2],
                        charged_at=now))
        except IntegrityError:  # another process decided first: theirs stands
            hit = self.cached(period, node, metric)
            if hit is None:  # pragma: no cover - the unique key is the only constraint
                raise
            return hit
        return Decision(period, node, metric, self.policy.version, status, reason, value,
                        half_width)
