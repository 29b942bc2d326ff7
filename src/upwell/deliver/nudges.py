"""In-flow nudges delivered: the member's timely nudges queued, gated, and delivered on their
chosen channel.

Reads: the member's coaching view (:func:`upwell.insights.view.coaching_view`), settings and
fatigue controls. Writes: the nudge queue, the delivery log, the member's access log. What is
detected, and when, is :mod:`upwell.insights.nudges` (an ask waiting on the member, a
message that landed in a report's night).

A :class:`NudgeChannel` delivers one nudge to the member themselves: ``email`` (a short plain
text message to their own account address over SMTP) or ``slack`` (a DM from the org's Upwell
app, :mod:`upwell.deliver.chat`). See docs/delivery.md.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from upwell.config import Settings
from upwell.deliver.chat import EmailChannel, NudgeChannel, channels_for
from upwell.deliver.digest_job import member_accounts
from upwell.deliver.gate import gate
from upwell.deliver.tokens import LinkClaim, make_token
from upwell.errors import DeliveryError, MemberDeleted, MemberKeyError
from upwell.insights.nudges import Nudge, detect, landing_check
from upwell.insights.view import coaching_view
from upwell.store import access_log
from upwell.store.db import Member, Store
from upwell.store.deliveries import record_delivery
from upwell.store.delivery_prefs import get_delivery
from upwell.store.feedback import VERDICTS
from upwell.store.member_settings import get_prefs
from upwell.store.nudge_queue import Queued, enqueue, listed, mark

log = logging.getLogger("upwell.deliver.nudges")

#: A queued nudge not delivered within this is no longer timely.
EXPIRES = timedelta(days=3)

__all__ = ["EXPIRES", "EmailChannel", "Nudge", "NudgeChannel", "NudgeOutcome", "detect",
           "landing_check", "run_due", "run_for"]


@dataclass(frozen=True, slots=True)
class NudgeOutcome:
    nudge_id: int
    status: str
    reason: str = ""


def _links(settings: Settings, account_id: int, insight: str) -> dict[str, str]:

    base = settings.public_url.rstrip("/")
    return {v: f"{base}/feedback/" + make_token(settings, LinkClaim(account_id, "feedback",
                                                                     insight, v, "nudge"))
            for v in VERDICTS}


def _deliver(store: Store, settings: Settings, member: Member, q: Queued, *, ref: str,
             account_id: int, channels: Mapping[str, NudgeChannel], now: datetime
             ) -> NudgeOutcome:

    controls = get_delivery(store, member).controls
    tz = ZoneInfo(get_prefs(store, member.id).tz)
    nudge = Nudge(**q.payload)
    if now - q.created_at > EXPIRES:
        mark(store, member.id, q.id, "expired", reason="stale")
        return NudgeOutcome(q.id, "expired", "stale")
    channel = channels.get(controls.nudge_channel)
    if channel is None:
        mark(store, member.id, q.id, "queued", reason="no-channel")
        return NudgeOutcome(q.id, "queued", "no-channel")
    verdict = gate(store, member.id, controls, tz, channel=channel.id, insight=nudge.insight,
                   now=now)
    if verdict.action == "suppress":
        mark(store, member.id, q.id, "suppressed", reason=verdict.reason)
        return NudgeOutcome(q.id, "suppressed", verdict.reason)
    if verdict.action == "defer":
        mark(store, member.id, q.id, "queued", reason=verdict.reason, due_at=verdict.until)
        return NudgeOutcome(q.id, "deferred", verdict.reason)
    try:
        channel.send(member, ref, nudge, _links(settings, account_id, nudge.insight))
    except DeliveryError as exc:
        mark(store, member.id, q.id, "queued", reason=exc.code)
        return NudgeOutcome(q.id, "failed", exc.code)
    mark(store, member.id, q.id, "sent", channel=channel.id, sent_at=now)
    record_delivery(store, member.id, channel.id, now)
    access_log.append(store, member.id, "member-job", "nudge", f"{nudge.kind} by {channel.id}")
    return NudgeOutcome(q.id, "sent")


def run_for(store: Store, settings: Settings, account_id: int, ref: str, *, now: datetime,
            channels: Mapping[str, NudgeChannel]) -> list[NudgeOutcome]:
    """Detect the member's timely nudges, queue the new ones, and deliver what is due."""

    try:
        member = store.open_member(ref, create=False)
    except (MemberDeleted, MemberKeyError):
        return []
    prefs = get_prefs(store, member.id, settings.evidence_retention_days)
    opened = coaching_view(store, member, prefs=prefs, require_consent=True)
    if opened is None:
        return []
    for n in detect(opened.view, opened.profile, now):
        enqueue(store, member, n.key, asdict(n), now)
    out = [_deliver(store, settings, member, q, ref=ref, account_id=account_id,
                    channels=channels, now=now)
           for q in listed(store, member, status="queued") if q.due_at <= now]
    for o in out:
        log.info("nudge", extra={"account": account_id, "status": o.status, "reason": o.reason})
    return out


def run_due(store: Store, settings: Settings, now: datetime,
            channels: Mapping[str, NudgeChannel] | None = None) -> dict[int, list[NudgeOutcome]]:
    """Every member's nudges, on the channels given or every channel this deployment has
    (email; Slack when its app is configured: :func:`upwell.deliver.chat.channels_for`)."""

    chans = channels if channels is not None else channels_for(store, settings)
    return {account_id: run_for(store, settings, account_id, ref, now=now, channels=chans)
            for account_id, ref in member_accounts(store)}
