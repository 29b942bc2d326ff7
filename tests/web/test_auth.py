"""Sign-in: cookies, CSRF, rate limits, invitations, the admin's pages, OIDC single sign-on."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web import helpers
from tests.web.oidc_issuer import running_issuer

from upwell.store.accounts import create_invitation, find_account
from upwell.web import oidc

Clients = Callable[[FastAPI], TestClient]


def test_session_cookie_flags_csrf_and_sign_out(sqlite_app: FastAPI, client_for: Clients
                                                ) -> None:
    helpers.member(sqlite_app.state.store, "acme", "ann@example.org")
    c = client_for(sqlite_app)
    page = c.get("/login")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    token = helpers.csrf_of(page.text)
    # No token, a wrong one, or a cross-site request: refused.
    assert c.post("/login", data={"email": "ann@example.org",
                                  "password": helpers.PASSWORD}).status_code == 403
    assert c.post("/login", data={"email": "ann@example.org", "password": helpers.PASSWORD,
                                  "csrf": "nope"}).status_code == 403
    assert c.post("/login", data={"email": "ann@example.org", "password": helpers.PASSWORD,
                                  "csrf": token},
                  headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    r = c.post("/login", data={"email": "ann@example.org", "password": helpers.PASSWORD,
                               "csrf": token}, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "secure" in cookie
    assert "samesite=lax" in cookie
    assert helpers.PASSWORD not in r.headers["set-cookie"]
    csrf = helpers.csrf_of(c.get("/consent").text)
    assert csrf != token  # signing in starts a fresh session
    assert c.post("/consent", data={"csrf": token}).status_code == 403
    assert c.get("/").headers.get("location") is None  # followed to /consent
    c.post("/logout", data={"csrf": csrf})
    assert c.get("/me", follow_redirects=False).headers["location"] == "/login"
    assert c.get("/api/v1/me/settings").status_code == 401


def test_failed_sign_ins_are_rate_limited(sqlite_app: FastAPI, client_for: Clients) -> None:
    helpers.member(sqlite_app.state.store, "acme", "ann@example.org")
    c = client_for(sqlite_app)
    token = helpers.csrf_of(c.get("/login").text)
    codes = [c.post("/login", data={"email": "ann@example.org", "password": "wrong-password",
                                    "csrf": token}).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    r = c.post("/login", data={"email": "ann@example.org", "password": helpers.PASSWORD,
                               "csrf": token})
    assert r.status_code == 429  # even the right password waits
    other = c.post("/login", data={"email": "nobody@example.org", "password": "x" * 12,
                                   "csrf": token})
    assert other.status_code == 401


def test_invitation_sign_up_and_the_admin_pages(sqlite_app: FastAPI, client_for: Clients
                                                ) -> None:
    store = sqlite_app.state.store
    helpers.admin(store, "acme", "boss@example.org")
    boss = client_for(sqlite_app)
    csrf = helpers.sign_in(boss, "boss@example.org")
    page = boss.post("/admin/invitations", data={"csrf": csrf})
    link = re.search(r'id="invite-link">([^<]+)<', page.text)
    assert link
    assert "ann@" not in page.text
    r = boss.post("/admin/sso", data={"csrf": csrf, "slug": "okta", "kind": "oidc",
                                      "issuer": "ftp://nope", "client_id": "a",
                                      "client_secret": "b"})
    assert r.status_code == 400
    boss.post("/admin/sso", data={"csrf": csrf, "slug": "google", "kind": "google",
                                  "issuer": "", "client_id": "cid", "client_secret": "sec"})
    assert "https://accounts.google.com" in boss.get("/admin").text
    path = urlpath(link.group(1))
    ann = client_for(sqlite_app)
    invite = ann.get(path)
    assert "What Upwell never shows anyone" in invite.text
    assert "Sign up with Google" in invite.text
    token = helpers.csrf_of(invite.text)
    short = ann.post(path, data={"csrf": token, "email": "ann@example.org", "password": "x"})
    assert short.status_code == 400
    r = ann.post(path, data={"csrf": token, "email": "ann@example.org",
                             "password": helpers.PASSWORD}, follow_redirects=False)
    assert r.headers["location"] == "/consent"
    assert find_account(store, "ann@example.org") is not None
    assert ann.get("/invite/not-a-token").status_code == 404
    # Revoking the invitation and removing the provider.
    inv_id = re.search(r'/admin/invitations/(\d+)/revoke', boss.get("/admin").text)
    assert inv_id
    boss.post(f"/admin/invitations/{inv_id.group(1)}/revoke", data={"csrf": csrf})
    assert ann.get(path).status_code == 404
    prov = re.search(r'/admin/sso/(\d+)/delete', boss.get("/admin").text)
    assert prov
    boss.post(f"/admin/sso/{prov.group(1)}/delete", data={"csrf": csrf})
    assert "accounts.google.com" not in boss.get("/admin").text


def urlpath(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _sso_round_trip(c: TestClient, start: str) -> httpx.Response:
    r = c.get(start, follow_redirects=False)
    assert r.status_code == 302, r.text
    with httpx.Client() as browser:
        back = browser.get(r.headers["location"], follow_redirects=False)
    assert back.status_code == 302
    return c.get(urlpath(back.headers["location"]), follow_redirects=False)


def test_oidc_sign_up_and_sign_in_against_a_local_issuer(sqlite_app: FastAPI,
                                                         client_for: Clients,
                                                         tmp_path: Path) -> None:
    store = sqlite_app.state.store
    org = helpers.org(store, "acme")
    with running_issuer() as issuer:
        oidc.add_provider(store, sqlite_app.state.secret_box, org, "corp", kind="oidc",
                          issuer=issuer.url, client_id=issuer.client_id,
                          client_secret="s3cret")
        c = client_for(sqlite_app)
        assert "Sign in with corp" in c.get("/sso/acme").text
        # Without an invitation or an account: refused.
        assert _sso_round_trip(c, "/sso/acme/corp/start").status_code == 403
        token = create_invitation(store, org)
        r = _sso_round_trip(c, f"/sso/acme/corp/start?invite={token}")
        assert r.status_code == 303
        assert r.headers["location"] == "/consent"
        assert find_account(store, "sso@example.org") is not None
        # A later sign-in finds the account by its subject alone.
        c2 = client_for(sqlite_app)
        issuer.user = {"sub": "u-123"}
        assert _sso_round_trip(c2, "/sso/acme/corp/start").status_code == 303
        assert c2.get("/consent").status_code == 200
        # A token for another audience is rejected.
        issuer.client_id = "someone-else"
        c3 = client_for(sqlite_app)
        assert _sso_round_trip(c3, "/sso/acme/corp/start").status_code == 401
    assert client_for(sqlite_app).get("/sso-callback").status_code == 400
    assert client_for(sqlite_app).get("/sso/nope").status_code == 404
    assert client_for(sqlite_app).get("/sso/acme/nope/start").status_code == 404
