"""Week-by-week generation of the organization's mail, chat and calendars.

Reads: an :class:`~upwell.lab.sim.world.Org` and the sentence :class:`~upwell.lab.sim.corpus.Pools`.
Writes: to a :class:`~upwell.lab.sim.sinks.Sink`, one week at a time: each message rendered once
(RFC 5322 bytes, a Slack message object) and handed over with the people whose archives hold
it; calendar series once, one-off meetings each week. Only the current week's threads and the
people's fixed plans stay in memory, so an organization of any size streams.

How normal people behave (the control group's behaviour, which no insight should flag):
messages go out inside the sender's working hours and land inside each recipient's (judged as
the insight judges it: the sender's hours in the recipient's zone, with an hour's margin for
daylight saving); every ask gets an answer within a working day; tone, recognition and meeting
load are steady from week to week. The planted behaviours (:data:`~upwell.lab.sim.world.BEHAVIOURS`)
change exactly one of these for their carrier, in the last week (or, for a lapse, a favouring
manager and a fading tie, over the weeks it takes); the showcase member carries several.

Why one module of over 500 lines: :class:`Generator` is one week's generation, and its steps
(threads, ties, recognition, channel posts, meetings, the planted behaviours) share the week's
random stream, the calendar windows and the open threads; split across modules, that state would
travel through every call instead of living on one object.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from upwell.lab.sim.corpus import Pools
from upwell.lab.sim.world import (
    DOMAIN,
    EXTERNAL_DOMAINS,
    Org,
    Pattern,
    Person,
    Plant,
    contacts,
    zone,
)

HOUR = 3600.0
DAY = 86400.0
WEEK = 7 * DAY
#: Margin kept inside a recipient's day (their zone is estimated from fixed UTC offsets, which
#: daylight saving moves by an hour) and inside the sender's own.
RECIPIENT_MARGIN = 65 * 60.0
SENDER_MARGIN = 10 * 60.0

Interval = tuple[float, float]


@dataclass(slots=True)
class Mail:
    id: str
    t: float
    sender: int
    to: tuple[int, ...]
    subject: str
    body: str
    parent: Mail | None = None
    cc: tuple[int, ...] = ()
    externals: tuple[str, ...] = ()


@dataclass(slots=True)
class Chat:
    conv: str
    t: float
    sender: int
    text: str
    members: tuple[int, ...]
    thread_ts: str | None = None
    ts: str = ""


@dataclass(slots=True)
class Meeting:
    uid: str
    start: float
    minutes: int
    organizer: int
    attendees: tuple[int, ...]
    title: str
    rrule: str = ""
    exdates: tuple[float, ...] = ()
    cancelled_instances: tuple[float, ...] = ()
    cancelled: bool = False
    declined: frozenset[int] = frozenset()
    externals: tuple[str, ...] = ()


@dataclass(slots=True)
class WeekOutput:
    mails: list[Mail] = field(default_factory=list)
    chats: list[Chat] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)


def _epoch(dt: datetime) -> float:
    return dt.timestamp()


class Calendar:
    """Working intervals (UTC seconds) per person and week, cached by work pattern."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.t0 = _epoch(org.start)
        self._cache: dict[tuple[str, int, int, tuple[int, ...], int], list[Interval]] = {}
        self._joint: dict[tuple[int, Pattern, tuple[Pattern, ...], float], list[Interval]] = {}

    def windows(self, tz: str, start_h: int, end_h: int, days: tuple[int, ...], week: int
                ) -> list[Interval]:
        """Intervals when local time in ``tz`` is inside [start_h, end_h) on ``days``, for the
        week and a day either side."""
        key = (tz, start_h, end_h, days, week)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        z = zone(tz)
        base = self.org.start + timedelta(weeks=week)
        out = []
        for d in range(-1, 8):
            # the zone's own calendar day around UTC noon of day d
            local = (base + timedelta(days=d, hours=12)).astimezone(z).replace(
                hour=start_h, minute=0, second=0, microsecond=0)
            if local.weekday() not in days:
                continue
            a = local.timestamp()
            out.append((a, a + (end_h - start_h) * HOUR))
        out.sort()
        self._cache[key] = out
        return out

    def own(self, p: Person, week: int) -> list[Interval]:
        return self.windows(p.tz, p.start_hour, p.end_hour, p.workdays, week)

    def forget_before(self, week: int) -> None:
        """Drop cached intervals of weeks before ``week`` (streaming keeps memory flat)."""
        self._cache = {k: v for k, v in self._cache.items() if k[-1] >= week}
        self._joint = {k: v for k, v in self._joint.items() if k[0] >= week}

    def joint(self, sender: Person, recipients: list[Person], week: int,
              margin: float = RECIPIENT_MARGIN) -> list[Interval]:
        """When ``sender`` may write to all ``recipients`` without anyone being flagged."""
        if len(recipients) == 1:
            pats: tuple[Pattern, ...] = (recipients[0].pattern,)
        else:
            pats = tuple(sorted({r.pattern for r in recipients if r.idx != sender.idx}))
        key = (week, sender.pattern, pats, margin)
        hit = self._joint.get(key)
        if hit is None:
            hit = self._joint[key] = self._joint_uncached(sender, recipients, week, margin)
        return hit

    def _joint_uncached(self, sender: Person, recipients: list[Person], week: int,
                        margin: float) -> list[Interval]:
        cur = _shrink(self.own(sender, week), SENDER_MARGIN)
        for r in recipients:
            if r.idx == sender.idx:
                continue
            cur = _intersect(cur, _shrink(self.own(r, week), margin))
            judged = self.windows(r.tz, sender.start_hour, sender.end_hour, sender.workdays, week)
            cur = _intersect(cur, _shrink(judged, margin))
            if not cur:
                break
        return cur


def _shrink(iv: list[Interval], by: float) -> list[Interval]:
    return [(a + by, b - by) for a, b in iv if b - a > 2 * by]


def _intersect(x: list[Interval], y: list[Interval]) -> list[Interval]:
    out = []
    i = j = 0
    while i < len(x) and j < len(y):
        a = max(x[i][0], y[j][0])
        b = min(x[i][1], y[j][1])
        if a < b:
            out.append((a, b))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return out


def _clip(iv: list[Interval], lo: float, hi: float) -> list[Interval]:
    return [(max(a, lo), min(b, hi)) for a, b in iv if b > lo and a < hi]


def pick_time(rng: random.Random, iv: list[Interval]) -> float | None:
    """A uniform time inside the intervals."""
    total = sum(b - a for a, b in iv)
    if total <= 0:
        return None
    x = rng.random() * total
    for a, b in iv:
        if x <= b - a:
            return a + x
        x -= b - a
    return iv[-1][1]


def first_after(iv: list[Interval], t: float) -> float | None:
    """The earliest time >= t inside the intervals."""
    starts = [a for a, _b in iv]
    i = bisect_right(starts, t) - 1
    if i >= 0 and iv[i][0] <= t < iv[i][1]:
        return t
    for a, _b in iv[i + 1:]:
        if a >= t:
            return a
    return None


class Generator:
    """Everything the organization writes, week by week."""

    def __init__(self, org: Org, pools: Pools) -> None:
        self.org = org
        self.people = org.people
        self.pools = pools.sentences
        self.cal = Calendar(org)
        self.t0 = _epoch(org.start)
        self.t_end = _epoch(org.end)
        self.final = org.weeks - 1
        self.contacts = [contacts(self.people, p) for p in self.people]
        #: Each person's planted behaviours (one, or several for the showcase member).
        self.plants: dict[int, list[Plant]] = {}
        for pl in org.plants:
            self.plants.setdefault(pl.person, []).append(pl)
        self._seq = 0
        self._week = 0
        band = [s for s in self.pools["filler"] if 10 <= len(s.split()) <= 18]
        self.band = band or self.pools["filler"]
        self.short = [s for s in self.pools["filler"] if len(s.split()) <= 9] or self.band
        self.fade_week = max(1, org.weeks - 3)
        self.favourites: dict[int, set[int]] = {}
        self.lapsed: dict[int, tuple[int, int]] = {}  # manager -> (report, last week)
        # Asks planted to be left unanswered: member -> [(asker, time)], and the spans in which
        # the two exchange nothing else (so the ask is neither answered nor taken back).
        self._asks: dict[int, list[tuple[int, float]]] = {}
        self._waiting: list[tuple[int, int, float, float]] = []
        self.souring: dict[int, tuple[int, str]] = {}  # person -> (colleague, strength)
        self._conv: dict[tuple[int, Pattern, Pattern], list[Interval]] = {}
        self._fading: set[tuple[int, int]] = {
            (min(pl.person, o), max(pl.person, o)) for pl in org.plants
            if pl.behaviour == "fading_tie" for o in pl.others}
        for pl in org.plants:
            p = self.people[pl.person]
            if pl.behaviour == "favours_some_reports":
                self.favourites[p.idx] = set(p.reports[:max(1, len(p.reports) // 4)])
            if pl.behaviour == "one_on_one_lapse":
                last = org.weeks - (4 if pl.strength == "subtle" else 6)
                self.lapsed[p.idx] = (p.reports[0], last)
            if pl.behaviour == "stops_recognizing":
                p.recognizer = True
            if pl.behaviour == "tone_sours":
                self.souring[p.idx] = (pl.others[0], pl.strength)

    # -- helpers ----------------------------------------------------------------------------

    def _plant_of(self, person: int, behaviour: str) -> Plant | None:
        """``person``'s planted ``behaviour``, if they carry it."""
        return next((pl for pl in self.plants.get(person, ()) if pl.behaviour == behaviour),
                    None)

    def _id(self) -> str:
        self._seq += 1
        return f"{self._week}.{self._seq:x}.{self.org.seed}"

    def _lapsed_pair(self, a: int, b: int, week: int) -> bool:
        for m, r in ((a, b), (b, a)):
            lapse = self.lapsed.get(m)
            if lapse is not None and lapse[0] == r and week > lapse[1]:
                return True
        return False

    def _faded(self, a: int, b: int, week: int) -> bool:
        return week >= self.fade_week and ((a, b) if a < b else (b, a)) in self._fading

    def _body(self, rng: random.Random, to: Person, sentences: list[str]) -> str:
        return f"Hi {to.first},\n\n" + " ".join(sentences) + "\n"

    def _say(self, rng: random.Random, pool: str, n: int = 1) -> list[str]:
        src = self.pools[pool]
        return [src[rng.randrange(len(src))] for _ in range(n)]

    def _fill(self, rng: random.Random, n: int, band: bool = False) -> list[str]:
        src = self.band if band else self.pools["filler"]
        return [src[rng.randrange(len(src))] for _ in range(n)]

    def _mail(self, out: WeekOutput, rng: random.Random, sender: int, to: list[int], t: float,
              sentences: list[str], parent: Mail | None = None, cc: tuple[int, ...] = ()
              ) -> Mail | None:
        if not self.t0 <= t < self.t_end:
            return None
        week = int((t - self.t0) // WEEK)
        if any(self._faded(sender, r, week) for r in to):
            return None  # a faded tie: not even a late answer to an older thread
        if any(a < t < b and ((sender == m and r in to) or (sender == r and m in to))
               for m, r, a, b in self._waiting):
            return None  # an ask left waiting: neither answered nor taken back
        sour = self.souring.get(sender)
        if sour is not None and week == self.final and to[0] == sour[0] \
                and rng.random() < (1.0 if sour[1] == "clear" else 0.6):
            sentences = self._say(rng, "negative")  # everything to them this week sours
        subject = ("Re: " + _root(parent).subject.removeprefix("Re: ")) if parent else \
            self._say(rng, "subject")[0]
        m = Mail(self._id(), t, sender, tuple(to), subject,
                 self._body(rng, self.people[to[0]], sentences), parent, cc)
        out.mails.append(m)
        return m

    def _conversable(self, p: Person, r: Person, week: int) -> list[Interval]:
        """When ``p`` can write to ``r`` and still get an answer the same day: inside both
        directions' shared hours, half an hour before the reply window closes (nothing where
        the two barely meet: such pairs write less, except manager and report)."""
        key = (week, p.pattern, r.pattern)
        hit = self._conv.get(key)
        if hit is not None:
            return hit
        there = self.cal.joint(p, [r], week)
        back = [(a, b - 0.5 * HOUR) for a, b in self.cal.joint(r, [p], week)
                if b - a > 0.75 * HOUR]
        both = _intersect(there, back)
        hit = self._conv[key] = both if sum(b - a for a, b in both) >= 0.5 * HOUR else []
        return hit

    def _recipient(self, rng: random.Random, p: Person, week: int) -> int | None:
        weights: list[tuple[int, float]] = []
        fav = self.favourites.get(p.idx)
        waiting = self._waiting_on(p.idx)
        for c in self.contacts[p.idx]:
            if self._faded(p.idx, c, week) or c in waiting:
                continue
            if c == p.manager:
                w = 3.0
            elif c in p.reports:
                w = (8.0 if c in fav else 0.15) if fav is not None else 2.0
            elif c in p.ties:
                w = 0.0  # ties have their own steady rhythm
            else:
                w = 1.0
            if w > 0:
                weights.append((c, w))
        if not weights:
            return None
        total = sum(w for _c, w in weights)
        x = rng.random() * total
        for c, w in weights:
            if x <= w:
                return c
            x -= w
        return weights[-1][0]

    def _reply_time(self, rng: random.Random, replier: Person, to: Person, after: float,
                    week: int, slow: str = "") -> float | None:
        """When ``replier`` answers a message sent at ``after``: within three hours inside both
        days when today's shared hours allow, else early in the next shared hours (or, for a
        slow replier, well into the next working day's)."""
        joint = self.cal.joint(replier, [to], week) + self.cal.joint(replier, [to], week + 1)
        if not joint:
            joint = _shrink(self.cal.own(replier, week) + self.cal.own(replier, week + 1),
                            SENDER_MARGIN)
        if slow:
            nxt = [iv for iv in joint if iv[0] > after + 12 * HOUR]
            if not nxt:
                return None
            a, b = nxt[0]
            frac = rng.uniform(0.3, 0.55) if slow == "subtle" else rng.uniform(0.6, 0.95)
            return a + frac * (b - a)
        t0 = after + rng.uniform(0.1, 0.4) * HOUR
        # the rest of today's shared hours, with only the daylight-saving margin's quarter
        today = [iv for iv in self.cal.joint(replier, [to], week, RECIPIENT_MARGIN / 4)
                 if iv[0] <= t0 < iv[1] - 10 * 60]
        if today and not any(a <= t0 < b for a, b in joint):
            a, b = today[0]
            return t0 + rng.uniform(0, min(1.0 * HOUR, b - t0))
        for a, b in joint:
            if b <= t0:
                continue
            start = max(a, t0)
            if a > t0:  # the next shared hours: early in them
                return start + rng.uniform(0, min(1.0 * HOUR, b - start))
            return start + rng.uniform(0, min(2.5 * HOUR, b - start))
        return None

    # -- one week ---------------------------------------------------------------------------

    def week(self, w: int) -> WeekOutput:
        rng = random.Random(self.org.seed * 100_003 + w)
        self._week, self._seq = w, 0
        self.cal.forget_before(w)
        self._conv = {k: v for k, v in self._conv.items() if k[0] >= w}
        out = WeekOutput()
        lo, hi = self.t0 + w * WEEK, self.t0 + (w + 1) * WEEK
        final = w == self.final
        if final:  # with a stream of its own, so the week's other mail stays as it was
            self._plan_asks(random.Random(self.org.seed * 100_019 + w), w, lo)
        for p in self.people:
            plants = self.plants.get(p.idx, [])
            behaviours = frozenset(pl.behaviour for pl in plants) if final else frozenset()
            self._threads(out, rng, p, w, lo, hi, behaviours)
            self._ties(out, rng, p, w, lo, hi)
            self._recognition(out, rng, p, w, lo, hi, final)
            self._channel(out, rng, p, w, lo, hi)
            self._adhoc_meeting(out, rng, p, w, lo, hi)
            for plant in plants:
                self._planted(out, rng, p, w, lo, hi, plant.behaviour, plant.strength,
                              plant.others, final)
        return out

    def _threads(self, out: WeekOutput, rng: random.Random, p: Person, w: int, lo: float,
                 hi: float, behaviours: frozenset[str]) -> None:
        n = rng.randint(2, 4) + (1 if p.reports else 0)
        bare_left = rng.choice((0, 1, 2))
        for _ in range(n):
            r_idx = self._recipient(rng, p, w)
            if r_idx is None:
                return
            r = self.people[r_idx]
            window = self._conversable(p, r, w)
            if not window and (r_idx == p.manager or r_idx in p.reports):
                window = self.cal.joint(p, [r], w)  # they must talk, answers or not
            t = pick_time(rng, _clip(window, lo, hi))
            if t is None:
                continue
            ask = rng.random() < 0.35
            long_thread = not ask and rng.random() < 0.12
            if ask:
                kind = "ask_blunt" if "blunt_requests" in behaviours else \
                    ("ask_polite" if rng.random() < 0.5 else "question")
                sentences = self._fill(rng, rng.randint(0, 1)) + self._say(rng, kind)
            else:
                sentences = self._fill(rng, 2, band=True) if long_thread else \
                    self._fill(rng, rng.randint(1, 3))
            root = self._mail(out, rng, p.idx, [r_idx], t, sentences)
            if root is None:
                continue
            if not ask and not long_thread and rng.random() > 0.4:
                continue
            reply = self._answer(out, rng, r, p, root, w, band=long_thread)
            if reply is None:
                continue
            if long_thread:
                back = self._answer(out, rng, p, r, reply, w, band=True)
                if back is not None:
                    self._answer(out, rng, r, p, back, w, band=True)
            elif bare_left and rng.random() < 0.3:
                bare_left -= 1
                tt = self._reply_time(rng, p, r, reply.t, w)
                if tt is not None:
                    self._mail(out, rng, p.idx, [r.idx], tt, self._say(rng, "thanks_bare"),
                               parent=reply)

    def _answer(self, out: WeekOutput, rng: random.Random, replier: Person, to: Person,
                parent: Mail, w: int, *, band: bool = False, sentences: list[str] | None = None
                ) -> Mail | None:
        plant = self._plant_of(replier.idx, "slow_to_reply")
        slow = ""
        if plant is not None:
            final_lo = self.t0 + self.final * WEEK
            if parent.t >= final_lo - DAY:
                slow = plant.strength
        t = self._reply_time(rng, replier, to, parent.t, w, slow)
        if t is None:
            return None
        said = sentences if sentences is not None else \
            (self._fill(rng, 2, band=True) if band else self._fill(rng, rng.randint(1, 2)))
        return self._mail(out, rng, replier.idx, [to.idx], t, said, parent=parent)

    def _ties(self, out: WeekOutput, rng: random.Random, p: Person, w: int, lo: float,
              hi: float) -> None:
        for q_idx, rate in p.ties.items():
            if self._faded(p.idx, q_idx, w):
                continue
            q = self.people[q_idx]
            n = int(rate / 2) + (1 if rng.random() < (rate / 2) % 1 else 0) if rate < 2 else \
                int(rate)
            n = max(n, 1) if rate >= 1 else n
            # a steady tie writes every week, answers or not
            joint = _clip(self._conversable(p, q, w) or self.cal.joint(p, [q], w), lo, hi)
            for i in range(n):
                t = pick_time(rng, joint)
                if t is None:
                    break
                if i % 2 == 0:
                    m = self._mail(out, rng, p.idx, [q_idx], t, self._fill(rng, rng.randint(1, 2)))
                    if m is not None and rng.random() < 0.5:
                        self._answer(out, rng, q, p, m, w)
                else:
                    self._dm(out, rng, p, q, t, w)

    def _dm(self, out: WeekOutput, rng: random.Random, p: Person, q: Person, t: float, w: int
            ) -> None:
        a, b = sorted((p.idx, q.idx))
        conv = f"D{a:06d}{b:06d}"
        root = Chat(conv, t, p.idx, " ".join(self._fill(rng, 1)), (a, b))
        out.chats.append(root)
        tt = self._reply_time(rng, q, p, t, w)
        if tt is not None and tt < self.t_end and rng.random() < 0.6 \
                and not self._faded(p.idx, q.idx, int((tt - self.t0) // WEEK)):
            out.chats.append(Chat(conv, tt, q.idx, " ".join(self._fill(rng, 1)), (a, b)))

    def _recognition(self, out: WeekOutput, rng: random.Random, p: Person, w: int, lo: float,
                     hi: float, final: bool) -> None:
        plants = self.plants.get(p.idx)
        plant = plants[0] if plants else None
        if final and (self._plant_of(p.idx, "stops_recognizing")
                      or self._plant_of(p.idx, "generic_thanks")):
            return
        if p.recognizer:
            n = 1 if plant is not None and plant.strength == "subtle" else rng.randint(1, 2)
        else:
            n = 1 if rng.random() < 0.08 and not final else 0
        fav = self.favourites.get(p.idx)
        for _ in range(n):
            choices = [c for c in self.contacts[p.idx] if not self._faded(p.idx, c, w)
                       and (fav is None or c not in p.reports or c in fav)]
            if not choices:
                return
            for _try in range(6):
                r = self.people[rng.choice(choices)]
                t = pick_time(rng, _clip(self.cal.joint(p, [r], w), lo, hi))
                if t is not None:
                    self._mail(out, rng, p.idx, [r.idx], t, self._say(rng, "thanks_specific"))
                    break

    def channel_of(self, p: Person) -> int:
        """The manager whose team channel ``p`` posts in."""
        return p.manager if p.manager >= 0 else p.idx

    def _channel(self, out: WeekOutput, rng: random.Random, p: Person, w: int, lo: float,
                 hi: float) -> None:
        own = _clip(_shrink(self.cal.own(p, w), SENDER_MARGIN), lo, hi)
        leads = [self.channel_of(p)] + ([p.idx] if p.reports and p.manager >= 0 else [])
        for lead in leads:  # a manager posts in their own team's channel too
            members = (lead, *self.people[lead].reports)
            for _ in range(rng.randint(1, 3)):
                t = pick_time(rng, own)
                if t is None:
                    return
                out.chats.append(Chat(f"C{lead:06d}", t, p.idx, " ".join(self._fill(rng, 1)),
                                      members))

    def _adhoc_meeting(self, out: WeekOutput, rng: random.Random, p: Person, w: int,
                       lo: float, hi: float) -> None:
        if rng.random() > 0.4:
            return
        pool = [c for c in self.contacts[p.idx] if not self._faded(p.idx, c, w)]
        if not pool:
            return
        k = min(len(pool), rng.randint(1, 3))
        who = rng.sample(pool, k)
        if k == 1 and self._lapsed_pair(p.idx, who[0], w):
            return  # a lapsed one-to-one stays lapsed: no ad-hoc meeting of the two alone
        people = [self.people[i] for i in who]
        joint = _clip(self.cal.joint(p, people, w), lo, hi)
        # mornings keep afternoons free for focus: the first half of each joint span
        joint = [(a, a + min(b - a, 3 * HOUR)) for a, b in joint if b - a >= HOUR]
        t = pick_time(rng, joint)
        if t is None:
            return
        t = t - t % 1800  # on the half hour
        declined = frozenset(i for i in who if rng.random() < 0.08)
        out.meetings.append(Meeting(
            f"adhoc-{self._id()}", t, rng.choice((30, 45, 60)), p.idx, tuple(who),
            self._say(rng, "subject")[0], cancelled=rng.random() < 0.08, declined=declined))

    # -- series -----------------------------------------------------------------------------

    def series(self) -> list[Meeting]:
        """Recurring team meetings and one-to-ones, planned once for the whole span."""
        rng = random.Random(self.org.seed * 7919 + 1)
        self._week, self._seq = -1, 0
        busy: dict[int, set[float]] = {}
        out: list[Meeting] = []
        until = self.t_end - 1
        for m_idx in self.org.teams():
            m = self.people[m_idx]
            team = [m, *(self.people[r] for r in m.reports)]
            t = self._series_slot(rng, team, busy, 45)
            if t is not None:
                exdates = (t + 3 * WEEK,) if self.org.weeks > 12 else ()
                out.append(Meeting(f"team-{m.pid}", t, 45, m_idx, tuple(m.reports),
                                   f"{m.title.split(', ')[-1]} team weekly",
                                   rrule=_rrule(1, until), exdates=exdates))
            fav = self.favourites.get(m_idx)
            lapsed = self.lapsed.get(m_idx)
            for r_idx in m.reports:
                r = self.people[r_idx]
                weekly = r.one_on_one_weekly
                minutes = 30
                stop = until
                if fav is not None:
                    weekly, minutes = (True, 60) if r_idx in fav else (False, 30)
                if lapsed is not None and lapsed[0] == r_idx:
                    weekly = True
                    stop = self.t0 + lapsed[1] * WEEK + 6 * DAY
                t = self._series_slot(rng, [m, r], busy, minutes)
                if t is None:
                    if lapsed is not None and lapsed[0] == r_idx:  # lapse the next one instead
                        nxt = m.reports.index(r_idx) + 1
                        if nxt < len(m.reports):
                            lapsed = self.lapsed[m_idx] = (m.reports[nxt], lapsed[1])
                    continue
                cancelled = (t + WEEK,) if rng.random() < 0.3 else ()
                out.append(Meeting(f"1on1-{m.pid}-{r.pid}", t, minutes, m_idx, (r_idx,),
                                   f"{m.first} / {r.first} 1:1",
                                   rrule=_rrule(1 if weekly else 2, stop),
                                   cancelled_instances=cancelled))
        return out

    def _series_slot(self, rng: random.Random, people: list[Person], busy: dict[int, set[float]],
                     minutes: int) -> float | None:
        """A start in the first week (Mon-Thu) inside everyone's day, an hour from its edges,
        free in everyone's plan so far; the slot where most people fit if none fits all."""
        for margin in (HOUR, 0.25 * HOUR):
            t = self._fitting_slot(rng, people, busy, minutes, margin)
            if t is not None:
                for p in people:
                    busy.setdefault(p.idx, set()).add(t)
                return t
        return self._best_slot(rng, people, busy, minutes)

    def _fitting_slot(self, rng: random.Random, people: list[Person],
                      busy: dict[int, set[float]], minutes: int, margin: float) -> float | None:
        lead = people[0]
        for day in _shuffled(rng, [0, 1, 2, 3]):
            base = self.t0 + day * DAY
            local0 = datetime.fromtimestamp(base, UTC).astimezone(zone(lead.tz))
            for half in range(0, 2 * (lead.end_hour - lead.start_hour)):
                start = local0.replace(hour=lead.start_hour, minute=0) + timedelta(
                    minutes=30 * half)
                t = start.timestamp()
                if all(_inside(self.cal, p, t, minutes, margin)
                       and t not in busy.get(p.idx, ()) for p in people):
                    return t
        return None

    def _best_slot(self, rng: random.Random, people: list[Person], busy: dict[int, set[float]],
                   minutes: int) -> float | None:
        best: tuple[int, float] | None = None
        lead = people[0]
        for day in _shuffled(rng, [0, 1, 2, 3]):
            base = self.t0 + day * DAY
            local0 = datetime.fromtimestamp(base, UTC).astimezone(zone(lead.tz))
            for half in range(2, 2 * (lead.end_hour - lead.start_hour) - 2):
                start = local0.replace(hour=lead.start_hour, minute=0) + timedelta(
                    minutes=30 * half)
                t = start.timestamp()
                fit = sum(1 for p in people if _inside(self.cal, p, t, minutes)
                          and t not in busy.get(p.idx, ()))
                if fit == len(people):
                    for p in people:
                        busy.setdefault(p.idx, set()).add(t)
                    return t
                if best is None or fit > best[0]:
                    best = (fit, t)
        if best is None or best[0] < 2:
            return None
        for p in people:
            busy.setdefault(p.idx, set()).add(best[1])
        return best[1]

    # -- planted behaviours -----------------------------------------------------------------

    def _waiting_on(self, member: int) -> set[int]:
        """The askers whose planted asks ``member`` leaves waiting this week: their other
        planted behaviours write to someone else (a message to the asker would answer it)."""
        return {asker for m, asker, _a, _b in self._waiting if m == member}

    def _plan_asks(self, rng: random.Random, w: int, lo: float) -> None:
        """Before the final week is written: when each ask left unanswered comes, and the four
        days after it in which the member and the asker write each other nothing else (the
        card allows two working days for any message to the asker, or a note from them)."""
        self._asks, self._waiting = {}, []
        for p in self.people:
            for plant in self.plants.get(p.idx, []):
                if plant.behaviour != "leaves_asks_unanswered":
                    continue
                # one of the people they could ask stays free to talk to (the member's other
                # behaviours need someone to write to), and nobody asks whose own planted
                # behaviour writes to the member (their note would answer for the ask)
                busy = {q.person for q in self.org.plants if p.idx in q.others}
                free = [o for o in plant.others if o not in busy] or list(plant.others)
                askers = free[: max(1, len(free) - 1)]
                for i in range(3 if plant.strength == "clear" else 1):
                    asker = self.people[askers[i % len(askers)]]
                    t = pick_time(rng, _clip(self.cal.joint(asker, [p], w), lo, lo + 2 * DAY))
                    if t is not None:
                        self._asks.setdefault(p.idx, []).append((asker.idx, t))
                        self._waiting.append((p.idx, asker.idx, t, t + 4 * DAY))

    def _planted(self, out: WeekOutput, rng: random.Random, p: Person, w: int, lo: float,
                 hi: float, behaviour: str, strength: str, others: tuple[int, ...],
                 final: bool) -> None:
        clear = strength == "clear"
        if behaviour == "tone_sours":
            x = self.people[others[0]]
            joint = _clip(self.cal.joint(p, [x], w), lo, hi)
            if not final:  # a steady, ordinary rhythm with them
                for _ in range(2):
                    t = pick_time(rng, joint)
                    if t is not None:
                        self._mail(out, rng, p.idx, [x.idx], t, self._fill(rng, 1))
                return
            plan = (["aimed_negative", "aimed_negative", "negative", "negative"] if clear
                    else ["negative", "negative", None])
            for kind in plan:
                t = pick_time(rng, joint)
                if t is not None:
                    said = self._say(rng, kind) if kind else self._fill(rng, 1)
                    self._mail(out, rng, p.idx, [x.idx], t, said)
            return
        if behaviour == "favours_some_reports":
            # steady chatter and praise for the favourites, every week
            for f in sorted(self.favourites.get(p.idx, ())):
                x = self.people[f]
                joint = _clip(self.cal.joint(p, [x], w), lo, hi)
                for i in range(8 if clear else 6):
                    t = pick_time(rng, joint)
                    if t is not None:
                        said = self._say(rng, "thanks_specific") if i < 2 else \
                            self._fill(rng, 1)
                        self._mail(out, rng, p.idx, [f], t, said)
            return
        if behaviour == "leaves_asks_unanswered" and w == self.final - 1:
            # who asks the member is someone they work with: the member wrote to each the week
            # before (a stream of its own: the week's other mail stays as it was)
            notes = random.Random(self.org.seed * 100_043 + p.idx)
            for o in others:
                x = self.people[o]
                t = pick_time(notes, _clip(self.cal.joint(p, [x], w), lo, hi))
                if t is not None:
                    self._mail(out, notes, p.idx, [x.idx], t, self._fill(notes, 1))
            return
        if not final:
            return
        if behaviour == "works_late_to_overlap":
            x = self.people[others[0]]
            for day in self._days(p, w)[: 7 if clear else 4]:
                t = day + (p.end_hour - p.start_hour) * HOUR + rng.uniform(80, 140) * 60
                self._mail(out, rng, p.idx, [x.idx], t, self._fill(rng, rng.randint(1, 2)))
        elif behaviour == "night_owl":
            mates = [c for c in self.contacts[p.idx] if self.people[c].tz == p.tz] \
                or self.contacts[p.idx]
            days = self._days(p, w)
            for i in range(8 if clear else 4):
                day = days[i % len(days)]
                t = day - p.start_hour * HOUR + rng.uniform(21.2, 23.5) * HOUR
                self._mail(out, rng, p.idx, [mates[i % len(mates)]], t,
                           self._fill(rng, rng.randint(1, 2)))
        elif behaviour == "pings_in_their_night":
            x = self.people[others[0]]
            # x writes to p once in the hours they share: a zone is only ever judged from
            # someone's messages to the member, so a colleague who never wrote is not judged
            own_rng = random.Random(self.org.seed * 100_043 + w * 1_000 + p.idx)
            t = pick_time(own_rng, _clip(self.cal.joint(x, [p], w), lo, hi))
            if t is not None:
                self._mail(out, own_rng, x.idx, [p.idx], t, self._fill(own_rng, 1))
            own = _clip(_shrink(self.cal.own(p, w), SENDER_MARGIN), lo, hi)
            judged = self.cal.windows(x.tz, p.start_hour, p.end_hour, p.workdays, w)
            night = _subtract(own, [(a - RECIPIENT_MARGIN, b + RECIPIENT_MARGIN)
                                    for a, b in judged])
            for _ in range(6 if clear else 3):
                t = pick_time(rng, night)
                if t is not None:
                    self._mail(out, rng, p.idx, [x.idx], t, self._fill(rng, rng.randint(1, 2)))
        elif behaviour == "leaves_asks_unanswered":
            for asker, t in self._asks.get(p.idx, []):
                self._mail(out, rng, asker, [p.idx], t,
                           self._fill(rng, 1) + self._say(rng, "ask_polite"))
        elif behaviour == "slow_to_reply":
            for _ in range(6):  # enough replies in the week for a median
                c = self.people[rng.choice(self.contacts[p.idx])]
                joint = _clip(self.cal.joint(c, [p], w), lo, lo + 2.5 * DAY)
                t = pick_time(rng, joint)
                if t is not None:
                    m = self._mail(out, rng, c.idx, [p.idx], t, self._fill(rng, 1))
                    if m is not None:
                        self._answer(out, rng, p, c, m, w)
        elif behaviour == "generic_thanks":
            waiting = self._waiting_on(p.idx)
            thanked = [c for c in self.contacts[p.idx] if c not in waiting] or self.contacts[p.idx]
            for _ in range(5 if clear else 3):
                c = self.people[rng.choice(thanked)]
                joint = _clip(self.cal.joint(c, [p], w), lo, lo + 3.5 * DAY)
                t = pick_time(rng, joint)
                if t is not None:
                    m = self._mail(out, rng, c.idx, [p.idx], t, self._fill(rng, 1))
                    if m is not None:
                        self._answer(out, rng, p, c, m, w,
                                     sentences=self._say(rng, "thanks_bare"))
        elif behaviour == "keeps_promises":
            # Early in the week a promise to a colleague ("I'll send the figures tomorrow"),
            # then, a working day later, a message to them that delivers ("Attached is ...").
            for _ in range(2 if clear else 1):
                c = self.people[rng.choice(self.contacts[p.idx])]
                joint = _clip(self.cal.joint(p, [c], w), lo, lo + 2 * DAY)
                t = pick_time(rng, joint)
                if t is None:
                    continue
                promise = self._mail(out, rng, p.idx, [c.idx], t, self._say(rng, "commitment"))
                later = _clip(self.cal.joint(p, [c], w), t + 0.8 * DAY, t + 1.8 * DAY)
                t2 = first_after(later, t + 0.8 * DAY)
                if promise is not None and t2 is not None:
                    self._mail(out, rng, p.idx, [c.idx], t2, self._say(rng, "delivery"),
                               parent=promise)
        elif behaviour in ("harsh_in_channel", "noninclusive_terms"):
            lead = self.channel_of(p)
            members = (lead, *self.people[lead].reports)
            own = _clip(_shrink(self.cal.own(p, w), SENDER_MARGIN), lo, hi)
            pool = "harsh" if behaviour == "harsh_in_channel" else "noninclusive"
            for _ in range(2 if clear else 1):
                t = pick_time(rng, own)
                if t is not None:
                    out.chats.append(Chat(f"C{lead:06d}", t, p.idx, self._say(rng, pool)[0],
                                          members))
        elif behaviour == "blunt_requests":
            for _ in range(6 if clear else 4):  # the card needs 4 requests in a week
                self._ask(out, rng, p, w, lo, hi, self._say(rng, "ask_blunt"))
        elif behaviour == "thanks_in_advance":
            for _ in range(4 if clear else 2):
                self._ask(out, rng, p, w, lo, hi,
                          self._say(rng, "ask_polite") + self._say(rng, "thanks_in_advance"))
        elif behaviour == "meeting_overload":
            self._extra_meetings(out, rng, p, w, days=5 if clear else 3,
                                 offsets=(0.0, 1.0, 2.0, 3.0) if clear else (0.0, 1.0, 2.0),
                                 minutes=60, title="Customer escalation")
        elif behaviour == "no_focus_time":
            span = p.end_hour - p.start_hour
            self._extra_meetings(out, rng, p, w, days=5,
                                 offsets=(span * 0.22, span * 0.47, span * 0.72), minutes=20,
                                 title="Candidate interview")
        elif behaviour == "dominates_threads":
            for _ in range(3 if clear else 2):
                started = self._start_thread(out, rng, p, w, lo,
                                             lambda: self._fill(rng, 6, band=True))
                if started is None:
                    return
                r, m = started
                for turn in range(3):
                    if m is None:
                        break
                    if turn % 2 == 0:
                        m = self._answer(out, rng, r, p, m, w, sentences=[
                            self.short[rng.randrange(len(self.short))]])
                    else:
                        m = self._answer(out, rng, p, r, m, w,
                                         sentences=self._fill(rng, 5, band=True))

    def _start_thread(self, out: WeekOutput, rng: random.Random, p: Person, w: int, lo: float,
                      say: Callable[[], list[str]]) -> tuple[Person, Mail | None] | None:
        """A new thread from ``p`` early in the week (so answers fit in it): the recipient and
        the message (None if no shared time), or None if ``p`` has nobody to write to."""
        r_idx = self._recipient(rng, p, w)
        if r_idx is None:
            return None
        r = self.people[r_idx]
        t = pick_time(rng, _clip(self.cal.joint(p, [r], w), lo, lo + 3 * DAY))
        return r, (self._mail(out, rng, p.idx, [r_idx], t, say()) if t is not None else None)

    def _ask(self, out: WeekOutput, rng: random.Random, p: Person, w: int, lo: float, hi: float,
             sentences: list[str]) -> None:
        started = self._start_thread(out, rng, p, w, lo, lambda: sentences)
        if started is not None and started[1] is not None:
            self._answer(out, rng, started[0], p, started[1], w)

    def _days(self, p: Person, w: int) -> list[float]:
        lo, hi = self.t0 + w * WEEK, self.t0 + (w + 1) * WEEK
        return [a for a, _b in self.cal.own(p, w) if lo <= a < hi]

    def _extra_meetings(self, out: WeekOutput, rng: random.Random, p: Person, w: int, *,
                        days: int, offsets: tuple[float, ...], minutes: int, title: str) -> None:
        ext = f"guest{p.idx}@{EXTERNAL_DOMAINS[p.idx % len(EXTERNAL_DOMAINS)]}"
        for day in self._days(p, w)[:days]:
            for off in offsets:
                out.meetings.append(Meeting(
                    f"ext-{self._id()}", day + off * HOUR, minutes, p.idx, (),
                    title, externals=(ext,)))


def _subtract(x: list[Interval], y: list[Interval]) -> list[Interval]:
    out = []
    for a, b in x:
        cur = [(a, b)]
        for c, d in y:
            nxt = []
            for s, e in cur:
                if d <= s or c >= e:
                    nxt.append((s, e))
                    continue
                if c > s:
                    nxt.append((s, c))
                if d < e:
                    nxt.append((d, e))
            cur = nxt
        out += cur
    return [(a, b) for a, b in out if b - a > 60]


def _inside(cal: Calendar, p: Person, t: float, minutes: int, margin: float = HOUR) -> bool:
    week = int((t - cal.t0) // WEEK)
    return any(a + margin <= t and t + minutes * 60 <= b - margin for a, b in cal.own(p, week))


def _shuffled(rng: random.Random, xs: list[int]) -> list[int]:
    ys = list(xs)
    rng.shuffle(ys)
    return ys


def _rrule(interval: int, until: float) -> str:
    stamp = datetime.fromtimestamp(until, UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"FREQ=WEEKLY;INTERVAL={interval};UNTIL={stamp}"


def _root(m: Mail) -> Mail:
    while m.parent is not None:
        m = m.parent
    return m


# -- rendering ------------------------------------------------------------------------------


def _addr(p: Person) -> str:
    return f'"{p.name}" <{p.email}>'


def render_mail(m: Mail, people: list[Person]) -> bytes:
    """The message as RFC 5322 bytes, dated in the sender's own zone; replies quote their
    parent under an ``On ... wrote:`` line, as mail clients do."""
    s = people[m.sender]
    lines = [f"Message-ID: <{m.id}@{DOMAIN}>", f"Date: {rfc_date(m.t, s.tz)}",
             f"From: {_addr(s)}", "To: " + ", ".join(_addr(people[i]) for i in m.to)]
    if m.cc:
        lines.append("Cc: " + ", ".join(_addr(people[i]) for i in m.cc))
    lines.append(f"Subject: {m.subject}")
    body = m.body + f"\n-- \n{s.name}\n{s.title}\n"
    if m.parent is not None:
        refs: list[str] = []
        q: Mail | None = m.parent
        while q is not None and len(refs) < 10:
            refs.append(f"<{q.id}@{DOMAIN}>")
            q = q.parent
        lines.append(f"In-Reply-To: {refs[0]}")
        lines.append("References: " + " ".join(reversed(refs)))
        ps = people[m.parent.sender]
        when = rfc_date(m.parent.t, s.tz)[:-9]
        quoted = "\n".join("> " + line if line else ">" for line in m.parent.body.splitlines())
        body += f"\nOn {when}, {ps.name} <{ps.email}> wrote:\n{quoted}\n"
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
              "Content-Transfer-Encoding: 8bit", "", body]
    return "\n".join(lines).encode("utf-8")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_OFFSETS: dict[tuple[str, int], int] = {}


def _offset(t: float, tz: str) -> int:
    """The zone's UTC offset in seconds at ``t`` (looked up once per zone and hour)."""
    key = (tz, int(t // 3600))
    off = _OFFSETS.get(key)
    if off is None:
        delta = datetime.fromtimestamp(key[1] * 3600, zone(tz)).utcoffset()
        off = _OFFSETS[key] = int(delta.total_seconds()) if delta is not None else 0
        if len(_OFFSETS) > 200_000:
            _OFFSETS.clear()
    return off


def rfc_date(t: float, tz: str) -> str:
    """An RFC 5322 date in the zone ``tz`` (the format of :func:`email.utils.format_datetime`,
    without its cost per call)."""
    off = _offset(t, tz)
    g = time.gmtime(t + off)
    sign = "+" if off >= 0 else "-"
    hh, mm = divmod(abs(off) // 60, 60)
    return (f"{_DAYS[g.tm_wday]}, {g.tm_mday:02d} {_MONTHS[g.tm_mon - 1]} {g.tm_year} "
            f"{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d} {sign}{hh:02d}{mm:02d}")


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y%m%dT%H%M%SZ")


def render_event(e: Meeting, people: list[Person]) -> str:
    """One VEVENT (plus cancelled-occurrence overrides) in UTC, with every attendee's answer."""
    org = people[e.organizer]
    end = e.start + e.minutes * 60
    head = [f"UID:{e.uid}@{DOMAIN}", f"DTSTAMP:{_stamp(e.start - 7 * DAY)}",
            f"DTSTART:{_stamp(e.start)}", f"DTEND:{_stamp(end)}", f"SUMMARY:{_ics_text(e.title)}",
            f"ORGANIZER;CN={_ics_text(org.name)}:mailto:{org.email}"]
    for i in e.attendees:
        a = people[i]
        state = "DECLINED" if i in e.declined else "ACCEPTED"
        head.append(f"ATTENDEE;CN={_ics_text(a.name)};PARTSTAT={state}:mailto:{a.email}")
    for x in e.externals:
        head.append(f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{x}")
    if e.rrule:
        head.append(f"RRULE:{e.rrule}")
    for x in e.exdates:  # type: ignore[assignment]
        head.append(f"EXDATE:{_stamp(float(x))}")
    head.append("STATUS:CANCELLED" if e.cancelled else "STATUS:CONFIRMED")
    out = ["BEGIN:VEVENT", *head, "END:VEVENT"]
    for c in e.cancelled_instances:
        out += ["BEGIN:VEVENT", f"UID:{e.uid}@{DOMAIN}", f"DTSTAMP:{_stamp(c - DAY)}",
                f"RECURRENCE-ID:{_stamp(c)}", f"DTSTART:{_stamp(c)}",
                f"DTEND:{_stamp(c + e.minutes * 60)}", f"SUMMARY:{_ics_text(e.title)}",
                f"ORGANIZER;CN={_ics_text(org.name)}:mailto:{org.email}",
                "STATUS:CANCELLED", "END:VEVENT"]
    return "\r\n".join(out) + "\r\n"


def _ics_text(s: str) -> str:
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
