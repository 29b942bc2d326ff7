"""Nudge detection: timely patterns in the member's own data, found as they happen.

Reads: the member's coaching view (their own data minus what they excluded,
:func:`upwell.insights.view.coaching_view`), their declared reports (``team``) and work
profile. Writes: a list of :class:`Nudge` (delivery, with its queue, gate and channels, is
:mod:`upwell.deliver.nudges`). Two detectors:

- ``ask_waiting``: an ask (request or question) from one of the member's reports, addressed to
  them, still without their reply two working days later (their working days, their zone).
- ``night_landing``: a message the member sent to a report that landed in the report's night
  (outside working hours in the report's zone, estimated from the report's own messages), with
  a schedule-send suggestion: the next start of the working day in the report's zone.
  :func:`landing_check` answers the same question for a message *about to* be sent, for a chat
  channel to ask before it lands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from upwell.analyze.stream import (
    WorkProfile,
    asked_of_member,
    handled,
    is_ask,
    mine,
    recipient_zones,
    replies_to,
)
from upwell.store.member_view import MemberView

#: A waiting ask older than this is for the weekly card, not a timely nudge.
ASK_MAX_AGE = timedelta(days=7)
#: Sent messages looked at for night landings (the member's last day).
LANDING_WINDOW = timedelta(hours=24)


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
    out = []
    for m in view.messages:
        if not (now - ASK_MAX_AGE <= m.sent_at <= now) or mine(view, m) \
                or m.sender not in reports or not asked_of_member(view, m) or not is_ask(m):
            continue
        due = profile.add_working_days(m.sent_at, grace_days)
        if due > now:
            continue
        # handled within the grace period (a reply, or any message to the people on the ask),
        # or replied to since
        if handled(view, m, due) or any(mine(view, c) and c.sent_at <= now
                                        for c in replies_to(view).get(m.id, ())):
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
    zone = recipient_zones(view, profile).get(recipient)
    if zone is None or profile.is_working_time(at, zone):
        return None
    return next_working_start(profile, zone, at)


def night_landings(view: MemberView, profile: WorkProfile, now: datetime) -> list[Nudge]:
    """The member's messages of the last day that landed in a report's night."""
    reports = {p for p, rel in view.team.items() if rel == "report"}
    zones = recipient_zones(view, profile)
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
    """Every timely nudge in the member's view at ``now``."""
    return [*waiting_asks(view, profile, now), *night_landings(view, profile, now)]
