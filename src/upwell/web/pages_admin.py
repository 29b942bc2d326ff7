"""The org admin's pages: invitations and single sign-on providers for their own org.

Policy ``org_admin``: admins of this org only; members and other tenants get 404. Nothing here
reads any member's data, or who signed up or opted in (invitations are not tied to a person).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from upwell.store.accounts import create_invitation, invitations_of, org_name, revoke_invitation
from upwell.web import oidc
from upwell.web.auth import Principal, current_admin
from upwell.web.auth import app_store as _store
from upwell.web.policies import policy
from upwell.web.rendering import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, Depends(current_admin)]


def _page(request: Request, admin: Principal, *, new_link: str | None = None,
          error: str | None = None, status: int = 200) -> Response:
    store = _store(request)
    org = admin.account.org_id
    return render(request, "admin.html", status_code=status, org=org_name(store, org),
                  invitations=invitations_of(store, org), providers=oidc.providers(store, org),
                  new_link=new_link, error=error)


@router.get("/admin")
@policy("org_admin")
def admin_page(request: Request, admin: Admin) -> Response:
    return _page(request, admin)


@router.post("/admin/invitations")
@policy("org_admin")
def invite(request: Request, admin: Admin) -> Response:
    token = create_invitation(_store(request), admin.account.org_id)
    return _page(request, admin, new_link=str(request.url_for("invite_page", token=token)))


@router.post("/admin/invitations/{invitation_id}/revoke")
@policy("org_admin")
def revoke(request: Request, admin: Admin, invitation_id: int) -> Response:
    if not revoke_invitation(_store(request), admin.account.org_id, invitation_id):
        raise HTTPException(404)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/sso")
@policy("org_admin")
def sso_add(request: Request, admin: Admin,  # noqa: PLR0917 - one form field each
            slug: Annotated[str, Form()],
            kind: Annotated[str, Form()], client_id: Annotated[str, Form()],
            client_secret: Annotated[str, Form()], issuer: Annotated[str, Form()] = ""
            ) -> Response:
    try:
        oidc.add_provider(_store(request), request.app.state.secret_box, admin.account.org_id,
                          slug, kind=kind, issuer=issuer, client_id=client_id,
                          client_secret=client_secret)
    except ValueError as exc:
        return _page(request, admin, error=str(exc), status=400)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/sso/{provider_id}/delete")
@policy("org_admin")
def sso_remove(request: Request, admin: Admin, provider_id: int) -> Response:
    if not oidc.remove_provider(_store(request), admin.account.org_id, provider_id):
        raise HTTPException(404)
    return RedirectResponse("/admin", status_code=303)
