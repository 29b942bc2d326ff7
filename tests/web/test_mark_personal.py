"""Marking a person as personal, not work, from a card's evidence page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web import helpers
from tests.web.conftest import imported


def test_mark_the_sender_personal_from_the_evidence_page(sqlite_app: FastAPI,
                                                         client_for: Callable[[FastAPI],
                                                                              TestClient],
                                                         tmp_path: Path) -> None:
    helpers.member(sqlite_app.state.store, "acme", "ann@example.org")
    c = client_for(sqlite_app)
    csrf = imported(sqlite_app, c, tmp_path)
    page = c.get("/me/cards/unanswered_asks").text
    assert "Personal, not work" in page
    target = re.search(r'name="kind" value="personal"><input type="hidden" name="target" '
                       r'value="([^"]+)"', page)
    assert target is not None
    r = c.post("/me/exclusions", data={"csrf": csrf, "kind": "personal",
                                       "target": target.group(1)})
    assert r.status_code == 200
    assert "Asks left unanswered" not in c.get("/me").text
    privacy = c.get("/me/privacy").text
    assert "Personal: Dana Lee" in privacy
    mark = next(x for x in c.get("/api/v1/me/exclusions").json() if x["kind"] == "personal")
    c.post(f"/me/exclusions/{mark['id']}/delete", data={"csrf": csrf})
    assert "Asks left unanswered" in c.get("/me").text
    # a message id that is not someone else's message is refused, with no change
    r = c.post("/me/exclusions", data={"csrf": csrf, "kind": "personal", "target": "nope"})
    assert "no such message" in r.text
