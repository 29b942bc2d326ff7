"""In-flow nudges: timely patterns in the member's own data, queued, gated, and delivered on
the member's chosen channel.

Reads: the member's own view (decrypted for their own job, minus what they excluded), their
declared reports (``team``), settings and fatigue controls. Writes: the nudge queue, the
delivery log, the member's access log. Two detectors:

- ``ask_waiting``: an ask (request or question) from one of the member's reports, addressed to
  them, still without their reply two working days later (their working days, their zone).
- ``night_landing``: a message the member sent to a report that landed in the report's night
  (outside working hours in the report's zone, estimated from the report's own messages), with
  a schedule-send suggestion: the next start of the working day in the report's zone.
  :func:`landing_check` answers the same question for a message *about to* be sent, for a chat
  channel to ask before it lands.

A :class:`NudgeChannel` delivers one nudge to the member themselves: ``email`` (a short plain
text message to their own account address over SMTP) or ``slack`` (a DM from the org's Upwell
app, :mod:`upwell.deliver.chat`). See docs/delivery.md.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol
from zoneinfo import ZoneInfo

from upwell.analyze.stream import (
    WorkProfile,
    addressed_to_member,
    is_ask,
    mine,
    person_zones,
    replies_to,
)
from upwell.config import Settings
from upwell.deliver.gate import gate
from upwell.errors import DeliveryError, MemberDeleted, MemberKeyError
from upwell.store import access_log, consent
from upwell.store.db import Member, Store
from upwell.store.deliveries import record_delivery
from upwell.store.delivery_prefs import get_delivery, own_address
from upwell.store.member_view import MemberView
from upwell.store.nudge_queue import Queued, enqueue, listed, mark

log = logging.getLogger("upwell.deliver.nudges")

#: A waiting ask older than this is for the weekly card, not a timely nudge.
ASK_MAX_AGE = timedelta(days=7)
#: Sent messages looked at for night landings (the member's last day).
LANDING_WINDOW = timedelta(hours=24)
#: A queued nudge not delivered within this is no longer timely.
EXPIRES = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class Nudge:
    """One nudge, for the member's eyes only (it names a colleague)."""

    kind: str
    insight: str
    key: str
    title: str
    text: str
    action: str
    send_at: str = ""  # schedule-send suggestion (ISO, UTC) for night landings


def _local(t: datetime, zone: tzinfo) -> str:
    return t.astimezone(zone).strftime("%a %H:%M")


def waiting_asks(view: MemberView, profile: WorkProfile, now: datetime, *, grace_days: int = 2
                 ) -> list[Nudge]:
    """Asks from the member's reports still unanswered ``grace_days`` working days later."""
    reports = {p for p, rel in view.team.items() if rel == "report"}
    children = replies_to(view)
    out = []
    for m in view.messages:
        if not (now - ASK_MAX_AGE <= m.sent_at <= now) or mine(view, m) \
                or m.sender not in reports or not addressed_to_member(view, m) or not is_ask(m):
            continue
        if profile.add_working_days(m.sent_at, grace_days) > now:
            continue
        if any(mine(view, c) and c.sent_at <= now for c in children.get(m.id, ())):
            continue
        name = view.name(m.sender)
        subject = f' ("{m.subject}")' if m.subject else ""
        out.append(Nudge(
            "ask_waiting", "unanswered_asks", "ask|" + m.id, f"{name} is waiting on you",
            f"{name} asked you something on {_local(m.sent_at, profile.tz)}{subject}, "
            f"{grace_days} working days ago, and has no answer from you yet.",
            "Reply, even briefly ('on it, by Thursday'), or hand the ask to someone else."))
    return out


def next_working_start(profile: WorkProfile, zone: tzinfo, at: datetime) -> datetime:
    """The next start of a working day (the member's hours and days) in ``zone`` after ``at``."""
    local = at.astimezone(zone)
    for days in range(8):
        day = local + timedelta(days=days)
        start = day.replace(hour=profile.start_hour, minute=0, second=0, microsecond=0)
        if start > local and start.weekday() in profile.workdays:
            return start.astimezone(at.tzinfo)
    return at  # pragma: no cover - a week always has a working day


def landing_check(view: MemberView, profile: WorkProfile, recipient: str, at: datetime
                  ) -> datetime | None:
    """For a message to ``recipient`` sent at ``at``: ``None`` when it lands inside their
    working hours (or their zone is unknown), else when to schedule-send it instead."""
    zone = person_zones(view).get(recipient)
    if zone is None or profile.is_working_time(at, zone):
        return None
    return next_working_start(profile, zone, at)


def night_landings(view: MemberView, profile: WorkProfile, now: datetime) -> list[Nudge]:
    """The member's messages of the last day that landed in a report's night."""
    reports = {p for p, rel in view.team.items() if rel == "report"}
    zones = person_zones(view)
    out = []
    for m in view.messages:
        if not (now - LANDING_WINDOW <= m.sent_at <= now) or not mine(view, m):
            continue
        for r in sorted(set(m.to) & reports):
            send_at = landing_check(view, profile, r, m.sent_at)
            if send_at is None:
                continue
            name = view.name(r)
            out.append(Nudge(
                "night_landing", "after_hours_landing", f"night|{m.id}|{r}",
                f"Your message reached {name} in their night",
                f"Your message to {name} landed at {_local(m.sent_at, zones[r])} their time, "
                "outside their working hours.",
                f"Schedule-send it for {_local(send_at, zones[r])} their time "
                f"({_local(send_at, profile.tz)} yours) next time.", send_at.isoformat()))
    return out


def detect(view: MemberView, profile: WorkProfile, now: datetime) -> list[Nudge]:
    return [*waiting_asks(view, profile, now), *night_landings(view, profile, now)]


class NudgeChannel(Protocol):
    """Delivers one nudge to the member themselves (never to anyone else)."""

    id: str

    def send(self, member: Member, ref: str, nudge: Nudge, links: Mapping[str, str]) -> None:
        """Deliver, or raise :class:`~upwell.errors.DeliveryError`."""


class EmailChannel:
    """A short plain-text email to the member's own account address."""

    id = "email"

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def message(self, to: str, nudge: Nudge, links: Mapping[str, str]) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = nudge.title
        msg["From"] = self.settings.mail_from
        msg["To"] = to
        msg["Date"] = format_datetime(datetime.now().astimezone())
        msg["Message-ID"] = make_msgid(domain="upwell.local")
        msg["Auto-Submitted"] = "auto-generated"
        lines = [nudge.text, "", "Try: " + nudge.action, ""]
        if links:
            lines += ["Was this useful?", *(f"  {k}: {v}" for k, v in links.items()), ""]
        lines.append("Only you get this. Change what reaches you: "
                     + self.settings.public_url.rstrip("/") + "/me/settings")
        msg.set_content("\n".join(lines) + "\n")
        return msg

    def send(self, member: Member, ref: str, nudge: Nudge, links: Mapping[str, str]) -> None:
        from upwell.deliver.mailer import send

        to = own_address(self.store, member, ref)
        if to is None:
            raise DeliveryError("no address on file: sign in once so Upwell knows your own "
                                "account email", code="E604")
        send(self.settings, self.message(to, nudge, links))


@dataclass(frozen=True, slots=True)
class NudgeOutcome:
    nudge_id: int
    status: str
    reason: str = ""


def _links(settings: Settings, account_id: int, insight: str) -> dict[str, str]:
    from upwell.deliver.tokens import LinkClaim, make_token
    from upwell.store.feedback import VERDICTS

    base = settings.public_url.rstrip("/")
    return {v: f"{base}/feedback/" + make_token(settings, LinkClaim(account_id, "feedback",
                                                                     insight, v, "nudge"))
            for v in VERDICTS}


def _deliver(store: Store, settings: Settings, member: Member, q: Queued, *, ref: str,
             account_id: int, channels: Mapping[str, NudgeChannel], now: datetime
             ) -> NudgeOutcome:
    from upwell.store.member_settings import get_prefs

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
    from upwell.store.member_rules import filter_view
    from upwell.store.member_settings import get_prefs
    from upwell.store.member_view import load_member
    from upwell.web.dashboard import profile_of

    try:
        member = store.open_member(ref, create=False)
    except (MemberDeleted, MemberKeyError):
        return []
    prefs = get_prefs(store, member.id, settings.evidence_retention_days)
    if prefs.paused or not any(consent.current(store, member.id).values()):
        return []
    view = filter_view(store, member, load_member(store, member))
    for n in detect(view, profile_of(prefs), now):
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
    from upwell.deliver.chat import channels_for
    from upwell.deliver.digest_job import member_accounts

    chans = channels if channels is not None else channels_for(store, settings)
    return {account_id: run_for(store, settings, account_id, ref, now=now, channels=chans)
            for account_id, ref in member_accounts(store)}
