"""The opened-dashboard and opened-key caches never show what the member removed, never cross
members, and never outlive a deletion, a sign-out or a change made by another process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web import helpers
from tests.web.conftest import imported

from upwell.store.accounts import find_account
from upwell.store.db import Store
from upwell.store.member_data import delete_member
from upwell.store.member_rules import forget_range
from upwell.store.member_settings import MemberPrefs
from upwell.store.schema import dashboards
from upwell.web import dashboard
from upwell.web.board_cache import Board, BoardCache, boards
from upwell.web.key_cache import opened

Clients = Callable[[FastAPI], TestClient]
LAST_WEEK = {"first": "2024-02-26", "last": "2024-03-03"}  # the canary's week


def _ann(app: FastAPI, client_for: Clients, tmp_path: Path) -> tuple[TestClient, str, str, int]:
    """Ann, signed in with her archive imported: (client, csrf, member ref, member id)."""
    store: Store = app.state.store
    helpers.member(store, "acme", "ann@example.org")
    c = client_for(app)
    csrf = imported(app, c, tmp_path)
    account = find_account(store, "ann@example.org")
    assert account is not None
    assert account.member_ref is not None
    member_id = store.find_member(account.member_ref)
    assert member_id is not None
    return c, csrf, account.member_ref, member_id


def _stored(store: Store, member_id: int) -> bool:
    with store.engine.connect() as conn:
        return conn.scalar(select(dashboards.c.member_id)
                           .where(dashboards.c.member_id == member_id)) is not None


def test_forget_and_delete_leave_nothing_cached(app: FastAPI, client_for: Clients,
                                                tmp_path: Path) -> None:
    store: Store = app.state.store
    c, csrf, ref, member_id = _ann(app, client_for, tmp_path)
    # The fixture does hold the canary, and a page view caches the opened dashboard and key.
    assert "Your week of 2024-02-26" in c.get("/me").text
    assert boards(store).holds(member_id)
    assert opened(store).holds(ref)
    assert helpers.CANARY in c.get("/me/cards/unanswered_asks").text
    # Forget the canary's week: no view serves it from memory any more.
    r = c.post("/me/forget", data={"csrf": csrf, **LAST_WEEK})
    assert r.status_code == 200
    page = c.get("/me").text
    assert "Your week of" in page
    assert "2024-02-26" not in page
    assert c.get("/api/v1/me/dashboard").json()["week"] != "2024-02-26"
    for path in ("/me/cards/unanswered_asks", "/api/v1/me/cards/unanswered_asks/evidence",
                 "/me/relationships", "/me/export.json"):
        assert helpers.CANARY not in c.get(path).text, path
    # Delete: nothing of Ann's stays in the database or in this process.
    r = c.post("/me/delete", data={"csrf": csrf, "confirm": "DELETE"})
    assert "Your data is deleted" in r.text
    assert not boards(store).holds(member_id)
    assert not opened(store).holds(ref)
    assert not _stored(store, member_id)
    assert c.get("/me", follow_redirects=False).status_code == 303


def test_forget_while_paused_discards_the_stored_dashboard(app: FastAPI, client_for: Clients,
                                                           tmp_path: Path) -> None:
    store: Store = app.state.store
    c, csrf, _ref, member_id = _ann(app, client_for, tmp_path)
    assert helpers.CANARY in c.get("/me/cards/unanswered_asks").text
    assert c.post("/me/pause", data={"csrf": csrf, "paused": "true"}).status_code == 200
    assert not boards(store).holds(member_id)
    # Paused, nothing is analyzed: the dashboard that still shows the week is deleted instead.
    assert c.post("/me/forget", data={"csrf": csrf, **LAST_WEEK}).status_code == 200
    assert not _stored(store, member_id)
    assert not boards(store).holds(member_id)
    page = c.get("/me").text
    assert "Upwell is paused" in page
    assert "Your week of" not in page
    assert c.get("/me/cards/unanswered_asks").status_code == 404
    # Resumed, it is computed again without the forgotten week.
    c.post("/me/pause", data={"csrf": csrf, "paused": "false"})
    page = c.get("/me").text
    assert "Your week of" in page
    assert "2024-02-26" not in page
    assert helpers.CANARY not in c.get("/me/cards/unanswered_asks").text


def test_changes_by_another_process_are_seen(app: FastAPI, client_for: Clients,
                                            tmp_path: Path) -> None:
    store: Store = app.state.store
    c, _csrf, ref, member_id = _ann(app, client_for, tmp_path)
    assert helpers.CANARY in c.get("/me/cards/unanswered_asks").text
    assert boards(store).holds(member_id)
    # Another process (its own store and caches, e.g. a second worker or the CLI) forgets the
    # week and recomputes: this process's cached copy is stale and is not served.
    other = Store(app.state.settings)
    try:
        member = other.open_member(ref, create=False)
        forget_range(other, member, datetime(2024, 2, 26, tzinfo=UTC),
                     datetime(2024, 3, 4, tzinfo=UTC))
        dashboard.refresh(other, member, MemberPrefs())
        assert helpers.CANARY not in c.get("/me/cards/unanswered_asks").text
        assert "2024-02-26" not in c.get("/me").text
        # It deletes the member: the key this process opened is not used again.
        delete_member(other, ref)
    finally:
        other.close()
    assert c.get("/me").status_code == 404
    assert not opened(store).holds(ref)
    assert not boards(store).holds(member_id)


def test_cache_is_per_member_and_left_on_sign_out(sqlite_app: FastAPI, client_for: Clients,
                                                  tmp_path: Path) -> None:
    store: Store = sqlite_app.state.store
    ann, csrf, _ref, ann_id = _ann(sqlite_app, client_for, tmp_path)
    helpers.member(store, "acme", "bob@example.org")
    bob = client_for(sqlite_app)
    helpers.consent_all(bob, helpers.sign_in(bob, "bob@example.org"))
    assert "Dana Lee" in ann.get("/me/relationships").text
    page = bob.get("/me").text
    assert "No data yet" in page
    for path in ("/me/relationships", "/me/cards/unanswered_asks", "/api/v1/me/dashboard"):
        r = bob.get(path)
        assert helpers.CANARY not in r.text
        assert "Dana Lee" not in r.text
    account = find_account(store, "bob@example.org")
    assert account is not None
    assert account.member_ref is not None
    bob_id = store.find_member(account.member_ref)
    assert bob_id is not None
    assert boards(store).holds(ann_id)
    assert boards(store).holds(bob_id)
    # Signing out takes the member's opened dashboard out of memory, and no one else's.
    assert ann.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert not boards(store).holds(ann_id)
    assert boards(store).holds(bob_id)


def _board(stamp: datetime) -> Board:
    return Board(stamp, {"cards": [{"title": helpers.CANARY}]}, [])


def test_board_cache_checks_stamps_bounds_size_and_idle_time() -> None:
    t1, t2 = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)
    cache = BoardCache(max_members=2)
    cache.put(1, _board(t1))
    assert cache.get(1, t1) is not None
    assert cache.get(2, t1) is None
    # A newer row (recomputed anywhere) is never answered from the older copy.
    assert cache.get(1, t2) is None
    assert not cache.holds(1)
    for member_id in (1, 2, 3):
        cache.put(member_id, _board(t1))
    assert len(cache) == 2
    assert not cache.holds(1)
    # Nothing of a member's dashboard shows in a repr (logs, tracebacks).
    assert helpers.CANARY not in repr(cache) + repr(cache.get(3, t1))
    idle = BoardCache(idle_s=-1)
    idle.put(1, _board(t1))
    assert idle.get(1, t1) is None
