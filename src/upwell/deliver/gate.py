"""The one gate every delivery passes: digest cards and nudges alike.

Reads: the member's fatigue controls (:class:`~upwell.store.delivery_prefs.Controls`) and the
content-free delivery log (``deliveries``). Writes nothing. In order: an insight type the
member muted is suppressed; a snooze (of everything, or of that type) suppresses until it ends;
a channel at its cap (per day or per week: the member's local calendar day, and week from
Monday) suppresses; inside the member's quiet hours
(their own zone) the delivery is deferred to the end of them. See docs/delivery.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Literal

from upwell.store.db import Store
from upwell.store.deliveries import sent_since
from upwell.store.delivery_prefs import Controls

Action = Literal["send", "suppress", "defer"]


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    reason: str = ""
    until: datetime | None = None

    @property
    def send(self) -> bool:
        return self.action == "send"


def in_quiet_hours(controls: Controls, tz: tzinfo, now: datetime) -> datetime | None:
    """When the quiet hours around ``now`` end (UTC), or ``None`` outside them."""
    qs, qe = controls.quiet_start, controls.quiet_end
    if qs is None or qe is None or qs == qe:
        return None
    local = now.astimezone(tz)
    hour = local.hour
    inside = qs <= hour < qe if qs < qe else (hour >= qs or hour < qe)
    if not inside:
        return None
    end = local.replace(hour=qe, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(now.tzinfo)


def gate(store: Store, member_id: int, controls: Controls, tz: tzinfo, *, channel: str,
         insight: str | None, now: datetime) -> Verdict:
    """May this go to the member on ``channel`` now? ``insight`` is the card's or nudge's type
    (``None`` for a digest as a whole)."""
    if insight is not None and insight in controls.muted:
        return Verdict("suppress", "muted")
    if controls.snoozed_until is not None and now < controls.snoozed_until:
        return Verdict("suppress", "snoozed", controls.snoozed_until)
    until = controls.snoozes.get(insight) if insight is not None else None
    if until is not None and now < until:
        return Verdict("suppress", "snoozed", until)
    per_day, per_week = controls.cap(channel)
    day = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    week = day - timedelta(days=day.weekday())
    if sent_since(store, member_id, channel, day) >= per_day:
        return Verdict("suppress", "cap-day")
    if sent_since(store, member_id, channel, week) >= per_week:
        return Verdict("suppress", "cap-week")
    end = in_quiet_hours(controls, tz, now)
    if end is not None:
        return Verdict("defer", "quiet-hours", end)
    return Verdict("send")
