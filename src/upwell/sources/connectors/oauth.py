"""OAuth 2.0 authorization code flow with PKCE (S256) for Google, Microsoft and Slack.

Reads: the provider endpoints and client credentials from :class:`~upwell.config.Settings`.
Writes nothing: the callers keep the refresh token (sealed, :mod:`upwell.store.connections`);
access tokens live only in this process's memory (:data:`_ACCESS`), never in the store or logs.
Only delegated user grants exist here: Slack's response is read for ``authed_user`` alone (a bot
token in it is ignored, never kept), and no client-credentials grant is ever requested.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from upwell.config import Settings
from upwell.errors import ConnectorError, ConnectorNotConfigured, ReconnectNeeded

#: Token endpoint errors that mean the grant is gone: the member reconnects.
GRANT_GONE = frozenset({"invalid_grant", "invalid_refresh_token", "token_revoked",
                        "token_expired", "invalid_auth", "account_inactive", "unauthorized_client"})
#: Seconds before expiry at which an access token is refreshed.
EARLY_S = 60
CALLBACK_PATH = "/me/sources/callback"


@dataclass(frozen=True, slots=True)
class Endpoints:
    provider: str
    client_id: str
    client_secret: str
    authorize: str
    token: str
    revoke: str | None

    def __repr__(self) -> str:
        return f"Endpoints(provider={self.provider!r})"


@dataclass(frozen=True, slots=True)
class TokenSet:
    """A token response: the access token and its lifetime, a refresh token (rotated or
    first issued) and the scopes granted. Never logged (``repr`` hides the tokens)."""

    access: str
    expires_in: float | None
    refresh: str | None
    scopes: tuple[str, ...]
    account: str | None = None

    def __repr__(self) -> str:
        return f"TokenSet(scopes={self.scopes!r})"


def endpoints(settings: Settings, provider: str) -> Endpoints:
    """The provider's endpoints and the org's app credentials, or E703 when not configured."""
    def secret(value: Any) -> str:
        return value.get_secret_value() if value is not None else ""

    if provider == "google":
        cid, sec = settings.google_client_id, secret(settings.google_client_secret)
        ep: tuple[str, str, str | None] = (settings.google_auth_url, settings.google_token_url,
                                           settings.google_revoke_url)
    elif provider == "microsoft":
        cid, sec = settings.microsoft_client_id, secret(settings.microsoft_client_secret)
        base = f"{settings.microsoft_login_url.rstrip('/')}/{settings.microsoft_tenant}/oauth2/v2.0"
        ep = (base + "/authorize", base + "/token", None)
    elif provider == "slack":
        cid, sec = settings.slack_client_id, secret(settings.slack_client_secret)
        api = settings.slack_api_url.rstrip("/")
        ep = (settings.slack_auth_url, api + "/oauth.v2.access", api + "/auth.revoke")
    else:
        raise ValueError("not an OAuth provider")
    if not cid:
        raise ConnectorNotConfigured(
            f"no {provider} app is configured: set UPWELL_{provider.upper()}_CLIENT_ID and "
            "its secret (docs/sources/)")
    return Endpoints(provider, cid, sec, *ep)


def redirect_uri(settings: Settings) -> str:
    """The one exact redirect URI registered with every provider."""
    return settings.public_url.rstrip("/") + CALLBACK_PATH


def new_verifier() -> str:
    """A PKCE code verifier (RFC 7636: 43 to 128 unreserved characters)."""
    return secrets.token_urlsafe(48)


def challenge(verifier: str) -> str:
    """The S256 code challenge of ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(ep: Endpoints, scopes: tuple[str, ...], state: str, verifier: str,
                  redirect: str) -> str:
    """Where the member's browser goes to grant access (their own account, their own consent)."""
    params: dict[str, str] = {
        "client_id": ep.client_id, "redirect_uri": redirect, "state": state,
        "code_challenge": challenge(verifier), "code_challenge_method": "S256",
    }
    if ep.provider == "slack":
        params["user_scope"] = ",".join(scopes)  # user token only: no bot `scope` at all
    else:
        params.update(response_type="code", scope=" ".join(scopes))
        if ep.provider == "google":
            params.update(access_type="offline", prompt="consent")
        else:
            params["response_mode"] = "query"
    return ep.authorize + ("&" if "?" in ep.authorize else "?") + urlencode(params)


def _post(http: httpx.Client, url: str, data: dict[str, str],
          headers: dict[str, str] | None = None) -> dict[str, Any]:
    try:
        r = http.post(url, data=data, headers=headers or {})
    except httpx.HTTPError as exc:
        raise ConnectorError(f"the provider could not be reached ({type(exc).__name__}); "
                             "the next sync retries") from None
    try:
        body = r.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ConnectorError(f"the token endpoint answered {r.status_code} without JSON")
    error = body.get("error")
    if (r.status_code >= 400 or body.get("ok") is False) and isinstance(error, str):
        if error in GRANT_GONE:
            raise ReconnectNeeded(f"the provider refused the grant ({error}): connect again")
        raise ConnectorError(f"the token endpoint refused the request ({error[:40]})")
    if r.status_code >= 400:
        raise ConnectorError(f"the token endpoint answered {r.status_code}")
    return body


def _token_set(ep: Endpoints, body: dict[str, Any]) -> TokenSet:
    if ep.provider == "slack":
        user = body.get("authed_user")
        part = user if isinstance(user, dict) and user.get("access_token") else body
        if part.get("token_type", "user") != "user":
            raise ConnectorError("Slack answered with a non-user token: refused")
        body = part
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise ConnectorError("the token response holds no access token")
    expires = body.get("expires_in")
    refresh = body.get("refresh_token")
    scope = body.get("scope")
    sep = "," if ep.provider == "slack" else " "
    account = body.get("id") if ep.provider == "slack" else None
    return TokenSet(access, float(expires) if isinstance(expires, int | float) else None,
                    refresh if isinstance(refresh, str) and refresh else None,
                    tuple(s for s in scope.split(sep) if s) if isinstance(scope, str) else (),
                    account if isinstance(account, str) else None)


def exchange(http: httpx.Client, ep: Endpoints, code: str, verifier: str, redirect: str
             ) -> TokenSet:
    """Trade the authorization code (with the PKCE verifier) for the member's tokens."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
            "client_id": ep.client_id, "client_secret": ep.client_secret,
            "code_verifier": verifier}
    return _token_set(ep, _post(http, ep.token, data))


def refresh(http: httpx.Client, ep: Endpoints, refresh_token: str) -> TokenSet:
    """A fresh access token (and, where the provider rotates, a new refresh token)."""
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": ep.client_id, "client_secret": ep.client_secret}
    return _token_set(ep, _post(http, ep.token, data))


def revoke(http: httpx.Client, ep: Endpoints, token: str) -> bool:
    """Revoke the grant at the provider; ``False`` where it has no revocation endpoint
    (Microsoft: the member removes the app under My Apps, see docs/sources/outlook-mail.md).
    A token the provider no longer knows counts as revoked."""
    if ep.revoke is None:
        return False
    try:
        if ep.provider == "slack":
            r = http.post(ep.revoke, headers={"Authorization": f"Bearer {token}"})
            body = r.json() if r.status_code == 200 else {}
            return bool(body.get("ok")) or body.get("error") in GRANT_GONE
        r = http.post(ep.revoke, data={"token": token})
    except (httpx.HTTPError, ValueError):
        raise ConnectorError("the provider could not revoke the grant now; try again") from None
    return r.status_code == 200 or (r.status_code == 400 and "invalid_token" in r.text)


# -- access tokens: in this process's memory only ---------------------------------------------

_ACCESS: dict[str, tuple[str, float]] = {}
_LOCK = threading.Lock()


def remember(connection_id: str, tokens: TokenSet) -> None:
    """Keep an access token in memory until shortly before it expires."""
    life = tokens.expires_in if tokens.expires_in is not None else 365 * 86400.0
    with _LOCK:
        _ACCESS[connection_id] = (tokens.access, time.monotonic() + life - EARLY_S)


def forget(connection_id: str) -> None:
    with _LOCK:
        _ACCESS.pop(connection_id, None)


def cached(connection_id: str) -> str | None:
    with _LOCK:
        hit = _ACCESS.get(connection_id)
    if hit is None or hit[1] <= time.monotonic():
        return None
    return hit[0]


class Grant:
    """A connection's delegated grant: the access token from memory, refreshed from the sealed
    refresh token on expiry or on a 401; ``on_rotate`` stores a rotated refresh token before it
    is used (Slack and Microsoft rotate)."""

    def __init__(self, http: httpx.Client, ep: Endpoints, connection_id: str,
                 refresh_token: str | None, on_rotate: Callable[[str], None]) -> None:
        self.http = http
        self.ep = ep
        self.connection_id = connection_id
        self._refresh_token = refresh_token
        self._on_rotate = on_rotate

    def __repr__(self) -> str:
        return f"Grant(provider={self.ep.provider!r})"

    def token(self) -> str:
        hit = cached(self.connection_id)
        return hit if hit is not None else self.renew()

    def renew(self) -> str:
        """Refresh now (the access token expired or was refused)."""
        forget(self.connection_id)
        if not self._refresh_token:
            raise ReconnectNeeded("the access token expired and there is no refresh token: "
                                  "connect again")
        tokens = refresh(self.http, self.ep, self._refresh_token)
        if tokens.refresh and tokens.refresh != self._refresh_token:
            self._on_rotate(tokens.refresh)
            self._refresh_token = tokens.refresh
        remember(self.connection_id, tokens)
        return tokens.access
