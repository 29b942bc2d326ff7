"""The JSON API (OpenAPI-described) and the `upwell serve` / `upwell web` commands."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web import helpers

from upwell.cli import cli
from upwell.lab.bench.web import run_dashboard_bench

Clients = Callable[[FastAPI], TestClient]


def test_json_api_covers_the_members_actions(sqlite_app: FastAPI, client_for: Clients,
                                             tmp_path: Path) -> None:
    helpers.member(sqlite_app.state.store, "acme", "ann@example.org")
    c = client_for(sqlite_app)
    spec = c.get("/openapi.json").json()
    for path in ("/api/v1/session", "/api/v1/me/consents", "/api/v1/me/imports",
                 "/api/v1/me/dashboard", "/api/v1/me/export", "/api/v1/me"):
        assert path in spec["paths"]
    assert not any(p.startswith("/me") for p in spec["paths"])  # pages are not the API
    token = helpers.csrf_of(c.get("/login").text)
    bad = c.post("/api/v1/session", json={"email": "ann@example.org", "password": "nope"},
                 headers={"X-CSRF-Token": token})
    assert bad.status_code == 401
    r = c.post("/api/v1/session", json={"email": "ann@example.org",
                                        "password": helpers.PASSWORD},
               headers={"X-CSRF-Token": token})
    assert r.status_code == 200
    h = {"X-CSRF-Token": r.json()["csrf"]}
    assert not any(x["granted"] for x in c.get("/api/v1/me/consents").json()["consents"])
    assert c.put("/api/v1/me/consents", json=[{"source": "mail", "purpose": "coaching",
                                               "granted": True}]).status_code == 403  # no CSRF
    state = c.put("/api/v1/me/consents", headers=h, json=[
        {"source": "mail", "purpose": "coaching", "granted": True}]).json()
    assert {(x["source"], x["purpose"]) for x in state["consents"] if x["granted"]} == {
        ("mail", "coaching")}
    assert c.put("/api/v1/me/consents", headers=h, json=[
        {"source": "fax", "purpose": "coaching", "granted": True}]).status_code == 422
    with helpers.archive(tmp_path).open("rb") as fh:
        job = c.post("/api/v1/me/imports", headers=h, files={"archive": ("m.zip", fh)})
    assert job.status_code == 202
    sqlite_app.state.jobs.wait(job.json()["id"], 120)
    assert c.get(f"/api/v1/me/imports/{job.json()['id']}").json()["status"] == "done"
    board = c.get("/api/v1/me/dashboard").json()
    assert "unanswered_asks" in {x["insight"] for x in board["cards"]}
    assert helpers.CANARY not in json.dumps(board)
    assert board["trends"]["sent"]["baseline"] is not None
    goal = c.post("/api/v1/me/goals", headers=h, json={"metric": "recognition"})
    assert goal.status_code == 201
    assert c.post("/api/v1/me/goals", headers=h, json={"metric": "sent"}).status_code == 422
    assert c.get("/api/v1/me/goals").json()[0]["label"] == "Recognize people more often"
    assert c.delete(f"/api/v1/me/goals/{goal.json()['id']}", headers=h).status_code == 204
    assert c.post("/api/v1/me/exclusions", headers=h,
                  json={"kind": "person", "target": "nobody"}).status_code == 422
    s = c.put("/api/v1/me/settings", headers=h, json={"tz": "Europe/Paris", "start_hour": 8,
                                                      "end_hour": 16, "digest_day": 2,
                                                      "evidence_retention_days": 7})
    assert s.json()["tz"] == "Europe/Paris"
    assert c.put("/api/v1/me/settings", headers=h, json={"start_hour": 20,
                                                         "end_hour": 8}).status_code == 422
    assert c.post("/api/v1/me/pause", headers=h, json={"paused": True}).json()["paused"]
    assert c.get("/api/v1/me/settings").json()["paused"]
    c.post("/api/v1/me/pause", headers=h, json={"paused": False})
    gone = c.post("/api/v1/me/forget", headers=h, json={"first": "2024-01-01",
                                                        "last": "2024-01-07"}).json()
    assert gone["messages"] > 0
    assert c.post("/api/v1/me/forget", headers=h, json={"first": "2024-02-01",
                                                        "last": "2024-01-01"}).status_code == 422
    export = c.get("/api/v1/me/export").json()
    assert export["settings"]["tz"] == "Europe/Paris"
    log = c.get("/api/v1/me/access-log").json()
    assert log["intact"]
    assert {"api", "export"} & {e["detail"] or e["action"] for e in log["entries"]}
    deleted = c.delete("/api/v1/me", headers=h).json()
    assert deleted["deleted"]
    assert c.get("/api/v1/me/settings").status_code == 401


def _runner_invoke(home: Path, *args: str, **kw: Any) -> Any:
    return CliRunner().invoke(cli, ["--home", str(home), *args], catch_exceptions=False, **kw)


def test_demo_user_org_admin_invite_and_serve(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    helpers_archive = helpers.archive(tmp_path / "a")

    with zipfile.ZipFile(helpers_archive) as zf:
        zf.extractall(tmp_path / "x")
    md = tmp_path / "x" / "md"
    assert _runner_invoke(home, "--member", "ann", "import", str(md)).exit_code == 0
    missing = _runner_invoke(home, "web", "demo-user", "--member", "nobody", "--email",
                             "d@example.org", "--password", "demo-password-1")
    assert missing.exit_code != 0
    r = _runner_invoke(home, "web", "demo-user", "--member", "ann", "--email", "d@example.org",
                       "--password", "demo-password-1", "--tz", "America/New_York")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["login"] == "d@example.org"
    assert out["cards"] >= 1
    again = _runner_invoke(home, "web", "demo-user", "--member", "ann", "--email",
                           "d@example.org", "--password", "demo-password-2")
    assert again.exit_code == 0
    assert _runner_invoke(home, "web", "org", "acme").exit_code == 0
    admin = _runner_invoke(home, "web", "admin", "--org", "acme", "--email", "it@example.org",
                           input="admin-password-1\nadmin-password-1\n")
    assert admin.exit_code == 0, admin.output
    link = _runner_invoke(home, "web", "invite", "--org", "acme")
    assert "/invite/" in link.output
    seen: dict[str, Any] = {}
    import uvicorn  # noqa: PLC0415 - uvicorn is patched in the one test of `upwell serve`

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    assert _runner_invoke(home, "serve", "--port", "8123").exit_code == 0
    assert seen["port"] == 8123
    assert seen["host"] == "127.0.0.1"
    # The demo login works on the app `upwell serve` built.
    with TestClient(seen["app"]) as c:
        token = helpers.csrf_of(c.get("/login").text)
        r = c.post("/login", data={"email": "d@example.org", "password": "demo-password-2",
                                   "csrf": token})
        assert "Asks left unanswered" in r.text
    seen["app"].state.jobs.shutdown()


def test_dashboard_load_script_prints_percentiles() -> None:
    result = run_dashboard_bench(members=2, requests_per_member=2, think_ms=0)
    assert result["errors"] == 0
    assert result["requests"] == 4
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
