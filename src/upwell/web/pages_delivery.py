"""Delivery pages: the member's fatigue controls, snooze, feedback buttons on cards and
experiments (policy ``member``); and the signed links from a digest or nudge, which work
without signing in (policy ``public``: the token is bound to one account, content-free, single
use). ``POST /unsubscribe/{token}`` is RFC 8058 one-click: a mail provider posts
``List-Unsubscribe=One-Click`` with no session and no form token, so the signed token itself is
what proves the request (the route registry test lists it as such).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from upwell.insights import catalog
from upwell.store.delivery_prefs import DeliveryPrefs
from upwell.store.experiments import remove_experiment
from upwell.store.feedback import VERDICTS
from upwell.store.member_settings import DAYS
from upwell.web import actions, dashboard
from upwell.web import delivery_actions as dx
from upwell.web.auth import MemberContext, current_member, public_form
from upwell.web.auth import app_settings as _settings
from upwell.web.auth import app_store as _store
from upwell.web.pages_member import goals_page
from upwell.web.policies import policy
from upwell.web.rendering import render

router = APIRouter(include_in_schema=False)
Me = Annotated[MemberContext, Depends(current_member)]


@router.post("/me/delivery")
@policy("member")
async def delivery_save(request: Request, me: Me) -> Response:
    form = await request.form()
    values: dict[str, object] = {k: v for k, v in form.items() if k != "muted"}
    values["muted"] = [str(v) for v in form.getlist("muted")]
    hour = str(form.get("digest_hour") or "")

    def save() -> Response:
        try:
            new = DeliveryPrefs(digest_enabled=form.get("digest_enabled") == "on",
                                digest_hour=int(hour) if hour else None,
                                controls=dx.controls_from(values))
            dx.save(_store(request), me, new)
        except ValueError as exc:
            return settings_with_error(request, me, str(exc))
        return RedirectResponse("/me/settings", status_code=303)

    return await run_in_threadpool(save)


def settings_with_error(request: Request, me: MemberContext, error: str) -> Response:

    return render(request, "settings.html", status_code=400,
                  prefs=actions.prefs(_store(request), _settings(request), me), days=DAYS,
                  error=error, **delivery_context(request, me))


def delivery_context(request: Request, me: MemberContext) -> dict[str, Any]:
    """What the settings page shows of the member's delivery choices."""
    return dx.delivery_context(_store(request), _settings(request), me)


@router.post("/me/snooze")
@policy("member")
def snooze(request: Request, me: Me, insight: Annotated[str, Form()],
           days: Annotated[int, Form()]) -> Response:
    try:
        dx.snooze(_store(request), me, insight, days)
    except ValueError as exc:
        return settings_with_error(request, me, str(exc))
    return RedirectResponse("/me/settings", status_code=303)


@router.post("/me/cards/{insight}/feedback/{verdict}")
@policy("member")
def card_feedback(request: Request, me: Me, insight: str, verdict: str) -> Response:
    if verdict not in VERDICTS:
        raise HTTPException(404)
    try:
        dx.card_feedback(_store(request), me, insight, verdict)
    except LookupError:
        raise HTTPException(404) from None
    if request.headers.get("hx-request"):
        return HTMLResponse('<span class="muted">Thanks: noted for your own ranking.</span>')
    return RedirectResponse("/me", status_code=303)


@router.post("/me/experiments")
@policy("member")
def experiment_add(request: Request, me: Me, metric: Annotated[str, Form()],
                   start_on: Annotated[date, Form()], end_on: Annotated[date, Form()]
                   ) -> Response:
    try:
        dx.new_experiment(_store(request), _settings(request), me, metric,
                          start_on=start_on, end_on=end_on)
    except ValueError as exc:

        return goals_page(request, me, error=str(exc))
    return RedirectResponse("/me/goals", status_code=303)


@router.post("/me/experiments/{experiment_id}/delete")
@policy("member")
def experiment_remove(request: Request, me: Me, experiment_id: int) -> Response:
    if not remove_experiment(_store(request), me.member.id, experiment_id):
        raise HTTPException(404)
    dashboard.evict(_store(request), me.member.id)
    return RedirectResponse("/me/goals", status_code=303)


# -- signed links from a digest or nudge --------------------------------------------------------


@router.get("/unsubscribe/{token}")
@policy("public")
def unsubscribe_page(request: Request, token: str) -> Response:
    if dx.claim_of(_settings(request), token, "unsubscribe") is None:
        raise HTTPException(404)
    return render(request, "link.html", title="Stop the weekly digest",
                  text="Stop the weekly digest email? You can turn it on again in your "
                  "settings.", action=f"/unsubscribe/{token}", button="Stop the digest",
                  field=("List-Unsubscribe", "One-Click"))


@router.post("/unsubscribe/{token}")
@policy("public")
def unsubscribe(request: Request, token: str) -> Response:
    if not dx.unsubscribe(_store(request), _settings(request), token):
        raise HTTPException(404)
    return render(request, "link.html", title="Digest stopped",
                  text="You will get no more weekly digests. Turn them on again in your "
                  "settings whenever you like.", action=None)


@router.get("/feedback/{token}")
@policy("public")
def feedback_page(request: Request, token: str) -> Response:
    claim = dx.claim_of(_settings(request), token, "feedback")
    if claim is None or claim.insight not in catalog():
        raise HTTPException(404)
    label = {"helpful": "helpful", "not_helpful": "not helpful", "wrong": "wrong"}
    return render(request, "link.html", title="Your feedback",
                  text=f"Mark \u201c{catalog()[claim.insight].title}\u201d as "
                  f"{label.get(claim.verdict, claim.verdict)}? It changes how Upwell ranks "
                  "this kind of card for you alone.", action=f"/feedback/{token}",
                  button="Send feedback", field=None)


@router.post("/feedback/{token}", dependencies=[Depends(public_form)])
@policy("public")
def feedback_send(request: Request, token: str) -> Response:
    done = dx.link_feedback(_store(request), _settings(request), token)
    if done is None:
        raise HTTPException(404)
    return render(request, "link.html", title="Thank you",
                  text="Noted." if done else "This feedback was already recorded.",
                  action=None)
