"""Google Calendar and Outlook calendar end to end: window, changes only, removals, expiry."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select
from tests.connectors.conftest import Providers, authorize
from tests.connectors.fakes.people import PEOPLE, when
from tests.connectors.fakes.server import Request

from upwell.pipeline.connect import disconnect
from upwell.pipeline.sync import sync_connection
from upwell.store import connections as vault
from upwell.store.db import Member, Store
from upwell.store.schema import event_attendees, events


def _events(store: Store, member: Member) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(events).where(
            events.c.member_id == member.id)) or 0)


def _google_event(i: int) -> dict[str, object]:
    start = when(i)
    return {"id": f"ev{i}", "iCalUID": f"ev{i}@google.com", "status": "confirmed",
            "summary": f"Sync {i}", "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(minutes=30)).isoformat()},
            "organizer": {"email": "ann@example.org", "displayName": "Ann Example"},
            "attendees": [{"email": PEOPLE[i % 4][1], "displayName": PEOPLE[i % 4][0],
                           "responseStatus": "accepted"}]}


def test_google_calendar(store: Store, member: Member, providers: Providers,
                         tmp_path: Path) -> None:
    g = providers.google
    for i in range(5):
        g.add_event(_google_event(i))
    g.add_event({"id": "bad", "status": "confirmed", "start": {"dateTime": "yesterday"},
                 "end": {}})
    settings = providers.settings(store, tmp_path)
    cid = authorize(store, settings, member, "google-calendar")
    first = sync_connection(store, settings, member, cid)
    assert (first.status, first.imported, dict(first.skipped)) == ("done", 5, {"bad_date": 1})
    assert _events(store, member) == 5
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(event_attendees)) == 5
    g.add_event(_google_event(5))
    g.cancel_event("ev0")
    g.oauth.expire_all()
    second = sync_connection(store, settings, member, cid)
    assert (second.seen, second.imported, second.removed) == (1, 1, 1)
    assert _events(store, member) == 5
    # An expired sync token (410) reads the window again; nothing doubles.
    with store.engine.begin() as conn:
        vault.set_cursor(conn, member, cid, {"sync_token": "stale"})
    third = sync_connection(store, settings, member, cid)
    assert third.status == "done"
    assert third.imported == 0
    assert _events(store, member) == 5
    with httpx.Client() as http:
        assert disconnect(store, settings, member, cid, http).revoked


def _graph_event(i: int) -> dict[str, object]:
    start = when(i)
    fmt = "%Y-%m-%dT%H:%M:%S.0000000"
    return {"id": f"AAMk{i}", "iCalUId": f"uid{i}", "subject": f"Review {i}",
            "isAllDay": False, "isCancelled": False,
            "start": {"dateTime": start.strftime(fmt), "timeZone": "UTC"},
            "end": {"dateTime": (start + timedelta(hours=1)).strftime(fmt), "timeZone": "UTC"},
            "organizer": {"emailAddress": {"name": "Raj Patel", "address": "raj@example.org"}},
            "attendees": [{"emailAddress": {"name": "Ann Example", "address": "ann@example.org"},
                           "status": {"response": "tentativelyAccepted"}, "type": "required"}]}


def test_outlook_calendar(store: Store, member: Member, providers: Providers,
                          tmp_path: Path) -> None:
    ms = providers.microsoft
    for i in range(4):
        ms.add_event(_graph_event(i))
    ms.add_event({"id": "AAMkAllDay", "subject": "Off", "isAllDay": True,
                  "start": {"dateTime": when(9).strftime("%Y-%m-%dT00:00:00.0000000"),
                            "timeZone": "UTC"},
                  "end": {"dateTime": when(17).strftime("%Y-%m-%dT00:00:00.0000000"),
                          "timeZone": "UTC"}})
    settings = providers.settings(store, tmp_path)
    cid = authorize(store, settings, member, "outlook-calendar")
    first = sync_connection(store, settings, member, cid)
    assert (first.status, first.imported) == ("done", 5)
    ms.add_event(_graph_event(4))
    ms.remove_event("AAMk1")
    ms.oauth.expire_all()
    second = sync_connection(store, settings, member, cid)
    assert (second.seen, second.imported, second.removed) == (1, 1, 1)
    assert _events(store, member) == 5
    with httpx.Client() as http:
        result = disconnect(store, settings, member, cid, http)
    assert not result.revoked
    assert result.how_to is not None
    assert "myapps.microsoft.com" in result.how_to


def test_google_calendar_resumes_its_first_window_with_the_same_page_token(
        store: Store, member: Member, providers: Providers, tmp_path: Path) -> None:
    g = providers.google
    for i in range(5):
        g.add_event(_google_event(i))
    settings = providers.settings(store, tmp_path, sync_retries=0)
    cid = authorize(store, settings, member, "google-calendar")
    failed: list[str] = []

    def fail_second_page(q: Request) -> bool:
        if q.query.get("pageToken") and not failed:
            failed.append(q.path)
            providers.server.faults.queue.append((503, None))
        return False

    providers.server.faults.block_when(fail_second_page)
    first = sync_connection(store, settings, member, cid)
    assert (first.status, first.imported) == ("failed", 3)
    # Later, with another window setting: the stored window goes with the stored page token.
    later = settings.model_copy(update={"sync_calendar_days": (10, 10)})
    second = sync_connection(store, later, member, cid)
    assert (second.status, second.imported) == ("done", 2), second
    assert _events(store, member) == 5
