"""Slack on loopback: OAuth v2 (authorize with ``user_scope``, ``oauth.v2.access`` with token
rotation, ``auth.revoke``) and ``conversations.list/history/replies/members``; for the org's
Upwell app (its bot token, scopes ``im:write`` and ``chat:write`` only) ``conversations.open``
and ``chat.postMessage``, which land in :attr:`FakeSlack.dms`.

Errors come back as Slack sends them: HTTP 200 with ``{"ok": false, "error": ...}``
(``invalid_auth``, ``token_expired``, ``invalid_refresh_token``); rate limits as HTTP 429 with
Retry-After. Paging is ``response_metadata.next_cursor``; history is newest first and honours
``oldest`` (exclusive).
"""

from __future__ import annotations

import json
from typing import Any

from tests.connectors.fakes.server import FakeServer, OAuth, Reply, Request, page_of


class FakeSlack:
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.oauth = OAuth("slack", "slack-client", "slack-secret", rotate=True,
                           lifetime=43200)
        self.conversations: list[dict[str, Any]] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.members: dict[str, list[str]] = {}
        self.page_size = 3
        #: The Upwell app's bot token, and the DMs it posted: (user, text, blocks).
        self.bot_token = "xoxb-upwell-app"
        self.dms: list[tuple[str, str, list[Any]]] = []
        self._ims: dict[str, str] = {}
        r = server.route
        r("GET", "/slack/authorize", self._authorize)
        r("POST", "/slack/api/oauth.v2.access", self._access)
        r("POST", "/slack/api/auth.revoke", self._revoke)
        r("GET", "/slack/api/conversations.list", self._list)
        r("GET", "/slack/api/conversations.history", self._history)
        r("GET", "/slack/api/conversations.replies", self._replies)
        r("GET", "/slack/api/conversations.members", self._members)
        r("POST", "/slack/api/conversations.open", self._open)
        r("POST", "/slack/api/chat.postMessage", self._post_message)

    def post(self, conv: str, message: dict[str, Any]) -> None:
        self.messages.setdefault(conv, []).append(message)

    def _authorize(self, q: Request) -> Reply:
        if "scope" in q.query:  # a bot token was asked for
            return Reply(400, {"error": "bot scopes are not expected"})
        return self.oauth.authorize(q.query, tuple(q.query.get("user_scope", "").split(",")))

    def _access(self, q: Request) -> Reply:
        status, body = self.oauth.token(q.form)
        if status != 200:
            return Reply(200, {"ok": False, "error": "invalid_refresh_token"
                               if q.form.get("grant_type") == "refresh_token" else "invalid_code"})
        user = {"id": "U0ANN", "scope": body["scope"], "access_token": body["access_token"],
                "token_type": "user", "refresh_token": body["refresh_token"],
                "expires_in": body["expires_in"]}
        if q.form.get("grant_type") == "refresh_token":
            return Reply(200, dict(user, ok=True))
        return Reply(200, {"ok": True, "app_id": "A1", "authed_user": user,
                           "team": {"id": "T1"}})

    def _revoke(self, q: Request) -> Reply:
        ok = self.oauth.revoke(q.bearer or "")
        return Reply(200, {"ok": True, "revoked": True} if ok
                     else {"ok": False, "error": "invalid_auth"})

    def _auth(self, q: Request) -> Reply | None:
        if self.oauth.check(q.bearer) is None:
            error = "token_expired" if q.bearer in self.oauth.expired else "invalid_auth"
            return Reply(200, {"ok": False, "error": error})
        return None

    def _paged(self, values: list[Any], q: Request, key: str) -> Reply:
        chunk, nxt = page_of(values, q.query.get("cursor"),
                             min(int(q.query.get("limit", 100)), self.page_size))
        return Reply(200, {"ok": True, key: chunk, "has_more": bool(nxt),
                           "response_metadata": {"next_cursor": nxt or ""}})

    def _list(self, q: Request) -> Reply:
        return self._auth(q) or self._paged(self.conversations, q, "channels")

    def _history(self, q: Request) -> Reply:
        if (denied := self._auth(q)) is not None:
            return denied
        cid = q.query.get("channel", "")
        if not any(c["id"] == cid for c in self.conversations):
            return Reply(200, {"ok": False, "error": "channel_not_found"})
        oldest = float(q.query.get("oldest", "0"))
        top = [m for m in self.messages.get(cid, []) if float(m["ts"]) > oldest
               and m.get("thread_ts", m["ts"]) == m["ts"]]
        parents = [dict(m, reply_count=sum(1 for r in self.messages.get(cid, [])
                                           if r.get("thread_ts") == m["ts"] and r is not m))
                   for m in top]
        parents = [{k: v for k, v in p.items() if k != "reply_count" or v} for p in parents]
        return self._paged(sorted(parents, key=lambda m: float(m["ts"]), reverse=True), q,
                           "messages")

    def _replies(self, q: Request) -> Reply:
        if (denied := self._auth(q)) is not None:
            return denied
        cid, ts = q.query.get("channel", ""), q.query.get("ts", "")
        oldest = float(q.query.get("oldest", "0"))
        thread = [m for m in self.messages.get(cid, []) if m.get("thread_ts", m["ts"]) == ts
                  and (m["ts"] == ts or float(m["ts"]) > oldest)]
        return self._paged(sorted(thread, key=lambda m: float(m["ts"])), q, "messages")

    def _members(self, q: Request) -> Reply:
        return self._auth(q) or Reply(200, {"ok": True, "members": self.members.get(
            q.query.get("channel", ""), []), "response_metadata": {"next_cursor": ""}})

    def _bot(self, q: Request) -> Reply | None:
        if q.bearer != self.bot_token:
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        return None

    def _open(self, q: Request) -> Reply:
        if (denied := self._bot(q)) is not None:
            return denied
        users = q.form.get("users", "")
        if not users or "," in users:
            return Reply(200, {"ok": False, "error": "users_not_found"})
        dm = self._ims.setdefault(users, f"D{len(self._ims) + 1:04d}")
        return Reply(200, {"ok": True, "channel": {"id": dm}})

    def _post_message(self, q: Request) -> Reply:
        if (denied := self._bot(q)) is not None:
            return denied
        user = next((u for u, d in self._ims.items() if d == q.form.get("channel")), None)
        if user is None:
            return Reply(200, {"ok": False, "error": "channel_not_found"})
        text = q.form.get("text", "")
        if not text:
            return Reply(200, {"ok": False, "error": "no_text"})
        blocks = json.loads(q.form.get("blocks", "[]"))
        self.dms.append((user, text, blocks))
        return Reply(200, {"ok": True, "channel": q.form["channel"], "ts": f"{len(self.dms)}.0"})
