"""Sign-in pages: local passwords, invitations (sign-up), OIDC single sign-on, sign-out.

Reads/writes: accounts, sessions, invitations (see :mod:`upwell.store.accounts`). Failed
sign-ins are rate limited per account and per client address. Nothing here logs an email,
a token or a claim.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from upwell.aggregate.service import policy_of
from upwell.errors import UpwellError
from upwell.store import access_log, consent
from upwell.store.accounts import (
    Account,
    AccountError,
    account_for_identity,
    authenticate,
    create_account,
    email_key,
    find_account,
    get_account,
    invitation_org,
    link_identity,
    org_id,
    org_name,
    org_slug,
)
from upwell.store.delivery_prefs import remember_address
from upwell.web import oidc
from upwell.web.auth import (
    Principal,
    RateLimiter,
    client_key,
    current_account,
    principal,
    public_form,
    sign_in,
    sign_out,
)
from upwell.web.auth import app_settings as _settings
from upwell.web.auth import app_store as _store
from upwell.web.key_cache import opened
from upwell.web.policies import policy
from upwell.web.rendering import render

router = APIRouter(include_in_schema=False)


def landing(request: Request, account: Account) -> str:
    """Where an account goes after signing in."""
    if not account.is_member:
        return "/admin"
    store = _store(request)
    member_id = store.find_member(account.member_ref or "")
    if member_id is not None and not any(consent.current(store, member_id).values()):
        return "/consent"
    return "/me"


def _signed_in_member(request: Request, account: Account, how: str, email: str | None = None
                      ) -> None:
    """Start the session; for a member, log the sign-in in their access log and keep their own
    account address (sealed with their key) for their digest and email nudges."""
    sign_in(request, account)
    if account.is_member and account.member_ref:
        store = _store(request)
        member_id = store.find_member(account.member_ref)
        if member_id is not None:
            access_log.append(store, member_id, "member", "sign-in", how)
            if email:

                remember_address(store, opened(store).open(account.member_ref),
                                 account.member_ref, email)


@router.get("/")
@policy("public")
def home(request: Request) -> Response:
    p = principal(request)
    return RedirectResponse(landing(request, p.account) if p else "/login", status_code=303)


@router.get("/healthz")
@policy("public")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/login")
@policy("public")
def login_page(request: Request) -> Response:
    return render(request, "login.html", error=None)


def check_login(request: Request, email: str, password: str) -> Account:
    """The account for these credentials, or 401/429 (rate limited per account and address)."""
    limiter: RateLimiter = request.app.state.limiter
    keys = ("acct:" + email_key(email), client_key(request))
    if limiter.blocked(keys[0]) or limiter.blocked(keys[1], limiter.limit * 10):
        raise HTTPException(429, "E405 too many failed sign-ins: wait 15 minutes and retry")
    account = authenticate(_store(request), email, password)
    if account is None:
        for k in keys:
            limiter.fail(k)
        raise HTTPException(401, "E401 wrong email or password")
    limiter.clear(keys[0])
    return account


@router.post("/login", dependencies=[Depends(public_form)])
@policy("public")
def login(request: Request, email: Annotated[str, Form()],
          password: Annotated[str, Form()]) -> Response:
    try:
        account = check_login(request, email, password)
    except HTTPException as exc:
        return render(request, "login.html", status_code=exc.status_code, error=exc.detail)
    _signed_in_member(request, account, "password", email)
    return RedirectResponse(landing(request, account), status_code=303)


@router.post("/logout")
@policy("signed_in")
def logout(request: Request, _p: Annotated[Principal, Depends(current_account)]) -> Response:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


def _invite_context(request: Request, token: str) -> dict[str, Any]:
    store = _store(request)
    org = invitation_org(store, token)
    if org is None:
        raise HTTPException(404)
    return {"org": org_name(store, org), "token": token, "slug": org_slug(store, org),
            "providers": oidc.providers(store, org), "version": consent.CONSENT_VERSION,
            "group_policy": policy_of(store, _settings(request), org)}


@router.get("/invite/{token}")
@policy("public")
def invite_page(request: Request, token: str) -> Response:
    return render(request, "invite.html", error=None, **_invite_context(request, token))


@router.post("/invite/{token}", dependencies=[Depends(public_form)])
@policy("public")
def signup(request: Request, token: str, email: Annotated[str, Form()],
           password: Annotated[str, Form()]) -> Response:
    ctx = _invite_context(request, token)
    org = invitation_org(_store(request), token)
    assert org is not None
    try:
        account = create_account(_store(request), org, email, password)
    except AccountError as exc:
        return render(request, "invite.html", status_code=400, error=str(exc), **ctx)
    _signed_in_member(request, account, "sign-up", email)
    return RedirectResponse("/consent", status_code=303)


@router.get("/sso/{org_slug}")
@policy("public")
def sso_choose(request: Request, org_slug: str) -> Response:
    store = _store(request)
    org = org_id(store, org_slug)
    if org is None:
        raise HTTPException(404)
    return render(request, "sso.html", org=org_name(store, org), slug=org_slug,
                  providers=oidc.providers(store, org))


@router.get("/sso/{org_slug}/{provider_slug}/start")
@policy("public")
async def sso_start(request: Request, org_slug: str, provider_slug: str,
                    invite: str | None = None) -> Response:
    p, invite_ok = await run_in_threadpool(_sso_provider, request, org_slug, provider_slug,
                                           invite)
    request.session["sso"] = {"provider": p.id, "org": p.org_id, "slug": p.slug,
                              "invite": invite if invite_ok else None}
    sso: oidc.SSO = request.app.state.sso
    redirect: Response = await sso.client(p).authorize_redirect(
        request, str(request.url_for("sso_callback")))
    return redirect


def _sso_provider(request: Request, org_slug: str, provider_slug: str, invite: str | None
                  ) -> tuple[oidc.Provider, bool]:
    """The org's provider (else 404) and whether ``invite`` is a live invitation to that org."""
    store = _store(request)
    org = org_id(store, org_slug)
    p = oidc.provider(store, org, provider_slug) if org is not None else None
    if p is None:
        raise HTTPException(404)
    return p, bool(invite and invitation_org(store, invite) == org)


@router.get("/sso-callback", name="sso_callback")
@policy("public")
async def sso_callback(request: Request) -> Response:
    pending = request.session.pop("sso", None)
    if not isinstance(pending, dict):
        raise HTTPException(400, "E406 the sign-in expired: start again")
    p = await run_in_threadpool(oidc.provider, _store(request), int(pending["org"]),
                                str(pending["slug"]))
    if p is None:
        raise HTTPException(404)
    sso: oidc.SSO = request.app.state.sso
    try:
        token = await sso.client(p).authorize_access_token(request)
    except Exception:
        raise HTTPException(401, "E407 the identity provider did not confirm you: "
                                 "try again") from None
    return await run_in_threadpool(_sso_sign_in, request, p, pending, token)


def _sso_sign_in(request: Request, p: oidc.Provider, pending: dict[str, Any],
                 token: dict[str, Any]) -> Response:
    """Find (or, with an invitation, create) the account the issuer vouched for; sign it in."""
    store = _store(request)
    claims = token.get("userinfo") or {}
    issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
    if not issuer or not subject:
        raise HTTPException(401, "E407 the identity provider did not confirm you: try again")
    account = account_for_identity(store, issuer, subject)
    email = str(claims.get("email", ""))
    if account is None and email and claims.get("email_verified") is True:
        known = find_account(store, email)
        if known is not None and known.org_id == p.org_id:
            account = known
        elif known is None and pending.get("invite"):
            try:
                account = create_account(store, p.org_id, email, None)
            except UpwellError as exc:
                raise HTTPException(400, str(exc)) from None
    if account is None or account.org_id != p.org_id:
        raise HTTPException(403, "E408 no Upwell account for this sign-in: ask your org "
                                 "for an invitation")
    link_identity(store, account.id, issuer, subject)
    fresh = get_account(store, account.id)
    assert fresh is not None
    _signed_in_member(request, fresh, f"sso:{p.slug}",
                      email if claims.get("email_verified") is True else None)
    return RedirectResponse(landing(request, fresh), status_code=303)
