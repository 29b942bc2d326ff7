"""Edges: Gmail history too old, an unconfigured provider, pause, IMAP form errors, Slack
without rotation, and the shapes that provider JSON becomes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.connectors.conftest import SESSION, Providers, authorize
from tests.connectors.fakes.people import mail
from tests.web import helpers

from upwell.config import Settings
from upwell.errors import BadItem, ConnectorNotConfigured, UpwellError
from upwell.model import RawItem
from upwell.normalize import to_records
from upwell.pipeline import connect
from upwell.pipeline.sync import sync_connection, sync_member
from upwell.sources.connectors import oauth
from upwell.sources.connectors.shape import event_ics, header_block, mime_message
from upwell.store import connections as vault
from upwell.store.db import Member, Store
from upwell.store.member_settings import get_prefs, save_prefs
from upwell.store.schema import messages
from upwell.testing import open_store
from upwell.web import create_app


def _count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(messages)) or 0)


def test_gmail_history_too_old_runs_a_bounded_full_resync(
        store: Store, member: Member, providers: Providers, tmp_path: Path) -> None:
    g = providers.google
    for i in range(4):
        g.add_mail(mail(i))
    settings = providers.settings(store, tmp_path, sync_initial_max_items=5)
    cid = authorize(store, settings, member, "gmail")
    assert sync_connection(store, settings, member, cid).imported == 4
    for i in range(4, 10):
        g.add_mail(mail(i))
    g.oldest_history = g.history_id  # Google dropped the history we know
    report = sync_connection(store, settings, member, cid)
    assert report.status == "done"
    assert report.seen == 5  # bounded by sync_initial_max_items, newest first
    assert report.imported == 5
    assert _count(store) == 9


def test_unconfigured_provider_and_pause(store: Store, member: Member, providers: Providers,
                                         tmp_path: Path) -> None:
    settings = providers.settings(store, tmp_path)
    with pytest.raises(ConnectorNotConfigured):
        connect.begin(store, settings.model_copy(update={"slack_client_id": None}), member,
                      SESSION, "slack")
    with pytest.raises(LookupError):
        connect.begin(store, settings, member, SESSION, "imap")
    cid = authorize(store, settings, member, "gmail")
    providers.google.add_mail(mail(1))
    prefs = get_prefs(store, member.id)
    save_prefs(store, member.id, replace(prefs, paused=True))
    assert [r.status for r in sync_member(store, settings, member)] == ["paused"]
    save_prefs(store, member.id, replace(prefs, paused=False))
    assert [r.imported for r in sync_member(store, settings, member, source="gmail")] == [1]
    with pytest.raises(LookupError):
        sync_connection(store, settings, member, "nope")
    with pytest.raises(LookupError), httpx.Client() as http:
        connect.disconnect(store, settings, member, "nope", http)
    assert vault.get(store, member.id, cid) is not None


def test_an_expired_or_foreign_state_is_refused(store: Store, member: Member,
                                                providers: Providers, tmp_path: Path) -> None:
    settings = providers.settings(store, tmp_path)
    with httpx.Client() as http, pytest.raises(UpwellError) as err:
        connect.complete(store, settings, member, SESSION, "made-up", "code", http)
    assert err.value.code == "E704"
    state = vault.start_authorization(store, member, SESSION, "gmail", "full", "v" * 50)
    assert vault.finish_authorization(store, member, "another-session", state) is None
    assert vault.finish_authorization(store, member, SESSION, state) is None  # spent


def test_oauth_helpers() -> None:
    # RFC 7636 appendix B example.
    assert oauth.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == \
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert len(oauth.new_verifier()) >= 43
    t = oauth.TokenSet("secret-access", 10, "secret-refresh", ("a",))
    assert "secret" not in repr(t)
    ep = oauth.Endpoints("google", "id", "s", "https://a/x?y=1", "t", None)
    assert "https://a/x?y=1&" in oauth.authorize_url(ep, ("s",), "st", "v" * 43, "https://r")
    assert "secret" not in repr(ep)


def test_shapes_turn_provider_fields_into_raw_items() -> None:
    raw = mime_message(sender=("Dana\r\nBcc: evil@x.org", "dana@example.org"),
                       to=[("", "ann@example.org"), ("bad", "no-at-sign")], cc=[], bcc=[],
                       sent=datetime(2024, 3, 1, 9, tzinfo=UTC), subject="Hi\r\nX-Evil: 1",
                       message_id="<a@b>", in_reply_to="<z@b>", body="Thanks!")
    (m,) = to_records(RawItem("mime", "outlook-mail", "x", raw))
    assert m.sender.handle == "dana@example.org"
    assert [a.handle for a in m.to] == ["ann@example.org"]
    assert m.bcc == ()
    assert b"X-Evil:" not in raw.split(b"\n\n")[0].replace(b"Subject: Hi X-Evil", b"")
    assert m.in_reply_to == "z@b"
    with pytest.raises(BadItem):
        mime_message(sender=None, to=[], cc=[], bcc=[], sent=datetime.now(UTC), subject="",
                     message_id="")
    block = header_block([("From", "a@b.org"), ("Bad Name", "x"), ("Date", "Mon, 1 Jan 2024 "
                                                                    "10:00:00 +0000")])
    assert b"Bad Name" not in block
    ics = event_ics(uid="u1", title="Day off", start=date(2024, 1, 1), end=date(2024, 1, 2),
                    cancelled=True, organizer=("Ann", "ann@example.org"),
                    attendees=[("", "", "accepted"), ("Raj", "raj@example.org", "declined")])
    (e,) = to_records(RawItem("ics", "google-calendar", "x", ics))
    assert e.all_day
    assert e.cancelled
    assert [a.response for a in e.attendees] == ["declined"]


def test_imap_form_errors_from_the_web(tmp_path: Path) -> None:
    store = open_store(tmp_path / "home")
    app = create_app(Settings(home=tmp_path / "home", web_secret_key="k" * 32), store,
                     secure_cookies=True)
    try:
        helpers.member(store, "acme", "ann@example.org")
        with TestClient(app, base_url="https://testserver") as c:
            csrf = helpers.sign_in(c, "ann@example.org")
            form = {"csrf": csrf, "host": "imap.example.org", "port": "143",
                    "security": "plain", "username": "ann", "password": "Pa55-canary-word"}
            r = c.post("/me/sources/imap", data=form)
            assert r.status_code == 400
            assert "E402" in r.text  # no consent yet
            helpers.consent_all(c, csrf)
            r = c.post("/me/sources/imap", data=form)
            assert r.status_code == 400
            assert "loopback" in r.text
            r = c.post("/me/sources/imap", data=dict(form, host="127.0.0.1", port="9"))
            assert r.status_code == 400
            assert "could not be reached" in r.text
            assert "Pa55-canary-word" not in r.text
            page = c.get("/me/sources").text
            assert "Nothing connected yet" in page
            assert "disabled" in page  # no provider app configured
            r = c.post("/me/sources/connect", data={"csrf": csrf, "source": "gmail"})
            assert r.status_code == 400
            assert "E703" in r.text
            assert c.post("/me/sources/connect", data={"csrf": csrf, "source": "fax"}
                          ).status_code == 404
            assert c.get("/me/sources/callback").status_code == 400
    finally:
        app.state.jobs.shutdown()
        store.close()


@pytest.mark.parametrize(("data", "reason"), [
    ("not a mapping", "malformed_item"),
    ({"messageType": "systemEventMessage"}, "not_a_message"),
    ({"deletedDateTime": "2024-01-01T00:00:00Z"}, "deleted_message"),
    ({"from": {"application": {"id": "bot"}}}, "bot_message"),
    ({"from": {"user": {"id": "u1"}}, "createdDateTime": "yesterday"}, "bad_date"),
    ({"from": {"user": {"id": "u1"}}, "createdDateTime": "2999-01-01T00:00:00Z"},
     "date_out_of_range"),
])
def test_hostile_teams_messages_are_skipped_with_a_reason(data: object, reason: str) -> None:
    with pytest.raises(BadItem) as err:
        to_records(RawItem("teams", "teams-chat", "x", data, {}))
    assert err.value.reason == reason


def test_teams_message_shape_and_metadata_only() -> None:
    data = {"id": "1", "createdDateTime": "2024-03-01T09:00:00.1234567Z",
            "from": {"user": {"id": "u-dana", "displayName": "Dana"}},
            "body": {"contentType": "text", "content": "x" * 10},
            "replyToId": "0", "mentions": [{"mentioned": {"user": {"id": "u-raj",
                                                                   "displayName": "Raj"}}}],
            "attachments": [{}]}
    ctx = {"conversation_id": "19:c", "members": {"u-dana": ["Dana Lee", "dana@example.org"],
                                                  "u-ann": ["Ann", ""]}}
    (m,) = to_records(RawItem("teams", "teams-chat", "x", data, ctx))
    assert m.sender.handle == "dana@example.org"
    assert [a.handle for a in m.to] == ["teams:u-ann"]
    assert [a.handle for a in m.mentions] == ["teams:u-raj"]
    assert (m.body, m.attachments, m.in_reply_to) == ("x" * 10, 1, "teams:19:c:0")
    (quiet,) = to_records(RawItem("teams", "teams-chat", "x", data,
                                  dict(ctx, metadata_only=True)))
    assert quiet.body == ""
