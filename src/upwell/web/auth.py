"""Who is asking: sessions, CSRF, login rate limits and the policy dependencies.

Reads: the signed session cookie (it holds a random session token and, before sign-in, a CSRF
token) and ``web_sessions``. A route's dependency resolves the principal and enforces its
policy: :func:`current_member` answers 404 to any principal but a member (so an org admin, who
has no personal plane, gets 404 on every personal route), and every personal query is scoped
by that member's id, so another member's ids find nothing (404 again). The dependencies are
``async`` (a form's CSRF field is read asynchronously) and run their database work on the
thread pool, never on the event loop.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from upwell.config import Settings
from upwell.store.accounts import Account, end_session, new_session, session_account
from upwell.store.db import Member, Store
from upwell.store.signing import signing_secret
from upwell.web.board_cache import boards
from upwell.web.key_cache import opened

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
WINDOW_S = 15 * 60


def secret_key(settings: Settings) -> bytes:
    """The web secret (:func:`upwell.store.signing.signing_secret`)."""
    return signing_secret(settings)


class SecretBox:
    """Seal small server-side secrets (SSO client secrets) with a key derived from the web
    secret."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(hashlib.sha256(b"upwell-secret-box|" + key).digest())

    def seal(self, label: str, value: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, value.encode(), label.encode())

    def open(self, label: str, blob: bytes) -> str:
        return self._aead.decrypt(blob[:12], blob[12:], label.encode()).decode()


class RateLimiter:
    """Failed sign-ins per key in a sliding window (in memory: one process per store)."""

    def __init__(self, limit: int, window_s: float = WINDOW_S) -> None:
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        return hits

    def blocked(self, key: str, limit: int | None = None) -> bool:
        with self._lock:
            return len(self._live(key, time.monotonic())) >= (limit or self.limit)

    def fail(self, key: str) -> None:
        with self._lock:
            self._live(key, time.monotonic()).append(time.monotonic())

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


@dataclass(frozen=True, slots=True)
class Principal:
    account: Account
    csrf: str


@dataclass(frozen=True, slots=True)
class MemberContext:
    """The signed-in member and their opened key: the only way a personal route reaches data."""

    principal: Principal
    member: Member

    @property
    def ref(self) -> str:
        assert self.principal.account.member_ref is not None
        return self.principal.account.member_ref


class NotSignedIn(Exception):
    """No session: pages redirect to sign-in, the API answers 401."""


def app_store(request: Request) -> Store:
    """The app's store (every route module reads it from here)."""
    store: Store = request.app.state.store
    return store


def app_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


_store = app_store


def principal(request: Request) -> Principal | None:
    """The signed-in account of this request, if any (cached on the request)."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    found = None
    token = request.session.get("sid")
    if isinstance(token, str):
        hit = session_account(_store(request), token)
        if hit is not None:
            found = Principal(hit[0], hit[1])
    request.state.principal = found
    return found


def csrf_token(request: Request) -> str:
    """The CSRF token forms and htmx send back: the session's, or an anonymous one."""
    p = principal(request)
    if p is not None:
        return p.csrf
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request without the right token, or sent from another site."""
    if request.method not in UNSAFE:
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise HTTPException(403, "E411 cross-site request refused")
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("csrf")
        sent = value if isinstance(value, str) else None
    if not hasattr(request.state, "principal"):
        await run_in_threadpool(principal, request)  # a query: off the event loop
    if not sent or not hmac.compare_digest(sent, csrf_token(request)):
        raise HTTPException(403, "E411 missing or stale form token: reload the page and retry")


def _signed_in(request: Request) -> Principal:
    p = principal(request)
    if p is None:
        raise NotSignedIn
    return p


def _member(request: Request) -> MemberContext:
    p = _signed_in(request)
    if not p.account.is_member:
        raise HTTPException(404)
    assert p.account.member_ref is not None
    try:
        member = opened(_store(request)).open(p.account.member_ref)
    except Exception:
        raise HTTPException(404) from None
    return MemberContext(p, member)


async def current_account(request: Request) -> Principal:
    """Policy ``signed_in``: any account."""
    p = await run_in_threadpool(_signed_in, request)
    await check_csrf(request)
    return p


async def current_member(request: Request) -> MemberContext:
    """Policy ``member``: the member themselves (their key opened); anyone else gets 404."""
    ctx = await run_in_threadpool(_member, request)
    await check_csrf(request)
    return ctx


async def current_admin(request: Request) -> Principal:
    """Policy ``org_admin``: an admin of their own org; anyone else gets 404."""
    p = await run_in_threadpool(_signed_in, request)
    if p.account.role != "admin":
        raise HTTPException(404)
    await check_csrf(request)
    return p


async def public_form(request: Request) -> None:
    """Policy ``public`` for forms: CSRF still applies."""
    await check_csrf(request)


def sign_in(request: Request, account: Account) -> str:
    """Start a session for ``account`` (a fresh token: no session fixation)."""
    settings: Settings = request.app.state.settings
    old = request.session.get("sid")
    if isinstance(old, str):
        end_session(_store(request), old)
    request.session.clear()
    token, csrf = new_session(_store(request), account.id, settings.web_session_hours)
    request.session["sid"] = token
    request.state.principal = Principal(account, csrf)
    return csrf


def sign_out(request: Request) -> None:
    """End the session; a member's opened key and dashboard leave this process's memory."""
    p = principal(request)
    if p is not None and p.account.member_ref is not None:
        opened(_store(request)).drop(p.account.member_ref)
        member_id = _store(request).find_member(p.account.member_ref)
        if member_id is not None:
            boards(_store(request)).drop(member_id)
    token = request.session.get("sid")
    if isinstance(token, str):
        end_session(_store(request), token)
    request.session.clear()
    request.state.principal = None


def client_key(request: Request) -> str:
    return "ip:" + (request.client.host if request.client else "unknown")
