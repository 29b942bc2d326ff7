"""The member's team page: their direct reports (and manager), declared by them, with
suggestions from recurring one-to-ones in their own calendar.

Every route has the ``member`` policy (anyone else: 404) and is a thin shell over
:mod:`upwell.store.team`, the same functions ``upwell team add/remove/list`` call, so the web
and the CLI apply one set of rules. Ids travel in form fields and are scoped by the member's
own id: another member's person id finds nothing here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from upwell.store import team
from upwell.store.member_view import load_member
from upwell.web import actions
from upwell.web.auth import MemberContext, current_member
from upwell.web.auth import app_settings as _settings
from upwell.web.auth import app_store as _store
from upwell.web.policies import policy
from upwell.web.rendering import render

router = APIRouter(include_in_schema=False)
Me = Annotated[MemberContext, Depends(current_member)]


def _back() -> Response:
    return RedirectResponse("/me/team", status_code=303)


@router.get("/me/team")
@policy("member")
def team_page(request: Request, me: Me, error: str | None = None) -> Response:
    view = load_member(_store(request), me.member)
    return render(request, "team.html", status_code=400 if error else 200,
                  people=team.members_of(view), suggestions=team.suggestions(view),
                  relations=team.RELATIONS, error=error)


@router.post("/me/team")
@policy("member")
def team_add(request: Request, me: Me, person: Annotated[str, Form()] = "",
             person_id: Annotated[str, Form()] = "",
             relation: Annotated[str, Form()] = "report") -> Response:
    """Declare someone: typed in (``person``, an address or a full name) or picked from the
    suggestions (``person_id``)."""
    store = _store(request)
    if person_id:
        return _added(request, me, relation,
                      lambda: team.set_person_relation(store, me.member, person_id, relation))
    return _added(request, me, relation,
                  lambda: team.add_to_team(store, me.member, person, relation))


def _added(request: Request, me: Me, relation: str, add: Callable[[], object]) -> Response:
    """Run ``add``; the page again with the reason when the rules refuse it, 404 for a person
    who is not the member's, else the change logged and the dashboard refreshed."""
    try:
        add()
    except team.TeamError as exc:
        return team_page(request, me, error=str(exc))
    except LookupError as exc:
        raise HTTPException(404) from exc
    actions.team_changed(_store(request), _settings(request), me, f"added a {relation}")
    return _back()


@router.post("/me/team/remove")
@policy("member")
def team_remove(request: Request, me: Me, person_id: Annotated[str, Form()]) -> Response:
    if not team.remove_person(_store(request), me.member, person_id):
        raise HTTPException(404)
    actions.team_changed(_store(request), _settings(request), me, "removed someone")
    return _back()
