"""A real HTTP server on loopback that plays Google, Microsoft and Slack for the sync tests.

Each provider's documented endpoints that Upwell uses are implemented under its own prefix
(``/google``, ``/ms``, ``/slack``): OAuth authorize, token (code with PKCE S256, refresh with
optional rotation), revoke, and the data APIs with paging, history/delta/sync tokens, 401 for an
expired token, and injected 429 (with Retry-After) and 5xx answers. Everything is synthetic.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

Handler = Callable[["Request"], "Reply"]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]

    @property
    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else None


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Grant:
    provider: str
    scopes: tuple[str, ...]
    refresh: str | None


class OAuth:
    """One provider's authorization server: codes, tokens, refresh, rotation, revocation."""

    def __init__(self, provider: str, client_id: str, client_secret: str, *,
                 rotate: bool = False, lifetime: float = 3600.0) -> None:
        self.provider = provider
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirects: set[str] = set()
        self.rotate = rotate
        self.lifetime = lifetime
        self.codes: dict[str, dict[str, Any]] = {}
        self.access: dict[str, tuple[Grant, float]] = {}
        self.refresh: dict[str, Grant] = {}
        self.revoked: list[str] = []
        self.expired: set[str] = set()
        self.refreshes = 0

    def authorize(self, q: dict[str, str], scopes: tuple[str, ...]) -> Reply:
        if q.get("client_id") != self.client_id or q.get("redirect_uri") not in self.redirects:
            return Reply(400, {"error": "redirect_uri_mismatch"})
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return Reply(400, {"error": "invalid_request"})
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "redirect": q["redirect_uri"],
                            "scopes": scopes}
        sep = "&" if "?" in q["redirect_uri"] else "?"
        return Reply(302, None, {"Location": q["redirect_uri"] + sep + urlencode(
            {"code": code, "state": q.get("state", "")})})

    def _issue(self, grant: Grant) -> dict[str, Any]:
        token = "at-" + secrets.token_urlsafe(16)
        self.access[token] = (grant, time.monotonic() + self.lifetime)
        return {"access_token": token, "expires_in": int(self.lifetime),
                "refresh_token": grant.refresh, "token_type": "Bearer",
                "scope": (" " if self.provider != "slack" else ",").join(grant.scopes)}

    def token(self, f: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if f.get("client_id") != self.client_id or f.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client"}
        if f.get("grant_type") == "authorization_code":
            code = self.codes.pop(f.get("code", ""), None)
            if code is None or code["redirect"] != f.get("redirect_uri"):
                return 400, {"error": "invalid_grant"}
            digest = hashlib.sha256(f.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != code["challenge"]:
                return 400, {"error": "invalid_grant"}
            grant = Grant(self.provider, code["scopes"], "rt-" + secrets.token_urlsafe(16))
            assert grant.refresh is not None
            self.refresh[grant.refresh] = grant
            return 200, self._issue(grant)
        if f.get("grant_type") == "refresh_token":
            grant_or_none = self.refresh.get(f.get("refresh_token", ""))
            if grant_or_none is None:
                return 400, {"error": "invalid_grant"}
            self.refreshes += 1
            if self.rotate:
                del self.refresh[f["refresh_token"]]
                grant_or_none.refresh = "rt-" + secrets.token_urlsafe(16)
                self.refresh[grant_or_none.refresh] = grant_or_none
            return 200, self._issue(grant_or_none)
        return 400, {"error": "unsupported_grant_type"}

    def check(self, token: str | None) -> Grant | None:
        hit = self.access.get(token or "")
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def expire_all(self) -> None:
        """Every access token expires now (the next call gets 401)."""
        self.expired.update(self.access)
        self.access.clear()

    def revoke(self, token: str) -> bool:
        grant = self.refresh.pop(token, None)
        if grant is None:
            hit = self.access.get(token)
            grant = hit[0] if hit else None
            if grant is not None and grant.refresh:
                self.refresh.pop(grant.refresh, None)
        if grant is None:
            return False
        self.revoked.append(token)
        for t, (g, _) in list(self.access.items()):
            if g is grant:
                del self.access[t]
        return True


class Faults:
    """Answers injected before the real one: ``queue`` of (status, Retry-After) per prefix."""

    def __init__(self) -> None:
        self.queue: list[tuple[int, str | None]] = []
        self.served: list[int] = []
        self.blocker: tuple[Callable[[Request], bool], threading.Event, threading.Event] | None \
            = None

    def block_when(self, match: Callable[[Request], bool]) -> tuple[threading.Event,
                                                                     threading.Event]:
        """Hold the first matching request until ``release`` is set; ``reached`` says it came."""
        reached, release = threading.Event(), threading.Event()
        self.blocker = (match, reached, release)
        return reached, release


class FakeServer:
    """The loopback server; ``routes`` maps (method, path prefix) to a handler."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, str, Handler]] = []
        self.faults = Faults()
        self.requests: list[str] = []
        outer = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:  # quiet
                return

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                req = Request(self.command, parts.path,
                              {k: v[0] for k, v in parse_qs(parts.query).items()}, form,
                              {k.lower(): v for k, v in self.headers.items()})
                reply = outer.dispatch(req)
                data = b"" if reply.body is None else (
                    reply.body if isinstance(reply.body, bytes)
                    else json.dumps(reply.body).encode())
                self.send_response(reply.status)
                ctype = "application/json" if not isinstance(reply.body, bytes) else "text/plain"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client was killed
                    self.close_connection = True

            do_GET = do_POST = _handle  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def route(self, method: str, prefix: str, handler: Handler) -> None:
        self.routes.append((method, prefix, handler))

    def dispatch(self, req: Request) -> Reply:
        self.requests.append(req.path)
        blocker = self.faults.blocker
        if blocker is not None and blocker[0](req):
            self.faults.blocker = None
            blocker[1].set()
            blocker[2].wait(30)
        data_call = not any(x in req.path for x in ("/token", "/auth", "/revoke", "/authorize",
                                                    "oauth.v2.access"))
        if data_call and self.faults.queue:
            status, retry = self.faults.queue.pop(0)
            self.faults.served.append(status)
            return Reply(status, {"error": {"code": status}},
                         {"Retry-After": retry} if retry is not None else {})
        # Longest prefix first; of equal prefixes the one added last (a test's override).
        ranked = sorted(enumerate(self.routes), key=lambda r: (-len(r[1][1]), -r[0]))
        for _, (method, prefix, handler) in ranked:
            if req.method == method and req.path.startswith(prefix):
                return handler(req)
        return Reply(404, {"error": "not_found"})

    def start(self) -> FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.faults.blocker is not None:
            self.faults.blocker[2].set()
        self.httpd.shutdown()
        self.httpd.server_close()


def page_of(values: list[Any], token: str | None, size: int) -> tuple[list[Any], str | None]:
    """One page of ``values`` from an offset token, and the next token (None at the end)."""
    start = int(token) if token and token.isdigit() else 0
    chunk = values[start : start + size]
    return chunk, (str(start + size) if start + size < len(values) else None)
