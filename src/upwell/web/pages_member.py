"""The member's own pages: onboarding consent, dashboard, evidence, relationships, meetings,
goals, import, privacy rights, access log and settings.

Every route here has the ``member`` policy: :func:`upwell.web.auth.current_member` serves the
signed-in member alone (anyone else: 404) and every lookup is scoped by their member id.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from upwell.aggregate.service import policy_of
from upwell.errors import UpwellError
from upwell.insights.catalog import cards_of
from upwell.insights.weekly import rerank
from upwell.store import access_log, consent
from upwell.store.feedback import weights
from upwell.store.goals import remove_goal
from upwell.store.member_rules import list_exclusions, remove_exclusion
from upwell.store.member_settings import DAYS, MemberPrefs
from upwell.web import actions, dashboard, delivery_actions
from upwell.web.auth import MemberContext, current_member, sign_out
from upwell.web.auth import app_settings as _settings
from upwell.web.auth import app_store as _store
from upwell.web.charts import bar_chart, trend_chart
from upwell.web.jobs import ImportJobs, get_job, list_jobs
from upwell.web.policies import policy
from upwell.web.rendering import render

router = APIRouter(include_in_schema=False)
Me = Annotated[MemberContext, Depends(current_member)]
CHUNK = 1024 * 1024


def _back(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


@router.get("/consent")
@policy("member")
def consent_page(request: Request, me: Me) -> Response:
    store = _store(request)
    return render(request, "consent.html", now=consent.current(store, me.member.id),
                  sources=consent.SOURCES, version=consent.CONSENT_VERSION,
                  history=consent.history(store, me.member.id),
                  group_policy=policy_of(store, _settings(request), me.principal.account.org_id))


@router.post("/consent")
@policy("member")
async def consent_save(request: Request, me: Me) -> Response:
    form = await request.form()
    choices = {(s, p): form.get(f"{s}-{p}") == "on"
               for s in consent.SOURCES for p in consent.PURPOSES}
    await run_in_threadpool(actions.record_consent, _store(request), me, choices,
                            _settings(request))
    return _back("/me/import" if any(choices.values()) else "/me")


@router.get("/me")
@policy("member")
def dashboard_page(request: Request, me: Me) -> Response:
    store, settings = _store(request), _settings(request)
    board = actions.board(store, settings, me)
    if board is None and not any(consent.current(store, me.member.id).values()):
        return _back("/consent")
    data = board.data if board is not None else None

    cards = rerank(cards_of(data), weights(store, me.member)) if data else []
    return render(request, "dashboard.html", data=data, cards=cards,
                  triggers=dashboard.triggers(), evidence_noun=dashboard.evidence_noun,
                  charts=board.charts if board is not None else [],
                  prefs=actions.prefs(store, settings, me),
                  goals=actions.goals_view(store, me, data or {}),
                  experiments=delivery_actions.experiments_view(store, me, data or {}))


@router.get("/me/cards/{insight}")
@policy("member")
def evidence_page(request: Request, me: Me, insight: str) -> Response:
    data = dashboard.load(_store(request), me.member) or {}
    card = next((c for c in cards_of(data) if c.insight == insight), None)
    if card is None:
        raise HTTPException(404)
    if request.headers.get("hx-request"):
        return render(request, "_evidence.html", card=card)
    return render(request, "evidence.html", card=card)


@router.get("/me/relationships")
@policy("member")
def relationships_page(request: Request, me: Me) -> Response:
    data = dashboard.load(_store(request), me.member) or {}
    return render(request, "relationships.html", ties=data.get("relationships", []),
                  excluded=[x for x in list_exclusions(_store(request), me.member)
                            if x.kind == "person"])


@router.get("/me/meetings")
@policy("member")
def meetings_page(request: Request, me: Me) -> Response:
    data = dashboard.load(_store(request), me.member) or {}
    trends = data.get("trends", {})
    hours = trends.get("meeting_hours")
    focus = trends.get("focus_blocks")
    return render(request, "meetings.html", now=data.get("meetings", {}),
                  hours=bar_chart("Meeting hours per week", hours["labels"],
                                  [v or 0.0 for v in hours["values"]], " h") if hours else None,
                  focus=trend_chart("Focus blocks per week", focus["labels"], focus["values"],
                                    focus["baseline"]) if focus else None)


@router.get("/me/goals")
@policy("member")
def goals_page(request: Request, me: Me, error: str | None = None) -> Response:
    return render(request, "goals.html", status_code=400 if error else 200,
                  goals=actions.goals_view(_store(request), me),
                  experiments=delivery_actions.experiments_view(_store(request), me),
                  metrics={k: m for k, m in dashboard.METRICS.items() if m.better}, error=error)


@router.post("/me/goals")
@policy("member")
def goals_add(request: Request, me: Me, metric: Annotated[str, Form()]) -> Response:
    try:
        actions.add_goal(_store(request), me, metric)
    except ValueError as exc:
        return goals_page(request, me, error=str(exc))
    return _back("/me/goals")


@router.post("/me/goals/{goal_id}/delete")
@policy("member")
def goals_remove(request: Request, me: Me, goal_id: int) -> Response:

    if not remove_goal(_store(request), me.member.id, goal_id):
        raise HTTPException(404)
    return _back("/me/goals")


@router.get("/me/import")
@policy("member")
def import_page(request: Request, me: Me) -> Response:
    store = _store(request)
    return render(request, "import.html", jobs=list_jobs(store, me.member.id), error=None,
                  consents=consent.current(store, me.member.id),
                  paused=actions.prefs(store, _settings(request), me).paused)


async def save_upload(request: Request, upload: UploadFile) -> Any:
    """Copy an upload (already spooled to disk by the parser) into a private folder, within
    the size limit; returns its path."""
    jobs: ImportJobs = request.app.state.jobs
    limit = _settings(request).web_upload_max_mb * 1024 * 1024
    folder = jobs.upload_dir()
    name = "".join(c for c in (upload.filename or "archive") if c.isalnum() or c in "._-")
    path = folder / (name.lstrip(".") or "archive")
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise HTTPException(413, "E409 the archive is larger than this server accepts")
            out.write(chunk)
    path.chmod(0o600)
    return path


def start_import(request: Request, me: MemberContext, path: Any) -> str:
    """Queue an import of ``path`` (refused while paused or without consent). Reads the
    database and may unpack the archive: call it on the thread pool from async routes."""
    store = _store(request)
    if actions.prefs(store, _settings(request), me).paused:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise HTTPException(409, "E403 you paused Upwell: resume to import")
    jobs: ImportJobs = request.app.state.jobs
    try:
        return jobs.start(me.ref, me.member.id, path)
    except UpwellError as exc:
        raise HTTPException(400, str(exc)) from None


@router.post("/me/import")
@policy("member")
async def import_upload(request: Request, me: Me, archive: UploadFile) -> Response:
    try:
        path = await save_upload(request, archive)
        job_id = await run_in_threadpool(start_import, request, me, path)
    except HTTPException as exc:
        return await run_in_threadpool(_import_refused, request, me, exc)
    return _back(f"/me/imports/{job_id}")


def _import_refused(request: Request, me: MemberContext, exc: HTTPException) -> Response:
    store = _store(request)
    return render(request, "import.html", status_code=exc.status_code, error=exc.detail,
                  jobs=list_jobs(store, me.member.id),
                  consents=consent.current(store, me.member.id),
                  paused=actions.prefs(store, _settings(request), me).paused)


@router.get("/me/imports/{job_id}")
@policy("member")
def import_job(request: Request, me: Me, job_id: str) -> Response:
    job = get_job(_store(request), me.member.id, job_id)
    if job is None:
        raise HTTPException(404)
    name = "_job.html" if request.headers.get("hx-request") else "job.html"
    return render(request, name, job=job)


@router.get("/me/privacy")
@policy("member")
def privacy_page(request: Request, me: Me, error: str | None = None) -> Response:
    store = _store(request)
    return render(request, "privacy.html", prefs=actions.prefs(store, _settings(request), me),
                  exclusions=list_exclusions(store, me.member), error=error)


@router.post("/me/pause")
@policy("member")
def pause(request: Request, me: Me, paused: Annotated[bool, Form()]) -> Response:
    actions.set_paused(_store(request), _settings(request), me, paused)
    return _back("/me/privacy")


@router.post("/me/exclusions")
@policy("member")
def exclusion_add(request: Request, me: Me, kind: Annotated[str, Form()],
                  target: Annotated[str, Form()]) -> Response:
    try:
        actions.exclude(_store(request), _settings(request), me, kind, target)
    except (LookupError, ValueError) as exc:
        return privacy_page(request, me, error=str(exc))
    return _back("/me/privacy")


@router.post("/me/exclusions/{exclusion_id}/delete")
@policy("member")
def exclusion_remove(request: Request, me: Me, exclusion_id: int) -> Response:
    if not remove_exclusion(_store(request), me.member, exclusion_id):
        raise HTTPException(404)
    actions.exclude_lifted(_store(request), _settings(request), me)
    return _back("/me/privacy")


@router.post("/me/forget")
@policy("member")
def forget(request: Request, me: Me, first: Annotated[date, Form()],
           last: Annotated[date, Form()]) -> Response:
    try:
        actions.forget(_store(request), _settings(request), me, first, last)
    except ValueError as exc:
        return privacy_page(request, me, error=str(exc))
    return _back("/me/privacy")


@router.get("/me/export.json")
@policy("member")
def export_json(request: Request, me: Me) -> Response:
    data = actions.export_all(_store(request), _settings(request), me)
    return Response(actions.export_json(data), media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="upwell-export.json"'})


@router.get("/me/export.html")
@policy("member")
def export_html(request: Request, me: Me) -> Response:
    data = actions.export_all(_store(request), _settings(request), me)
    response = render(request, "export.html", data=data)
    response.headers["Content-Disposition"] = 'attachment; filename="upwell-export.html"'
    return response


@router.post("/me/delete")
@policy("member")
def delete(request: Request, me: Me, confirm: Annotated[str, Form()] = "") -> Response:
    if confirm != "DELETE":
        return privacy_page(request, me, error="type DELETE to confirm")
    actions.delete_everything(_store(request), me, _settings(request))
    sign_out(request)
    return render(request, "deleted.html")


@router.get("/me/access-log")
@policy("member")
def access_log_page(request: Request, me: Me) -> Response:
    store = _store(request)
    return render(request, "access_log.html", entries=access_log.entries(store, me.member.id),
                  intact=access_log.verify(store, me.member.id))


@router.get("/me/settings")
@policy("member")
def settings_page(request: Request, me: Me) -> Response:
    prefs = actions.prefs(_store(request), _settings(request), me)
    inferred = actions.inferred_profile(_store(request), _settings(request), me)
    if inferred is not None and inferred["source"] != "unknown":  # offered, saved on Save
        start, end = str(inferred["hours"]).split("-")
        prefs = replace(prefs, tz=str(inferred["tz"]), start_hour=int(start),
                        end_hour=int(end))
    return render(request, "settings.html", prefs=prefs, inferred=inferred,
                  days=DAYS, error=None,
                  **delivery_actions.delivery_context(_store(request), _settings(request), me))


@router.post("/me/settings")
@policy("member")
def settings_save(request: Request, me: Me,  # noqa: PLR0917 - one form field each
                  tz: Annotated[str, Form()],
                  start_hour: Annotated[int, Form()], end_hour: Annotated[int, Form()],
                  digest_day: Annotated[int, Form()],
                  evidence_retention_days: Annotated[int, Form()]) -> Response:
    new = MemberPrefs(tz.strip(), start_hour, end_hour, digest_day, evidence_retention_days)
    try:
        actions.save_settings(_store(request), _settings(request), me, new)
    except ValueError as exc:
        return render(request, "settings.html", status_code=400, prefs=new, days=DAYS,
                      error=str(exc), inferred=None,
                      **delivery_actions.delivery_context(_store(request), _settings(request),
                                                          me))
    return _back("/me/settings")
