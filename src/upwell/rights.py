"""A member's rights over their own data, in one place: export, delete, pause, exclude, forget.

The CLI (``upwell export``, ``upwell delete``) and the web app (``web/actions.py``: the member
pages and the JSON API) are shells over these functions, so a member gets the same export and
the same deletion whichever door they use. It sits above ``store/``, ``pipeline/`` (revoking
connected sources) and ``insights/`` (the board recomputed after a change) and below both
shells: it imports neither ``web/`` nor ``deliver/``. Processes that keep opened copies of a
member's board (the web app) hear of every change through ``insights.board.on_change``.

Reads/writes: the member's own rows only. Each call that changes or reads out the member's
data is written to their access log (actor ``member``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from sqlalchemy import delete as sql_delete

from upwell.config import Settings
from upwell.insights import board
from upwell.pipeline.connect import withdraw
from upwell.store import access_log, consent, feedback, goals
from upwell.store.db import Member, Store
from upwell.store.delivery_prefs import get_delivery
from upwell.store.experiments import list_experiments
from upwell.store.member_data import delete_member, export_member, purge_evidence
from upwell.store.member_rules import (
    exclude_channel,
    exclude_person,
    forget_range,
    mark_personal,
    sender_of,
)
from upwell.store.member_rules import list_exclusions as _exclusions
from upwell.store.member_settings import MemberPrefs, get_prefs, save_prefs
from upwell.store.nudge_queue import listed
from upwell.store.schema import dashboards

__all__ = ["delete", "discard_board", "exclude", "export", "export_json", "forget", "prefs",
           "record_consent", "refresh_after", "save_settings", "set_paused"]


def prefs(store: Store, settings: Settings, member: Member) -> MemberPrefs:
    """The member's settings, with the deployment's evidence retention as the default."""
    return get_prefs(store, member.id, settings.evidence_retention_days)


def discard_board(store: Store, member_id: int) -> None:
    """Delete the member's stored board (it showed something they have since removed and
    cannot be recomputed now, e.g. while paused); the next view computes it afresh."""
    with store.engine.begin() as conn:
        conn.execute(sql_delete(dashboards).where(dashboards.c.member_id == member_id))
    board.changed(store, member_id)


def refresh_after(store: Store, settings: Settings, member: Member, *, removed: bool = False
                  ) -> None:
    """Recompute the board after a change. While paused nothing is analyzed: if the change
    ``removed`` data (forget, exclude, shorter evidence retention) the stored board, which may
    still show it, is deleted instead."""
    p = prefs(store, settings, member)
    if not p.paused:
        board.refresh(store, member, p)
    elif removed:
        discard_board(store, member.id)
    else:
        board.changed(store, member.id)


# -- export ------------------------------------------------------------------------------------


def export(store: Store, settings: Settings, member: Member) -> dict[str, Any]:
    """Everything stored for the member, decrypted, plus their choices and access log (which
    ends with this export's own entry). The one export document: ``upwell export`` and the web
    app's ``/me/export.json`` and ``/api/v1/me/export`` all write it."""
    out = export_member(store, member)
    out["consents"] = [dict(asdict(r), recorded_at=r.recorded_at.isoformat())
                       for r in consent.history(store, member.id)]
    out["settings"] = asdict(prefs(store, settings, member))
    out["goals"] = [{"metric": g.metric, "baseline": g.baseline,
                     "created_at": g.created_at.isoformat()}
                    for g in goals.list_goals(store, member.id)]
    out["delivery"] = _delivery_export(store, member)
    out["exclusions"] = [{"kind": x.kind, "label": x.label,
                          "start": x.start.isoformat() if x.start else None,
                          "end": x.end.isoformat() if x.end else None}
                         for x in _exclusions(store, member)]
    out["dashboard"] = board.stored(store, member)
    access_log.append(store, member.id, "member", "export")
    out["access_log"] = [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor,
                          "action": e.action, "detail": e.detail}
                         for e in access_log.entries(store, member.id)]
    return out


def export_json(data: dict[str, Any]) -> str:
    """The export document as text (sorted keys, UTF-8 kept, two-space indent)."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _delivery_export(store: Store, member: Member) -> dict[str, Any]:
    """The member's delivery choices, feedback, experiments and nudges, decrypted."""
    d = get_delivery(store, member)
    return {
        "digest_enabled": d.digest_enabled, "digest_hour": d.digest_hour,
        "controls": json.loads(d.controls.to_json()), "address_on_file": d.has_address,
        "feedback": [{"insight": f.insight, "verdict": f.verdict, "surface": f.surface,
                      "at": f.at.isoformat()} for f in feedback.items(store, member)],
        "experiments": [{"metric": x.metric, "start_on": x.start_on.isoformat(),
                         "end_on": x.end_on.isoformat()}
                        for x in list_experiments(store, member.id)],
        "nudges": [{"status": q.status, "reason": q.reason, "channel": q.channel,
                    "created_at": q.created_at.isoformat(), **q.payload}
                   for q in listed(store, member)],
    }


# -- delete ------------------------------------------------------------------------------------


def delete(store: Store, settings: Settings, ref: str) -> dict[str, int]:
    """Revoke every connected source at its provider (while the key still opens their
    tokens), then crypto-shred the member (key first, then rows, then a tombstone). Returns
    the rows removed per table. The web app also drops the account that signed in."""
    member_id = store.find_member(ref)
    if member_id is not None:
        with httpx.Client(timeout=30.0) as http:
            withdraw(store, settings, store.open_member(ref, create=False), None, http,
                     why="delete")
    removed = delete_member(store, ref)
    if member_id is not None:
        board.changed(store, member_id)
    return removed


# -- pause, settings, consent ------------------------------------------------------------------


def set_paused(store: Store, settings: Settings, member: Member, paused: bool) -> MemberPrefs:
    """Pause (nothing is analyzed or delivered) or resume."""
    p = save_prefs(store, member.id, replace(prefs(store, settings, member), paused=paused))
    board.changed(store, member.id)
    access_log.append(store, member.id, "member", "pause" if paused else "resume")
    return p


def save_settings(store: Store, settings: Settings, member: Member, new: MemberPrefs
                  ) -> MemberPrefs:
    """Save the member's settings (pause is kept as it was); a shorter evidence retention
    purges the older evidence at once."""
    old = prefs(store, settings, member)
    p = save_prefs(store, member.id, replace(new, paused=old.paused))
    shorter = p.evidence_retention_days < old.evidence_retention_days
    if shorter:
        purge_evidence(store, member, p.evidence_retention_days)
    access_log.append(store, member.id, "member", "settings")
    refresh_after(store, settings, member, removed=shorter)
    return p


def record_consent(store: Store, settings: Settings, member: Member,
                   choices: dict[tuple[str, str], bool]) -> int:
    """Record consent changes. Withdrawing coaching consent for a source also disconnects every
    connected source that reads it: the grant is revoked at the provider and its syncs stop."""
    before = consent.current(store, member.id)
    n = consent.record(store, member.id, choices)
    if n:
        granted = sorted(f"{s}/{p}" for (s, p), g in choices.items() if g)
        access_log.append(store, member.id, "member", "consent",
                          f"version {consent.CONSENT_VERSION}; on: {', '.join(granted) or 'none'}")
    withdrawn = [s for (s, p), g in choices.items()
                 if p == "coaching" and not g and before.get((s, p))]
    if withdrawn:
        with httpx.Client(timeout=30.0) as http:
            for source in withdrawn:
                withdraw(store, settings, member, source, http)
    return n


# -- exclude, forget ---------------------------------------------------------------------------


def exclude(store: Store, settings: Settings, member: Member, kind: str, target: str) -> int:
    """Exclude a person (their id on the member's relationships) or a chat channel (its id), or
    mark as personal, not work, who sent one of the member's messages (``personal``: the
    message id a card lists): their mail stays but is no longer coached."""
    if kind == "personal":
        sender = sender_of(store, member, target.strip())
        if sender is None:
            raise LookupError("no such message from someone else in your mail")
        new_id = mark_personal(store, member, *sender)
        access_log.append(store, member.id, "member", "exclude", kind)
        refresh_after(store, settings, member, removed=True)
        return new_id
    if kind == "person":
        data = board.stored(store, member) or {}
        names = {r["person"]: r["name"] for r in data.get("relationships", [])}
        if target not in names:
            raise LookupError("no such person on your relationships")
        new_id = exclude_person(store, member, target, names[target])
    elif kind == "channel" and target.strip():
        new_id = exclude_channel(store, member, target)
    else:
        raise ValueError("exclude a person or a channel id, or mark a message's sender personal")
    access_log.append(store, member.id, "member", "exclude", kind)
    refresh_after(store, settings, member, removed=True)
    return new_id


def forget(store: Store, settings: Settings, member: Member, first: date, last: date
           ) -> dict[str, int]:
    """Forget every message and event dated from ``first`` to ``last`` inclusive (UTC days)."""
    if last < first:
        raise ValueError("the range ends before it starts")
    start = datetime.combine(first, time(0), UTC)
    end = datetime.combine(last, time(0), UTC) + timedelta(days=1)
    removed = forget_range(store, member, start, end)
    access_log.append(store, member.id, "member", "forget",
                      f"{first.isoformat()} to {last.isoformat()}: "
                      f"{removed.get('messages', 0)} messages, {removed.get('events', 0)} events")
    refresh_after(store, settings, member, removed=True)
    return removed
