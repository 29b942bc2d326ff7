"""Outlook mail, Teams chats and Slack end to end against their loopback stand-ins."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from tests.connectors.conftest import Providers, authorize
from tests.connectors.fakes.people import ME, PEOPLE, when
from tests.connectors.fakes.server import Request

from upwell.analyze.names import GRATITUDE
from upwell.pipeline.connect import disconnect
from upwell.pipeline.sync import sync_connection
from upwell.store import connections as vault
from upwell.store.db import Member, Store
from upwell.store.schema import features, message_parties, messages


def _count(store: Store, member: Member, source: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(messages).where(
            messages.c.member_id == member.id, messages.c.source == source)) or 0)


def _graph_mail(i: int, sent: bool = False) -> dict[str, object]:
    other = PEOPLE[i % 4]
    me = {"emailAddress": {"name": ME[0], "address": ME[1]}}
    them = {"emailAddress": {"name": other[0], "address": other[1]}}
    return {"id": f"AAMkMail{i}", "internetMessageId": f"<o{i}@example.org>",
            "subject": f"Budget {i}", "isDraft": False,
            "sentDateTime": when(i).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "from": me if sent else them, "toRecipients": [them if sent else me],
            "ccRecipients": [], "body": {"contentType": "html",
                                         "content": f"<p>Thank you for item {i}!</p>"}}


@pytest.mark.parametrize("metadata", [False, True])
def test_outlook_mail(store: Store, member: Member, providers: Providers, tmp_path: Path,
                      metadata: bool) -> None:
    ms = providers.microsoft
    for i in range(5):
        ms.add_mail("inbox", _graph_mail(i))
    ms.add_mail("sentitems", _graph_mail(5, sent=True))
    ms.add_mail("inbox", {"id": "broken", "from": "nobody"})
    settings = providers.settings(store, tmp_path, analyzers=(GRATITUDE,))
    cid = authorize(store, settings, member, "outlook-mail", metadata=metadata)
    conn = vault.get(store, member.id, cid)
    assert conn is not None
    assert conn.scopes == (("Mail.ReadBasic" if metadata else "Mail.Read"), "offline_access")
    first = sync_connection(store, settings, member, cid)
    assert first.status == "done"
    assert first.imported == 6
    assert dict(first.skipped) == {"missing_date": 1}
    with store.engine.connect() as c:
        words = list(c.scalars(select(messages.c.word_count)))
        sent = list(c.scalars(select(messages.c.in_sent_folder)))
        n_features = c.scalar(select(func.count()).select_from(features))
    # Metadata only: records without a body (rhythm only); with bodies: words were read.
    assert (max(words) == 0) is metadata
    assert sent.count(True) == 1
    assert n_features == 6
    ms.add_mail("inbox", _graph_mail(6))
    ms.oauth.expire_all()
    second = sync_connection(store, settings, member, cid)
    assert (second.seen, second.imported) == (1, 1)
    assert _count(store, member, "outlook-mail") == 7


def _teams(i: int, user: str, name: str) -> dict[str, object]:
    stamp = when(i).strftime("%Y-%m-%dT%H:%M:%S.123Z")
    return {"id": f"17{i:08d}", "messageType": "message", "createdDateTime": stamp,
            "lastModifiedDateTime": stamp, "deletedDateTime": None,
            "from": {"user": {"id": user, "displayName": name}},
            "body": {"contentType": "html", "content": f"<div>Great job on {i}</div>"},
            "mentions": [], "attachments": []}


def test_teams_chats(store: Store, member: Member, providers: Providers,
                     tmp_path: Path) -> None:
    ms = providers.microsoft
    ms.chats = [{"id": "19:chat1", "chatType": "oneOnOne", "members": [
        {"userId": "u-ann", "displayName": ME[0], "email": ME[1]},
        {"userId": "u-dana", "displayName": PEOPLE[0][0], "email": PEOPLE[0][1]}]},
        {"id": "19:chat2", "chatType": "group", "members": [
            {"userId": "u-ann", "displayName": ME[0], "email": ME[1]},
            {"userId": "u-raj", "displayName": PEOPLE[1][0]}]}]
    for i in range(5):
        ms.add_chat_message("19:chat1", _teams(i, "u-dana" if i % 2 else "u-ann", "x"))
    ms.add_chat_message("19:chat2", _teams(6, "u-raj", "Raj Patel"))
    ms.add_chat_message("19:chat2", dict(_teams(7, "u-raj", "Raj Patel"),
                                         messageType="systemEventMessage"))
    settings = providers.settings(store, tmp_path)
    cid = authorize(store, settings, member, "teams-chat")
    first = sync_connection(store, settings, member, cid)
    assert first.status == "done"
    assert (first.imported, dict(first.skipped)) == (6, {"not_a_message": 1})
    ms.add_chat_message("19:chat2", _teams(8, "u-raj", "Raj Patel"))
    ms.oauth.expire_all()
    second = sync_connection(store, settings, member, cid)
    assert (second.seen, second.imported) == (1, 1)
    assert _count(store, member, "teams-chat") == 7
    with httpx.Client() as http:
        assert not disconnect(store, settings, member, cid, http).revoked


def test_slack(store: Store, member: Member, providers: Providers, tmp_path: Path) -> None:
    s = providers.slack
    s.conversations = [
        {"id": "C1", "name": "general", "is_channel": True, "is_member": True},
        {"id": "C2", "name": "random", "is_channel": True, "is_member": False},
        {"id": "D1", "is_im": True, "user": "U0DANA"},
        {"id": "G1", "is_mpim": True, "name": "mpdm-x"},
    ]
    s.members["G1"] = ["U0ANN", "U0DANA", "U0RAJ"]
    base = when(0).timestamp()
    for i in range(5):
        s.post("C1", {"type": "message", "user": "U0DANA", "text": f"thanks <@U0ANN> {i}",
                      "ts": f"{base + i:.6f}"})
    s.post("C1", {"type": "message", "user": "U0ANN", "text": "reply",
                  "ts": f"{base + 10:.6f}", "thread_ts": f"{base:.6f}"})
    s.post("C1", {"type": "message", "subtype": "channel_join", "user": "U0RAJ",
                  "ts": f"{base + 11:.6f}"})
    s.post("C2", {"type": "message", "user": "U0RAJ", "text": "not mine", "ts": f"{base:.6f}"})
    s.post("D1", {"type": "message", "user": "U0DANA", "text": "hi", "ts": f"{base + 3:.6f}"})
    s.post("G1", {"type": "message", "user": "U0RAJ", "text": "hey", "ts": f"{base + 4:.6f}"})
    settings = providers.settings(store, tmp_path)
    cid = authorize(store, settings, member, "slack")
    old_refresh = vault.secret(store, member, cid)
    first = sync_connection(store, settings, member, cid)
    assert first.status == "done", first
    assert first.imported == 8
    assert first.skipped["not_a_message"] == 1
    # The DM from Dana is addressed to Ann (her own Slack id came with the token).
    with store.engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(message_parties).where(
            message_parties.c.role == "to")) == 3  # the DM, and the group DM's two others
    # New: a top-level message and a late reply in the old thread; only they are fetched.
    s.post("C1", {"type": "message", "user": "U0DANA", "text": "new", "ts": f"{base + 20:.6f}"})
    s.post("C1", {"type": "message", "user": "U0RAJ", "text": "late reply",
                  "ts": f"{base + 21:.6f}", "thread_ts": f"{base:.6f}"})
    # The token expires: Slack says token_expired; refresh rotates the refresh token.
    s.oauth.expire_all()
    second = sync_connection(store, settings, member, cid)
    assert second.status == "done", second
    assert (second.seen, second.imported) == (2, 2)
    rotated = vault.secret(store, member, cid)
    assert rotated != old_refresh
    assert rotated in s.oauth.refresh
    assert _count(store, member, "slack") == 10
    with httpx.Client() as http:
        assert disconnect(store, settings, member, cid, http).revoked
    assert s.oauth.refresh == {}


def test_slack_resumes_a_conversation_mid_history_without_losing_its_threads(
        store: Store, member: Member, providers: Providers, tmp_path: Path) -> None:
    s = providers.slack
    s.conversations = [{"id": "C1", "name": "general", "is_channel": True, "is_member": True}]
    base = when(0).timestamp()
    for i in range(5):
        s.post("C1", {"type": "message", "user": "U0DANA", "text": f"m{i}",
                      "ts": f"{base + i:.6f}"})
    s.post("C1", {"type": "message", "user": "U0RAJ", "text": "in thread",
                  "ts": f"{base + 9:.6f}", "thread_ts": f"{base + 4:.6f}"})
    settings = providers.settings(store, tmp_path, sync_retries=0)
    cid = authorize(store, settings, member, "slack")

    failed: list[str] = []

    def fail_second_page(q: Request) -> bool:
        if q.path.endswith("conversations.history") and q.query.get("cursor") and not failed:
            failed.append(q.path)
            providers.server.faults.queue.append((500, None))
        return False

    providers.server.faults.block_when(fail_second_page)
    first = sync_connection(store, settings, member, cid)
    assert (first.status, first.imported) == ("failed", 3)  # page 1 committed, page 2 not
    second = sync_connection(store, settings, member, cid)
    assert second.status == "done"
    assert second.imported == 3  # page 2 (two messages) and the thread found on page 1
    assert _count(store, member, "slack") == 6
