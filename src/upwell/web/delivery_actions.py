"""The member's delivery actions, shared by the pages and the JSON API: fatigue controls,
snooze, feedback on cards, experiments; and the signed-link actions (unsubscribe, feedback from
a digest or nudge) that work without signing in.

Reads/writes: the member's own delivery rows, each call scoped by the member's id; every change
goes to their access log (content-free).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from upwell.config import Settings
from upwell.deliver.tokens import LinkClaim, read_token, use_token
from upwell.insights import catalog
from upwell.insights.catalog import cards_of
from upwell.store import access_log, feedback
from upwell.store.accounts import get_account
from upwell.store.db import Store
from upwell.store.delivery_prefs import (
    CHANNELS,
    Controls,
    DeliveryPrefs,
    get_delivery,
    save_delivery,
    set_digest_enabled,
)
from upwell.store.experiments import add_experiment, list_experiments
from upwell.store.member_settings import get_prefs
from upwell.web import dashboard
from upwell.web.auth import MemberContext
from upwell.web.key_cache import opened

MAX_SNOOZE_DAYS = 60


def delivery(store: Store, ctx: MemberContext) -> DeliveryPrefs:
    return get_delivery(store, ctx.member)


def delivery_context(store: Store, settings: Settings, ctx: MemberContext) -> dict[str, Any]:
    """What the settings page shows of the member's delivery choices."""
    return {"delivery": delivery(store, ctx), "channels": CHANNELS,
            "insights": catalog(), "default_hour": settings.digest_hour}


def save(store: Store, ctx: MemberContext, new: DeliveryPrefs) -> DeliveryPrefs:
    """Save the member's digest choice and fatigue controls (snoozes are kept as they were)."""
    old = get_delivery(store, ctx.member)
    controls = replace(new.controls, snoozed_until=old.controls.snoozed_until,
                       snoozes=old.controls.snoozes)
    out = save_delivery(store, ctx.member, replace(new, controls=controls))
    access_log.append(store, ctx.member.id, "member", "delivery")
    return out


def controls_from(values: dict[str, Any]) -> Controls:
    """Controls from form or API fields: ``cap_<channel>_day``/``_week``, ``quiet_start``,
    ``quiet_end`` (empty: none), ``muted`` (insight ids), ``nudge_channel``."""
    caps = {}
    for ch in CHANNELS:
        day, week = values.get(f"cap_{ch}_day"), values.get(f"cap_{ch}_week")
        if day not in (None, "") and week not in (None, ""):
            caps[ch] = (int(day), int(week))
    known = set(catalog())
    muted = frozenset(str(m) for m in values.get("muted", []))
    if muted - known:
        raise ValueError("mute only insight types Upwell has")

    def hour(key: str) -> int | None:
        v = values.get(key)
        return None if v in (None, "") else int(v)

    return Controls(caps=caps, quiet_start=hour("quiet_start"), quiet_end=hour("quiet_end"),
                    muted=muted, nudge_channel=str(values.get("nudge_channel") or "email"))


def snooze(store: Store, ctx: MemberContext, insight: str, days: int,
           now: datetime | None = None) -> datetime | None:
    """Snooze everything (``insight`` "all") or one insight type for ``days``; 0 ends it."""
    if not 0 <= days <= MAX_SNOOZE_DAYS:
        raise ValueError(f"snooze for 0 to {MAX_SNOOZE_DAYS} days")
    if insight != "all" and insight not in catalog():
        raise ValueError("snooze everything or one insight type Upwell has")
    now = now or datetime.now(UTC)
    until = now + timedelta(days=days) if days else None
    prefs = get_delivery(store, ctx.member)
    c = prefs.controls
    if insight == "all":
        c = replace(c, snoozed_until=until)
    else:
        snoozes = {k: v for k, v in c.snoozes.items() if k != insight and v > now}
        if until is not None:
            snoozes[insight] = until
        c = replace(c, snoozes=snoozes)
    save_delivery(store, ctx.member, replace(prefs, controls=c))
    access_log.append(store, ctx.member.id, "member", "snooze",
                      f"{'everything' if insight == 'all' else 'one type'} for {days} days")
    return until


def card_feedback(store: Store, ctx: MemberContext, insight: str, verdict: str,
                  surface: str = "dashboard") -> int:
    """Feedback on one of the member's cards this week (``LookupError`` when there is none)."""
    data = dashboard.load(store, ctx.member) or {}
    if not any(c.insight == insight for c in cards_of(data)):
        raise LookupError("no such card this week")
    fid = feedback.record(store, ctx.member, insight, verdict, surface)
    dashboard.evict(store, ctx.member.id)
    access_log.append(store, ctx.member.id, "member", "feedback", surface)
    return fid


def new_experiment(store: Store, settings: Settings, ctx: MemberContext, metric: str, *,
                   start_on: date, end_on: date) -> int:
    if metric not in dashboard.METRICS or not dashboard.METRICS[metric].better:
        raise ValueError("pick one of the behaviours offered")
    xid = add_experiment(store, ctx.member.id, metric, start_on, end_on)
    access_log.append(store, ctx.member.id, "member", "experiment")
    refresh(store, settings, ctx)
    return xid


def refresh(store: Store, settings: Settings, ctx: MemberContext) -> None:
    """Recompute the dashboard (its before/after changes) unless the member paused."""

    prefs = get_prefs(store, ctx.member.id, settings.evidence_retention_days)
    if not prefs.paused:
        dashboard.refresh(store, ctx.member, prefs)


def experiments_view(store: Store, ctx: MemberContext, data: dict[str, Any] | None = None
                     ) -> list[dict[str, Any]]:
    data = data if data is not None else (dashboard.load(store, ctx.member) or {})
    changes = data.get("changes", {})
    return [{"id": x.id, "metric": x.metric, "label": dashboard.METRICS[x.metric].label,
             "start_on": x.start_on.isoformat(), "end_on": x.end_on.isoformat(),
             "change": changes.get(f"experiment-{x.id}")}
            for x in list_experiments(store, ctx.member.id) if x.metric in dashboard.METRICS]


# -- signed links: no sign-in, the token is the credential ----------------------------------


def claim_of(settings: Settings, token: str, purpose: str) -> LinkClaim | None:
    claim = read_token(settings, token)
    return claim if claim is not None and claim.purpose == purpose else None


def _member_of(store: Store, claim: LinkClaim) -> tuple[str, int] | None:
    account = get_account(store, claim.account_id)
    if account is None or not account.is_member or account.member_ref is None:
        return None
    member_id = store.find_member(account.member_ref)
    return None if member_id is None else (account.member_ref, member_id)


def unsubscribe(store: Store, settings: Settings, token: str) -> bool:
    """Turn the token's member's digest off (once per token); ``False`` for a bad token."""
    claim = claim_of(settings, token, "unsubscribe")
    found = _member_of(store, claim) if claim is not None else None
    if found is None:
        return False
    if use_token(store, token):
        set_digest_enabled(store, found[1], False)
        access_log.append(store, found[1], "member", "unsubscribe", "digest off by link")
    return True


def link_feedback(store: Store, settings: Settings, token: str) -> bool | None:
    """Record the feedback a signed link carries: ``True`` recorded, ``False`` already used,
    ``None`` for a bad token."""
    claim = claim_of(settings, token, "feedback")
    found = _member_of(store, claim) if claim is not None else None
    if claim is None or found is None or claim.verdict not in feedback.VERDICTS \
            or claim.insight not in catalog():
        return None
    if not use_token(store, token):
        return False
    member = opened(store).open(found[0])
    surface = claim.surface if claim.surface in feedback.SURFACES else "digest"
    feedback.record(store, member, claim.insight, claim.verdict, surface)
    access_log.append(store, found[1], "member", "feedback", surface)
    return True
