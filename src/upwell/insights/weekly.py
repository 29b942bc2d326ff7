"""Weekly cards: every insight run on the coached week, prioritized and capped.

Reads: a member's own view and profile. Writes: a list of :class:`Card`. The coached week is the
member's latest week with data (archives are often old), measured against up to eight weeks
before it. Each card's messages are named for the member (who, which day in their zone), and a
card that would only repeat what the same type said in one of the three weeks before, on the
same messages, meetings or people, is held back (the cool-down): it returns with new evidence.
:func:`own_mail` says whether any of the member's own mail was found: with none, every shell
says so and how to fix it instead of "nothing stood out" (docs/identity.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from upwell.analyze.stream import WorkProfile, mine
from upwell.insights.catalog import (
    Card,
    Evidence,
    InsightInput,
    Week,
    catalog,
    person_name,
    plural,
)
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


def week_start(when: datetime, profile: WorkProfile) -> datetime:
    """Monday 00:00, in the member's zone, of the week holding ``when``."""
    local = when.astimezone(profile.tz)
    return (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                             microsecond=0)


def active_weeks(view: MemberView, profile: WorkProfile) -> list[datetime]:
    """The Mondays (00:00 in the member's zone) of every week with at least one message or
    dated event, oldest first."""
    stamps = [m.sent_at for m in view.messages] + [e.start for e in view.events]
    return sorted({week_start(t, profile) for t in stamps})


#: A card does not repeat what its type showed in this many weeks before, without new evidence.
COOL_DOWN_WEEKS = 3


def weekly_cards(view: MemberView, profile: WorkProfile, *, at: datetime | None = None,
                 cap: int = MAX_CARDS, cool_down: int = COOL_DOWN_WEEKS) -> list[Card]:
    """The week's cards, highest priority first, at most ``cap``; each card's evidence names
    who and which day. With ``cool_down``, a card resting only on what its type already showed
    in the ``cool_down`` weeks before is left out (see :func:`_cooled`); ``cool_down=0`` gives
    every detection (the simulator's evaluation scores detections)."""
    if not view.messages and not view.events:
        return []
    week = coached_week(view, profile, at)
    cards = _cards(view, profile, week)
    if cool_down > 0 and cards:
        cards = _cooled(view, profile, week, cards, cool_down)
    cards = [_named(c, view, profile) for c in cards]
    return sorted(cards, key=lambda c: (-c.priority, c.insight))[:cap]


def _cards(view: MemberView, profile: WorkProfile, week: Week) -> list[Card]:
    ctx = InsightInput(view, profile, week)
    return [c for spec in catalog().values() if (c := spec.fn(ctx)) is not None]


Shown = dict[str, set[str]]  # per insight type, what its shown card rested on


def _key(c: Card) -> set[str]:
    """What a card rests on: its messages, meetings or people (else its summary)."""
    return {f"{e.kind}:{e.message_id}" for e in c.evidence} or {f"summary:{c.summary}"}


def _merged(weeks: list[Shown]) -> Shown:
    out: Shown = {}
    for shown in weeks:
        for insight, keys in shown.items():
            out.setdefault(insight, set()).update(keys)
    return out


def _fresh(cards: list[Card], recent: list[Shown]) -> list[Card]:
    """The cards resting on something their type did not show in the ``recent`` weeks."""
    before = _merged(recent)
    return [c for c in cards if not _key(c) <= before.get(c.insight, set())]


def _cooled(view: MemberView, profile: WorkProfile, week: Week, cards: list[Card],
            weeks: int) -> list[Card]:
    """``cards`` without those that only repeat what was shown in the ``weeks`` weeks before.

    What was shown is replayed forward from ``2 * weeks`` weeks back (each week's cards
    computed as that week would have been coached, less its own repeats), so a condition that
    persists comes back as a reminder once the cool-down has passed, while a card with new
    messages, meetings or people behind it is never held back. The weekly cap is not replayed:
    a card past it counts as shown."""
    first = min([m.sent_at for m in view.messages] + [e.start for e in view.events])
    history: list[Shown] = []
    for back in range(2 * weeks, 0, -1):
        start = week.start - timedelta(weeks=back)
        if start + timedelta(weeks=1) <= first:
            history.append({})
            continue
        # noon on the Monday: the week holding it, whatever the zone's DST shifts
        earlier = coached_week(view, profile, start + timedelta(hours=12))
        shown = _fresh(_cards(view, profile, earlier), history[-weeks:])
        history.append({c.insight: _key(c) for c in shown})
    return _fresh(cards, history[-weeks:])


def _named(c: Card, view: MemberView, profile: WorkProfile) -> Card:
    """The card with each message's other person and local day filled in."""
    rows = []
    for e in c.evidence:
        day = e.day or (f"{e.sent_at.astimezone(profile.tz):%a %d %b}" if e.kind != "person"
                        else "")
        rows.append(replace(e, who=e.who or _who(view, e), day=day))
    return replace(c, evidence=tuple(rows))


def _who(view: MemberView, e: Evidence) -> str:
    """The other person of a message: "from" its sender, or "to" the first person the member
    wrote to ("and N others" beyond)."""
    m = view.by_id.get(e.message_id) if e.kind == "message" else None
    if m is None:
        return ""
    if not mine(view, m):
        return f"from {person_name(view, m.sender)}"
    others = [p for p in dict.fromkeys((*m.to, *m.cc)) if p not in view.me]
    if not others:
        return ""
    first = f"to {person_name(view, others[0])}"
    more = len(others) - 1
    return first if not more else f"{first} and {plural(more, 'other')}"


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
