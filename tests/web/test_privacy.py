"""The member's data stays theirs: the canary, consent before reading, and every right."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web import helpers
from tests.web.conftest import imported

from upwell.store import access_log
from upwell.store.accounts import find_account
from upwell.store.schema import evidence, messages, tombstones
from upwell.web.policies import flat_routes, policy_of

Clients = Callable[[FastAPI], TestClient]


def _get_routes(app: FastAPI) -> list[str]:
    return [r.path for r in flat_routes(app.routes) if isinstance(r, APIRoute)
            and "GET" in r.methods and "{" not in r.path and policy_of(r.endpoint) != "public"]


def test_canary_only_on_its_owners_evidence_view(sqlite_app: FastAPI, client_for: Clients,
                                                 tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = sqlite_app.state.store
    for email in ("ann@example.org", "bob@example.org"):
        helpers.member(store, "acme", email)
    helpers.admin(store, "acme", "boss@example.org")
    helpers.member(store, "other", "cid@example.org")
    ann = client_for(sqlite_app)
    imported(sqlite_app, ann, tmp_path)
    # The fixture does hold the canary: the owner's evidence view shows it.
    assert helpers.CANARY in ann.get("/me/cards/unanswered_asks").text
    assert helpers.CANARY in ann.get("/api/v1/me/cards/unanswered_asks/evidence").text
    exports = ("/me/export.json", "/me/export.html", "/api/v1/me/export")
    for path in _get_routes(sqlite_app):
        if path not in exports:
            r = ann.get(path)
            assert helpers.CANARY not in r.text, path
    for who in ("bob", "boss", "cid"):
        c = client_for(sqlite_app)
        helpers.sign_in(c, f"{who}@example.org")
        for path in [*_get_routes(sqlite_app), "/me/cards/unanswered_asks",
                     "/api/v1/me/cards/unanswered_asks/evidence"]:
            assert helpers.CANARY not in c.get(path).text, (who, path)
    # The database file holds only ciphertext.
    store.engine.dispose()
    db = Path(str(store.engine.url.database))
    for f in (db, *db.parent.glob(db.name + "-*")):
        data = f.read_bytes()
        assert helpers.CANARY.encode() not in data
        assert b"dana@example.org" not in data
        assert b"ann@example.org" not in data
    # No log line carries content, addresses or tokens.
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records
    assert helpers.CANARY not in logged
    assert "example.org" not in logged
    assert helpers.PASSWORD not in logged


def test_nothing_is_read_before_consent(sqlite_app: FastAPI, client_for: Clients,
                                        tmp_path: Path) -> None:
    store = sqlite_app.state.store
    helpers.member(store, "acme", "ann@example.org")
    c = client_for(sqlite_app)
    csrf = helpers.sign_in(c, "ann@example.org")
    assert c.get("/me", follow_redirects=False).headers["location"] == "/consent"
    with helpers.archive(tmp_path).open("rb") as fh:
        r = c.post("/me/import", data={"csrf": csrf}, files={"archive": ("m.zip", fh)})
    assert r.status_code == 400
    assert "E410" in r.text
    with store.engine.connect() as conn:
        assert conn.execute(select(messages)).first() is None
    assert not any((sqlite_app.state.settings.home / "uploads").glob("*/*"))
    # Consent to chat only: mail still refused.
    c.post("/consent", data={"csrf": csrf, "chat-coaching": "on"})
    with helpers.archive(tmp_path / "b").open("rb") as fh:
        r = c.post("/me/import", data={"csrf": csrf}, files={"archive": ("m.zip", fh)})
    assert r.status_code == 400
    page = c.get("/consent").text
    assert "withdrawn" not in page
    assert "allowed" in page


def test_rights_pause_exclude_forget_export_delete(app: FastAPI, client_for: Clients,
                                                   tmp_path: Path) -> None:
    store = app.state.store
    helpers.member(store, "acme", "ann@example.org")
    c = client_for(app)
    csrf = imported(app, c, tmp_path)
    account = find_account(store, "ann@example.org")
    assert account is not None
    assert account.member_ref
    member_id = store.find_member(account.member_ref)
    assert member_id is not None
    # Pause: imports refused until resumed.
    assert c.post("/me/pause", data={"csrf": csrf, "paused": "true"}).status_code == 200
    assert "Paused" in c.get("/me/privacy").text
    with helpers.archive(tmp_path / "again").open("rb") as fh:
        r = c.post("/me/import", data={"csrf": csrf}, files={"archive": ("m.zip", fh)})
    assert r.status_code == 409
    c.post("/me/pause", data={"csrf": csrf, "paused": "false"})
    # Exclude Dana: her card and evidence go.
    ties = c.get("/api/v1/me/relationships").json()
    dana = next(t for t in ties if t["name"] == "Dana Lee")
    r = c.post("/me/exclusions", data={"csrf": csrf, "kind": "person", "target": dana["person"]})
    assert r.status_code == 200
    assert "Asks left unanswered" not in c.get("/me").text
    assert "Dana Lee" in c.get("/me/privacy").text
    with store.engine.connect() as conn:
        assert conn.execute(select(evidence).where(evidence.c.member_id == member_id)
                            ).first() is None
    excl = c.get("/api/v1/me/exclusions").json()[0]["id"]
    c.post(f"/me/exclusions/{excl}/delete", data={"csrf": csrf})
    assert "Dana Lee" in c.get("/me/relationships").text
    # Forget the last week: its messages are gone.
    r = c.post("/me/forget", data={"csrf": csrf, "first": "2024-02-26", "last": "2024-03-03"})
    assert r.status_code == 200
    with store.engine.connect() as conn:
        left = [m.sent_at for m in conn.execute(select(messages.c.sent_at).where(
            messages.c.member_id == member_id))]
    assert left
    assert all(t.year == 2024 and (t.month, t.day) < (2, 26) for t in left)
    # Export: JSON and a readable page, and both logged.
    data = json.loads(c.get("/me/export.json").text)
    assert data["format"] == "upwell-export/1"
    assert {c_["source"] for c_ in data["consents"]} == {"mail", "calendar"}
    html = c.get("/me/export.html")
    assert "attachment" in html.headers["content-disposition"]
    assert "Everything Upwell stores for you" in html.text
    actions = [e.action for e in access_log.entries(store, member_id)]
    assert {"sign-in", "consent", "import", "pause", "resume", "exclude", "include", "forget",
            "export"} <= set(actions)
    log_page = c.get("/me/access-log").text
    assert "intact" in log_page
    # Delete: typed confirmation, then crypto-shred, tombstone, signed out.
    assert "type DELETE" in c.post("/me/delete", data={"csrf": csrf}).text
    r = c.post("/me/delete", data={"csrf": csrf, "confirm": "DELETE"})
    assert "Your data is deleted" in r.text
    with store.engine.connect() as conn:
        assert conn.execute(select(messages).where(messages.c.member_id == member_id)
                            ).first() is None
        assert conn.execute(select(tombstones)).first() is not None
    assert find_account(store, "ann@example.org") is None
    assert c.get("/me", follow_redirects=False).status_code == 303


def test_settings_goals_meetings_and_relationships_pages(sqlite_app: FastAPI,
                                                         client_for: Clients,
                                                         tmp_path: Path) -> None:
    store = sqlite_app.state.store
    helpers.member(store, "acme", "ann@example.org")
    c = client_for(sqlite_app)
    csrf = imported(sqlite_app, c, tmp_path)
    # no zone saved yet: the page says what the coach uses instead (inferred from the member's
    # own sending, or that too little of it is here), and saving makes it the member's own
    unset = c.get("/me/settings").text
    assert 'id="inferred-zone"' in unset
    assert "You have not set a time zone" in unset
    bad = c.post("/me/settings", data={"csrf": csrf, "tz": "Mars/Base", "start_hour": 9,
                                       "end_hour": 17, "digest_day": 0,
                                       "evidence_retention_days": 30})
    assert bad.status_code == 400
    assert "time zone" in bad.text
    ok = c.post("/me/settings", data={"csrf": csrf, "tz": "America/New_York", "start_hour": 8,
                                      "end_hour": 18, "digest_day": 4,
                                      "evidence_retention_days": 0})
    assert ok.status_code == 200
    assert "America/New_York" in ok.text
    assert 'id="inferred-zone"' not in ok.text
    with store.engine.connect() as conn:
        assert conn.execute(select(evidence)).first() is None  # retention 0 purges
    r = c.post("/me/goals", data={"csrf": csrf, "metric": "after_hours_pct"})
    assert r.status_code == 200
    assert "Send less after hours" in r.text
    c.post("/me/goals", data={"csrf": csrf, "metric": "recognition"})
    third = c.post("/me/goals", data={"csrf": csrf, "metric": "harsh"})
    assert third.status_code == 400
    assert "at most 2" in third.text
    assert "Send less after hours" in c.get("/me").text
    assert "Dana Lee" in c.get("/me/relationships").text
    assert "No calendar yet" in c.get("/me/meetings").text or "<svg" in c.get("/me/meetings").text
    assert c.get("/me/cards/no_such_card").status_code == 404
    frag = c.get("/me/cards/unanswered_asks", headers={"HX-Request": "true"})
    assert frag.status_code == 200
    assert "<html" not in frag.text
    jobs = c.get("/api/v1/me/imports").json()
    page = c.get(f"/me/imports/{jobs[0]['id']}", headers={"HX-Request": "true"})
    assert 'data-status="done"' in page.text
