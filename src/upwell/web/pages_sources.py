"""The member's connected sources: connect (OAuth with PKCE, or IMAP), the provider's callback,
sync now, disconnect, and the status of each ("reconnect needed").

Every route has the ``member`` policy: the signed-in member alone, every lookup scoped by their
member id (another member's connection id finds nothing: 404). An authorization is bound to
the session that started it; the redirect URI is the configured base URL plus
``/me/sources/callback``, exactly.
"""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from upwell.config import Settings
from upwell.errors import UpwellError
from upwell.pipeline import connect
from upwell.sources.connectors import connectors
from upwell.store import connections as vault
from upwell.web.auth import MemberContext, current_member
from upwell.web.auth import app_settings as _settings
from upwell.web.auth import app_store as _store
from upwell.web.policies import policy
from upwell.web.rendering import render

router = APIRouter(include_in_schema=False)
Me = Annotated[MemberContext, Depends(current_member)]


def _session(request: Request) -> str:
    sid = request.session.get("sid")
    if not isinstance(sid, str):
        raise HTTPException(404)
    return sid


def _configured(settings: Settings, provider: str) -> bool:
    return provider == "imap" or bool(getattr(settings, f"{provider}_client_id", None))


def sources_page(request: Request, me: MemberContext, *, error: str | None = None,
                 notice: str | None = None, status_code: int = 200) -> Response:
    settings = _settings(request)
    specs = connectors()
    return render(request, "sources.html", status_code=status_code,
                  connections=vault.list_for(_store(request), me.member.id),
                  specs=specs, configured={k: _configured(settings, s.provider)
                                           for k, s in specs.items()},
                  metadata_only=settings.connector_metadata_only, error=error, notice=notice)


@router.get("/me/sources")
@policy("member")
def sources(request: Request, me: Me, syncing: str = "") -> Response:
    return sources_page(request, me, notice="Sync started: reload in a moment to see it done."
                        if syncing else None)


@router.post("/me/sources/connect")
@policy("member")
def connect_start(request: Request, me: Me, source: Annotated[str, Form()],
                  metadata: Annotated[bool, Form()] = False) -> Response:
    try:
        url = connect.begin(_store(request), _settings(request), me.member, _session(request),
                            source, metadata or None)
    except LookupError:
        raise HTTPException(404) from None
    except UpwellError as exc:
        return sources_page(request, me, error=str(exc), status_code=400)
    return RedirectResponse(url, status_code=303)


@router.get("/me/sources/callback")
@policy("member")
def connect_callback(request: Request, me: Me, state: str = "", code: str = "",
                     error: str = "") -> Response:
    if error or not code or not state:
        if state:  # the member declined at the provider: the authorization is spent
            vault.finish_authorization(_store(request), me.member, _session(request), state)
        return sources_page(request, me, status_code=400,
                            error="E705 the provider did not grant access: nothing was "
                            "connected (start again to connect)")
    try:
        with httpx.Client(timeout=30.0) as http:
            connect.complete(_store(request), _settings(request), me.member,
                             _session(request), state, code, http)
    except UpwellError as exc:
        return sources_page(request, me, error=str(exc), status_code=400)
    return RedirectResponse("/me/sources", status_code=303)


@router.post("/me/sources/imap")
@policy("member")
def connect_imap(request: Request, me: Me, host: Annotated[str, Form()],  # noqa: PLR0917 (form)
                 username: Annotated[str, Form()], password: Annotated[str, Form()],
                 port: Annotated[int, Form()] = 993, security: Annotated[str, Form()] = "ssl",
                 metadata: Annotated[bool, Form()] = False) -> Response:
    try:
        connect.connect_imap(_store(request), me.member, host=host, port=port,
                             security=security, username=username, password=password,
                             metadata=metadata)
    except (UpwellError, ValueError) as exc:
        return sources_page(request, me, error=str(exc), status_code=400)
    return RedirectResponse("/me/sources", status_code=303)


@router.post("/me/sources/{connection_id}/sync")
@policy("member")
def sync_now(request: Request, me: Me, connection_id: str) -> Response:
    if vault.get(_store(request), me.member.id, connection_id) is None:
        raise HTTPException(404)
    request.app.state.jobs.sync(me.member.id, connection_id)
    return RedirectResponse("/me/sources?syncing=1", status_code=303)


@router.post("/me/sources/{connection_id}/disconnect")
@policy("member")
def disconnect(request: Request, me: Me, connection_id: str) -> Response:
    try:
        with httpx.Client(timeout=30.0) as http:
            result = connect.disconnect(_store(request), _settings(request), me.member,
                                        connection_id, http)
    except LookupError:
        raise HTTPException(404) from None
    if result.how_to:
        return sources_page(request, me, notice="Disconnected. " + result.how_to)
    return RedirectResponse("/me/sources", status_code=303)
