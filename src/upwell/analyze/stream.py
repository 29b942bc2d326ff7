"""Per-member stream analyzers: rhythm, responsiveness, relationships and meetings.

Reads: a :class:`~upwell.store.member_view.MemberView` (the member's own decrypted data) and
their :class:`WorkProfile`. Writes nothing: each function returns measures for a time window,
so the insights can compare a week with the member's own past weeks (never with other people).
Times are judged in the member's local time, and each recipient's in theirs (estimated from the
UTC offsets of the messages that recipient sent).

Why one module of over 500 lines: the measures share the per-view caches (:func:`derived`), the
member's sent-mail index and the copy and response helpers that asks, replies and relationships
all need; splitting it into asks/responses, meetings and relationships is open work.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import pairwise
from typing import TypeVar, cast
from zoneinfo import ZoneInfo

from upwell.analyze.kinds import addressee
from upwell.analyze.names import GRATITUDE, HARSH, KINDS, REQUESTS, TONE, feature
from upwell.analyze.zones import ZoneGuess, infer_hours, infer_zone, offsets_credible
from upwell.normalize.threads import normalize_subject
from upwell.store.member_view import EventView, MemberView, MessageView

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WorkProfile:
    """When the member works: a time zone, working hours and working days (Mon=0)."""

    tz: tzinfo = field(default_factory=lambda: ZoneInfo("UTC"))
    start_hour: int = 9
    end_hour: int = 17
    workdays: frozenset[int] = frozenset(range(5))
    #: Where the zone and hours came from: ``"declared"`` (the member set them), or the
    #: confidence of their inference from the member's own sending (``"high"``, ``"medium"``,
    #: ``"low"``), or ``"unknown"`` (too little of the member's own mail to infer anything).
    source: str = "declared"

    @property
    def zone_known(self) -> bool:
        """Whether the member's local time can be judged: declared, or inferred with at least
        medium confidence (a low-confidence guess coaches nothing about hours)."""
        return self.source in {"declared", "high", "medium"}

    def is_working_time(self, when: datetime, zone: tzinfo | None = None) -> bool:
        local = when.astimezone(zone or self.tz)
        return (local.weekday() in self.workdays
                and self.start_hour <= local.hour + local.minute / 60 < self.end_hour)

    def add_working_days(self, when: datetime, days: int) -> datetime:
        """``when`` plus ``days`` working days (weekends skipped) in the member's time zone."""
        local = when.astimezone(self.tz)
        added = 0
        while added < days:
            local += timedelta(days=1)
            if local.weekday() in self.workdays:
                added += 1
        return local.astimezone(UTC)


def derived(view: MemberView, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per view: whole-view measures (zones, correspondents, reply index)
    are asked for by many insights over the same loaded data."""
    if key not in view.derived:
        view.derived[key] = compute()
    return cast(T, view.derived[key])


def mine(view: MemberView, m: MessageView) -> bool:
    return m.sender in view.me


def in_window(items: Iterable[MessageView], start: datetime, end: datetime) -> list[MessageView]:
    return [m for m in items if start <= m.sent_at < end]


def thanks(m: MessageView) -> bool:
    """The message thanks or recognizes someone (any thanks, bare or specific)."""
    return bool(feature(m.features, GRATITUDE, "gratitude"))


def recognizes(m: MessageView) -> bool:
    """The message gives *specific* thanks or recognition (it names what someone did)."""
    return (feature(m.features, GRATITUDE, "thanks_kind") == "specific"
            or bool(feature(m.features, GRATITUDE, "recognition_specific")))


def harsh(m: MessageView) -> bool:
    """The message reads as harsh (:mod:`upwell.analyze.harsh`)."""
    return bool(feature(m.features, HARSH, "harsh"))


def person_zones(view: MemberView) -> dict[str, tzinfo]:
    """Each colleague's local zone, estimated from the offsets of the messages they sent.
    Whether those offsets mean anything is :func:`recipient_zones`'s question."""
    return derived(view, "zones", lambda: _person_zones(view))


#: Working hours when neither given nor inferable.
DEFAULT_HOURS = (9, 17)


def recipient_zones(view: MemberView, profile: WorkProfile) -> dict[str, tzinfo]:
    """Colleagues' zones (:func:`person_zones`) when the archive's offsets are credible for a
    member in ``profile.tz`` (:func:`upwell.analyze.zones.offsets_credible`), else none: an
    export's or a server's clock says nothing about where anyone is."""
    def compute() -> dict[str, tzinfo]:
        credible = profile.zone_known and offsets_credible(view, profile.tz).credible
        return person_zones(view) if credible else {}
    return derived(view, f"recipient_zones:{profile.tz}:{profile.source}", compute)


def work_profile(view: MemberView, tz: tzinfo | None = None,
                 hours: tuple[int, int] | None = None) -> tuple[WorkProfile, ZoneGuess | None]:
    """The member's work profile: ``tz`` and ``hours`` as given, and what is not given inferred
    from the member's own sending (:func:`upwell.analyze.zones.infer_zone`), with the guess
    behind it (``None`` when nothing was inferred). With too little of their own mail to
    infer a zone, UTC stands in and the profile's ``source`` is ``"unknown"``."""
    if tz is not None:
        found = hours or infer_hours(view, tz) or DEFAULT_HOURS
        return WorkProfile(tz, found[0], found[1]), None
    guess = infer_zone(view)
    if guess is None:
        start, end = hours or DEFAULT_HOURS
        return WorkProfile(ZoneInfo("UTC"), start, end, source="unknown"), None
    start, end = hours or (guess.start_hour, guess.end_hour)
    return WorkProfile(guess.tz, start, end, source=guess.confidence), guess


def profile_summary(view: MemberView, profile: WorkProfile, guess: ZoneGuess | None
                    ) -> dict[str, object]:
    """What the member is shown about the profile their coaching used: zone, hours, where they
    came from, and whether others' local time can be read from the archive's stamps (and why
    not). Content-free: no address, no message."""
    if profile.zone_known:
        check = offsets_credible(view, profile.tz)
        credible, reason = check.credible, check.reason
    else:
        credible, reason = False, "your own zone is not known"
    return {"tz": str(profile.tz), "hours": f"{profile.start_hour}-{profile.end_hour}",
            "source": profile.source,
            "sent": guess.sent if guess else sum(1 for m in view.messages if mine(view, m)),
            "basis": guess.basis if guess else None,
            "offsets_credible": credible, "offsets_reason": reason}


#: A colleague's zone is read from this many of their latest messages (daylight saving moves
#: the offset twice a year; the latest say where their clock is now).
RECENT_OFFSETS = 15


def _person_zones(view: MemberView) -> dict[str, tzinfo]:
    offsets: dict[str, list[int]] = defaultdict(list)
    for m in sorted(view.messages, key=lambda x: x.sent_at):
        if m.utc_offset is not None and not mine(view, m):
            offsets[m.sender].append(m.utc_offset)
    # median_low: always an offset they really used (never the midpoint of +10:00 and +11:00)
    return {p: timezone(timedelta(minutes=int(statistics.median_low(v[-RECENT_OFFSETS:]))))
            for p, v in offsets.items()}


@dataclass(frozen=True, slots=True)
class AfterHours:
    sent: int
    after_hours: list[MessageView]
    landed_off_hours: Counter[str]  # recipient -> pings landing outside their working hours
    #: The member's messages that landed outside at least one recipient's working hours.
    landed: list[MessageView] = field(default_factory=list)


def after_hours(view: MemberView, profile: WorkProfile, start: datetime, end: datetime
                ) -> AfterHours:
    """The member's messages sent outside their working time, and those landing outside each
    recipient's working time in the recipient's zone. A recipient who never wrote to the member
    has no known zone and is not judged: their night cannot be told from the member's own; nor
    is anyone when the archive's offsets are not credible (:func:`recipient_zones`)."""
    zones = recipient_zones(view, profile)
    sent = [m for m in in_window(view.messages, start, end) if mine(view, m)]
    late = [m for m in sent if not profile.is_working_time(m.sent_at)]
    landed: Counter[str] = Counter()
    landed_msgs: list[MessageView] = []
    for m in sent:
        hit = False
        for r in set(m.to) - view.me:
            zone = zones.get(r)
            if zone is not None and not profile.is_working_time(m.sent_at, zone):
                landed[r] += 1
                hit = True
        if hit:
            landed_msgs.append(m)
    return AfterHours(len(sent), late, landed, landed_msgs)


def replies_to(view: MemberView) -> dict[str, list[MessageView]]:
    """Messages by parent id (coached or not: a reply-all to a crowd still answers)."""
    return derived(view, "replies", lambda: _replies_to(view))


def everything(view: MemberView) -> list[MessageView]:
    """All the member's messages, coached or not (:attr:`MemberView.uncoached`), oldest first:
    what responses and counts are looked for in."""
    if not view.uncoached:
        return view.messages
    return derived(view, "everything", lambda: sorted(
        [*view.messages, *view.uncoached], key=lambda m: (m.sent_at, m.id)))


def _replies_to(view: MemberView) -> dict[str, list[MessageView]]:
    out: dict[str, list[MessageView]] = defaultdict(list)
    for m in everything(view):
        if m.parent_id:
            out[m.parent_id].append(m)
    return out


def reply_latencies(view: MemberView, start: datetime, end: datetime, *, by_member: bool,
                    profile: WorkProfile | None = None) -> list[float]:
    """Hours from a message to the first reply in the window: the member's replies to others
    (``by_member``) or others' replies to the member. With ``profile``, only the member's
    working hours count (a Friday-evening message answered on Monday morning is not slow)."""
    return [hours for _m, hours in reply_pairs(view, start, end, by_member=by_member,
                                               profile=profile)]


def reply_pairs(view: MemberView, start: datetime, end: datetime, *, by_member: bool,
                profile: WorkProfile | None = None) -> list[tuple[MessageView, float]]:
    """The replies behind :func:`reply_latencies`, each with its latency in hours."""
    out = []
    for m in in_window(view.messages, start, end):
        parent = view.by_id.get(m.parent_id) if m.parent_id else None
        if parent is None or mine(view, m) != by_member or mine(view, parent) == by_member:
            continue
        if profile is not None:
            out.append((m, working_hours_between(profile, parent.sent_at, m.sent_at)))
        else:
            out.append((m, max(0.0, (m.sent_at - parent.sent_at).total_seconds() / 3600)))
    return out


#: Past this many days, working time between two moments is estimated from whole days.
_EXACT_DAYS = 14


def working_hours_between(profile: WorkProfile, a: datetime, b: datetime) -> float:
    """Hours of the member's working time (their days, their hours, their zone) in [a, b)."""
    if b <= a:
        return 0.0
    la, lb = a.astimezone(profile.tz), b.astimezone(profile.tz)
    day_len = profile.end_hour - profile.start_hour
    days = (lb.date() - la.date()).days
    if days > _EXACT_DAYS:
        return days * day_len * len(profile.workdays) / 7
    total = 0.0
    day = la.replace(hour=0, minute=0, second=0, microsecond=0)
    for _ in range(days + 1):
        if day.weekday() in profile.workdays:
            open_at = day.replace(hour=profile.start_hour)
            close = open_at + timedelta(hours=day_len)
            lo, hi = max(open_at, la), min(close, lb)
            if hi > lo:
                total += (hi - lo).total_seconds() / 3600
        day = (day + timedelta(days=1)).replace(hour=0)
    return total


#: An ask sent to more people than this is a broadcast: nobody in particular is expected to answer.
MAX_ASK_RECIPIENTS = 3


def asks_something(m: MessageView) -> bool:
    """The message holds a request or a question, to however many people."""
    feats = m.features.get(REQUESTS, {})
    return bool(feats.get("requests", 0)) or bool(feats.get("questions", 0))


def is_ask(m: MessageView) -> bool:
    """A request or question sent to a few people (not a broadcast)."""
    return asks_something(m) and len(m.to) + len(m.cc) <= MAX_ASK_RECIPIENTS


def addressed_to_member(view: MemberView, m: MessageView) -> bool:
    """The member is in To under one of their identities. Cc and Bcc are copies; a message
    whose To is a distribution list, or someone else, reached the member as one of many."""
    return bool(set(m.to) & view.me)


def asked_of_member(view: MemberView, m: MessageView) -> bool:
    """An ask the member is expected to answer: one that names the member at the start of a
    line ("Susan: please update the log"), even on Cc; else one addressed to them
    (:func:`addressed_to_member`) that names nobody else or a group ("Pam, would you...", "Hi
    all,") and is not a reply-all answering someone else's message (its questions are for
    that person)."""
    return _asked(view, m, addressee(view, m))


def _asked(view: MemberView, m: MessageView, named: str) -> bool:
    if named == "member":
        return bool((set(m.to) | set(m.cc)) & view.me)
    if named or not addressed_to_member(view, m):
        return False
    return not _answers_another(view, m)


def asked_of_member_alone(view: MemberView, m: MessageView) -> bool:
    """An ask only the member is expected to answer: it names the member, or the member is
    the one person in To (others may be on Cc). An unnamed ask to several people in To is
    anyone's to answer: calling it the member's would be a guess (on real mail most such
    "unanswered" asks had been answered by another recipient, or needed no answer)."""
    named = addressee(view, m)
    return _asked(view, m, named) and (named == "member" or not set(m.to) - view.me)


def _answers_another(view: MemberView, m: MessageView) -> bool:
    parent = view.by_id.get(m.parent_id) if m.parent_id else None
    return (parent is not None and parent.sender not in view.me and parent.sender != m.sender
            and parent.sender in m.to)


def correspondents(view: MemberView) -> set[str]:
    """Everyone the member has written to: newsletters and alerts never are."""
    return derived(view, "correspondents", lambda: {
        r for m in everything(view) if mine(view, m) for r in (*m.to, *m.cc)} - view.me)


def _copies(view: MemberView, m: MessageView) -> list[MessageView]:
    """``m`` and the other copies of it the archive holds: the same sender, subject and length,
    stamped the same or a whole time-zone shift apart (exports file one message in several
    folders and may stamp each copy in another zone)."""
    subject = normalize_subject(m.subject)
    return [o for o in _by_sender(view).get(m.sender, ())
            if o.words == m.words and _zone_shift(o.sent_at - m.sent_at)
            and normalize_subject(o.subject) == subject]


def copies(view: MemberView, m: MessageView) -> list[MessageView]:
    """``m`` and every other copy of it in the archive (see :func:`_copies`)."""
    return _copies(view, m) or [m]


#: Copies of one message are stamped at most this far apart, by a multiple of half an hour.
COPY_SPREAD = timedelta(hours=14)


def _zone_shift(delta: timedelta) -> bool:
    return abs(delta) <= COPY_SPREAD and delta % timedelta(minutes=30) == timedelta(0)


def _by_sender(view: MemberView) -> dict[str, list[MessageView]]:
    def build() -> dict[str, list[MessageView]]:
        out: dict[str, list[MessageView]] = defaultdict(list)
        for m in everything(view):
            out[m.sender].append(m)
        return out
    return derived(view, "by_sender", build)


def _member_sent(view: MemberView) -> tuple[list[datetime], list[MessageView]]:
    def build() -> tuple[list[datetime], list[MessageView]]:
        sent = [m for m in everything(view) if mine(view, m)]
        return [m.sent_at for m in sent], sent
    return derived(view, "member_sent", build)


def handled(view: MemberView, ask: MessageView, due: datetime) -> bool:
    """The member responded to ``ask`` by ``due``: a reply to it (or to another copy of it),
    or any message of theirs after it to the asker or to another person on the ask (the one
    it named: "send the list to Richard") that is not a reply in another conversation, on the
    same subject (a forward), or in its thread.
    Replies under a new or empty subject, and to the other copy, all count. An ask to several
    people is also handled when another of them answered it (to the asker)."""
    copies = _copies(view, ask) or [ask]
    children = replies_to(view)
    if any(mine(view, c) and c.sent_at <= due for o in copies for c in children.get(o.id, ())):
        return True
    start = min(o.sent_at for o in copies)
    people = ({ask.sender} | set(ask.to) | set(ask.cc)) - view.me
    subject = normalize_subject(ask.subject)
    threads = {o.thread for o in copies if o.thread}
    stamps, sent = _member_sent(view)
    ids = {o.id for o in copies}
    for r in sent[bisect_left(stamps, start):bisect_right(stamps, due)]:
        if (subject and normalize_subject(r.subject) == subject) or (r.thread in threads):
            return True
        # a message to one of them counts unless it answers something else: a reply in another
        # conversation that has the asker on it is no word on this ask
        if (set(r.to) | set(r.cc)) & people and (r.parent_id is None or r.parent_id in ids):
            return True
    # an ask to several people that another of them answered (to the asker) is handled
    for p in people - {ask.sender}:
        for r in _by_sender(view).get(p, ()):
            if start < r.sent_at <= due and ask.sender in (*r.to, *r.cc) and (
                    r.parent_id in ids or (subject and normalize_subject(r.subject) == subject)):
                return True
    return False


#: A thanks of at most this many words that asks nothing acknowledges; it answers nothing.
ACK_WORDS = 5


def acknowledgement(m: MessageView) -> bool:
    """A bare thanks ("Thanks.", "Thank you, Laurie"): short, thanking, asking nothing (a
    message whose length was not kept, ``words`` 0, is not judged one). On real mail such
    replies mostly closed an FYI or an answer to the member's own request."""
    return thanks(m) and not is_ask(m) and 0 < m.words <= ACK_WORDS


def answered_at(view: MemberView, ask: MessageView, due: datetime) -> MessageView | None:
    """The member's first answer to ``ask`` by ``due``: a reply to it (or to another copy of
    it), or a message of theirs to the asker on its subject or in its thread (a reply under the
    same subject that the archive did not link). Stricter than :func:`handled`: a message to
    the asker about something else is no answer, nor is a bare thanks
    (:func:`acknowledgement`)."""
    copies = _copies(view, ask) or [ask]
    start = min(o.sent_at for o in copies)
    children = replies_to(view)
    linked = [c for o in copies for c in children.get(o.id, ())
              if mine(view, c) and start <= c.sent_at <= due and not acknowledgement(c)]
    subject = normalize_subject(ask.subject)
    threads = {o.thread for o in copies if o.thread}
    stamps, sent = _member_sent(view)
    same = [r for r in sent[bisect_left(stamps, start):bisect_right(stamps, due)]
            if ask.sender in (*r.to, *r.cc) and not acknowledgement(r)
            and ((subject and normalize_subject(r.subject) == subject) or r.thread in threads)]
    return min([*linked, *same], key=lambda r: r.sent_at, default=None)


#: An ask is judged only when the archive holds the member's mail of enough working days within
#: this long after it (:func:`ask_due`): else the member was away, or their sent mail was not kept.
SEEN_WITHIN = timedelta(days=14)


def _active_days(view: MemberView, profile: WorkProfile) -> list[datetime]:
    """The starts (in the member's zone) of the working days on which the member sent mail,
    oldest first: the days they were at their mail."""
    def build() -> list[datetime]:
        days = set()
        for when in _member_sent(view)[0]:
            local = when.astimezone(profile.tz)
            if local.weekday() in profile.workdays:
                days.add(local.replace(hour=0, minute=0, second=0, microsecond=0))
        return sorted(days)
    return derived(view, f"active_days|{profile.tz}|{sorted(profile.workdays)}", build)


def ask_due(view: MemberView, profile: WorkProfile, ask: MessageView, grace_days: int
            ) -> datetime | None:
    """When an answer to ``ask`` was due: ``grace_days`` working days after it, counting only
    the working days on which the member sent mail (a holiday, leave or a day the archive
    holds no mail of theirs is no day to answer in), at the ask's time of day; ``None`` when
    the archive holds no such days within :data:`SEEN_WITHIN` of the ask (the member was
    away, or the archive ends first)."""
    days = _active_days(view, profile)
    local = ask.sent_at.astimezone(profile.tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    after = bisect_right(days, midnight)
    if after + grace_days > len(days):
        return None
    day = days[after + grace_days - 1]
    due = max(profile.add_working_days(ask.sent_at, grace_days),
              day.replace(hour=local.hour, minute=local.minute, second=local.second
                          ).astimezone(UTC))
    return due if due - ask.sent_at <= SEEN_WITHIN else None


def _withdrawn(view: MemberView, ask: MessageView, due: datetime) -> bool:
    """The asker wrote to the member alone again before ``due`` without asking anything
    ("please ignore my last email - all OK", "thanks, sorted"): the ask was settled or dropped
    some other way. A later message that asks again (a reminder, a new ask) leaves the first
    one waiting, and a note to several people is no word on this ask."""
    same = {o.id for o in copies(view, ask)}
    return any(r.id not in same and ask.sent_at < r.sent_at <= due and not is_ask(r)
               and set(r.to) & view.me and not set(r.to) - view.me
               for r in _by_sender(view).get(ask.sender, ()))


def member_ask(view: MemberView, m: MessageView) -> bool:
    """An ask the member alone is expected to answer, the one definition that
    :func:`unanswered_asks` and the quick answers of ``helped_fast`` both count: a request or
    question (:func:`is_ask`) from someone the member corresponds with, asked of the member
    alone (:func:`asked_of_member_alone`), and not a social note (lunch, a visit, a favour:
    settled in person or by phone)."""
    return (not mine(view, m) and m.sender in correspondents(view) and is_ask(m)
            and asked_of_member_alone(view, m) and not feature(m.features, KINDS, "social"))


def unanswered_asks(view: MemberView, profile: WorkProfile, start: datetime, end: datetime,
                    *, grace_days: int = 2) -> list[MessageView]:
    """Asks of the member (:func:`member_ask`) in the window that the member did not respond
    to (:func:`handled`) by the time it was due (:func:`ask_due`: ``grace_days`` working days
    on which they sent mail) and that the asker did not withdraw (:func:`_withdrawn`); one copy
    of each."""
    last = max((m.sent_at for m in everything(view)), default=end)
    out: list[MessageView] = []
    listed: set[str] = set()
    for m in in_window(view.messages, start, end):
        if m.id in listed or not member_ask(view, m):
            continue
        due = ask_due(view, profile, m, grace_days)
        if due is None or due > last:
            continue  # too recent to judge, or no mail of the member's since (away, or not kept)
        if not handled(view, m, due) and not _withdrawn(view, m, due):
            out.append(m)
            listed.update(o.id for o in _copies(view, m))
    return out


def to_each(view: MemberView, msgs: Iterable[MessageView]) -> dict[str, list[MessageView]]:
    """The member's messages by recipient (To and Cc, the member excluded)."""
    out: dict[str, list[MessageView]] = defaultdict(list)
    for m in msgs:
        if mine(view, m):
            for r in set(m.to) | set(m.cc):
                if r not in view.me:
                    out[r].append(m)
    return out


def exchanges(view: MemberView, start: datetime, end: datetime) -> Counter[str]:
    """Messages between the member and each correspondent in the window, both directions.
    Anything a correspondent sent that is in the member's own mailbox counts as contact, however
    it was addressed (the member may be on Cc, or under an address not known as theirs)."""
    known = correspondents(view)
    out: Counter[str] = Counter()
    for m in in_window(view.messages, start, end):
        if mine(view, m):
            out.update(set(m.to) - view.me)
        elif m.sender in known:
            out[m.sender] += 1
    return out


@dataclass(frozen=True, slots=True)
class MeetingLoad:
    hours: float
    meetings: int
    back_to_back: int
    focus_blocks: int
    cost_person_hours: float


def meeting_load(events: list[EventView], profile: WorkProfile, start: datetime, end: datetime
                 ) -> MeetingLoad:
    """Meeting hours, back-to-back runs, free blocks of two hours or more inside working hours,
    and cost (hours x attendees) for timed, not cancelled events in the window."""
    timed = sorted((e for e in events if not e.all_day and not e.cancelled
                    and start <= e.start < end and e.end > e.start), key=lambda e: e.start)
    hours = sum((e.end - e.start).total_seconds() for e in timed) / 3600
    cost = sum((e.end - e.start).total_seconds() / 3600 * max(1, len(e.attendees))
               for e in timed)
    b2b = sum(1 for a, b in pairwise(timed)
              if timedelta(0) <= b.start - a.end <= timedelta(minutes=5))
    focus = 0
    day = start.astimezone(profile.tz).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end.astimezone(profile.tz):
        if day.weekday() in profile.workdays:
            open_at = day.replace(hour=profile.start_hour)
            close = day.replace(hour=profile.end_hour)
            cursor = open_at
            for e in timed:
                s, t = e.start.astimezone(profile.tz), e.end.astimezone(profile.tz)
                if t <= open_at or s >= close:
                    continue
                if s - cursor >= timedelta(hours=2):
                    focus += 1
                cursor = max(cursor, t)
            if close - cursor >= timedelta(hours=2):
                focus += 1
        day += timedelta(days=1)
    return MeetingLoad(round(hours, 2), len(timed), b2b, focus, round(cost, 2))


def attended(view: MemberView) -> list[EventView]:
    """The member's events minus those they declined (a declined invitation takes no time)."""
    return derived(view, "attended", lambda: [
        e for e in view.events
        if not any(p in view.me and r == "declined" for p, r in e.attendees)])


def one_on_ones(view: MemberView, person: str) -> list[datetime]:
    """Starts of the member's non-cancelled meetings with ``person`` and nobody else."""
    return [e.start for e in one_on_one_events(view, person)]


def one_on_one_events(view: MemberView, person: str) -> list[EventView]:
    """The member's non-cancelled meetings with ``person`` and nobody else, oldest first."""
    out = [e for e in view.events
           if not e.cancelled and e.people - view.me == {person} and e.people & view.me]
    return sorted(out, key=lambda e: e.start)


def one_on_ones_per_report(view: MemberView, start: datetime, end: datetime) -> float | None:
    """The 1:1 cadence measure: one-to-ones held in the window per declared direct report
    (``None`` without reports or without a calendar). Group insights scale it per 4 weeks;
    the dashboard shows it per week."""
    reports = [p for p, r in view.team.items() if r == "report"]
    if not reports or not view.events:
        return None
    held = sum(1 for p in reports for t in one_on_ones(view, p) if start <= t < end)
    return held / len(reports)


def gini(values: list[float]) -> float:
    """The Gini coefficient of non-negative values: 0 even, towards 1 concentrated."""
    xs = sorted(v for v in values if v >= 0)
    n, total = len(xs), sum(xs)
    if n < 2 or total == 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return (2 * weighted) / (n * total) - (n + 1) / n


def attention(view: MemberView, people: list[str], start: datetime, end: datetime
              ) -> dict[str, float]:
    """Attention the member gave each person in the window: messages to them, replies to them,
    one-to-one hours (x4) and specific recognition (x3)."""
    out = dict.fromkeys(people, 0.0)
    for m in in_window(view.messages, start, end):
        if not mine(view, m):
            continue
        recognized = recognizes(m)
        for p in set(m.to) & set(people):
            out[p] += 1 + (3 if recognized else 0)
    for p in people:
        starts = set(one_on_ones(view, p))
        for e in view.events:
            if start <= e.start < end and e.start in starts:
                out[p] += 4 * (e.end - e.start).total_seconds() / 3600
    return out


def talk_share(view: MemberView, start: datetime, end: datetime, min_messages: int = 4
               ) -> list[tuple[str, float, int]]:
    """(thread, member's share of words, messages) for threads in the window with at least
    ``min_messages`` messages and at least one other author."""
    words: dict[str, Counter[bool]] = defaultdict(Counter)
    counts: Counter[str] = Counter()
    authors: dict[str, set[str]] = defaultdict(set)
    for m in in_window(view.messages, start, end):
        if m.thread:
            words[m.thread][mine(view, m)] += m.words
            counts[m.thread] += 1
            authors[m.thread].add(m.sender)
    out = []
    for t, c in words.items():
        total = c[True] + c[False]
        if counts[t] >= min_messages and total and len(authors[t] - view.me) >= 1 and c[True]:
            out.append((t, c[True] / total, counts[t]))
    return out


@dataclass(frozen=True, slots=True)
class Relationship:
    """One colleague as the member relates to them over a window."""

    person: str
    sent: int
    received: int
    reciprocity: float  # min(sent, received) / max(sent, received): 1 is balanced
    tone: float | None  # mean valence of the member's messages to them
    reply_hours_mine: float | None  # member's median reply time to them
    reply_hours_theirs: float | None  # their median reply time to the member


def relationships(view: MemberView, start: datetime, end: datetime, limit: int = 15
                  ) -> list[Relationship]:
    """The member's strongest ties in the window (by messages both ways), strongest first."""
    known = correspondents(view)
    sent: Counter[str] = Counter()
    received: Counter[str] = Counter()
    tone: dict[str, list[float]] = defaultdict(list)
    mine_lat: dict[str, list[float]] = defaultdict(list)
    their_lat: dict[str, list[float]] = defaultdict(list)
    for m in in_window(view.messages, start, end):
        parent = view.by_id.get(m.parent_id) if m.parent_id else None
        if mine(view, m):
            for r in set(m.to) - view.me:
                sent[r] += 1
                valence = feature(m.features, TONE, "valence")
                if isinstance(valence, int | float):
                    tone[r].append(float(valence))
            if parent is not None and not mine(view, parent):
                mine_lat[parent.sender].append((m.sent_at - parent.sent_at).total_seconds() / 3600)
        elif m.sender in known and addressed_to_member(view, m):
            received[m.sender] += 1
            if parent is not None and mine(view, parent):
                their_lat[m.sender].append((m.sent_at - parent.sent_at).total_seconds() / 3600)
    # ties by name: a person id is a blind index, different in every member's store
    people = sorted(set(sent) | set(received),
                    key=lambda p: (-(sent[p] + received[p]), view.name(p), p))
    out = []
    for p in people[:limit]:
        n_sent, n_recv = sent[p], received[p]
        balance = min(n_sent, n_recv) / max(n_sent, n_recv) if max(n_sent, n_recv) else 0.0
        out.append(Relationship(
            p, n_sent, n_recv, round(balance, 3),
            round(statistics.fmean(tone[p]), 3) if tone[p] else None,
            round(statistics.median(mine_lat[p]), 1) if mine_lat[p] else None,
            round(statistics.median(their_lat[p]), 1) if their_lat[p] else None,
        ))
    return out
