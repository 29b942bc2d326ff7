"""Time zones as evidence: the member's zone and hours from their own sending, and whether the
UTC offsets stamped on messages say anything about where people are.

Reads: a :class:`~upwell.store.member_view.MemberView` (when the member's own messages were sent,
and the UTC offset each message was stamped with). Writes nothing. See docs/time-zones.md.

Two facts drive this module. First, the instant a message was sent survives every export we
know (it is what the ``Date`` header means), but the *offset* beside it often does not: the EDRM
Enron export renders every stamp in the exporter's UTC-03:00, and Exchange or archive exports
stamp server time. So an offset is read as a person's zone only when the archive shows offsets
are credible (:func:`offsets_credible`). Second, people send most of their mail inside their
working day, so the hours at which the member's own mail goes out, read against candidate
zones, tell their zone to within an hour or two and their working hours
(:func:`infer_zone`). The member always sees what was inferred and can set it.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from upwell.store.member_view import MemberView, MessageView

#: One zone per distinct offset pattern, as a member would name it; inference picks among these
#: (zones sharing an offset and daylight-saving rule cannot be told apart by sending times).
CANDIDATE_ZONES = (
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
    "America/Phoenix", "America/Chicago", "America/New_York", "America/Halifax",
    "America/Sao_Paulo", "Atlantic/South_Georgia", "Atlantic/Azores", "UTC", "Europe/London",
    "Europe/Paris", "Africa/Lagos", "Europe/Helsinki", "Africa/Cairo", "Europe/Moscow",
    "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok",
    "Asia/Shanghai", "Asia/Tokyo", "Australia/Brisbane", "Australia/Sydney", "Pacific/Auckland",
)

#: How office mail is spread over the local hours of a working day (share per hour, 0-23): a
#: broad plateau from 8 to 18 with a lunch dip and thin evenings and nights. Only its shape
#: matters; it is a prior, not a fit to any one person.
_HOUR_SHAPE = (
    0.4, 0.3, 0.2, 0.2, 0.2, 0.4, 1.0, 2.5, 6.0, 9.0, 10.0, 10.0,
    8.0, 9.0, 10.0, 10.0, 9.0, 6.5, 4.0, 2.5, 2.0, 1.6, 1.2, 0.8,
)
#: Share of office mail sent on a Saturday or Sunday, together.
_WEEKEND_SHARE = 0.06

#: Fewer of the member's own sent messages than this: no inference (a guess would be noise).
MIN_SENT = 15
#: From this many sent messages a clear fit is read with medium confidence.
MEDIUM_SENT = 60
#: The best zone must beat every zone two or more hours away by this much log-likelihood per
#: message to count as a clear fit.
CLEAR_MARGIN = 0.05

#: Share of the member's own stamped messages that must carry their zone's offset for the
#: archive's offsets to be believed.
OWN_AGREEMENT = 0.8
#: A correspondent's usual offset (the low median of their stamps) counts from this many messages:
#: one message's own Date offset, written by its sender's client, is evidence.
MIN_PERSON_STAMPS = 1


@dataclass(frozen=True, slots=True)
class ZoneGuess:
    """The member's zone and working hours as inferred from the hours their mail went out.

    ``confidence`` is ``"high"`` (a clear fit that the member's own offsets confirm),
    ``"medium"`` (a clear fit from enough mail) or ``"low"`` (a guess: few messages or an
    unclear fit). ``sent`` is how many of their messages it read; ``basis`` says in words,
    without content, what it rests on."""

    zone: str
    start_hour: int
    end_hour: int
    confidence: str
    sent: int
    basis: str

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.zone)


@dataclass(frozen=True, slots=True)
class OffsetCheck:
    """Whether the archive's UTC offsets can be read as people's zones, and why (in words a
    member can act on, without content or addresses)."""

    credible: bool
    own_agreement: float | None  # share of the member's stamps matching their zone
    varied: bool  # some correspondent's usual offset is not one of the member's own
    reason: str


def _minutes(zone: tzinfo, when: datetime) -> int:
    off = when.astimezone(zone).utcoffset()
    return int(off.total_seconds() // 60) if off is not None else 0


def _fmt_offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h:02d}:{m:02d}"


def _own_sent(view: MemberView) -> list[MessageView]:
    return [m for m in view.messages if m.sender in view.me]


def _log_likelihood(times: Sequence[datetime], zone: tzinfo) -> float:
    total = sum(_HOUR_SHAPE)
    weekday = (1 - _WEEKEND_SHARE) / 5
    weekend = _WEEKEND_SHARE / 2
    out = 0.0
    for t in times:
        local = t.astimezone(zone)
        share = _HOUR_SHAPE[local.hour] / total
        out += math.log(share * (weekday if local.weekday() < 5 else weekend))
    return out


def _mean_offset(zone: tzinfo, times: Sequence[datetime]) -> float:
    return statistics.fmean(_minutes(zone, t) for t in times) / 60


def infer_hours(view: MemberView, zone: tzinfo) -> tuple[int, int] | None:
    """The member's working hours in ``zone`` from when their own mail went out on weekdays,
    or ``None`` with fewer than :data:`MIN_SENT` such messages."""
    return _hours([m.sent_at for m in _own_sent(view)], zone)


def _hours(times: Sequence[datetime], zone: tzinfo) -> tuple[int, int] | None:
    """Working hours from the weekday hours the member's mail went out: the 10th to the 90th
    percentile, widened to whole hours and kept within a plausible day (a start from 6 to 10,
    an end from 7 hours after the start to 21)."""
    hours = sorted(t.astimezone(zone).hour + t.astimezone(zone).minute / 60
                   for t in times if t.astimezone(zone).weekday() < 5)
    if len(hours) < MIN_SENT:
        return None
    lo = hours[int(0.1 * (len(hours) - 1))]
    hi = hours[math.ceil(0.9 * (len(hours) - 1))]
    start = min(10, max(6, math.floor(lo)))
    end = max(start + 7, min(21, math.floor(hi) + 1))
    return start, min(24, end)


def infer_zone(view: MemberView) -> ZoneGuess | None:
    """The member's zone and hours from when their own mail went out, or ``None`` with fewer
    than :data:`MIN_SENT` sent messages.

    Each candidate zone is scored by how likely the member's sending times are under the usual
    shape of an office day in that zone (:data:`_HOUR_SHAPE`, weekends thin). The best wins;
    when the member's own offsets name a candidate within an hour of it (and are credible:
    others' offsets vary, so no export or server restamped everyone), the offsets decide
    between the neighbours (sending times place a zone to about an hour, no better). A fit
    counts as clear when every zone two or more hours away scores clearly worse."""
    sent = _own_sent(view)
    if len(sent) < MIN_SENT:
        return None
    times = [m.sent_at for m in sent]
    zones = {name: ZoneInfo(name) for name in CANDIDATE_ZONES}
    scores = {name: _log_likelihood(times, z) / len(times) for name, z in zones.items()}
    best = max(scores, key=lambda n: scores[n])
    centre = _mean_offset(zones[best], times)
    far = [s for n, s in scores.items() if abs(_mean_offset(zones[n], times) - centre) >= 2]
    clear = not far or scores[best] - max(far) >= CLEAR_MARGIN
    offset_zone = _zone_of_offsets(sent, zones)
    if offset_zone is not None and not offsets_credible(view, zones[offset_zone]).varied:
        offset_zone = None  # everyone carries the member's offset: an export's or server's clock
    stamped = offset_zone is not None and abs(
        _mean_offset(zones[offset_zone], times) - centre) <= 1.01
    if stamped and offset_zone is not None:
        best = offset_zone
    if clear and stamped and offset_zone == best:
        confidence, basis = "high", "the hours your mail went out, and your messages' offsets"
    elif clear and len(sent) >= MEDIUM_SENT:
        confidence, basis = "medium", "the hours your mail went out"
    else:
        confidence, basis = "low", "the hours your mail went out (few or spread out)"
    own = [m for m in sent if m.utc_offset is not None]
    agree = sum(1 for m in own if m.utc_offset == _minutes(zones[best], m.sent_at))
    if own and agree < OWN_AGREEMENT * len(own):
        usual = Counter(m.utc_offset for m in own).most_common(1)[0][0]
        assert usual is not None
        basis += (f"; the offset your messages are stamped with (mostly {_fmt_offset(usual)}) "
                  "disagrees and was not trusted")
    start, end = _hours(times, zones[best]) or (9, 17)
    return ZoneGuess(best, start, end, confidence, len(sent), basis)


def _zone_of_offsets(sent: Sequence[MessageView], zones: dict[str, ZoneInfo]) -> str | None:
    """The candidate zone whose offsets the member's own stamps carry (at least
    :data:`OWN_AGREEMENT` of them, daylight saving included), or ``None``."""
    stamped = [m for m in sent if m.utc_offset is not None]
    if not stamped:
        return None
    best, share = None, 0.0
    for name, z in zones.items():
        hit = sum(1 for m in stamped if m.utc_offset == _minutes(z, m.sent_at)) / len(stamped)
        if hit > share:
            best, share = name, hit
    return best if share >= OWN_AGREEMENT else None


def offsets_credible(view: MemberView, zone: tzinfo) -> OffsetCheck:
    """Whether the offsets stamped on messages can stand for people's zones, given the member's
    zone (declared or inferred).

    Credible when both hold: the member's own stamps carry their zone's offset (at least
    :data:`OWN_AGREEMENT` of them, so an export or server that restamped everything is caught),
    and offsets vary across people (some correspondent's usual offset, over at least
    :data:`MIN_PERSON_STAMPS` messages, is one the member's own stamps never carry;
    when everyone carries one offset, it says where the clock that stamped them was, not where
    each person is)."""
    own = [m for m in _own_sent(view) if m.utc_offset is not None]
    agreement = (sum(1 for m in own if m.utc_offset == _minutes(zone, m.sent_at)) / len(own)
                 if own else None)
    # offsets the member's own clock shows over the year (both sides of daylight saving)
    mine = {m.utc_offset for m in own} or {_minutes(zone, m.sent_at) for m in view.messages}
    theirs: dict[str, list[int]] = {}
    for m in view.messages:
        if m.utc_offset is not None and m.sender not in view.me:
            theirs.setdefault(m.sender, []).append(m.utc_offset)
    varied = any(len(o) >= MIN_PERSON_STAMPS and statistics.median_low(o) not in mine
                 for o in theirs.values())
    if agreement is None:
        return OffsetCheck(False, None, varied, "none of your own messages carries an offset")
    if agreement < OWN_AGREEMENT:
        usual = Counter(m.utc_offset for m in own).most_common(1)[0][0]
        assert usual is not None
        return OffsetCheck(False, agreement, varied,
                           f"your own messages are stamped {_fmt_offset(usual)}, not your "
                           "zone's offset: the stamps are an export's or a server's clock")
    if not varied:
        return OffsetCheck(False, agreement, varied,
                           "everyone's messages carry your zone's offset: the stamps cannot "
                           "tell where anyone else is")
    return OffsetCheck(True, agreement, varied,
                       "your own stamps match your zone and others' offsets vary")

