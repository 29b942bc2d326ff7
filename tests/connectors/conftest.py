"""Fixtures: the fake providers on loopback, settings pointing at them, a consenting member."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests.connectors.fakes.google import FakeGoogle
from tests.connectors.fakes.microsoft import FakeMicrosoft
from tests.connectors.fakes.server import FakeServer
from tests.connectors.fakes.slack import FakeSlack

from upwell.config import Settings
from upwell.pipeline import connect
from upwell.store import consent
from upwell.store.db import Member, Store

SESSION = "session-token-of-ann"


@dataclass
class Providers:
    server: FakeServer
    google: FakeGoogle
    microsoft: FakeMicrosoft
    slack: FakeSlack

    def settings(self, store: Store, home: Path, **extra: object) -> Settings:
        base = self.server.base
        values: dict[str, object] = dict(  # noqa: C408 (reads as settings)
            home=home, database_url=store.engine.url.render_as_string(hide_password=False),
            public_url="https://upwell.test", analyzers=(),
            google_client_id="google-client", google_client_secret="google-secret",
            google_auth_url=base + "/google/auth", google_token_url=base + "/google/token",
            google_revoke_url=base + "/google/revoke", google_api_url=base + "/google/api",
            microsoft_client_id="ms-client", microsoft_client_secret="ms-secret",
            microsoft_login_url=base + "/ms", graph_api_url=base + "/ms/graph/v1.0",
            slack_client_id="slack-client", slack_client_secret="slack-secret",
            slack_auth_url=base + "/slack/authorize", slack_api_url=base + "/slack/api",
            sync_backoff_s=0.0)
        values.update(extra)
        return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def providers() -> Iterator[Providers]:
    server = FakeServer()
    p = Providers(server, FakeGoogle(server), FakeMicrosoft(server), FakeSlack(server))
    for oauth in (p.google.oauth, p.microsoft.oauth, p.slack.oauth):
        oauth.redirects.add("https://upwell.test/me/sources/callback")
    server.start()
    yield p
    server.stop()


@pytest.fixture
def member(store: Store) -> Member:
    """Ann, with coaching consent for mail, chat and calendar."""
    m = store.open_member("ann")
    consent.record(store, m.id, {(s, "coaching"): True for s in consent.SOURCES})
    return m


def authorize(store: Store, settings: Settings, member: Member, source: str,
              metadata: bool | None = None) -> str:
    """Connect ``source`` as the member's browser would: start, follow the provider's
    redirect, hand the code to the callback. Returns the connection id."""
    url = connect.begin(store, settings, member, SESSION, source, metadata)
    with httpx.Client() as http:
        r = http.get(url)
        assert r.status_code == 302, r.text
        back = urlsplit(r.headers["location"])
        assert f"{back.scheme}://{back.netloc}{back.path}" == \
            "https://upwell.test/me/sources/callback"
        q = {k: v[0] for k, v in parse_qs(back.query).items()}
        return connect.complete(store, settings, member, SESSION, q["state"], q["code"], http)
