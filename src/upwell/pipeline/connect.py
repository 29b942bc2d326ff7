"""Connecting and disconnecting a member's own sources (the web routes are thin over this).

Reads/writes: ``oauth_states`` and ``connections`` through :mod:`upwell.store.connections`, and
the member's access log. Connecting starts from the member's own session (state bound to it,
PKCE S256, the one exact redirect URI); disconnecting, or withdrawing coaching consent for a
source, revokes the grant at the provider where it can be revoked (Google, Slack), forgets the
access token, deletes the sealed refresh token and cursor, and so stops every sync of it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from urllib.parse import unquote

import httpx

from upwell.config import Settings
from upwell.errors import ConnectorError, UpwellError
from upwell.sources.connectors import connectors, oauth
from upwell.sources.connectors.imap import connect as imap_connect
from upwell.store import access_log
from upwell.store import connections as vault
from upwell.store.consent import missing_for
from upwell.store.db import Member, Store

#: What a member does to remove a Microsoft grant (Graph has no revocation endpoint for it).
MICROSOFT_REMOVAL = ("Microsoft offers no way for Upwell to revoke its access: remove Upwell "
                     "under https://myapps.microsoft.com (Apps, then Manage, then Revoke "
                     "permissions), or ask your IT admin to remove the grant")


class ConsentRequired(UpwellError):
    code = "E402"


class AuthorizationRefused(UpwellError):
    """The callback does not belong to an authorization this session started (or was used)."""

    code = "E704"


@dataclass(frozen=True, slots=True)
class Disconnected:
    """Whether the provider revoked the grant, and what the member must do if not."""

    revoked: bool
    how_to: str | None = None


def mode_for(settings: Settings, source: str, metadata: bool | None = None) -> str:
    spec = connectors()[source]
    wanted = settings.connector_metadata_only if metadata is None else metadata
    return "metadata" if wanted and "metadata" in spec.scopes else "full"


def _need_consent(store: Store, member: Member, source: str) -> None:
    spec = connectors()[source]
    if missing_for(store, member.id, [spec.source]):
        raise ConsentRequired(f"Upwell may not read your {spec.source} yet: give coaching "
                              "consent for it first (nothing was connected)")


def begin(store: Store, settings: Settings, member: Member, session: str,  # noqa: PLR0917
          source: str, metadata: bool | None = None) -> str:  # (the route's inputs, in order)
    """The provider URL the member's browser goes to, for an OAuth source."""
    spec = connectors().get(source)
    if spec is None or spec.provider == "imap":
        raise LookupError("not an OAuth source")
    _need_consent(store, member, source)
    mode = mode_for(settings, source, metadata)
    ep = oauth.endpoints(settings, spec.provider)
    verifier = oauth.new_verifier()
    state = vault.start_authorization(store, member, session, source, mode, verifier)
    return oauth.authorize_url(ep, spec.scopes_for(mode), state, verifier,
                               oauth.redirect_uri(settings))


def _scope_key(scope: str) -> str:
    """A scope as providers echo it back: Microsoft may answer ``https://graph.microsoft.com/
    mail.read`` (URL-encoded, any case) for ``Mail.Read``."""
    return unquote(scope).lower().removeprefix("https://graph.microsoft.com/")


def complete(store: Store, settings: Settings, member: Member, session: str,  # noqa: PLR0917
             state: str, code: str, http: httpx.Client) -> str:  # (the callback's inputs)
    """Finish the authorization ``state`` with ``code``; returns the new connection id."""
    found = vault.finish_authorization(store, member, session, state)
    if found is None:
        raise AuthorizationRefused("this sign-in link is not one you started here, or it was "
                                   "used or expired: start connecting again")
    source, mode, verifier = found
    _need_consent(store, member, source)
    spec = connectors()[source]
    ep = oauth.endpoints(settings, spec.provider)
    tokens = oauth.exchange(http, ep, code, verifier, oauth.redirect_uri(settings))
    requested = spec.scopes_for(mode)
    granted = {_scope_key(s) for s in tokens.scopes} if tokens.scopes else {
        _scope_key(s) for s in requested}
    missing = [s for s in requested if s != "offline_access" and _scope_key(s) not in granted]
    if missing:  # the member unticked a permission on the provider's consent screen
        with contextlib.suppress(UpwellError):
            oauth.revoke(http, ep, tokens.refresh or tokens.access)
        raise AuthorizationRefused(f"the grant lacks {', '.join(missing)}, which this source "
                                   "needs: connect again and allow it (nothing was kept)")
    # The member's own user id (Slack): a DM from a colleague is addressed to them.
    config = {"user": tokens.account} if tokens.account else {}
    cid = vault.create(store, member, source, mode,
                       tuple(s for s in requested if _scope_key(s) in granted
                             or (s == "offline_access" and tokens.refresh)),
                       tokens.refresh, config)
    oauth.remember(cid, tokens)
    access_log.append(store, member.id, "member", "connect", spec.id)
    return cid


def connect_imap(store: Store, member: Member, *, host: str, port: int, security: str,
                 username: str, password: str, metadata: bool = False) -> str:
    """Check the sign-in with the IMAP server, then keep the password sealed."""
    _need_consent(store, member, "imap")
    if security not in ("ssl", "starttls", "plain"):
        raise ValueError("security is ssl, starttls or plain")
    config = {"host": host.strip(), "port": port, "security": security,
              "username": username, "auth": "password"}
    imap_connect(config, password).logout()
    cid = vault.create(store, member, "imap", "metadata" if metadata else "full", (),
                       password, config)
    access_log.append(store, member.id, "member", "connect", "imap")
    return cid


def disconnect(store: Store, settings: Settings, member: Member, connection_id: str,
               http: httpx.Client, *, why: str = "disconnect") -> Disconnected:
    """Revoke at the provider (where possible) and delete the connection; stops its syncs."""
    conn = vault.get(store, member.id, connection_id)
    if conn is None:
        raise LookupError("no such connection")
    spec = connectors()[conn.source]
    result = Disconnected(True)
    if spec.provider in ("google", "slack"):
        secret = vault.secret(store, member, connection_id)
        try:
            ep = oauth.endpoints(settings, spec.provider)
            if spec.provider == "google":
                token = secret or oauth.cached(connection_id)
            else:  # Slack revokes by the token in the Authorization header
                token = oauth.cached(connection_id) or (oauth.Grant(
                    http, ep, connection_id, secret,
                    lambda new: vault.set_secret(store, member, connection_id, new)).renew()
                    if secret else None)
            ok = oauth.revoke(http, ep, token) if token else True
            result = Disconnected(ok, None if ok else "the provider did not confirm: remove "
                                  "Upwell in your account's connected apps")
        except (ConnectorError, UpwellError):
            result = Disconnected(False, "the provider could not be reached to revoke the "
                                  "grant: remove Upwell in your account's connected apps")
    elif spec.provider == "microsoft":
        result = Disconnected(False, MICROSOFT_REMOVAL)
    oauth.forget(connection_id)
    vault.remove(store, member.id, connection_id)
    access_log.append(store, member.id, "member", why,
                      f"{spec.id}: {'revoked at the provider' if result.revoked else 'deleted'}")
    return result


def withdraw(store: Store, settings: Settings, member: Member, consent_source: str | None,
             http: httpx.Client, *, why: str = "opt-out") -> list[Disconnected]:
    """Coaching consent for ``consent_source`` was withdrawn (``None``: the member deletes
    everything): disconnect every connection reading it, revoking at the provider."""
    out = []
    for c in vault.list_for(store, member.id):
        if consent_source is None or connectors()[c.source].source == consent_source:
            out.append(disconnect(store, settings, member, c.id, http, why=why))
    return out
