"""The .ics reader (sources/ics.py) and the calendar normalizer (normalize/calendar.py).

Every calendar here is hand-written with synthetic people at example.org.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from upwell.errors import BadItem
from upwell.model import Event, RawItem, Skipped
from upwell.normalize import calendar, to_records
from upwell.normalize.calendar import MAX_OCCURRENCES, from_ics
from upwell.sources import detect
from upwell.sources import ics as ics_source
from upwell.sources.ics import read_ics, read_ics_bytes

NOW = datetime(2025, 6, 1, tzinfo=UTC)

BERLIN_TZ = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def cal(*parts: str, method: str = "") -> bytes:
    """A VCALENDAR around ``parts``, with CRLF line endings as RFC 5545 wants."""
    head = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Example Corp//Test//EN\n"
    if method:
        head += f"METHOD:{method}\n"
    text = head + "".join(parts) + "END:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode()


def vevent(*lines: str) -> str:
    return "BEGIN:VEVENT\n" + "".join(line + "\n" for line in lines) + "END:VEVENT\n"


def split(data: bytes, origin: str = "test.ics") -> tuple[list[RawItem], list[Skipped]]:
    items: list[RawItem] = []
    skipped: list[Skipped] = []
    for out in read_ics_bytes(data, origin):
        if isinstance(out, RawItem):
            items.append(out)
        else:
            skipped.append(out)
    return items, skipped


def events(data: bytes) -> list[Event]:
    """All events of all items in ``data`` (failing on any skip or bad item)."""
    items, skipped = split(data)
    assert skipped == []
    return [ev for item in items for ev in from_ics(item, now=NOW)]


def by_start(evs: Iterable[Event]) -> list[Event]:
    return sorted(evs, key=lambda e: e.start)


# --- normalizer -------------------------------------------------------------------------------


def test_weekly_meeting_in_berlin_keeps_local_time_across_dst_change() -> None:
    data = cal(
        BERLIN_TZ,
        vevent(
            "UID:weekly-1@example.org",
            "SUMMARY:Team sync",
            "DTSTART;TZID=Europe/Berlin:20241014T100000",
            "DTEND;TZID=Europe/Berlin:20241014T110000",
            "RRULE:FREQ=WEEKLY;COUNT=4",
        ),
    )
    items, _ = split(data)
    assert len(items) == 1
    assert b"BEGIN:VTIMEZONE" in items[0].data  # type: ignore[operator]
    evs = by_start(from_ics(items[0], now=NOW))
    assert [e.start for e in evs] == [
        datetime(2024, 10, 14, 8, tzinfo=UTC),
        datetime(2024, 10, 21, 8, tzinfo=UTC),
        datetime(2024, 10, 28, 9, tzinfo=UTC),  # CET from 27 October: UTC start shifts
        datetime(2024, 11, 4, 9, tzinfo=UTC),
    ]
    assert [e.utc_offset_minutes for e in evs] == [120, 120, 60, 60]
    assert all(e.end - e.start == timedelta(hours=1) for e in evs)
    assert all(e.timezone == "Europe/Berlin" and e.recurring for e in evs)
    assert evs[2].recurrence_id == "2024-10-28T09:00:00+00:00"
    assert evs[2].source_item_id == "test.ics#weekly-1@example.org@2024-10-28T09:00:00+00:00"
    assert {e.uid for e in evs} == {"weekly-1@example.org"}
    assert evs[0].title == "Team sync"
    assert all(e.start.tzinfo is UTC and e.notes == () for e in evs)


def test_single_event_with_tzid_and_duration() -> None:
    (ev,) = events(
        cal(
            vevent(
                "UID:one@example.org",
                "DTSTART;TZID=America/New_York:20241104T090000",
                "DURATION:PT30M",
                "LOCATION:Room 4",
            )
        )
    )
    assert ev.start == datetime(2024, 11, 4, 14, tzinfo=UTC)
    assert ev.end == datetime(2024, 11, 4, 14, 30, tzinfo=UTC)
    assert (ev.utc_offset_minutes, ev.timezone) == (-300, "America/New_York")
    assert (ev.recurring, ev.recurrence_id, ev.location) == (False, None, "Room 4")
    assert ev.source_item_id == "test.ics#one@example.org@single"


def test_all_day_events_start_and_end_at_utc_midnight() -> None:
    one, three = by_start(
        events(
            cal(
                vevent("UID:a@example.org", "DTSTART;VALUE=DATE:20241024"),
                vevent(
                    "UID:b@example.org",
                    "DTSTART;VALUE=DATE:20241028",
                    "DTEND;VALUE=DATE:20241031",
                ),
            )
        )
    )
    assert one.all_day
    assert three.all_day
    assert (one.start, one.end) == (
        datetime(2024, 10, 24, tzinfo=UTC),
        datetime(2024, 10, 25, tzinfo=UTC),
    )
    assert three.end - three.start == timedelta(days=3)
    assert one.utc_offset_minutes is None
    assert one.timezone is None


def test_weekly_series_with_exdate_moved_and_cancelled_occurrences() -> None:
    data = cal(
        vevent(
            "UID:series@example.org",
            "SUMMARY:1:1",
            "DTSTART:20240902T090000Z",
            "DTEND:20240902T093000Z",
            "RRULE:FREQ=WEEKLY;COUNT=6",
            "EXDATE:20240909T090000Z",
        ),
        vevent(
            "UID:series@example.org",
            "RECURRENCE-ID:20240916T090000Z",
            "SUMMARY:1:1 (moved)",
            "DTSTART:20240917T140000Z",
            "DTEND:20240917T143000Z",
        ),
        vevent(
            "UID:series@example.org",
            "RECURRENCE-ID:20240923T090000Z",
            "STATUS:CANCELLED",
            "DTSTART:20240923T090000Z",
            "DTEND:20240923T093000Z",
        ),
    )
    items, _ = split(data)
    assert len(items) == 1  # master and overrides travel together
    evs = by_start(from_ics(items[0], now=NOW))
    assert [e.start.date() for e in evs] == [
        date(2024, 9, 2),
        date(2024, 9, 17),
        date(2024, 9, 23),
        date(2024, 9, 30),
        date(2024, 10, 7),
    ]
    moved = evs[1]
    assert moved.start == datetime(2024, 9, 17, 14, tzinfo=UTC)
    assert moved.recurrence_id == "2024-09-16T09:00:00+00:00"
    assert moved.title == "1:1 (moved)"
    assert [e.cancelled for e in evs] == [False, False, True, False, False]
    assert len({e.source_item_id for e in evs}) == 5


def test_cancelled_series_and_method_cancel() -> None:
    (ev,) = events(cal(vevent("UID:c@example.org", "DTSTART:20240902T090000Z", "STATUS:CANCELLED")))
    assert ev.cancelled
    (ev,) = events(cal(vevent("UID:d@example.org", "DTSTART:20240902T090000Z"), method="CANCEL"))
    assert ev.cancelled


def test_organizer_and_attendee_responses() -> None:
    (ev,) = events(
        cal(
            vevent(
                "UID:att@example.org",
                "DTSTART:20240902T090000Z",
                'ORGANIZER;CN="Ada Example":MAILTO:Ada@Example.org',
                "ATTENDEE;CN=Ben Example;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:"
                "mailto:ben@example.org",
                "ATTENDEE;CN=Cy Example;PARTSTAT=DECLINED;ROLE=OPT-PARTICIPANT:"
                "mailto:cy@example.org",
                "ATTENDEE;PARTSTAT=TENTATIVE:mailto:dee@example.org",
                "ATTENDEE;PARTSTAT=NEEDS-ACTION;ROLE=CHAIR:mailto:eve@example.org",
                "ATTENDEE;PARTSTAT=DELEGATED:mailto:fay@example.org",
                "ATTENDEE:mailto:gus@example.org",
                "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ben@example.org",
            )
        )
    )
    assert ev.organizer is not None
    assert (ev.organizer.handle, ev.organizer.name) == ("ada@example.org", "Ada Example")
    got = [(a.address.handle, a.response, a.role) for a in ev.attendees]
    assert got == [
        ("ben@example.org", "accepted", "required"),
        ("cy@example.org", "declined", "optional"),
        ("dee@example.org", "tentative", "required"),
        ("eve@example.org", "needs-action", "chair"),
        ("fay@example.org", "delegated", "required"),
        ("gus@example.org", "unknown", "required"),
    ]
    assert ev.attendees[0].address.name == "Ben Example"


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY",
        "FREQ=MINUTELY",
        "FREQ=SECONDLY;COUNT=999999999",
        "FREQ=SECONDLY;BYHOUR=3;BYMINUTE=7",
        "FREQ=DAILY;INTERVAL=1000000",
    ],
)
def test_endless_rules_finish_with_a_bounded_count(rule: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # The count bound is under test here, not the time budget: give the budget room so a slow
    # or loaded machine cannot turn this into the time-budget path (tested below).
    monkeypatch.setattr(calendar, "TIME_BUDGET_S", 120.0)
    evs = events(
        cal(vevent("UID:endless@example.org", "DTSTART:20240902T090000Z", f"RRULE:{rule}"))
    )
    assert 1 <= len(evs) <= MAX_OCCURRENCES
    if len(evs) == MAX_OCCURRENCES:
        assert all("recurrence_truncated" in e.notes for e in evs)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY;BYSETPOS=2",  # dateutil never yields and never returns by itself
        "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30",  # scans day by day up to year 9999
    ],
)
def test_rules_that_never_match_stop_at_the_time_budget(
    rule: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calendar, "TIME_BUDGET_S", 0.2)
    (item,) = split(cal(vevent("UID:n@example.org", "DTSTART:20240902T090000Z", f"RRULE:{rule}")))[
        0
    ]
    started = time.monotonic()
    with pytest.raises(BadItem, match="recurrence_truncated"):
        from_ics(item, now=NOW)
    assert time.monotonic() - started < 60  # generous: the point is that it returns at all


def test_endless_secondly_rule_is_truncated_with_note(monkeypatch: pytest.MonkeyPatch) -> None:
    # The occurrence cap is under test, not the wall-clock budget (a busy machine can spend
    # more than 2 s on 2,000 occurrences; test_time_budget_stops_expansion covers the budget).
    monkeypatch.setattr(calendar, "TIME_BUDGET_S", 120.0)
    evs = events(
        cal(vevent("UID:s@example.org", "DTSTART:20240902T090000Z", "RRULE:FREQ=SECONDLY"))
    )
    assert len(evs) == MAX_OCCURRENCES
    assert evs[-1].start == datetime(2024, 9, 2, 9, tzinfo=UTC) + timedelta(seconds=1999)
    assert all("recurrence_truncated" in e.notes for e in evs)


@pytest.mark.parametrize(
    ("rule", "guarded"),
    [
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20250101T000000Z;WKST=SU", False),
        ("FREQ=MONTHLY;BYDAY=2TU", False),
        ("FREQ=MONTHLY;BYDAY=-1FR", False),
        ("FREQ=SECONDLY", False),
        ("FREQ=DAILY;BYDAY=MO", False),
        ("FREQ=DAILY;INTERVAL=7;BYDAY=TU", True),  # may never land on a Tuesday
        ("FREQ=MONTHLY;BYDAY=5SU", True),
        ("FREQ=YEARLY;BYDAY=20MO", True),
        ("FREQ=MONTHLY;BYMONTHDAY=31", True),
        ("FREQ=SECONDLY;BYSETPOS=2", True),
    ],
)
def test_only_rules_that_always_yield_skip_the_guard(rule: str, guarded: bool) -> None:
    text = cal(vevent("UID:g@example.org", "DTSTART:20240902T090000Z", f"RRULE:{rule}"))
    parts = [c for c in icalendar.Calendar.from_ical(text).subcomponents if c.name == "VEVENT"]
    assert calendar._needs_guard(parts) is guarded


def test_time_budget_stops_expansion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar, "TIME_BUDGET_S", -1.0)
    (item,) = split(
        cal(vevent("UID:t@example.org", "DTSTART:20240902T090000Z", "RRULE:FREQ=DAILY"))
    )[0]
    with pytest.raises(BadItem, match="recurrence_truncated"):
        from_ics(item, now=NOW)


def test_endless_weekly_rule_stops_at_the_window() -> None:
    evs = events(cal(vevent("UID:w@example.org", "DTSTART:20240902T090000Z", "RRULE:FREQ=WEEKLY")))
    assert max(e.start for e in evs) <= NOW + timedelta(days=366)
    assert 52 < len(evs) < 110
    assert all("recurrence_truncated" not in e.notes for e in evs)


def test_out_of_range_dates() -> None:
    (item,) = split(cal(vevent("UID:far@example.org", "DTSTART:99991231T090000Z")))[0]
    with pytest.raises(BadItem) as caught:
        list(from_ics(item, now=NOW))
    assert caught.value.reason == "date_out_of_range"
    (item,) = split(cal(vevent("UID:old@example.org", "DTSTART:19700101T090000Z")))[0]
    with pytest.raises(BadItem, match="date_out_of_range"):
        from_ics(item, now=NOW)
    # A still-running series from before 1980 shows its recent window, nothing before 1980.
    recent = events(
        cal(vevent("UID:y@example.org", "DTSTART;VALUE=DATE:19780601", "RRULE:FREQ=YEARLY"))
    )
    assert 2 <= len(recent) <= 4
    assert all(e.start.month == 6 and e.start.day == 1 for e in recent)
    assert recent[0].start.year >= NOW.year - 2
    # A series that ended long ago shows its first span, dropping what lies before 1980.
    (old, *_rest) = events(
        cal(vevent("UID:w@example.org", "DTSTART;VALUE=DATE:19780601",
                   "RRULE:FREQ=YEARLY;UNTIL=19830601"))
    )
    assert old.start == datetime(1980, 6, 1, tzinfo=UTC)
    (item,) = split(
        cal(vevent("UID:z@example.org", "DTSTART:99990101T000000Z", "RRULE:FREQ=DAILY"))
    )[0]
    with pytest.raises(BadItem, match="date_out_of_range"):
        from_ics(item, now=NOW)


def test_floating_and_unknown_zones_read_as_utc_with_notes() -> None:
    floating, unknown = by_start(
        events(
            cal(
                vevent("UID:f@example.org", "DTSTART:20240902T090000"),
                vevent("UID:u@example.org", "DTSTART;TZID=Mars/Olympus:20240903T090000"),
            )
        )
    )
    assert floating.start == datetime(2024, 9, 2, 9, tzinfo=UTC)
    assert floating.notes == ("floating_time",)
    assert unknown.start == datetime(2024, 9, 3, 9, tzinfo=UTC)
    assert unknown.notes == ("unknown_tzid",)
    assert unknown.timezone is None
    assert unknown.utc_offset_minutes is None


def test_google_x_wr_timezone_gives_local_offsets() -> None:
    header = "X-WR-TIMEZONE:Europe/Berlin\nX-WR-CALNAME:Ada Example\n"
    data = cal(
        header,
        vevent("UID:g1@example.org", "DTSTART:20240902T090000Z", "DTEND:20240902T100000Z"),
        vevent("UID:g2@example.org", "DTSTART:20240903T090000", "RRULE:FREQ=DAILY;COUNT=2"),
    )
    items, _ = split(data)
    assert all(b"X-WR-CALNAME" not in i.data for i in items)  # type: ignore[operator]
    utc, floating, floating_next = by_start(e for i in items for e in from_ics(i, now=NOW))
    assert utc.start == datetime(2024, 9, 2, 9, tzinfo=UTC)
    assert (utc.utc_offset_minutes, utc.timezone) == (120, "Europe/Berlin")
    assert floating.start == datetime(2024, 9, 3, 7, tzinfo=UTC)  # 09:00 in Berlin
    assert floating_next.notes == ()
    (bogus,) = events(
        cal("X-WR-TIMEZONE:Nowhere/Land\n", vevent("UID:b@example.org", "DTSTART:20240902T090000Z"))
    )
    assert bogus.start == datetime(2024, 9, 2, 9, tzinfo=UTC)
    assert bogus.notes == ("unknown_tzid",)


def test_broken_events_do_not_sink_good_ones() -> None:
    data = cal(
        vevent("UID:good-1@example.org", "DTSTART:20240902T090000Z"),
        vevent("UID:bad-date@example.org", "DTSTART:garbage"),
        vevent("UID:bad-rule@example.org", "DTSTART:20240902T090000Z", "RRULE:FREQ=NEVER"),
        vevent("UID:no-start@example.org", "SUMMARY:nothing"),
        "BEGIN:VEVENT\nUID:unclosed@example.org\nDTSTART:20240902T090000Z\n",  # no END:VEVENT
        vevent("UID:good-2@example.org", "DTSTART:20240903T090000Z"),
    )
    items, skipped = split(data)
    assert skipped == [Skipped("malformed_event")]
    good: list[str] = []
    bad: list[str] = []
    for item in items:
        try:
            good.extend(e.uid for e in from_ics(item, now=NOW))
        except BadItem as exc:
            bad.append(str(exc))
    assert good == ["good-1@example.org", "good-2@example.org"]
    assert bad == ["E100 item skipped: malformed_event"] * 3  # no content, no address


def test_truncated_file_keeps_complete_events() -> None:
    data = cal(vevent("UID:kept@example.org", "DTSTART:20240902T090000Z"))
    assert data.endswith(b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    items, skipped = split(data[:-15] + b"BEGIN:VEVENT\r\nUID:cut")
    assert [i.item_id for i in items] == ["test.ics#kept@example.org"]
    assert skipped == [Skipped("malformed_event")]


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, world\n", b"\x00\xff\xfe\x89PNG\r\n", b"BEGIN:VCARD\r\nEND:VCARD\r\n"],
)
def test_not_icalendar_is_one_skip(data: bytes) -> None:
    assert list(read_ics_bytes(data, "x.ics")) == [Skipped("malformed_ics")]


def test_utf16_and_bom_files_are_read() -> None:
    text = cal(vevent("UID:u16@example.org", "SUMMARY:Café", "DTSTART:20240902T090000Z"))
    for data in (text.decode().encode("utf-16"), b"\xef\xbb\xbf" + text):
        (ev,) = events(data)
        assert ev.title == "Café"
    assert list(read_ics_bytes(b"\xff\xfe\x00", "odd.ics")) == [Skipped("malformed_ics")]


def test_todo_and_journal_are_not_events() -> None:
    data = cal(
        "BEGIN:VTODO\nUID:todo@example.org\nSUMMARY:file report\nEND:VTODO\n",
        "BEGIN:VJOURNAL\nUID:j@example.org\nEND:VJOURNAL\n",
        vevent("UID:e@example.org", "DTSTART:20240902T090000Z"),
    )
    items, skipped = split(data)
    assert skipped == [Skipped("not_an_event"), Skipped("not_an_event")]
    assert [i.item_id for i in items] == ["test.ics#e@example.org"]


def test_missing_uid_gets_a_stable_synthetic_one() -> None:
    data = cal(vevent("SUMMARY:Standup", "DTSTART:20240902T090000Z"))
    first, _ = split(data)
    again, _ = split(data)
    assert first[0].item_id == again[0].item_id
    assert first[0].item_id.startswith("test.ics#upwell-nouid-")
    (ev,) = from_ics(first[0], now=NOW)
    assert first[0].item_id.endswith(ev.uid)


def test_item_too_large(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = cal(vevent("UID:big@example.org", "DTSTART:20240902T090000Z"))
    monkeypatch.setattr(ics_source, "MAX_ITEM_BYTES", len(data) - 1)
    assert list(read_ics_bytes(data, "big.ics")) == [Skipped("item_too_large")]
    (tmp_path / "big.ics").write_bytes(data)
    assert list(read_ics(tmp_path / "big.ics")) == [Skipped("item_too_large")]


def test_folder_of_ics_files_is_read_recursively(tmp_path: Path) -> None:
    (tmp_path / "work" / "old").mkdir(parents=True)
    (tmp_path / "a.ics").write_bytes(cal(vevent("UID:a@example.org", "DTSTART:20240902T090000Z")))
    (tmp_path / "work" / "old" / "B.ICS").write_bytes(
        cal(vevent("UID:b@example.org", "DTSTART:20240903T090000Z"))
    )
    (tmp_path / "work" / "notes.txt").write_text("not a calendar")
    assert detect(tmp_path).id == "ics"
    assert detect(tmp_path / "a.ics").id == "ics"
    out = list(read_ics(tmp_path))
    assert [o.item_id for o in out if isinstance(o, RawItem)] == [
        "a.ics#a@example.org",
        "work/old/B.ICS#b@example.org",
    ]
    assert all(
        o.context == {} for o in out if isinstance(o, RawItem)
    )
    records = [r for o in out if isinstance(o, RawItem) for r in to_records(o)]
    assert len(records) == 2


# --- hostile input, property-based --------------------------------------------------------------

_LINES = st.sampled_from(
    [
        "BEGIN:VEVENT",
        "END:VEVENT",
        "BEGIN:VALARM",
        "END:VALARM",
        "BEGIN:VTIMEZONE",
        "END:VTIMEZONE",
        "BEGIN:VCALENDAR",
        "END:VCALENDAR",
        "UID:x@example.org",
        "DTSTART:20240902T090000Z",
        "DTSTART;VALUE=DATE:20240902",
        "DTSTART;TZID=Europe/Berlin:20240902T090000",
        "DTSTART;TZID=Nowhere:20240902T090000",
        "DTSTART:99991231T235959Z",
        "DTEND:20240901T090000Z",
        "DURATION:P1D",
        "DURATION:garbage",
        "RRULE:FREQ=SECONDLY",
        "RRULE:FREQ=DAILY;COUNT=3",
        "RRULE:FREQ=WEEKLY;UNTIL=20241001",
        "RRULE:FREQ=;;",
        "RDATE:20240905T090000Z",
        "EXDATE:20240903T090000Z",
        "RECURRENCE-ID:20240903T090000Z",
        "RECURRENCE-ID;VALUE=DATE:20240903",
        "STATUS:CANCELLED",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ben@example.org",
        "ORGANIZER:",
        "TZID:Europe/Berlin",
        "SEQUENCE:x",
        "X-WR-TIMEZONE:Europe/Berlin",
        "X-WR-TIMEZONE:Nowhere",
        "METHOD:CANCEL",
        " folded continuation",
        "no colon here",
    ]
)


def _normalize_all(data: bytes) -> None:
    """Read and normalize ``data``; only Skipped items and BadItem may come out of bad input."""
    reasons: list[str] = []
    for out in read_ics_bytes(data, "fuzz.ics"):
        if isinstance(out, Skipped):
            reasons.append(out.reason)
            continue
        try:
            evs = list(from_ics(out, now=NOW))
        except BadItem as exc:
            reasons.append(exc.reason)
            continue
        for ev in evs:
            assert ev.start.tzinfo is UTC
            assert ev.end >= ev.start
    assert all(reason.isidentifier() for reason in reasons)  # short content-free slugs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    _normalize_all(data)
    _normalize_all(b"BEGIN:VCALENDAR\r\n" + data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES | st.text(max_size=40), max_size=40))
def test_arbitrary_content_lines_never_crash(lines: list[str]) -> None:
    _normalize_all(("BEGIN:VCALENDAR\r\n" + "\r\n".join(lines)).encode())


_ZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", None])


@settings(max_examples=100, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2024, 12, 31)),
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    zone=_ZONES,
    use_duration=st.booleans(),
)
def test_valid_events_round_trip_start_and_end(
    start: datetime, length: timedelta, zone: str | None, use_duration: bool
) -> None:
    start = start.replace(microsecond=0)
    length = timedelta(seconds=int(length.total_seconds()))
    if zone is None:  # floating: read as UTC
        expected = start.replace(tzinfo=UTC)
        dtstart = f"DTSTART:{start:%Y%m%dT%H%M%S}"
    elif zone == "UTC":
        expected = start.replace(tzinfo=UTC)
        dtstart = f"DTSTART:{start:%Y%m%dT%H%M%S}Z"
    else:
        expected = start.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
        dtstart = f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}"
    end = expected + length
    seconds = int(length.total_seconds())
    ending = f"DURATION:PT{seconds}S" if use_duration else f"DTEND:{end:%Y%m%dT%H%M%S}Z"
    (ev,) = events(cal(vevent("UID:rt@example.org", dtstart, ending)))
    assert (ev.start, ev.end) == (expected, end)
    assert ev.start.tzinfo is UTC
