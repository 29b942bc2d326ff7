"""Microsoft on loopback: identity platform v2.0 (authorize, token) and Graph v1.0.

Graph: ``/me/mailFolders/{inbox|sentitems}/messages/delta`` and ``/me/calendarView/delta``
(``@odata.nextLink`` pages, then an ``@odata.deltaLink`` that returns only later changes;
removed events as ``@removed``), ``/me/chats?$expand=members`` and
``/me/chats/{id}/messages`` (newest first, ``$top``, ``$filter=lastModifiedDateTime gt``).
``Mail.ReadBasic`` grants get no ``body``, as at Microsoft. There is no revocation endpoint.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from tests.connectors.fakes.server import FakeServer, OAuth, Reply, Request, page_of


class FakeMicrosoft:
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.oauth = OAuth("microsoft", "ms-client", "ms-secret")
        self.seq = 0
        self.mail: dict[str, list[dict[str, Any]]] = {"inbox": [], "sentitems": []}
        self.events: list[dict[str, Any]] = []
        self.chats: list[dict[str, Any]] = []
        self.chat_messages: dict[str, list[dict[str, Any]]] = {}
        self.page_size = 3
        self.graph = server.base + "/ms/graph/v1.0"
        r = server.route
        r("GET", "/ms/organizations/oauth2/v2.0/authorize", lambda q: self.oauth.authorize(
            q.query, tuple(q.query.get("scope", "").split())))
        r("POST", "/ms/organizations/oauth2/v2.0/token", self._token)
        r("GET", "/ms/graph/v1.0/me/mailFolders/", self._mail_delta)
        r("GET", "/ms/graph/v1.0/me/calendarView/delta", self._calendar_delta)
        r("GET", "/ms/graph/v1.0/me/chats", self._chats)
        r("GET", "/ms/graph/v1.0/me/chats/", self._chat_messages)

    def _token(self, q: Request) -> Reply:
        status, body = self.oauth.token(q.form)
        if status == 200:  # as Microsoft may: Graph's resource URI, lower case, no offline_access
            body["scope"] = " ".join("https://graph.microsoft.com/" + s.lower()
                                     for s in body["scope"].split() if s != "offline_access")
        return Reply(status, body)

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def add_mail(self, folder: str, message: dict[str, Any]) -> None:
        self.mail[folder].append(dict(message, _seq=self._next()))

    def add_event(self, event: dict[str, Any]) -> None:
        self.events = [e for e in self.events if e["id"] != event["id"]]
        self.events.append(dict(event, _seq=self._next()))

    def remove_event(self, event_id: str) -> None:
        self.add_event({"id": event_id, "@removed": {"reason": "deleted"}})

    def add_chat_message(self, chat_id: str, message: dict[str, Any]) -> None:
        self.chat_messages.setdefault(chat_id, []).append(message)

    def _auth(self, q: Request, *scopes: str) -> Reply | None:
        grant = self.oauth.check(q.bearer)
        if grant is None:
            return Reply(401, {"error": {"code": "InvalidAuthenticationToken"}})
        if not set(scopes) & set(grant.scopes):
            return Reply(403, {"error": {"code": "ErrorAccessDenied"}})
        return None

    def _delta(self, q: Request, path: str, items: list[dict[str, Any]],
               shape: Any) -> Reply:
        since = int(q.query.get("$deltatoken", "0"))
        chosen = [shape(x) for x in items if x["_seq"] > since
                  and (since or "@removed" not in x)]
        chunk, nxt = page_of(chosen, q.query.get("$skiptoken"), self.page_size)
        body: dict[str, Any] = {"value": chunk}
        keep = {"$deltatoken": str(since)} if since else {}
        if nxt:
            body["@odata.nextLink"] = f"{self.graph}{path}?" + urlencode(
                dict(keep, **{"$skiptoken": nxt}))
        else:
            body["@odata.deltaLink"] = f"{self.graph}{path}?" + urlencode(
                {"$deltatoken": str(self.seq)})
        return Reply(200, body)

    def _mail_delta(self, q: Request) -> Reply:
        if (denied := self._auth(q, "Mail.Read", "Mail.ReadBasic")) is not None:
            return denied
        folder = q.path.split("/")[6]
        grant = self.oauth.check(q.bearer)
        assert grant is not None
        basic = "Mail.Read" not in grant.scopes

        def shape(m: dict[str, Any]) -> dict[str, Any]:
            out = {k: v for k, v in m.items() if k != "_seq"}
            if basic:
                out.pop("body", None)
            return out

        return self._delta(q, f"/me/mailFolders/{folder}/messages/delta", self.mail[folder],
                           shape)

    def _calendar_delta(self, q: Request) -> Reply:
        if (denied := self._auth(q, "Calendars.Read")) is not None:
            return denied
        return self._delta(q, "/me/calendarView/delta", self.events,
                           lambda e: {k: v for k, v in e.items() if k != "_seq"})

    def _chats(self, q: Request) -> Reply:
        if (denied := self._auth(q, "Chat.Read")) is not None:
            return denied
        return Reply(200, {"value": self.chats})

    def _chat_messages(self, q: Request) -> Reply:
        if (denied := self._auth(q, "Chat.Read")) is not None:
            return denied
        chat_id = q.path.split("/")[6]
        flt = q.query.get("$filter", "")
        since = flt.rsplit(" ", 1)[1] if flt.startswith("lastModifiedDateTime gt ") else ""
        floor = _stamp(since or "1970-01-01T00:00:00Z")
        values = sorted((m for m in self.chat_messages.get(chat_id, [])
                         if _stamp(m["lastModifiedDateTime"]) > floor),
                        key=lambda m: m["lastModifiedDateTime"], reverse=True)
        top = min(int(q.query.get("$top", 50)), self.page_size)
        chunk, nxt = page_of(values, q.query.get("$skip"), top)
        body: dict[str, Any] = {"value": chunk}
        if nxt:
            body["@odata.nextLink"] = f"{self.graph}/me/chats/{chat_id}/messages?" + urlencode(
                {"$filter": flt, "$top": str(top), "$skip": nxt})
        return Reply(200, body)


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
