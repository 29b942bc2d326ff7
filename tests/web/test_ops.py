"""Liveness, readiness and metrics: public, answering what an operator needs, carrying nothing
about a person; the deployment files parse and name what they must."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web import helpers
from tests.web.conftest import imported

from upwell.config import Settings
from upwell.web import ops
from upwell.web.asgi import app

REPO = Path(__file__).resolve().parents[2]
#: The only label names Upwell's metrics may carry (none of them can hold a person).
LABELS = {"task", "outcome", "queue", "route", "status", "le", "version", "implementation",
          "major", "minor", "patchlevel", "generation"}


def test_healthz_and_readyz(sqlite_app: FastAPI) -> None:
    client = TestClient(sqlite_app)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "migrations": True, "broker": True}


def test_readyz_fails_when_migrations_are_behind(sqlite_app: FastAPI,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ops, "schema_revision", lambda conn: "0001")
    res = TestClient(sqlite_app).get("/readyz")
    assert res.status_code == 503
    assert res.json()["checks"]["migrations"] is False


def test_readyz_fails_when_the_database_is_gone(sqlite_app: FastAPI,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(conn: object) -> str:
        raise RuntimeError("database down")

    monkeypatch.setattr(ops, "schema_revision", broken)
    res = TestClient(sqlite_app).get("/readyz")
    assert res.status_code == 503
    assert res.json()["checks"]["database"] is False


def test_metrics_after_an_import_name_no_one(sqlite_app: FastAPI, client_for: Any,
                                             tmp_path: Path) -> None:
    member_email = "ann.metrics@example.org"
    helpers.member(sqlite_app.state.store, "acme", member_email)
    client = client_for(sqlite_app)
    imported(sqlite_app, client, tmp_path, member_email)
    text = client.get("/metrics").text
    assert 'upwell_tasks_total{outcome="done",queue="member-' in text
    assert 'task="web_import"' in text
    assert 'upwell_http_requests_total{route="/me/import",status="303"}' in text
    assert "member_id" not in text
    assert member_email not in text
    assert "@" not in text
    for labels in re.findall(r"^\w+\{([^}]*)\}", text, flags=re.MULTILINE):
        names = {pair.split("=", 1)[0] for pair in re.findall(r'(\w+="[^"]*")', labels)}
        assert names <= LABELS, names


def test_asgi_factory_reads_the_environment(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPWELL_HOME", str(tmp_path))
    application = app()
    assert application.state.settings == Settings()
    with TestClient(application) as client:
        assert client.get("/healthz").status_code == 200


def test_compose_file_is_valid_and_names_the_five_services() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())
    assert set(compose["services"]) == {"web", "worker", "scheduler", "postgres", "redis"}
    assert compose["services"]["worker"]["command"][:2] == ["dramatiq", "upwell.tasks.worker"]
    assert compose["services"]["web"]["environment"]["UPWELL_QUEUE"] == "dramatiq"


def test_systemd_units_run_web_workers_and_scheduler() -> None:
    units = REPO / "deploy" / "systemd"
    execs = {p.name: next(line for line in p.read_text().splitlines()
                          if line.startswith("ExecStart="))
             for p in units.glob("*.service")}
    assert "uvicorn --factory upwell.web.asgi:app" in execs["upwell-web.service"]
    assert "dramatiq upwell.tasks.worker" in execs["upwell-worker@.service"]
    assert "upwell scheduler" in execs["upwell-scheduler.service"]
    doc = (REPO / "docs" / "deploy.md").read_text()
    for name in (*execs, "compose.yaml", "/healthz", "/readyz", "/metrics"):
        assert name in doc, name
