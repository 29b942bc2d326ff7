"""Weekly cards: every insight run on the coached week, prioritized and capped.

Reads: a member's own view and profile. Writes: a list of :class:`Card`. The coached week is the
member's latest week with data (archives are often old), measured against up to eight weeks
before it. :func:`own_mail` says whether any of the member's own mail was found: with none,
every shell says so and how to fix it instead of "nothing stood out" (docs/identity.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from upwell.analyze.stream import WorkProfile
from upwell.insights.catalog import Card, InsightInput, Week, catalog
from upwell.store.member_view import MemberView

BASELINE_WEEKS = 8
MAX_CARDS = 5


#: An archive's coached week is its latest week with at least this many messages and events.
ACTIVE_WEEK_ITEMS = 3


#: How a member names their own address on the command line (the fix for ``no_own_mail``).
ME_FIX = "upwell coach PATH --me YOUR-ADDRESS (or upwell import PATH --me YOUR-ADDRESS)"


@dataclass(frozen=True, slots=True)
class OwnMail:
    """Whether the member's own mail was found: ``ok`` (``sent`` messages are theirs),
    ``no_own_mail`` (mail, but none recognized as theirs: no Sent folder, or a sender the
    coach could not tie to them; cards about their own writing and replies cannot be made),
    ``empty`` (no mail at all). ``message`` and ``fix`` are for the member's own views."""

    status: Literal["ok", "no_own_mail", "empty"]
    sent: int
    received: int

    @property
    def message(self) -> str:
        if self.status == "empty":
            return "No mail was imported."
        if self.status == "no_own_mail":
            return (f"None of the {self.received} messages imported was recognized as sent by "
                    "you, so the coach cannot read your own mail or your replies: this is not "
                    "a quiet week.")
        return f"{self.sent} of the messages imported are yours."

    @property
    def fix(self) -> str:
        return ("Name your own address when you import: " + ME_FIX
                if self.status == "no_own_mail" else "")

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "sent": self.sent, "received": self.received,
                "message": self.message, "fix": self.fix}


def own_mail(view: MemberView) -> OwnMail:
    """Whether the member's own mail is in ``view`` (their sent messages, by any identity)."""
    sent = sum(1 for m in view.messages if m.sender in view.me)
    received = len(view.messages) - sent
    if not view.messages:
        return OwnMail("empty", 0, 0)
    return OwnMail("ok" if sent else "no_own_mail", sent, received)


def _latest_active(view: MemberView, profile: WorkProfile) -> datetime:
    stamps = sorted([m.sent_at for m in view.messages] + [e.start for e in view.events])
    weeks: dict[tuple[int, int], int] = {}
    for t in stamps:
        key = t.astimezone(profile.tz).isocalendar()[:2]
        weeks[key] = weeks.get(key, 0) + 1
    for t in reversed(stamps):
        if weeks[t.astimezone(profile.tz).isocalendar()[:2]] >= ACTIVE_WEEK_ITEMS:
            return t
    return stamps[-1]


def coached_week(view: MemberView, profile: WorkProfile, at: datetime | None = None) -> Week:
    """The week (Monday 00:00 in the member's zone) holding ``at``, else the archive's latest
    active week (stray late items, such as an export's placeholder dates, do not count)."""
    latest = at or _latest_active(view, profile)
    local = latest.astimezone(profile.tz)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                                microsecond=0)
    first = min([m.sent_at for m in view.messages] + [e.start for e in view.events])
    baseline_start = max(monday - timedelta(weeks=BASELINE_WEEKS), first)
    weeks = max(0, round((monday - baseline_start) / timedelta(weeks=1)))
    return Week(monday, monday + timedelta(weeks=1), baseline_start, weeks)


def weekly_cards(view: MemberView, profile: WorkProfile, *, at: datetime | None = None,
                 cap: int = MAX_CARDS) -> list[Card]:
    """The week's cards, highest priority first, at most ``cap``."""
    if not view.messages and not view.events:
        return []
    ctx = InsightInput(view, profile, coached_week(view, profile, at))
    cards = [c for spec in catalog().values() if (c := spec.fn(ctx)) is not None]
    return sorted(cards, key=lambda c: (-c.priority, c.insight))[:cap]


def _ranked(priority: float, weight: float) -> float:
    return round(priority * weight, 4)


def reranked(cards: list[dict[str, Any]], weights: Mapping[str, float]) -> list[dict[str, Any]]:
    """Stored cards ordered by priority x the member's own feedback weight for each type (see
    :func:`upwell.store.feedback.weight`), highest first; each copy carries ``weight``."""
    out = [dict(c, weight=weights.get(c["insight"], 1.0),
                ranked=_ranked(c["priority"], weights.get(c["insight"], 1.0))) for c in cards]
    return sorted(out, key=lambda c: (-c["ranked"], c["insight"]))


def rerank(cards: Iterable[Card], weights: Mapping[str, float]) -> list[Card]:
    """:func:`reranked` on typed cards: each copy carries ``weight`` and ``ranked``."""
    out = [replace(c, weight=weights.get(c.insight, 1.0),
                   ranked=_ranked(c.priority, weights.get(c.insight, 1.0))) for c in cards]
    return sorted(out, key=lambda c: (-(c.ranked or 0.0), c.insight))
