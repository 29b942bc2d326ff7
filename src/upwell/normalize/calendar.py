"""Calendar: one iCalendar raw item (one UID) becomes one :class:`~upwell.model.Event` per
occurrence.

Reads: ``RawItem(kind="ics")`` bytes as :mod:`upwell.sources.ics` makes them (a small VCALENDAR
holding one UID's master VEVENT, its RECURRENCE-ID overrides and their VTIMEZONEs). Writes:
Events with aware UTC start/end, the source's UTC offset and TZID, attendees and responses.

Recurrences are expanded with ``recurring_ical_events`` over a bounded window: the series' last two
years up to ``now + 1 year`` (or, for a series that ended before that, its first two years), at
most :data:`MAX_OCCURRENCES` occurrences and :data:`TIME_BUDGET_S` seconds per item; hitting either
limit adds the note ``recurrence_truncated``. EXDATEs remove occurrences; STATUS:CANCELLED (series,
occurrence) or METHOD:CANCEL marks them ``cancelled``. Floating times and unknown TZIDs are read as
UTC with the notes ``floating_time`` / ``unknown_tzid``. A single event outside the plausible range
raises ``BadItem("date_out_of_range")``; a recurring one drops such occurrences (and raises the
same if none is left). Anything icalendar or the expansion throws becomes
``BadItem("malformed_event")``.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import FrameType

import recurring_ical_events

# X-WR-TIMEZONE (Google exports) as real time zones; no py.typed, comes with recurring-ical-events.
import x_wr_timezone
from icalendar import Calendar, Component, vDDDTypes, vRecur

from upwell.errors import BadItem
from upwell.model import Address, Attendee, Event, RawItem, Response
from upwell.normalize.address import make_address
from upwell.normalize.time import check_instant, offset_minutes

__all__ = ["MAX_OCCURRENCES", "RECURRENCE_SPAN", "TIME_BUDGET_S", "from_ics"]

#: Most occurrences expanded from one UID.
MAX_OCCURRENCES = 2_000
#: Wall-clock budget for expanding one item's recurrences, in seconds.
TIME_BUDGET_S = 2.0
#: How far past its first start a series is expanded (also capped at now + 1 year).
RECURRENCE_SPAN = timedelta(days=2 * 366)

_PLAIN_RULE_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY"})
_MIN_STEP = timedelta(minutes=15)
_MAX_STEP = timedelta(days=31)
_RESPONSES: dict[str, Response] = {
    "ACCEPTED": "accepted",
    "DECLINED": "declined",
    "TENTATIVE": "tentative",
    "NEEDS-ACTION": "needs-action",
    "DELEGATED": "delegated",
}
_ROLES = {
    "REQ-PARTICIPANT": "required",
    "OPT-PARTICIPANT": "optional",
    "CHAIR": "chair",
    "NON-PARTICIPANT": "non-participant",
}


@dataclass(frozen=True, slots=True)
class _Zone:
    """How a source component's DTSTART was written: its TZID and a note if read as UTC."""

    tzid: str | None
    note: str | None


def from_ics(raw: RawItem, *, now: datetime | None = None) -> Iterator[Event]:
    """Every occurrence of the one UID in ``raw`` as an Event (see the module docstring)."""
    if not isinstance(raw.data, bytes):
        raise BadItem("malformed_event")
    now = now or datetime.now(UTC)
    try:
        # icalendar and recurring_ical_events may warn on hostile input; tests turn warnings
        # into errors, and a bad item must only ever be a BadItem. catch_warnings is
        # process-global, which is fine for our one-thread-per-item workers.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            events = _events(raw, raw.data, now)
    except BadItem:
        raise
    except Exception:  # any failure inside the parsers is this item's problem only
        raise BadItem("malformed_event") from None
    return iter(events)


def _events(raw: RawItem, data: bytes, now: datetime) -> list[Event]:
    cal, cal_notes = _standard(Calendar.from_ical(data))
    parts = [c for c in cal.subcomponents if c.name == "VEVENT"]
    if not parts:
        raise BadItem("malformed_event")
    masters = [c for c in parts if "RECURRENCE-ID" not in c]
    master = max(masters, key=lambda c: int(c.get("SEQUENCE", 0))) if masters else None
    series_cancelled = str(cal.get("METHOD", "")).upper() == "CANCEL" or (
        master is not None and _cancelled(master)
    )
    recurring = len(masters) != len(parts) or (
        master is not None and ("RRULE" in master or "RDATE" in master)
    )
    if not recurring:
        assert master is not None  # every part is a master when none is an override
        return [
            _event(
                raw,
                master,
                zone=_zone(master),
                cancelled=series_cancelled,
                now=now,
                notes=cal_notes,
            )
        ]

    zones = {_recurrence_key(c): _zone(c) for c in parts if "RECURRENCE-ID" in c}
    default = _zone(master) if master is not None else _Zone(None, None)
    first = min(_utc(_when(c, "DTSTART")) for c in parts)
    latest = now + timedelta(days=366)
    if first > latest:  # the whole series lies beyond the plausible future
        raise BadItem("date_out_of_range")
    # The most recent span of the series up to a year ahead (a weekly 1:1 since 2019 shows its
    # current cadence); a series that ended before that window shows its first span instead.
    start = max(first, latest - RECURRENCE_SPAN)
    deadline = time.monotonic() + TIME_BUDGET_S
    guard = _needs_guard(parts)
    occurrences, truncated = _expand(cal, start, latest, deadline, guard=guard)
    if not occurrences and not truncated and start > first:
        stop = min(first + RECURRENCE_SPAN, latest)
        occurrences, truncated = _expand(cal, first, stop, deadline, guard=guard)
    if truncated and not occurrences:
        raise BadItem("recurrence_truncated")
    notes = (*cal_notes, "recurrence_truncated") if truncated else cal_notes
    out: list[Event] = []
    dropped = False
    for occ in occurrences:
        key = _recurrence_key(occ)
        zone = zones.get(key, default)
        try:
            out.append(
                _event(
                    raw,
                    occ,
                    zone=zone,
                    cancelled=series_cancelled,
                    now=now,
                    recurrence_id=key,
                    notes=notes,
                )
            )
        except BadItem as exc:
            if exc.reason != "date_out_of_range":
                raise
            dropped = True
    if not out and dropped:
        raise BadItem("date_out_of_range")
    return out


def _standard(cal: Calendar) -> tuple[Calendar, tuple[str, ...]]:
    """``cal`` with X-WR-TIMEZONE applied to its UTC and floating times (as Google means it).

    An unknown X-WR-TIMEZONE is dropped with the note ``unknown_tzid``.
    """
    if "X-WR-TIMEZONE" not in cal:
        return cal, ()
    try:
        standard: Calendar = x_wr_timezone.to_standard(cal)
    except Exception:  # ZoneInfoNotFoundError and friends: times stay as written
        del cal["X-WR-TIMEZONE"]
        return cal, ("unknown_tzid",)
    standard.pop("X-WR-TIMEZONE", None)  # applied: recurring_ical_events must not apply it again
    return standard, ()


class _OutOfTime(BaseException):
    """Raised inside the expansion when its time budget is spent (a BaseException, so that no
    ``except Exception`` in a library swallows it)."""


@contextmanager
def _time_limit(deadline: float) -> Iterator[None]:
    """Abort the code inside once ``time.monotonic()`` passes ``deadline``.

    dateutil's rrule loop can spin without yielding: ``FREQ=SECONDLY;BYSETPOS=2`` never produces
    a candidate and would run for ages inside a single call, so checking the clock between calls
    is not enough. A profile hook (per thread, called on every function call) raises
    :class:`_OutOfTime` instead. If a profiler is already installed we leave it alone and rely on
    the checks between steps.
    """
    if sys.getprofile() is not None:
        yield
        return

    def guard(_frame: FrameType, _event: str, _arg: object) -> None:
        if time.monotonic() > deadline:
            raise _OutOfTime

    sys.setprofile(guard)
    try:
        yield
    finally:
        sys.setprofile(None)


def _needs_guard(parts: list[Component]) -> bool:
    """Whether a rule might make dateutil search long without yielding (see :func:`_time_limit`).

    A rule of only FREQ, INTERVAL, COUNT, UNTIL, WKST and BYDAY has a candidate in every period
    (plain weekdays; ``1..4``/``-1..-4`` ordinals in a month; BYDAY with a day-or-shorter period
    only at INTERVAL=1), so dateutil always yields soon. That covers most real series and spares
    them the hook's cost (about twice the expansion time); everything else runs guarded.
    """
    for comp in parts:
        rules = comp.get("RRULE", [])
        for rule in rules if isinstance(rules, list) else [rules]:
            if not isinstance(rule, vRecur) or not set(rule) <= _PLAIN_RULE_PARTS:
                return True
            freq = str(rule.get("FREQ", [""])[0])
            stepped = rule.get("INTERVAL", [1])[0] != 1
            for day in rule.get("BYDAY", []):
                ordinal = str(day)[:-2]
                if stepped and freq not in ("WEEKLY", "MONTHLY", "YEARLY"):
                    return True
                if ordinal and not (
                    freq == "MONTHLY" and ordinal.lstrip("+-") in {"1", "2", "3", "4"}
                ):
                    return True
    return False


def _expand(
    cal: Calendar, start: datetime, stop: datetime, deadline: float, *, guard: bool
) -> tuple[list[Component], bool]:
    """Occurrences between ``start`` and ``stop`` in order, and whether a limit cut them short.

    The window is walked in adaptive steps (narrow while occurrences are dense, wider while
    sparse) so that an endless FREQ=SECONDLY rule never asks for more than a few thousand at once;
    with ``guard``, :func:`_time_limit` enforces the time budget even inside one step.
    """
    out: list[Component] = []
    try:
        with _time_limit(deadline) if guard else nullcontext():
            truncated = _walk(cal, start, stop, deadline, out)
    except _OutOfTime:
        truncated = True
    return out, truncated


def _walk(
    cal: Calendar, start: datetime, stop: datetime, deadline: float, out: list[Component]
) -> bool:
    """Append occurrences to ``out`` step by step; True if a limit stopped the walk."""
    query = recurring_ical_events.of(cal)
    seen: set[str] = set()
    step = _MIN_STEP
    cursor = start
    while True:
        if time.monotonic() > deadline:
            return True
        chunk_end = min(cursor + step, stop)
        found = query.between(cursor, chunk_end)
        found.sort(key=lambda c: _utc(_when(c, "DTSTART")))
        for occ in found:
            key = _recurrence_key(occ)
            if key not in seen:
                seen.add(key)
                out.append(occ)
                if len(out) >= MAX_OCCURRENCES:
                    return True
        if len(found) > 64:
            step = max(step / 2, _MIN_STEP)
        elif len(found) < 8:
            step = min(step * 2, _MAX_STEP)
        if chunk_end >= stop:
            return False
        cursor = chunk_end


def _event(
    raw: RawItem,
    comp: Component,
    *,
    zone: _Zone,
    cancelled: bool,
    now: datetime,
    recurrence_id: str | None = None,
    notes: tuple[str, ...] = (),
) -> Event:
    """One Event from one (occurrence) component; raises BadItem on bad dates."""
    remarks = set(notes)
    raw_start = _when(comp, "DTSTART")
    all_day = not isinstance(raw_start, datetime)
    start = check_instant(_utc(raw_start), now=now)
    if "DTEND" in comp:
        end = _utc(_when(comp, "DTEND"))
    elif "DURATION" in comp:
        duration = _when(comp, "DURATION")
        if not isinstance(duration, timedelta):
            raise BadItem("malformed_event")
        end = start + duration
    else:
        end = start + (timedelta(days=1) if all_day else timedelta(0))
    if end < start:
        end = start
        remarks.add("end_before_start")
    check_instant(end, now=now)
    offset = offset_minutes(raw_start) if isinstance(raw_start, datetime) else None
    if isinstance(raw_start, datetime) and offset is None:
        remarks.add(zone.note or "floating_time")
    organizer = _address(comp.get("ORGANIZER"))
    return Event(
        source=raw.source,
        source_item_id=f"{raw.item_id}@{recurrence_id or 'single'}",
        uid=str(comp.get("UID", "")),
        title=_text(comp, "SUMMARY"),
        start=start,
        end=end,
        utc_offset_minutes=offset,
        timezone=zone.tzid if offset is not None else None,
        all_day=all_day,
        cancelled=cancelled or _cancelled(comp),
        recurring=recurrence_id is not None,
        recurrence_id=recurrence_id,
        organizer=organizer,
        attendees=_attendees(comp),
        location=_text(comp, "LOCATION"),
        notes=tuple(sorted(remarks)),
    )


def _when(comp: Component, name: str) -> object:
    """The value of a date, date-time or duration property; BadItem if absent or another type."""
    prop = comp.get(name)
    if not isinstance(prop, vDDDTypes):
        raise BadItem("malformed_event")
    return prop.dt


def _utc(value: object) -> datetime:
    """A DATE or DATE-TIME value as aware UTC; floating and unknown-zone times are read as UTC."""
    if isinstance(value, datetime):
        try:
            if value.tzinfo is None or value.utcoffset() is None:
                return value.replace(tzinfo=UTC)
            return value.astimezone(UTC)
        except OverflowError:
            raise BadItem("date_out_of_range") from None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise BadItem("malformed_event")  # a PERIOD, TIME or DURATION where a date belongs


def _zone(comp: Component) -> _Zone:
    """The TZID of ``comp``'s DTSTART and, if it was read as UTC, why."""
    tzid = comp["DTSTART"].params.get("TZID")
    value = _when(comp, "DTSTART")
    if isinstance(value, datetime) and value.utcoffset() is None:
        return _Zone(None, "unknown_tzid" if tzid else "floating_time")
    return _Zone(str(tzid) if tzid else None, None)


def _recurrence_key(comp: Component) -> str:
    """The occurrence's original start (RECURRENCE-ID, else DTSTART) as ISO 8601 UTC."""
    name = "RECURRENCE-ID" if "RECURRENCE-ID" in comp else "DTSTART"
    return _utc(_when(comp, name)).isoformat()


def _cancelled(comp: Component) -> bool:
    return str(comp.get("STATUS", "")).upper() == "CANCELLED"


def _text(comp: Component, name: str) -> str:
    """A text property as str (the first one when repeated), or ``""``."""
    value = comp.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value)


def _address(prop: object) -> Address | None:
    """An ORGANIZER/ATTENDEE value (``mailto:`` URI with a CN parameter) as an Address."""
    if prop is None or isinstance(prop, list):
        return None
    value = str(prop).strip()
    if value[:7].lower() == "mailto:":
        value = value[7:]
    params = getattr(prop, "params", {})
    return make_address(value, str(params.get("CN", "")))


def _role(value: str) -> str:
    """ROLE as a word; RFC 5545 treats absent and unknown roles as a required participant."""
    return _ROLES.get(value.upper(), "required")


def _attendees(comp: Component) -> tuple[Attendee, ...]:
    props = comp.get("ATTENDEE", [])
    out: dict[str, Attendee] = {}
    for prop in props if isinstance(props, list) else [props]:
        address = _address(prop)
        if address is None or address.handle in out:
            continue
        params = getattr(prop, "params", {})
        out[address.handle] = Attendee(
            address=address,
            response=_RESPONSES.get(str(params.get("PARTSTAT", "")).upper(), "unknown"),
            role=_role(str(params.get("ROLE", ""))),
        )
    return tuple(out.values())
