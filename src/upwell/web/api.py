"""The JSON API: the member's actions, described by OpenAPI at /openapi.json.

Same policies as the pages (the session cookie signs in; unsafe calls send the CSRF token in
``X-CSRF-Token``, returned by ``POST /api/v1/session``). Personal routes answer 404 to anyone
but their owner.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from upwell.insights.catalog import cards_of
from upwell.store import access_log, consent
from upwell.store.db import Store
from upwell.store.goals import remove_goal
from upwell.store.member_rules import list_exclusions, remove_exclusion
from upwell.store.member_settings import MemberPrefs
from upwell.web import actions, dashboard
from upwell.web.auth import (
    MemberContext,
    Principal,
    current_account,
    current_member,
    principal,
    public_form,
    sign_out,
)
from upwell.web.auth import app_settings as _settings
from upwell.web.auth import app_store as _store
from upwell.web.jobs import get_job, list_jobs
from upwell.web.pages_auth import _signed_in_member, check_login
from upwell.web.pages_member import save_upload, start_import
from upwell.web.policies import policy

router = APIRouter(prefix="/api/v1", tags=["member"])
Me = Annotated[MemberContext, Depends(current_member)]


class Credentials(BaseModel):
    email: str
    password: str


class SessionOut(BaseModel):
    csrf: str = Field(description="Send as X-CSRF-Token on every unsafe call.")
    role: str


class Consent(BaseModel):
    source: str
    purpose: str
    granted: bool


class ConsentState(BaseModel):
    version: str
    consents: list[Consent]


class PauseIn(BaseModel):
    paused: bool


class ExclusionIn(BaseModel):
    kind: str = Field(description="person (an id from /relationships), channel (a chat "
                      "channel id) or personal (a message id a card lists: its sender is "
                      "personal, not work, and no longer coached)")
    target: str


class ForgetIn(BaseModel):
    first: date
    last: date


class GoalIn(BaseModel):
    metric: str


class SettingsIo(BaseModel):
    tz: str = "UTC"
    start_hour: int = 9
    end_hour: int = 17
    digest_day: int = 0
    evidence_retention_days: int = 30
    paused: bool = False


@router.post("/session", dependencies=[Depends(public_form)])
@policy("public")
def api_sign_in(request: Request, body: Credentials) -> SessionOut:
    """Sign in with email and password (rate limited). Sets the session cookie."""
    account = check_login(request, body.email, body.password)
    _signed_in_member(request, account, "api", body.email)

    p = principal(request)
    assert p is not None
    return SessionOut(csrf=p.csrf, role=account.role)


@router.delete("/session", status_code=204)
@policy("signed_in")
def api_sign_out(request: Request, _p: Annotated[Principal, Depends(current_account)]
                 ) -> Response:
    sign_out(request)
    return Response(status_code=204)


def _consents(store: Store, member_id: int) -> ConsentState:
    return ConsentState(version=consent.CONSENT_VERSION, consents=[
        Consent(source=s, purpose=p, granted=g)
        for (s, p), g in consent.current(store, member_id).items()])


@router.get("/me/consents")
@policy("member")
def api_consents(request: Request, me: Me) -> ConsentState:
    """What you allowed, per source and purpose (all off until you turn them on)."""
    return _consents(_store(request), me.member.id)


@router.put("/me/consents")
@policy("member")
def api_consents_set(request: Request, me: Me, body: list[Consent]) -> ConsentState:
    """Change consents; each change is a new versioned record."""
    try:
        actions.record_consent(_store(request), me,
                               {(c.source, c.purpose): c.granted for c in body},
                               request.app.state.settings)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return _consents(_store(request), me.member.id)


@router.post("/me/imports", status_code=202)
@policy("member")
async def api_import(request: Request, me: Me, archive: UploadFile) -> dict[str, Any]:
    """Upload an archive; it is imported in the background (poll the job)."""
    path = await save_upload(request, archive)
    job_id = await run_in_threadpool(start_import, request, me, path)
    job = await run_in_threadpool(get_job, _store(request), me.member.id, job_id)
    assert job is not None
    return job.as_dict()


@router.get("/me/imports")
@policy("member")
def api_imports(request: Request, me: Me) -> list[dict[str, Any]]:
    return [j.as_dict() for j in list_jobs(_store(request), me.member.id)]


@router.get("/me/imports/{job_id}")
@policy("member")
def api_import_job(request: Request, me: Me, job_id: str) -> dict[str, Any]:
    """One of your import jobs: status and counts."""
    job = get_job(_store(request), me.member.id, job_id)
    if job is None:
        raise HTTPException(404)
    return job.as_dict()


@router.get("/me/dashboard")
@policy("member")
def api_dashboard(request: Request, me: Me) -> dict[str, Any]:
    """This week's cards (counts; evidence at /me/cards/{insight}/evidence), trends against
    your own baseline, meetings."""
    board = actions.board(_store(request), _settings(request), me)
    data = board.data if board is not None else {}
    cards = [c.to_json(evidence=False) for c in cards_of(data)]
    return {"week": data.get("week"), "cards": cards, "trends": data.get("trends", {}),
            "meetings": data.get("meetings", {})}


@router.get("/me/cards/{insight}/evidence")
@policy("member")
def api_evidence(request: Request, me: Me, insight: str) -> list[dict[str, Any]]:
    """The messages and phrases behind one card (yours alone)."""
    data = dashboard.load(_store(request), me.member) or {}
    card = next((c for c in cards_of(data) if c.insight == insight), None)
    if card is None:
        raise HTTPException(404)
    return [e.to_json() for e in card.evidence]


@router.get("/me/relationships")
@policy("member")
def api_relationships(request: Request, me: Me) -> list[dict[str, Any]]:
    data = dashboard.load(_store(request), me.member) or {}
    ties: list[dict[str, Any]] = data.get("relationships", [])
    return ties


@router.get("/me/goals")
@policy("member")
def api_goals(request: Request, me: Me) -> list[dict[str, Any]]:
    return actions.goals_view(_store(request), me)


@router.post("/me/goals", status_code=201)
@policy("member")
def api_goal_add(request: Request, me: Me, body: GoalIn) -> dict[str, int]:
    try:
        return {"id": actions.add_goal(_store(request), me, body.metric)}
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.delete("/me/goals/{goal_id}", status_code=204)
@policy("member")
def api_goal_remove(request: Request, me: Me, goal_id: int) -> Response:
    if not remove_goal(_store(request), me.member.id, goal_id):
        raise HTTPException(404)
    return Response(status_code=204)


@router.get("/me/exclusions")
@policy("member")
def api_exclusions(request: Request, me: Me) -> list[dict[str, Any]]:
    return [{"id": x.id, "kind": x.kind, "label": x.label,
             "start": x.start.isoformat() if x.start else None,
             "end": x.end.isoformat() if x.end else None,
             "last_day": x.last_day.isoformat() if x.last_day else None}
            for x in list_exclusions(_store(request), me.member)]


@router.post("/me/exclusions", status_code=201)
@policy("member")
def api_exclusion_add(request: Request, me: Me, body: ExclusionIn) -> dict[str, int]:
    """Keep a person or a chat channel out of your coaching, or mark a message's sender as
    personal, not work."""
    try:
        return {"id": actions.exclude(_store(request), _settings(request), me, body.kind,
                                      body.target)}
    except (LookupError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None


@router.delete("/me/exclusions/{exclusion_id}", status_code=204)
@policy("member")
def api_exclusion_remove(request: Request, me: Me, exclusion_id: int) -> Response:
    if not remove_exclusion(_store(request), me.member, exclusion_id):
        raise HTTPException(404)
    actions.exclude_lifted(_store(request), _settings(request), me)
    return Response(status_code=204)


@router.post("/me/forget")
@policy("member")
def api_forget(request: Request, me: Me, body: ForgetIn) -> dict[str, int]:
    """Forget everything dated from ``first`` to ``last`` (inclusive, UTC days)."""
    try:
        return actions.forget(_store(request), _settings(request), me, body.first, body.last)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.post("/me/pause")
@policy("member")
def api_pause(request: Request, me: Me, body: PauseIn) -> SettingsIo:
    """Pause (no imports, no analysis) or resume."""
    return _io(actions.set_paused(_store(request), _settings(request), me, body.paused))


def _io(p: MemberPrefs) -> SettingsIo:
    return SettingsIo(tz=p.tz, start_hour=p.start_hour, end_hour=p.end_hour,
                      digest_day=p.digest_day, evidence_retention_days=p.evidence_retention_days,
                      paused=p.paused)


@router.get("/me/settings")
@policy("member")
def api_settings(request: Request, me: Me) -> SettingsIo:
    return _io(actions.prefs(_store(request), _settings(request), me))


@router.put("/me/settings")
@policy("member")
def api_settings_set(request: Request, me: Me, body: SettingsIo) -> SettingsIo:
    """Time zone, working hours, digest day, evidence retention (pause has its own call)."""
    try:
        p = actions.save_settings(_store(request), _settings(request), me, MemberPrefs(
            body.tz, body.start_hour, body.end_hour, body.digest_day,
            body.evidence_retention_days))
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return _io(p)


@router.get("/me/export")
@policy("member")
def api_export(request: Request, me: Me) -> dict[str, Any]:
    """Everything stored for you, decrypted."""
    return actions.export_all(_store(request), _settings(request), me)


@router.get("/me/access-log")
@policy("member")
def api_access_log(request: Request, me: Me) -> dict[str, Any]:
    store = _store(request)
    return {"intact": access_log.verify(store, me.member.id),
            "entries": [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor,
                         "action": e.action, "detail": e.detail, "hash": e.hash}
                        for e in access_log.entries(store, me.member.id)]}


@router.delete("/me", status_code=200)
@policy("member")
def api_delete(request: Request, me: Me) -> dict[str, Any]:
    """Delete everything: your key is shredded first, then every row; a tombstone stays."""
    removed = actions.delete_everything(_store(request), me, request.app.state.settings)
    sign_out(request)
    return {"deleted": True, "rows": sum(removed.values())}
