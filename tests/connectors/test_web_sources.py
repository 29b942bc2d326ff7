"""The member's sources page: connect through the provider and back, sync now, status,
state bound to the session and single use, opt-out revokes, disconnect."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.connectors.conftest import Providers
from tests.connectors.fakes.people import mail
from tests.web import helpers

from upwell.store import connections as vault
from upwell.store.accounts import find_account
from upwell.store.db import Store
from upwell.store.schema import messages
from upwell.testing import open_store
from upwell.web import create_app


@pytest.fixture
def web(providers: Providers, tmp_path: Path) -> Iterator[FastAPI]:
    store = open_store(tmp_path / "home")
    settings = providers.settings(store, tmp_path / "home",
                                  web_secret_key="test-secret-" + "x" * 20)
    app = create_app(settings, store, secure_cookies=True)
    yield app
    app.state.jobs.shutdown()
    store.close()


def _to_provider_and_back(c: TestClient, csrf: str, source: str, **extra: str
                          ) -> tuple[str, str]:
    r = c.post("/me/sources/connect", data={"csrf": csrf, "source": source, **extra},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    assert "code_challenge_method=S256" in url
    assert "redirect_uri=https%3A%2F%2Fupwell.test%2Fme%2Fsources%2Fcallback" in url
    with httpx.Client() as http:
        back = http.get(url)
    assert back.status_code == 302
    target = urlsplit(back.headers["location"])
    return url, f"{target.path}?{target.query}"


def test_connect_sync_status_and_opt_out_from_the_web(web: FastAPI, providers: Providers,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store: Store = web.state.store
    for i in range(4):
        providers.google.add_mail(mail(i))
    helpers.member(store, "acme", "ann@example.org")
    helpers.member(store, "acme", "bob@example.org")
    ann = TestClient(web, base_url="https://testserver")
    bob = TestClient(web, base_url="https://testserver")
    csrf = helpers.sign_in(ann, "ann@example.org")
    bob_csrf = helpers.sign_in(bob, "bob@example.org")
    # Without consent nothing starts.
    r = ann.post("/me/sources/connect", data={"csrf": csrf, "source": "gmail"},
                 follow_redirects=False)
    assert r.status_code == 400
    assert "E402" in r.text
    helpers.consent_all(ann, csrf)
    helpers.consent_all(bob, bob_csrf)
    _, callback = _to_provider_and_back(ann, csrf, "gmail")
    # The state is bound to Ann's session: Bob's session cannot complete it.
    assert bob.get(callback, follow_redirects=False).status_code == 400
    # Bob's attempt spent nothing of Ann's? It did not match her member: hers still works.
    r = ann.get(callback, follow_redirects=False)
    assert r.status_code == 303, r.text
    # Single use.
    assert ann.get(callback, follow_redirects=False).status_code == 400
    page = ann.get("/me/sources").text
    assert "Gmail" in page
    assert "Active" in page
    account = find_account(store, "ann@example.org")
    assert account is not None
    assert account.member_ref is not None
    member = store.open_member(account.member_ref)
    (conn,) = vault.list_for(store, member.id)
    assert ann.post(f"/me/sources/{conn.id}/sync", data={"csrf": csrf},
                    follow_redirects=False).status_code == 303
    web.state.jobs.wait_sync(conn.id, 60)
    assert "Sync started" in ann.get("/me/sources?syncing=1").text
    assert "not yet" not in ann.get("/me/sources").text  # the last sync's time is shown
    with store.engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(messages)) == 4
    # Bob gets 404 on Ann's connection.
    assert bob.post(f"/me/sources/{conn.id}/sync", data={"csrf": bob_csrf},
                    follow_redirects=False).status_code == 404
    # Reconnect needed is shown.
    vault.mark(store, member.id, conn.id, status="reconnect", error="E702 connect again")
    assert "Reconnect needed" in ann.get("/me/sources").text
    vault.mark(store, member.id, conn.id, status="active")
    # Opting out of mail coaching revokes the Google grant and removes the connection.
    secret = vault.secret(store, member, conn.id)
    r = ann.post("/consent", data={"csrf": csrf, "calendar-coaching": "on"},
                 follow_redirects=False)
    assert r.status_code == 303
    assert vault.list_for(store, member.id) == []
    assert secret in providers.google.oauth.revoked
    # Declined at the provider: a clear message, nothing connected.
    assert ann.get("/me/sources/callback?error=access_denied&state=x").status_code == 400
    ann.close()
    bob.close()
    # No log record carries a token or an address (the test's own browser requests log the
    # code and state in their URLs; Upwell's own records carry neither).
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records
    for secret_word in ("rt-", "at-", "example.org", "code_verifier"):
        assert secret_word not in logged, secret_word
    ours = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records
                     if r.name.startswith("upwell"))
    assert ours
    assert "code=" not in ours
    assert "state=" not in ours


def test_microsoft_disconnect_tells_the_member_how_to_remove_the_grant(
        web: FastAPI, providers: Providers) -> None:
    store: Store = web.state.store
    helpers.member(store, "acme", "ann@example.org")
    ann = TestClient(web, base_url="https://testserver")
    csrf = helpers.sign_in(ann, "ann@example.org")
    helpers.consent_all(ann, csrf)
    page = ann.get("/me/sources").text
    assert "headers only (no bodies)" in page
    url, _ = _to_provider_and_back(ann, csrf, "outlook-mail", metadata="true")
    assert "Mail.ReadBasic" in url
    assert "Mail.Read+" not in url
    url, callback = _to_provider_and_back(ann, csrf, "outlook-calendar")
    assert "Calendars.Read" in url
    assert ann.get(callback, follow_redirects=False).status_code == 303
    account = find_account(store, "ann@example.org")
    assert account is not None
    assert account.member_ref is not None
    member = store.open_member(account.member_ref)
    (conn,) = vault.list_for(store, member.id)
    r = ann.post(f"/me/sources/{conn.id}/disconnect", data={"csrf": csrf})
    assert r.status_code == 200
    assert "myapps.microsoft.com" in r.text
    assert vault.list_for(store, member.id) == []
    ann.close()


def test_deleting_everything_revokes_connected_sources_first(web: FastAPI,
                                                             providers: Providers) -> None:
    store: Store = web.state.store
    helpers.member(store, "acme", "ann@example.org")
    ann = TestClient(web, base_url="https://testserver")
    csrf = helpers.sign_in(ann, "ann@example.org")
    ann.post("/consent", data={"csrf": csrf, "chat-coaching": "on"})
    _, callback = _to_provider_and_back(ann, csrf, "slack")
    assert ann.get(callback, follow_redirects=False).status_code == 303
    assert len(providers.slack.oauth.refresh) == 1
    r = ann.post("/me/delete", data={"csrf": csrf, "confirm": "DELETE"})
    assert "Your data is deleted" in r.text
    assert providers.slack.oauth.refresh == {}
    assert providers.slack.oauth.revoked
    ann.close()
