"""Google on loopback: OAuth (authorize, token, revoke), Gmail and Calendar (v3) endpoints.

Gmail: ``users.getProfile``, ``users.messages.list`` (newest first, ``pageToken``),
``users.messages.get`` (``format=raw`` base64url, or ``metadata``: headers only; ``raw`` with a
metadata-only grant is 403 as at Google), ``users.history.list`` (``messageAdded``; a
``startHistoryId`` older than the kept history is 404). Calendar: ``events.list`` with
``singleEvents``, ``pageToken`` and ``nextSyncToken``; deletions come back ``cancelled``.
"""

from __future__ import annotations

import base64
from email import message_from_bytes
from typing import Any

from tests.connectors.fakes.server import FakeServer, OAuth, Reply, Request, page_of

METADATA = "https://www.googleapis.com/auth/gmail.metadata"
READONLY = "https://www.googleapis.com/auth/gmail.readonly"
CALENDAR = "https://www.googleapis.com/auth/calendar.events.readonly"


class FakeGoogle:
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.oauth = OAuth("google", "google-client", "google-secret")
        self.messages: list[dict[str, Any]] = []
        self.history: list[tuple[int, str]] = []
        self.history_id = 1000
        self.oldest_history = 0
        self.events: list[dict[str, Any]] = []
        self.event_seq = 0
        self.page_size = 3
        r = server.route
        r("GET", "/google/auth", lambda q: self.oauth.authorize(
            q.query, tuple(q.query.get("scope", "").split())))
        r("POST", "/google/token", self._token)
        r("POST", "/google/revoke", self._revoke)
        base = "/google/api/gmail/v1/users/me"
        r("GET", base + "/profile", self._profile)
        r("GET", base + "/messages", self._list)
        r("GET", base + "/messages/", self._get)
        r("GET", base + "/history", self._history)
        r("GET", "/google/api/calendar/v3/calendars/primary/events", self._events)

    def add_mail(self, raw: bytes, labels: tuple[str, ...] = ("INBOX",)) -> str:
        self.history_id += 1
        mid = f"g{len(self.messages) + 1:04x}"
        self.messages.append({"id": mid, "raw": raw, "labels": list(labels),
                              "history": self.history_id})
        self.history.append((self.history_id, mid))
        return mid

    def add_event(self, event: dict[str, Any]) -> None:
        self.event_seq += 1
        self.events = [e for e in self.events if e["id"] != event["id"]]
        self.events.append(dict(event, _seq=self.event_seq))

    def cancel_event(self, event_id: str) -> None:
        self.add_event({"id": event_id, "status": "cancelled"})

    def _token(self, q: Request) -> Reply:
        status, body = self.oauth.token(q.form)
        return Reply(status, body)

    def _revoke(self, q: Request) -> Reply:
        ok = self.oauth.revoke(q.form.get("token", ""))
        return Reply(200, {}) if ok else Reply(400, {"error": "invalid_token"})

    def _auth(self, q: Request, *scopes: str) -> Reply | None:
        grant = self.oauth.check(q.bearer)
        if grant is None:
            return Reply(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
        if not set(scopes) & set(grant.scopes):
            return Reply(403, {"error": {"code": 403, "status": "PERMISSION_DENIED"}})
        return None

    def _profile(self, q: Request) -> Reply:
        return self._auth(q, METADATA, READONLY) or Reply(200, {
            "emailAddress": "ann@example.org", "historyId": str(self.history_id)})

    def _list(self, q: Request) -> Reply:
        if (denied := self._auth(q, METADATA, READONLY)) is not None:
            return denied
        newest_first = [{"id": m["id"], "threadId": m["id"]} for m in reversed(self.messages)]
        size = min(int(q.query.get("maxResults", 100)), self.page_size)
        chunk, nxt = page_of(newest_first, q.query.get("pageToken"), size)
        body: dict[str, Any] = {"messages": chunk, "resultSizeEstimate": len(chunk)}
        if nxt:
            body["nextPageToken"] = nxt
        return Reply(200, body)

    def _get(self, q: Request) -> Reply:
        if (denied := self._auth(q, METADATA, READONLY)) is not None:
            return denied
        mid = q.path.rsplit("/", 1)[1]
        m = next((m for m in self.messages if m["id"] == mid), None)
        if m is None:
            return Reply(404, {"error": {"code": 404}})
        fmt = q.query.get("format", "full")
        out = {"id": mid, "threadId": mid, "labelIds": m["labels"], "historyId": str(m["history"])}
        if fmt == "raw":
            if (denied := self._auth(q, READONLY)) is not None:
                return denied
            out["raw"] = base64.urlsafe_b64encode(m["raw"]).decode().rstrip("=")
        else:
            parsed = message_from_bytes(m["raw"])
            out["payload"] = {"headers": [{"name": k, "value": str(v)}
                                          for k, v in parsed.items()]}
        return Reply(200, out)

    def _history(self, q: Request) -> Reply:
        if (denied := self._auth(q, METADATA, READONLY)) is not None:
            return denied
        start = int(q.query.get("startHistoryId", "0"))
        if start < self.oldest_history:
            return Reply(404, {"error": {"code": 404, "message": "Requested entity not found."}})
        records = [{"id": str(h), "messagesAdded": [{"message": {
            "id": mid, "threadId": mid,
            "labelIds": next(m["labels"] for m in self.messages if m["id"] == mid)}}]}
            for h, mid in self.history if h > start]
        chunk, nxt = page_of(records, q.query.get("pageToken"), self.page_size)
        body: dict[str, Any] = {"history": chunk, "historyId": str(self.history_id)}
        if nxt:
            body["nextPageToken"] = nxt
        return Reply(200, body)

    def _events(self, q: Request) -> Reply:
        if (denied := self._auth(q, CALENDAR)) is not None:
            return denied
        token = q.query.get("syncToken")
        if token is not None and not token.isdigit():
            return Reply(410, {"error": {"code": 410}})
        since = int(token) if token else 0
        # As at Google, a page token holds only for the request parameters it came from.
        window = "" if token else q.query.get("timeMin", "")
        offset, _, made_for = (q.query.get("pageToken") or "").partition("@")
        if made_for != (window if offset else made_for):
            return Reply(400, {"error": {"code": 400, "message": "Invalid pageToken"}})
        chosen = [e for e in self.events if e["_seq"] > since
                  and (token or e.get("status") != "cancelled")]
        chunk, nxt = page_of([{k: v for k, v in e.items() if k != "_seq"} for e in chosen],
                             offset, self.page_size)
        if nxt and window:
            nxt += "@" + window
        body: dict[str, Any] = {"items": chunk, "kind": "calendar#events"}
        if nxt:
            body["nextPageToken"] = nxt
        else:
            body["nextSyncToken"] = str(self.event_seq)
        return Reply(200, body)
