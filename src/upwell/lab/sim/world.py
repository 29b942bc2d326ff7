"""The simulated organization: people, teams, time zones, working hours, ties and the planted
behaviours with their ground truth.

Reads: a seed and the name lists of :class:`~upwell.lab.sim.corpus.Pools`. Writes: nothing; returns
an :class:`Org`. Everything is drawn from one ``random.Random(seed)``, so a seed names an
organization exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

#: Zones where people work, with the zones a team based there also hires in: every pair inside
#: a family shares at least two working hours.
ZONE_FAMILIES: dict[str, tuple[str, ...]] = {
    "America/New_York": ("America/Chicago", "Europe/London"),
    "America/Chicago": ("America/New_York", "America/Los_Angeles"),
    "America/Los_Angeles": ("America/Chicago",),
    "Europe/London": ("Europe/Berlin", "America/New_York"),
    "Europe/Berlin": ("Europe/London", "Asia/Kolkata"),
    "Asia/Kolkata": ("Asia/Singapore", "Europe/Berlin"),
    "Asia/Singapore": ("Asia/Kolkata", "Australia/Sydney"),
    "Australia/Sydney": ("Asia/Singapore",),
}
ZONE_WEIGHTS = {"America/New_York": 30, "America/Chicago": 10, "America/Los_Angeles": 12,
                "Europe/London": 20, "Europe/Berlin": 12, "Asia/Kolkata": 9,
                "Asia/Singapore": 4, "Australia/Sydney": 3}

#: Where the head of the organization's direct reports sit (each shares hours with New York).
HEAD_OFFICES = ("Europe/London", "America/New_York", "America/Chicago", "Europe/London",
                "America/Los_Angeles")

DOMAIN = "northwind.example"
EXTERNAL_DOMAINS = ("partner.example", "customer.example", "vendor.example")

#: Insight types and who may carry each planted behaviour.
MANAGER_ONLY = frozenset({"one_on_one_lapse", "attention_spread"})

TITLES_IC = ("Analyst", "Engineer", "Specialist", "Associate", "Designer", "Scientist",
             "Consultant", "Coordinator")
AREAS = ("Payments", "Risk", "Platform", "Operations", "Growth", "Research", "Finance",
         "Support", "Logistics", "Trading", "Legal", "Data")


Pattern = tuple[str, int, int, tuple[int, ...]]  # zone, start hour, end hour, workdays


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(slots=True)
class Person:
    idx: int
    pid: str
    name: str
    first: str
    email: str
    slack: str
    title: str
    tz: str
    start_hour: int
    end_hour: int
    workdays: tuple[int, ...]
    manager: int = -1
    reports: list[int] = field(default_factory=list)
    ties: dict[int, float] = field(default_factory=dict)  # cross-team partner -> mails a week
    participant: bool = True
    recognizer: bool = False  # gives specific recognition every week
    one_on_one_weekly: bool = True
    part_time: bool = False

    @property
    def pattern(self) -> Pattern:
        """When this person works: zone, hours and days (people sharing one share windows)."""
        return (self.tz, self.start_hour, self.end_hour, self.workdays)

    @property
    def hours(self) -> str:
        return f"{self.start_hour}-{self.end_hour}"


@dataclass(slots=True)
class Plant:
    """One planted behaviour: who, which insight(s) it should raise, how strongly, and the
    colleagues it concerns."""

    person: int
    insights: tuple[str, ...]
    behaviour: str
    strength: str  # "subtle" or "clear"
    others: tuple[int, ...] = ()

    def truth(self, people: list[Person]) -> dict[str, object]:
        return {"person": people[self.person].pid, "insights": list(self.insights),
                "behaviour": self.behaviour, "strength": self.strength,
                "concerns": [people[o].pid for o in self.others]}


@dataclass(slots=True)
class Org:
    seed: int
    weeks: int
    start: datetime  # Monday 00:00 UTC of the first week
    people: list[Person]
    plants: list[Plant]
    #: The person who carries :data:`SHOWCASE` (``--showcase``), or None.
    showcase: int | None = None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(weeks=self.weeks)

    def teams(self) -> list[int]:
        """Managers, each leading the team of their reports."""
        return [p.idx for p in self.people if p.reports]

    def truth(self) -> dict[str, object]:
        return {
            "seed": self.seed, "weeks": self.weeks, "start": self.start.isoformat(),
            "coached_week": (self.end - timedelta(weeks=1)).date().isoformat(),
            "people": [{
                "id": p.pid, "name": p.name, "email": p.email, "slack_id": p.slack,
                "title": p.title, "tz": p.tz, "hours": p.hours, "workdays": list(p.workdays),
                "manager": self.people[p.manager].pid if p.manager >= 0 else None,
                "reports": [self.people[r].pid for r in p.reports],
                "participant": p.participant,
            } for p in self.people],
            "behaviours": [pl.truth(self.people) for pl in self.plants],
            "controls": [p.pid for p in self.people if p.participant
                         and not any(pl.person == p.idx for pl in self.plants)],
            "showcase": None if self.showcase is None else self.people[self.showcase].pid,
        }


def _names(n: int, rng: random.Random, first: list[str], last: list[str]) -> list[tuple[str, str]]:
    combos = [(f, lname) for f in first for lname in last]
    if n > len(combos):
        raise ValueError(f"at most {len(combos)} people can get distinct names")
    return rng.sample(combos, n)


def build_org(n: int, weeks: int, seed: int, first: list[str], last: list[str],
              *, start: datetime | None = None, participation: float = 0.85,
              plant_share: float = 0.6, showcase: bool = False) -> Org:
    """An organization of ``n`` people over ``weeks`` weeks (see the module docstring). With
    ``showcase``, one participating manager carries several behaviours at once (the demo's
    member: :data:`SHOWCASE`)."""
    if n < 5:
        raise ValueError("an organization needs at least 5 people")
    if weeks < 10:
        raise ValueError("at least 10 weeks are needed: a baseline of 8 weeks and the coached one")
    rng = random.Random(seed)
    start = start or datetime(2026, 1, 5, tzinfo=UTC)
    names = _names(n, rng, first, last)
    people: list[Person] = []
    for i, (f, lname) in enumerate(names):
        people.append(Person(
            idx=i, pid=f"p{i:05d}", name=f"{f} {lname}", first=f,
            email=f"{f.lower()}.{lname.lower()}@{DOMAIN}", slack=f"U{i + 1:07d}",
            title=rng.choice(TITLES_IC) + ", " + rng.choice(AREAS), tz="", start_hour=9,
            end_hour=17, workdays=(0, 1, 2, 3, 4)))
    _tree(people, rng)
    _zones_and_hours(people, rng)
    _ties(people, rng)
    for p in people:
        p.participant = p.idx == 0 or rng.random() < participation
        p.recognizer = rng.random() < 0.3
        p.one_on_one_weekly = rng.random() < 0.75
    org = Org(seed, weeks, start, people, [])
    shown = _showcase(org) if showcase else []
    org.showcase = shown[0].person if shown else None
    org.plants = shown + _plant(org, rng, plant_share, {pl.person for pl in shown})
    return org


def _tree(people: list[Person], rng: random.Random) -> None:
    """Managers with 3-12 reports, breadth first from the head of the organization."""
    queue = [0]
    nxt = 1
    n = len(people)
    while nxt < n:
        if not queue:  # everyone queued has a team: promote someone without one
            queue = [rng.choice([p.idx for p in people[:nxt] if not p.reports])]
        m = queue.pop(0)
        remaining = n - nxt
        k = rng.randint(3, 9) if n > 30 else rng.randint(3, 6)
        if remaining - k < 3:  # never leave a team of one or two behind
            k = remaining
        for _ in range(k):
            people[nxt].manager = m
            people[m].reports.append(nxt)
            if rng.random() < 0.22:
                queue.append(nxt)
            nxt += 1
    for p in people:
        if p.reports:
            p.title = ("Head of " if p.idx == 0 or p.manager == 0 else "Manager, ") \
                + p.title.split(", ")[-1]


def _zones_and_hours(people: list[Person], rng: random.Random) -> None:
    zones = list(ZONE_WEIGHTS)
    for p in people:  # parents come before their reports
        if p.manager < 0:
            p.tz = "America/New_York"
        elif p.manager == 0:  # department heads sit in the offices around the head's
            p.tz = HEAD_OFFICES[people[0].reports.index(p.idx) % len(HEAD_OFFICES)]
        else:
            hub = people[p.manager].tz
            family = ZONE_FAMILIES[hub]
            # a team is based in its manager's zone; a quarter of its people (half of those
            # who will lead teams) work from a neighbouring zone, so offices spread downwards
            p.tz = hub if rng.random() < (0.5 if p.reports else 0.75) else rng.choice(family)
            if p.tz not in zones:
                p.tz = hub
        p.start_hour = rng.choice((8, 9, 9, 9, 10))
        p.end_hour = p.start_hour + 8
        remote = p.manager >= 0 and p.tz != people[p.manager].tz
        if remote:  # someone hired in another zone keeps the hours closest to their manager's
            probe = datetime(2026, 3, 4, 12, tzinfo=UTC)
            boss = people[p.manager]
            best = max((8, 9, 10), key=lambda h: (_overlap_at(p.tz, h, boss, probe), -abs(h - 9)))
            p.start_hour, p.end_hour = best, best + 8
        if not p.reports and not remote and rng.random() < 0.1:  # part-time: four days or 9-14
            p.part_time = True
            if rng.random() < 0.5:
                p.workdays = (0, 1, 2, 3)
            else:
                p.start_hour, p.end_hour = 9, 14


def _overlap_at(tz: str, start_hour: int, b: Person, when: datetime) -> float:
    probe = Person(-1, "", "", "", "", "", "", tz, start_hour, start_hour + 8, (0, 1, 2, 3, 4))
    return overlap_hours(probe, b, when)


def overlap_hours(a: Person, b: Person, when: datetime) -> float:
    """Hours on the day of ``when`` when both are inside their working hours."""
    def span(p: Person) -> tuple[datetime, datetime]:
        local = when.astimezone(zone(p.tz)).replace(hour=p.start_hour, minute=0, second=0,
                                                    microsecond=0)
        return local, local + timedelta(hours=p.end_hour - p.start_hour)
    (a0, a1), (b0, b1) = span(a), span(b)
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds() / 3600)


def _ties(people: list[Person], rng: random.Random) -> None:
    """Each person gets up to two cross-team partners who share working hours with them."""
    probe = datetime(2026, 3, 4, 12, tzinfo=UTC)
    n = len(people)
    for p in people:
        wanted = rng.choice((0, 1, 1, 2))
        tries = 0
        while sum(1 for _ in p.ties) < wanted and tries < 20:
            tries += 1
            q = people[rng.randrange(n)]
            if q.idx == p.idx or q.idx in p.ties or q.manager == p.manager \
                    or q.idx in (p.manager,) or p.idx == q.manager or len(q.ties) >= 3:
                continue
            if overlap_hours(p, q, probe) < 3.5:
                continue
            rate = rng.choice((1.0, 1.5, 3.0))
            p.ties[q.idx] = rate
            q.ties[p.idx] = rate


def contacts(people: list[Person], p: Person) -> list[int]:
    """Everyone ``p`` works with: manager, reports, teammates and ties."""
    out: list[int] = []
    if p.manager >= 0:
        out.append(p.manager)
        out += [t for t in people[p.manager].reports if t != p.idx]
    out += p.reports
    out += list(p.ties)
    return list(dict.fromkeys(out))


# -- planted behaviours ---------------------------------------------------------------------

#: behaviour -> insights it must raise (nothing else may be raised for its carrier).
BEHAVIOURS: dict[str, tuple[str, ...]] = {
    "works_late_to_overlap": ("after_hours_sent",),
    "night_owl": ("after_hours_sent", "after_hours_landing"),
    "pings_in_their_night": ("after_hours_landing",),
    "leaves_asks_unanswered": ("unanswered_asks",),
    "slow_to_reply": ("slow_replies",),
    "stops_recognizing": ("recognition_drop",),
    "generic_thanks": ("generic_thanks",),
    "tone_sours": ("tone_toward_colleague",),
    "fading_tie": ("fading_tie",),
    "harsh_in_channel": ("harsh_language",),
    "noninclusive_terms": ("noninclusive_terms",),
    "blunt_requests": ("blunt_requests",),
    "thanks_in_advance": ("thanks_in_advance",),
    "meeting_overload": ("meeting_overload",),
    "no_focus_time": ("no_focus_time",),
    "one_on_one_lapse": ("one_on_one_lapse",),
    "favours_some_reports": ("attention_spread",),
    "dominates_threads": ("conversation_balance",),
    "keeps_promises": ("commitments_kept",),
}


def _eligible(org: Org, p: Person, behaviour: str) -> tuple[int, ...] | None:
    """The colleagues the behaviour needs (possibly none), or None if ``p`` cannot carry it."""
    people = org.people
    probe = org.end - timedelta(days=4) + timedelta(hours=12)  # a Thursday, noon UTC
    if behaviour in ("one_on_one_lapse", "favours_some_reports"):
        return () if len(p.reports) >= 3 else None
    if behaviour == "pings_in_their_night":
        far = [c for c in contacts(people, p)
               if _off_hours_landing_hours(p, people[c], probe) >= 2.5
               and overlap_hours(p, people[c], probe) >= 1.5]
        return (far[0],) if far else None
    if behaviour == "works_late_to_overlap":
        west = [c for c in contacts(people, p) if _late_overlap(p, people[c], probe)]
        return (west[0],) if west else None
    if behaviour in ("meeting_overload", "night_owl"):
        return None if p.part_time else ()
    if behaviour == "no_focus_time":  # a light calendar: the extra short meetings stay < 10 h
        return None if p.part_time or p.reports else ()
    if behaviour == "stops_recognizing":
        return () if p.recognizer else None
    if behaviour == "generic_thanks":
        return None if p.recognizer else ()
    if behaviour == "fading_tie":
        strong = [t for t, rate in p.ties.items() if rate >= 3.0 and people[t].participant]
        return (strong[0],) if strong else None
    if behaviour == "tone_sours":
        close = [c for c in contacts(people, p) if c not in p.ties]
        return (close[0],) if close else None
    if behaviour == "leaves_asks_unanswered":
        askers = [c for c in contacts(people, p)
                  if c not in p.ties and overlap_hours(p, people[c], probe) >= 3]
        return tuple(askers[:3]) if askers else None
    return ()


def _off_hours_landing_hours(sender: Person, rec: Person, when: datetime) -> float:
    """Hours of the sender's working day that fall in the recipient's night (judged with the
    sender's hours in the recipient's zone, as the insight does)."""
    local = when.astimezone(zone(sender.tz)).replace(hour=sender.start_hour, minute=0, second=0,
                                                     microsecond=0)
    hours = 0.0
    for h in range(sender.end_hour - sender.start_hour):
        t = local + timedelta(hours=h, minutes=30)
        r = t.astimezone(zone(rec.tz))
        if not sender.start_hour <= r.hour < sender.end_hour:
            hours += 1
    return hours


def _late_overlap(sender: Person, rec: Person, when: datetime) -> bool:
    """Whether two hours after the sender's day end are well inside the recipient's day."""
    local = when.astimezone(zone(sender.tz)).replace(hour=sender.end_hour, minute=0, second=0,
                                                     microsecond=0)
    for minutes in (75, 150):
        r = (local + timedelta(minutes=minutes)).astimezone(zone(rec.tz))
        if not (rec.start_hour + 1.2 <= r.hour + r.minute / 60 <= rec.end_hour - 1.2
                and sender.start_hour + 1.2 <= r.hour + r.minute / 60 <= sender.end_hour - 1.2):
            return False
    return True


#: What the showcase manager carries: behaviours that touch different parts of their week (their
#: calendar, the asks they receive, the thanks they give, the asks they send), so each raises
#: its own card and none hides another. The recognition one depends on whether they usually
#: recognize people (see :func:`_eligible`).
SHOWCASE = ("one_on_one_lapse", "leaves_asks_unanswered", "blunt_requests",
            "stops_recognizing|generic_thanks")


def _showcase(org: Org) -> list[Plant]:
    """The first participating manager who can carry every :data:`SHOWCASE` behaviour, with
    each planted clearly (none when nobody can)."""
    for p in org.people:
        if not (p.participant and p.reports):
            continue
        plants = []
        for choice in SHOWCASE:
            for behaviour in choice.split("|"):
                others = _eligible(org, p, behaviour)
                if others is not None:
                    plants.append(Plant(p.idx, BEHAVIOURS[behaviour], behaviour, "clear", others))
                    break
        if len(plants) == len(SHOWCASE):
            return plants
    return []


def _plant(org: Org, rng: random.Random, share: float,
           taken: set[int] | None = None) -> list[Plant]:
    """Spread the behaviours over the participants (but those ``taken`` already): each
    behaviour gets its share of carriers, half of them subtle, and the rest stay as a healthy
    control group."""
    candidates = [p for p in org.people if p.participant]
    rng.shuffle(candidates)
    per = max(2, round(len(candidates) * share / len(BEHAVIOURS)))
    taken = set(taken or ())
    plants: list[Plant] = []
    order = sorted(BEHAVIOURS, key=lambda b: (b not in ("one_on_one_lapse",
                                                       "favours_some_reports",
                                                       "pings_in_their_night",
                                                       "works_late_to_overlap",
                                                       "fading_tie"), b))
    for behaviour in order:
        count = 0
        for p in candidates:
            if count >= per:
                break
            if p.idx in taken:
                continue
            others = _eligible(org, p, behaviour)
            if others is None or any(o in taken for o in others if behaviour == "fading_tie"):
                continue
            strength = "subtle" if count % 2 else "clear"
            insights = BEHAVIOURS[behaviour]
            plants.append(Plant(p.idx, insights, behaviour, strength, others))
            taken.add(p.idx)
            if behaviour == "fading_tie":
                # the tie fades for both: the partner sees it too
                plants.append(Plant(others[0], insights, behaviour, strength, (p.idx,)))
                taken.add(others[0])
            count += 1
    return plants
