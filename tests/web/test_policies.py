"""Authorization: every route declares a policy its dependencies enforce; every route taking an
id serves only its owner (the IDOR matrix); an org admin gets 404 on every personal route."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import delete
from tests.web import helpers
from tests.web.conftest import imported

from upwell.store import connections as vault
from upwell.store.accounts import create_invitation, find_account, invitations_of, org_id
from upwell.store.schema import experiments, goals
from upwell.web import oidc
from upwell.web.app import FRAMEWORK_ROUTES
from upwell.web.auth import current_account, current_admin, current_member, public_form
from upwell.web.policies import flat_routes, policy_of

ENFORCER = {"member": current_member, "org_admin": current_admin,
            "signed_in": current_account}
#: Public routes that take an id: none of them shows anyone's data (invitations, sign-on, the
#: signed single-use links of digests and nudges: content-free pages, bound to one account).
PUBLIC_WITH_IDS = {"/invite/{token}", "/sso/{org_slug}", "/sso/{org_slug}/{provider_slug}/start",
                   "/unsubscribe/{token}", "/feedback/{token}"}
#: Public POSTs without a form token: RFC 8058 one-click unsubscribe, posted by a mail provider
#: with no session; the signed, single-use token in the path is the proof.
SIGNED_LINK_POSTS = {"/unsubscribe/{token}"}


def _calls(dependant: Any) -> set[Any]:
    out = {dependant.call}
    for d in dependant.dependencies:
        out |= _calls(d)
    return out


def _api_routes(app: FastAPI) -> list[APIRoute]:
    return [r for r in flat_routes(app.routes) if isinstance(r, APIRoute)]


def test_every_route_declares_a_policy_that_its_dependencies_enforce(sqlite_app: FastAPI
                                                                     ) -> None:
    seen = 0
    for route in flat_routes(sqlite_app.routes):
        if not isinstance(route, APIRoute):
            assert FRAMEWORK_ROUTES.get(route.path) == "public", f"{route.path} has no policy"
            continue
        name = policy_of(route.endpoint)
        assert name is not None, f"{route.path} lacks an explicit policy"
        calls = _calls(route.dependant)
        if name in ENFORCER:
            assert ENFORCER[name] in calls, f"{route.path} declares {name} but does not check it"
        for other, dep in ENFORCER.items():
            if other != name:
                assert dep not in calls, f"{route.path} mixes policies"
        if name == "public" and route.methods & {"POST", "PUT", "DELETE"} \
                and route.path not in SIGNED_LINK_POSTS:
            assert public_form in calls, f"{route.path} takes a form without CSRF"
        if name == "member":
            assert route.path.startswith(("/me", "/api/v1/me", "/consent"))
        seen += 1
    assert seen > 50


def test_a_route_without_policy_fails_the_registry_check(sqlite_app: FastAPI) -> None:
    @sqlite_app.get("/unguarded")
    def unguarded() -> dict[str, str]:
        return {}

    missing = [r.path for r in _api_routes(sqlite_app) if policy_of(r.endpoint) is None]
    assert missing == ["/unguarded"]


def _fill(path: str, ids: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def _call(client: TestClient, method: str, url: str, csrf: str) -> Any:
    return client.request(method, url, headers={"X-CSRF-Token": csrf}, follow_redirects=False)


def test_idor_matrix_every_route_with_an_id_serves_only_its_owner(
        app: FastAPI, client_for: Callable[[FastAPI], TestClient], tmp_path: Path) -> None:
    store = app.state.store
    for email in ("ann@example.org", "bob@example.org"):
        helpers.member(store, "acme", email)
    helpers.admin(store, "acme", "boss@example.org")
    helpers.member(store, "other", "cid@example.org")
    helpers.admin(store, "other", "odin@example.org")
    clients: dict[str, tuple[TestClient, str]] = {}
    ann = client_for(app)
    clients["ann"] = (ann, imported(app, ann, tmp_path))
    for who in ("bob", "boss", "cid", "odin"):
        c = client_for(app)
        clients[who] = (c, helpers.sign_in(c, f"{who}@example.org"))
    anon = client_for(app)
    ann_c, ann_csrf = clients["ann"]
    job_id = ann_c.get("/api/v1/me/imports").json()[0]["id"]
    acme = org_id(store, "acme")
    assert acme is not None
    account = find_account(store, "ann@example.org")
    assert account is not None
    assert account.member_ref is not None
    member_id = store.find_member(account.member_ref)
    ann_member = store.open_member(account.member_ref)

    def fresh() -> dict[str, Any]:
        with store.engine.begin() as conn:
            conn.execute(delete(goals).where(goals.c.member_id == member_id))
        goal = ann_c.post("/api/v1/me/goals", json={"metric": "harsh"},
                          headers={"X-CSRF-Token": ann_csrf})
        excl = ann_c.post("/api/v1/me/exclusions", json={"kind": "channel", "target": "C0X"},
                          headers={"X-CSRF-Token": ann_csrf})
        provider = oidc.add_provider(store, app.state.secret_box, acme,
                                     f"p{len(oidc.providers(store, acme))}", kind="google",
                                     issuer="", client_id="id", client_secret="secret")
        # A connected IMAP source on a closed loopback port: sync fails fast, nothing leaves.
        connection = vault.create(store, ann_member, "imap", "full", (), "pw", {
            "host": "127.0.0.1", "port": 9, "security": "plain", "username": "ann"})
        with store.engine.begin() as conn:
            conn.execute(delete(experiments).where(experiments.c.member_id == member_id))
        exp = ann_c.post("/api/v1/me/experiments", json={
            "metric": "harsh", "start_on": "2024-02-01", "end_on": "2024-02-20"},
            headers={"X-CSRF-Token": ann_csrf})
        return {"goal_id": goal.json()["id"], "exclusion_id": excl.json()["id"],
                "connection_id": connection,
                "experiment_id": exp.json()["id"], "verdict": "helpful",
                "job_id": job_id, "insight": "unanswered_asks",
                "invitation_id": _invitation_id(store, acme), "provider_id": provider}

    checked = 0
    for route in _api_routes(app):
        if "{" not in route.path:
            continue
        name = policy_of(route.endpoint)
        if name == "public":
            assert route.path in PUBLIC_WITH_IDS, f"{route.path}: classify this public id route"
            continue
        owner = "ann" if name == "member" else "boss"
        others = [w for w in clients if w != owner]
        for method in route.methods:
            ids = fresh()
            url = _fill(route.path, ids)
            for who in others:
                c, csrf = clients[who]
                r = _call(c, method, url, csrf)
                assert r.status_code == 404, f"{who} {method} {url}: {r.status_code}"
            r = _call(anon, method, url, "")
            assert r.status_code in {303, 401, 403}, f"anonymous {method} {url}"
            c, csrf = clients[owner]
            r = _call(c, method, url, csrf)
            assert r.status_code in {200, 204, 303}, f"owner {method} {url}: {r.status_code}"
            checked += 1
    assert checked >= 10


def _invitation_id(store: Any, org: int) -> int:
    create_invitation(store, org)
    return invitations_of(store, org)[0][0]


def test_org_admin_gets_404_on_every_personal_route(
        sqlite_app: FastAPI, client_for: Callable[[FastAPI], TestClient], tmp_path: Path
) -> None:
    store = sqlite_app.state.store
    helpers.member(store, "acme", "ann@example.org")
    helpers.admin(store, "acme", "boss@example.org")
    ann = client_for(sqlite_app)
    imported(sqlite_app, ann, tmp_path)
    job_id = ann.get("/api/v1/me/imports").json()[0]["id"]
    boss = client_for(sqlite_app)
    csrf = helpers.sign_in(boss, "boss@example.org")
    ids = {"goal_id": 1, "exclusion_id": 1, "job_id": job_id, "insight": "unanswered_asks",
           "connection_id": "c1", "experiment_id": 1, "verdict": "helpful"}
    n = 0
    for route in _api_routes(sqlite_app):
        if policy_of(route.endpoint) != "member":
            continue
        for method in route.methods:
            r = _call(boss, method, _fill(route.path, ids), csrf)
            assert r.status_code == 404, f"admin {method} {route.path}: {r.status_code}"
            assert helpers.CANARY not in r.text
            n += 1
    assert n > 35
    # ... and a member gets 404 on the org's configuration.
    ann_csrf = helpers.csrf_of(ann.get("/me/settings").text)
    for route in _api_routes(sqlite_app):
        if policy_of(route.endpoint) == "org_admin":
            for method in route.methods:
                url = _fill(route.path, {"invitation_id": 1, "provider_id": 1})
                assert _call(ann, method, url, ann_csrf).status_code == 404
