"""The member's actions, shared by the pages and the JSON API: thin shells over the member's
rights (:mod:`upwell.rights`, which the CLI calls too) and the goals on their dashboard.

Reads/writes: the member's own rows only, each call scoped by the member id of the signed-in
member. Each action that changes or reads out the member's data is written to their access log.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from upwell import rights
from upwell.analyze.stream import profile_summary, work_profile
from upwell.config import Settings
from upwell.insights.view import coaching_view
from upwell.store import access_log, consent, goals
from upwell.store.accounts import delete_account
from upwell.store.db import Store
from upwell.store.member_settings import MemberPrefs
from upwell.web import dashboard
from upwell.web.auth import MemberContext
from upwell.web.board_cache import Board
from upwell.web.key_cache import opened


def prefs(store: Store, settings: Settings, ctx: MemberContext) -> MemberPrefs:
    return rights.prefs(store, settings, ctx.member)


def inferred_profile(store: Store, settings: Settings, ctx: MemberContext
                     ) -> dict[str, object] | None:
    """For a member who never saved a zone: the zone and hours their coaching uses, inferred
    from their own sending (:func:`upwell.analyze.stream.profile_summary`), to show on the
    settings page; ``None`` once they saved settings, or while paused."""
    p = prefs(store, settings, ctx)
    found = coaching_view(store, ctx.member, prefs=p) if p.unset else None
    if found is None:
        return None
    profile, guess = work_profile(found.view)
    return profile_summary(found.view, profile, guess)


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


def record_consent(store: Store, ctx: MemberContext, choices: dict[tuple[str, str], bool],
                   settings: Settings) -> int:
    """Record consent changes (:func:`upwell.rights.record_consent`)."""
    return rights.record_consent(store, settings, ctx.member, choices)


def set_paused(store: Store, settings: Settings, ctx: MemberContext, paused: bool
               ) -> MemberPrefs:
    return rights.set_paused(store, settings, ctx.member, paused)


def save_settings(store: Store, settings: Settings, ctx: MemberContext, new: MemberPrefs
                  ) -> MemberPrefs:
    return rights.save_settings(store, settings, ctx.member, new)


def exclude(store: Store, settings: Settings, ctx: MemberContext, kind: str, target: str
            ) -> int:
    """Exclude a person (their id on the member's relationships) or a chat channel (its id)."""
    return rights.exclude(store, settings, ctx.member, kind, target)


def forget(store: Store, settings: Settings, ctx: MemberContext, first: date, last: date
           ) -> dict[str, int]:
    """Forget every message and event dated from ``first`` to ``last`` inclusive (UTC days)."""
    return rights.forget(store, settings, ctx.member, first, last)


def team_changed(store: Store, settings: Settings, ctx: MemberContext, what: str) -> None:
    """After the member changed their team (``store.team``): an access-log entry naming the
    change only (never the person), and the dashboard recomputed (1:1 and attention cards)."""
    access_log.append(store, ctx.member.id, "member", "team", what)
    rights.refresh_after(store, settings, ctx.member)


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
    """Everything stored for the member (:func:`upwell.rights.export`, the CLI's export too)."""
    return rights.export(store, settings, ctx.member)


def export_json(data: dict[str, Any]) -> str:
    return rights.export_json(data)


def delete_everything(store: Store, ctx: MemberContext, settings: Settings) -> dict[str, int]:
    """Revoke and crypto-shred the member (:func:`upwell.rights.delete`), then drop this
    process's opened key and the account that signed in."""
    removed = rights.delete(store, settings, ctx.ref)
    opened(store).drop(ctx.ref)
    dashboard.evict(store, ctx.member.id)
    delete_account(store, ctx.principal.account.id)
    return removed


def exclude_lifted(store: Store, settings: Settings, ctx: MemberContext) -> None:
    access_log.append(store, ctx.member.id, "member", "include")
    rights.refresh_after(store, settings, ctx.member)
