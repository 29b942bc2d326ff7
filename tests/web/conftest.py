"""Fixtures for the web app: an app on each database, clients, a member with imported data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web import helpers

from upwell.config import Settings
from upwell.store.db import Store
from upwell.testing import open_store
from upwell.web import create_app


def _settings(store: Store, home: Path) -> Settings:
    return Settings(home=home, database_url=str(store.engine.url.render_as_string(
        hide_password=False)), web_secret_key="test-secret-" + "x" * 20)


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator[FastAPI]:
    """The web app on the ``store`` fixture (SQLite and PostgreSQL)."""
    a = create_app(_settings(store, tmp_path / "home"), store, secure_cookies=True)
    yield a
    a.state.jobs.shutdown()


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[FastAPI]:
    """The web app on SQLite only (for tests that are about the web, not the database)."""
    s = open_store(tmp_path / "home")
    a = create_app(_settings(s, tmp_path / "home"), s, secure_cookies=True)
    yield a
    a.state.jobs.shutdown()
    s.close()


@pytest.fixture
def client_for() -> Iterator[Callable[[FastAPI], TestClient]]:
    """A new HTTPS test client (own cookie jar) for an app."""
    clients: list[TestClient] = []

    def make(a: FastAPI) -> TestClient:
        c = TestClient(a, base_url="https://testserver")
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def imported(a: FastAPI, client: TestClient, tmp: Path, email: str = "ann@example.org"
             ) -> str:
    """Sign ``email`` in, consent, upload the canary archive and wait; returns the CSRF."""
    csrf = helpers.sign_in(client, email)
    helpers.consent_all(client, csrf)
    with helpers.archive(tmp).open("rb") as fh:
        r = client.post("/me/import", data={"csrf": csrf},
                        files={"archive": ("mail.zip", fh, "application/zip")},
                        follow_redirects=False)
    assert r.status_code == 303, r.text
    job_id = r.headers["location"].rsplit("/", 1)[1]
    a.state.jobs.wait(job_id, 120)
    return csrf


@dataclass(frozen=True)
class SignedIn:
    """A member of acme signed in over HTTPS, with the canary archive imported."""

    store: Store
    client: TestClient
    csrf: str


@pytest.fixture
def ann(sqlite_app: FastAPI, client_for: Callable[[FastAPI], TestClient],
        tmp_path: Path) -> SignedIn:
    """ann@example.org, a member of acme on SQLite: signed in, consented, archive imported."""
    store = sqlite_app.state.store
    helpers.member(store, "acme", "ann@example.org")
    client = client_for(sqlite_app)
    return SignedIn(store, client, imported(sqlite_app, client, tmp_path))
