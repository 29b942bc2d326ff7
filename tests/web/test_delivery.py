"""The member's delivery controls on the settings page and the API, feedback on every card
(htmx buttons, signed links from a digest or nudge) and its ranking rule, and experiments with
their before/after interval on the goals page and the dashboard."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.web import helpers
from tests.web.conftest import imported

from upwell.deliver.tokens import LinkClaim, make_token
from upwell.insights.weekly import reranked
from upwell.store import feedback
from upwell.store.accounts import find_account
from upwell.store.schema import goals

Clients = Callable[[FastAPI], TestClient]


def _ann(app: FastAPI, client_for: Clients, tmp_path: Path) -> tuple[TestClient, str, object]:
    store = app.state.store
    helpers.member(store, "acme", "ann@example.org")
    c = client_for(app)
    csrf = imported(app, c, tmp_path)
    account = find_account(store, "ann@example.org")
    assert account is not None
    assert account.member_ref is not None
    return c, csrf, account


def test_fatigue_controls_on_the_settings_page_and_the_api(sqlite_app: FastAPI,
                                                           client_for: Clients,
                                                           tmp_path: Path) -> None:
    c, csrf, _account = _ann(sqlite_app, client_for, tmp_path)
    page = c.get("/me/settings").text
    assert "What reaches you, and when" in page
    assert "Snooze" in page
    r = c.post("/me/delivery", data={"csrf": csrf, "digest_enabled": "on", "digest_hour": "7",
                                     "nudge_channel": "email", "cap_email_day": "1",
                                     "cap_email_week": "3", "quiet_start": "22",
                                     "quiet_end": "6", "muted": ["harsh_language"]})
    assert r.status_code == 200
    got = c.get("/api/v1/me/delivery").json()
    assert got["digest_hour"] == 7
    assert got["caps"]["email"] == [1, 3]
    assert (got["quiet_start"], got["quiet_end"]) == (22, 6)
    assert got["muted"] == ["harsh_language"]
    assert got["address_on_file"] is True  # kept, sealed, when Ann signed in
    bad = c.post("/me/delivery", data={"csrf": csrf, "quiet_start": "22", "quiet_end": ""})
    assert bad.status_code == 400
    assert "both ends" in bad.text
    h = {"X-CSRF-Token": csrf}
    r = c.put("/api/v1/me/delivery", headers=h, json={
        "digest_enabled": False, "caps": {"slack": [2, 4]}, "muted": [], "quiet_start": None,
        "quiet_end": None, "nudge_channel": "slack"})
    assert r.status_code == 200
    assert r.json()["digest_enabled"] is False
    assert r.json()["nudge_channel"] == "slack"
    assert c.put("/api/v1/me/delivery", headers=h, json={"muted": ["nope"]}).status_code == 422
    r = c.post("/api/v1/me/snooze", headers=h, json={"insight": "all", "days": 3})
    assert r.json()["snoozed_until"] is not None
    r = c.post("/api/v1/me/snooze", headers=h, json={"insight": "fading_tie", "days": 2})
    assert set(r.json()["snoozes"]) == {"fading_tie"}
    assert c.post("/api/v1/me/snooze", headers=h, json={"insight": "x", "days": 2}
                  ).status_code == 422
    r = c.post("/me/snooze", data={"csrf": csrf, "insight": "all", "days": "0"})
    assert r.status_code == 200
    assert c.get("/api/v1/me/delivery").json()["snoozed_until"] is None
    assert c.post("/me/snooze", data={"csrf": csrf, "insight": "all", "days": "99"}
                  ).status_code == 400
    assert "slack" in c.get("/me/export.json").json()["delivery"]["controls"]["nudge_channel"]


def test_feedback_buttons_change_the_members_own_ranking(sqlite_app: FastAPI,
                                                         client_for: Clients,
                                                         tmp_path: Path) -> None:
    c, csrf, account = _ann(sqlite_app, client_for, tmp_path)
    page = c.get("/me").text
    assert 'hx-post="/me/cards/unanswered_asks/feedback/helpful"' in page
    r = c.post("/me/cards/unanswered_asks/feedback/wrong", headers={"X-CSRF-Token": csrf,
                                                                     "HX-Request": "true"})
    assert r.status_code == 200
    assert "Thanks" in r.text
    assert c.post("/me/cards/unanswered_asks/feedback/meh",
                  headers={"X-CSRF-Token": csrf}).status_code == 404
    assert c.post("/me/cards/fading_tie/feedback/wrong",
                  headers={"X-CSRF-Token": csrf}).status_code == 404  # no such card this week
    r = c.post("/api/v1/me/cards/unanswered_asks/feedback/not_helpful",
               headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    store = sqlite_app.state.store
    member = store.open_member(account.member_ref)  # type: ignore[attr-defined]
    assert feedback.weights(store, member) == {"unanswered_asks": 0.25}
    assert feedback.contribution(store, member) == {
        "unanswered_asks": {"helpful": 0, "not_helpful": 1, "wrong": 1}}
    export = c.get("/me/export.json").json()["delivery"]["feedback"]
    assert [f["surface"] for f in export] == ["dashboard", "api"]


def test_the_ranking_rule() -> None:
    assert feedback.weight(Counter()) == 1.0
    assert feedback.weight(Counter(helpful=2)) == 1.5
    assert feedback.weight(Counter(helpful=10)) == 2.0
    assert feedback.weight(Counter(not_helpful=1)) == 0.75
    assert feedback.weight(Counter(wrong=1)) == 0.5
    assert feedback.weight(Counter(wrong=5)) == 0.25
    cards = [{"insight": "a", "priority": 1.0}, {"insight": "b", "priority": 0.6}]
    assert [c["insight"] for c in reranked(cards, {})] == ["a", "b"]
    assert [c["insight"] for c in reranked(cards, {"a": 0.5})] == ["b", "a"]
    assert [c["insight"] for c in reranked(cards, {"b": 2.0})] == ["b", "a"]


def test_signed_feedback_links_work_once_without_signing_in(sqlite_app: FastAPI,
                                                            client_for: Clients,
                                                            tmp_path: Path) -> None:
    _c, _csrf, account = _ann(sqlite_app, client_for, tmp_path)
    settings = sqlite_app.state.settings
    token = make_token(settings, LinkClaim(account.id, "feedback",  # type: ignore[attr-defined]
                                           "unanswered_asks", "helpful"))
    anon = client_for(sqlite_app)
    page = anon.get(f"/feedback/{token}")
    assert page.status_code == 200
    assert "Asks left unanswered" in page.text
    assert helpers.CANARY not in page.text
    form_csrf = helpers.csrf_of(page.text)
    assert anon.post(f"/feedback/{token}", data={}).status_code == 403  # CSRF still applies
    assert "Noted" in anon.post(f"/feedback/{token}", data={"csrf": form_csrf}).text
    assert "already" in anon.post(f"/feedback/{token}", data={"csrf": form_csrf}).text
    store = sqlite_app.state.store
    member = store.open_member(account.member_ref)  # type: ignore[attr-defined]
    assert feedback.weights(store, member) == {"unanswered_asks": 1.25}
    unsub = make_token(settings, LinkClaim(account.id, "unsubscribe"))  # type: ignore[attr-defined]
    assert anon.get(f"/feedback/{unsub}").status_code == 404  # a link for another purpose
    assert anon.get(f"/unsubscribe/{token}").status_code == 404
    assert anon.get("/feedback/not-a-token").status_code == 404
    assert anon.post("/feedback/not-a-token", data={"csrf": form_csrf}).status_code == 404
    ghost = make_token(settings, LinkClaim(999, "feedback", "unanswered_asks", "helpful"))
    assert anon.post(f"/feedback/{ghost}", data={"csrf": form_csrf}).status_code == 404


def test_experiment_and_goal_show_a_before_after_interval(sqlite_app: FastAPI,
                                                          client_for: Clients,
                                                          tmp_path: Path) -> None:
    c, csrf, account = _ann(sqlite_app, client_for, tmp_path)
    # Ann thanked Dana on every weekday for eight weeks and stopped in the last one.
    r = c.post("/me/goals", data={"csrf": csrf, "metric": "recognition"})
    assert r.status_code == 200
    store = sqlite_app.state.store
    member_id = store.find_member(account.member_ref)  # type: ignore[attr-defined]

    with store.engine.begin() as conn:
        conn.execute(update(goals).where(goals.c.member_id == member_id)
                     .values(created_at=datetime(2024, 2, 26, tzinfo=UTC)))
    r = c.post("/me/experiments", data={"csrf": csrf, "metric": "recognition",
                                        "start_on": "2024-02-26", "end_on": "2024-03-03"})
    assert r.status_code == 200
    page = c.get("/me/goals").text
    assert page.count('class="change"') == 2  # the goal's and the experiment's
    x = c.get("/api/v1/me/experiments").json()[0]
    ch = x["change"]
    assert ch["per_week"] is True
    assert ch["low"] <= -5 <= ch["high"]  # five thanks a week before, none after
    assert ch["high"] < 0
    assert ch["clear"] is True
    dash = c.get("/me").text
    assert "Your experiments" in dash
    assert re.search(r"95% interval -\d", dash)
    bad = c.post("/me/experiments", data={"csrf": csrf, "metric": "sent",
                                          "start_on": "2024-02-26", "end_on": "2024-03-03"})
    assert bad.status_code == 400
    backwards = c.post("/api/v1/me/experiments", headers={"X-CSRF-Token": csrf}, json={
        "metric": "harsh", "start_on": "2024-03-03", "end_on": "2024-02-26"})
    assert backwards.status_code == 422
    assert c.post(f"/me/experiments/{x['id']}/delete", data={"csrf": csrf}).status_code == 200
    assert c.get("/api/v1/me/experiments").json() == []
    assert c.delete(f"/api/v1/me/experiments/{x['id']}",
                    headers={"X-CSRF-Token": csrf}).status_code == 404
