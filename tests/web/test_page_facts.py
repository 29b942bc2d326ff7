"""What pages state as fact comes from where it is true: the group floor on the consent and
invitation pages is the org's policy in force, and every page's footer names the package's
version (not the consent wording's)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web import helpers

from upwell import __version__
from upwell.aggregate.service import load_policy
from upwell.store import consent
from upwell.store.accounts import create_invitation

Clients = Callable[[FastAPI], TestClient]


def test_consent_and_invitation_state_the_floor_in_force(sqlite_app: FastAPI,
                                                         client_for: Clients) -> None:
    store, settings = sqlite_app.state.store, sqlite_app.state.settings
    helpers.member(store, "acme", "ann@example.org")
    org = helpers.org(store, "acme")
    token = create_invitation(store, org)
    c = client_for(sqlite_app)
    helpers.sign_in(c, "ann@example.org")
    for k in (10, 7):
        load_policy(store, settings, org, f"k = {k}\nnote = \"test\"\n")
        page = c.get("/consent").text
        assert f"groups of {k} or more" in page
        assert "groups of 5 or more" not in page
        invite = client_for(sqlite_app).get(f"/invite/{token}").text
        assert f"groups of at least {k} people" in invite
        assert "at least five" not in invite


def test_every_page_names_the_package_version(sqlite_app: FastAPI, client_for: Clients) -> None:
    helpers.member(sqlite_app.state.store, "acme", "ann@example.org")
    c = client_for(sqlite_app)
    assert f"Upwell {__version__}." in c.get("/login").text
    helpers.sign_in(c, "ann@example.org")
    for path in ("/consent", "/me/settings", "/me/privacy", "/me/nothing-here"):
        page = c.get(path).text
        assert f"Upwell {__version__}.</footer>" in page, path
        assert f"Upwell {consent.CONSENT_VERSION}." not in page, path
