"""The member's actions, shared by the pages and the JSON API (thin shells over the store).

Reads/writes: the member's own rows only, each call scoped by the member id of the signed-in
member. Each action that changes or reads out the member's data is written to their access log.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from upwell.config import Settings
from upwell.store import access_log, consent, goals
from upwell.store.accounts import delete_account
from upwell.store.db import Store
from upwell.store.member_data import delete_member, export_member, purge_evidence
from upwell.store.member_rules import exclude_channel, exclude_person, forget_range
from upwell.store.member_rules import list_exclusions as _exclusions
from upwell.store.member_settings import MemberPrefs, get_prefs, save_prefs
from upwell.web import dashboard
from upwell.web.auth import MemberContext
from upwell.web.board_cache import Board
from upwell.web.key_cache import opened


def prefs(store: Store, settings: Settings, ctx: MemberContext) -> MemberPrefs:
    return get_prefs(store, ctx.member.id, settings.evidence_retention_days)


def board(store: Store, settings: Settings, ctx: MemberContext) -> Board | None:
    """The member's opened dashboard: stored, or computed now if there is none (not while
    paused, nor before any consent)."""
    found = dashboard.board(store, ctx.member)
    if found is None:
        p = prefs(store, settings, ctx)
        if p.paused or not any(consent.current(store, ctx.member.id).values()):
            return None
        dashboard.refresh(store, ctx.member, p)
        found = dashboard.board(store, ctx.member)
    return found


def _refresh(store: Store, settings: Settings, ctx: MemberContext, *, removed: bool = False
             ) -> None:
    """Recompute the dashboard after a change. While paused nothing is analyzed: if the change
    ``removed`` data (forget, exclude, shorter evidence retention) the stored dashboard, which
    may still show it, is deleted instead."""
    p = prefs(store, settings, ctx)
    if not p.paused:
        dashboard.refresh(store, ctx.member, p)
    elif removed:
        dashboard.discard(store, ctx.member.id)
    else:
        dashboard.evict(store, ctx.member.id)


def record_consent(store: Store, ctx: MemberContext, choices: dict[tuple[str, str], bool],
                   settings: Settings) -> int:
    """Record consent changes. Withdrawing coaching consent for a source also disconnects every
    connected source that reads it: the grant is revoked at the provider and its syncs stop."""
    before = consent.current(store, ctx.member.id)
    n = consent.record(store, ctx.member.id, choices)
    if n:
        granted = sorted(f"{s}/{p}" for (s, p), g in choices.items() if g)
        access_log.append(store, ctx.member.id, "member", "consent",
                          f"version {consent.CONSENT_VERSION}; on: {', '.join(granted) or 'none'}")
    withdrawn = [s for (s, p), g in choices.items()
                 if p == "coaching" and not g and before.get((s, p))]
    if withdrawn:
        import httpx

        from upwell.pipeline.connect import withdraw

        with httpx.Client(timeout=30.0) as http:
            for source in withdrawn:
                withdraw(store, settings, ctx.member, source, http)
    return n


def set_paused(store: Store, settings: Settings, ctx: MemberContext, paused: bool
               ) -> MemberPrefs:
    p = save_prefs(store, ctx.member.id, replace(prefs(store, settings, ctx), paused=paused))
    dashboard.evict(store, ctx.member.id)
    access_log.append(store, ctx.member.id, "member", "pause" if paused else "resume")
    return p


def save_settings(store: Store, settings: Settings, ctx: MemberContext, new: MemberPrefs
                  ) -> MemberPrefs:
    old = prefs(store, settings, ctx)
    p = save_prefs(store, ctx.member.id, replace(new, paused=old.paused))
    shorter = p.evidence_retention_days < old.evidence_retention_days
    if shorter:
        purge_evidence(store, ctx.member, p.evidence_retention_days)
    access_log.append(store, ctx.member.id, "member", "settings")
    _refresh(store, settings, ctx, removed=shorter)
    return p


def exclude(store: Store, settings: Settings, ctx: MemberContext, kind: str, target: str
            ) -> int:
    """Exclude a person (their id on the member's relationships) or a chat channel (its id)."""
    if kind == "person":
        data = dashboard.load(store, ctx.member) or {}
        names = {r["person"]: r["name"] for r in data.get("relationships", [])}
        if target not in names:
            raise LookupError("no such person on your relationships")
        new_id = exclude_person(store, ctx.member, target, names[target])
    elif kind == "channel" and target.strip():
        new_id = exclude_channel(store, ctx.member, target)
    else:
        raise ValueError("exclude a person or a channel id")
    access_log.append(store, ctx.member.id, "member", "exclude", kind)
    _refresh(store, settings, ctx, removed=True)
    return new_id


def forget(store: Store, settings: Settings, ctx: MemberContext, first: date, last: date
           ) -> dict[str, int]:
    """Forget every message and event dated from ``first`` to ``last`` inclusive (UTC days)."""
    if last < first:
        raise ValueError("the range ends before it starts")
    start = datetime.combine(first, time(0), UTC)
    end = datetime.combine(last, time(0), UTC) + timedelta(days=1)
    removed = forget_range(store, ctx.member, start, end)
    access_log.append(store, ctx.member.id, "member", "forget",
                      f"{first.isoformat()} to {last.isoformat()}: "
                      f"{removed.get('messages', 0)} messages, {removed.get('events', 0)} events")
    _refresh(store, settings, ctx, removed=True)
    return removed


def team_changed(store: Store, settings: Settings, ctx: MemberContext, what: str) -> None:
    """After the member changed their team (``store.team``): an access-log entry naming the
    change only (never the person), and the dashboard recomputed (1:1 and attention cards)."""
    access_log.append(store, ctx.member.id, "member", "team", what)
    _refresh(store, settings, ctx)


def add_goal(store: Store, ctx: MemberContext, metric: str) -> int:
    if metric not in dashboard.METRICS or not dashboard.METRICS[metric].better:
        raise ValueError("pick one of the behaviours offered")
    data = dashboard.load(store, ctx.member) or {}
    trend = data.get("trends", {}).get(metric, {})
    start = trend.get("current") if trend.get("current") is not None else trend.get("baseline")
    goal_id = goals.add_goal(store, ctx.member.id, metric, start)
    dashboard.evict(store, ctx.member.id)
    return goal_id


def goals_view(store: Store, ctx: MemberContext, data: dict[str, Any] | None = None
               ) -> list[dict[str, Any]]:
    chosen = goals.list_goals(store, ctx.member.id)
    if not chosen:
        return []
    data = data if data is not None else (dashboard.load(store, ctx.member) or {})
    changes = data.get("changes", {})
    return [dict(dashboard.goal_progress(data, g.metric, g.baseline), id=g.id,
                 created_at=g.created_at.isoformat(), change=changes.get(f"goal-{g.id}"))
            for g in chosen]


def export_all(store: Store, settings: Settings, ctx: MemberContext) -> dict[str, Any]:
    """Everything stored for the member, decrypted, plus their choices and access log."""
    out = export_member(store, ctx.member)
    out["consents"] = [dict(asdict(r), recorded_at=r.recorded_at.isoformat())
                       for r in consent.history(store, ctx.member.id)]
    out["settings"] = asdict(prefs(store, settings, ctx))
    out["goals"] = [{"metric": g.metric, "baseline": g.baseline,
                     "created_at": g.created_at.isoformat()}
                    for g in goals.list_goals(store, ctx.member.id)]
    out["delivery"] = _delivery_export(store, ctx)
    out["exclusions"] = [{"kind": x.kind, "label": x.label,
                          "start": x.start.isoformat() if x.start else None,
                          "end": x.end.isoformat() if x.end else None}
                         for x in _exclusions(store, ctx.member)]
    out["dashboard"] = dashboard.load(store, ctx.member)
    access_log.append(store, ctx.member.id, "member", "export")
    out["access_log"] = [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor,
                          "action": e.action, "detail": e.detail}
                         for e in access_log.entries(store, ctx.member.id)]
    return out


def export_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def delete_everything(store: Store, ctx: MemberContext, settings: Settings) -> dict[str, int]:
    """Revoke every connected source at its provider, then crypto-shred the member (key first,
    then rows, then a tombstone) and drop the account."""
    import httpx

    from upwell.pipeline.connect import withdraw

    with httpx.Client(timeout=30.0) as http:
        withdraw(store, settings, ctx.member, None, http, why="delete")
    removed = delete_member(store, ctx.ref)
    opened(store).drop(ctx.ref)
    dashboard.evict(store, ctx.member.id)
    delete_account(store, ctx.principal.account.id)
    return removed


def exclude_lifted(store: Store, settings: Settings, ctx: MemberContext) -> None:
    access_log.append(store, ctx.member.id, "member", "include")
    _refresh(store, settings, ctx)


def _delivery_export(store: Store, ctx: MemberContext) -> dict[str, Any]:
    """The member's delivery choices, feedback, experiments and nudges, decrypted."""
    from upwell.store import feedback
    from upwell.store.delivery_prefs import get_delivery
    from upwell.store.experiments import list_experiments
    from upwell.store.nudge_queue import listed

    d = get_delivery(store, ctx.member)
    return {
        "digest_enabled": d.digest_enabled, "digest_hour": d.digest_hour,
        "controls": json.loads(d.controls.to_json()), "address_on_file": d.has_address,
        "feedback": [{"insight": f.insight, "verdict": f.verdict, "surface": f.surface,
                      "at": f.at.isoformat()} for f in feedback.items(store, ctx.member)],
        "experiments": [{"metric": x.metric, "start_on": x.start_on.isoformat(),
                         "end_on": x.end_on.isoformat()}
                        for x in list_experiments(store, ctx.member.id)],
        "nudges": [{"status": q.status, "reason": q.reason, "channel": q.channel,
                    "created_at": q.created_at.isoformat(), **q.payload}
                   for q in listed(store, ctx.member)],
    }
