"""Group insights as the CLI and the web app call them: one function per action.

Reads/writes: through the policy, tree and guard modules only. ``console`` and ``member_page``
return JSON-ready data holding nothing but what may leave the guard: groups' names, "threshold
reached / not yet", released values with their intervals, suppression reasons (no counts), the
ledger, the policy and its change log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from upwell.aggregate.contributions import from_members, shared_sources
from upwell.aggregate.guard import REASONS, SHORT, Decision, Guard, release_epsilon
from upwell.aggregate.metrics import DEFAULT_METRICS, METRICS
from upwell.aggregate.policy import (
    PERIODS,
    Policy,
    current_policy,
    parse_period,
    parse_policy,
    policy_log,
    set_policy,
)
from upwell.aggregate.tree import ImportSummary, load_tree, parse, periods, store_tree
from upwell.aggregate.views import latest, ledger, spent, trends
from upwell.config import Settings
from upwell.store.accounts import org_name
from upwell.store.db import Store
from upwell.store.member_settings import get_prefs
from upwell.store.schema import team


def default_policy(settings: Settings) -> Policy:
    """The policy of an org that has not stored one: from settings (version 0)."""
    return Policy(DEFAULT_METRICS, settings.aggregate_k, settings.aggregate_epsilon,
                  PERIODS[settings.aggregate_period]).checked()


def policy_of(store: Store, settings: Settings, org: int) -> Policy:
    return current_policy(store, org, default_policy(settings))


def import_tree(store: Store, settings: Settings, org: int, period: str, text: str, *,
                filename: str = "", members: str | None = None) -> ImportSummary:
    """Import the org's tree for the period holding the date ``period``."""
    policy = policy_of(store, settings, org)
    return store_tree(store, org, parse_period(period, policy.period_days),
                      parse(text, filename, members))


def load_policy(store: Store, settings: Settings, org: int, text: str) -> tuple[Policy, bool]:
    """Store a policy file's rules as the org's next version (logged) unless unchanged."""
    return set_policy(store, org, parse_policy(text), default_policy(settings))


def release(store: Store, settings: Settings, org: int, period: str) -> list[Decision]:
    """Every metric for every group of the period's tree, through the guard (cached)."""
    policy = policy_of(store, settings, org)
    guard = Guard(store, org, policy, from_members(store))
    return guard.release_period(parse_period(period, policy.period_days))


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if abs(value) < 10 or unit == "" else f"{value:.1f}"


def _cell(d: Decision | None) -> dict[str, Any]:
    if d is None:
        return {"status": "not asked", "text": "not released yet"}
    spec = METRICS[d.metric]
    if d.released and d.value is not None and d.half_width is not None:
        whole = d.half_width >= spec.high - spec.low
        return {"status": "released", "value": round(d.value, 3),
                "half_width": round(d.half_width, 3), "whole_range": whole,
                "text": f"{_fmt(d.value, spec.unit)} ± {_fmt(d.half_width, spec.unit)}"
                        f"{(' ' + spec.unit) if spec.unit else ''}"}
    return {"status": d.status, "reason": d.reason, "short": SHORT.get(d.reason or "", ""),
            "text": REASONS.get(d.reason or "", "")}


def _policy_json(p: Policy) -> dict[str, Any]:
    return {"version": p.version, "metrics": list(p.metrics), "k": p.k, "epsilon": p.epsilon,
            "period": p.period_name, "note": p.note,
            "changed_at": p.created_at.isoformat() if p.created_at else None}


def policy_history(store: Store, org: int) -> list[dict[str, Any]]:
    """The policy's change log, newest first."""
    return [_policy_json(p) for p in policy_log(store, org)]


def ledger_rows(store: Store, org: int) -> list[dict[str, Any]]:
    """The ledger as JSON-ready rows, newest first (the same for admins and members)."""
    return _ledger_json(store, org)


def _ledger_json(store: Store, org: int) -> list[dict[str, Any]]:
    return [{"period": c.period.isoformat(), "group": c.group, "metric": c.metric,
             "policy_version": c.policy_version, "epsilon": round(c.epsilon, 6),
             "mechanism": c.mechanism, "noise_scale": round(c.scale_sum, 4),
             "count_noise_scale": round(c.scale_count, 4),
             "charged_at": c.charged_at.isoformat(timespec="seconds")}
            for c in ledger(store, org)]


def console(store: Store, settings: Settings, org: int, group: str | None = None
            ) -> dict[str, Any]:
    """The admin console's data: per period, every group with its adoption ("threshold
    reached" or "not yet") and its metrics (value ± 95 % interval, or why not); trends across
    periods for one group; the ledger; the policy and its change log."""
    policy = policy_of(store, settings, org)
    out_periods = []
    root: str | None = None
    for period in reversed(periods(store, org)):
        tree = load_tree(store, org, period)
        assert tree is not None
        cells = latest(store, org, period)
        groups = []
        for key in _preorder(tree.children(), tree.order()[0]):
            node = tree.nodes[key]
            mine = {m: cells.get((key, m)) for m in policy.metrics}
            asked = [d for d in mine.values() if d is not None]
            groups.append({
                "key": key, "name": node.name, "kind": node.kind, "depth": tree.depth(key),
                "adoption": "not asked" if not asked else "threshold reached"
                if any(d.threshold_reached for d in asked) else "not yet",
                "metrics": {m: _cell(d) for m, d in mine.items()}})
        root = root or tree.order()[0]
        out_periods.append({"period": period.isoformat(), "groups": groups,
                            "spent": round(spent(store, org, period), 6),
                            "release_epsilon": round(release_epsilon(policy, tree), 6)})
    chosen = group or root
    series = trends(store, org, chosen) if chosen else {}
    return {
        "org": org_name(store, org), "policy": _policy_json(policy),
        "policy_log": policy_history(store, org),
        "metrics": {m: {"label": s.label, "unit": s.unit, "low": s.low, "high": s.high,
                        "sources": list(s.sources)} for m, s in METRICS.items()},
        "periods": out_periods, "group": chosen,
        "trends": {m: [{"period": d.period.isoformat(), **_cell(d)} for d in ds]
                   for m, ds in series.items() if m in policy.metrics},
        "ledger": _ledger_json(store, org),
        "reasons": {SHORT[k]: v for k, v in REASONS.items()},
    }


def _preorder(children: dict[str, list[str]], root: str) -> list[str]:
    out, todo = [], [root]
    while todo:
        k = todo.pop()
        out.append(k)
        todo.extend(reversed(children[k]))
    return out


def member_page(store: Store, settings: Settings, org: int, member_id: int) -> dict[str, Any]:
    """A member's view of group insights: the same ledger, the policy in force and its change
    log, and exactly which metrics leave their data (those in the policy that read a source
    they share with group insights)."""
    policy = policy_of(store, settings, org)
    paused = get_prefs(store, member_id).paused
    shared = set() if paused else shared_sources(store, member_id)
    with store.engine.connect() as conn:
        manager = conn.execute(select(team.c.person_id).where(
            team.c.member_id == member_id, team.c.relation == "report").limit(1)).first()
    leaving = []
    for m in policy.metrics:
        spec = METRICS[m]
        via = [] if spec.managers_only and manager is None else sorted(set(spec.sources) & shared)
        leaving.append({"id": m, "label": spec.label, "sources": list(spec.sources),
                        "leaves": bool(via), "via": via, "managers_only": spec.managers_only,
                        "bounds": [spec.low, spec.high], "unit": spec.unit})
    return {"org": org_name(store, org), "policy": _policy_json(policy),
            "policy_log": policy_history(store, org), "paused": paused,
            "shared_sources": sorted(shared), "metrics": leaving,
            "ledger": _ledger_json(store, org)}
