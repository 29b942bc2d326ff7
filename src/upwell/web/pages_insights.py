"""Group insights on the web: the org admin's console and every member's own page about it.

Policy ``org_admin`` (``/admin/insights``, ``/api/v1/org/...``): adoption per group only as
"threshold reached / not yet", released metrics with their 95 % intervals, suppressed groups
with a reason (no counts), trends across periods, the ledger, the policy and its log; uploads
of the team tree and the policy file; releasing a period through the guard. Policy ``member``
(``/me/group-insights``): the same ledger, the policy in force and its change log, and exactly
which metrics leave the member's data. Everything is read through
:mod:`upwell.aggregate.service`; nothing here reaches a person's data or the guard's
contributor sets.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from upwell.aggregate import service
from upwell.aggregate.metrics import METRICS
from upwell.errors import UpwellError
from upwell.web.auth import MemberContext, Principal, current_admin, current_member
from upwell.web.auth import app_settings as _settings
from upwell.web.auth import app_store as _store
from upwell.web.charts import interval_chart
from upwell.web.policies import policy
from upwell.web.rendering import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1")
Admin = Annotated[Principal, Depends(current_admin)]
Me = Annotated[MemberContext, Depends(current_member)]
#: Largest tree or policy file an admin may upload.
MAX_FILE = 20 * 1024 * 1024


def _charts(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for metric, points in data["trends"].items():
        spec = METRICS[metric]
        unit = f" {spec.unit}" if spec.unit else ""
        out.append({"metric": metric, "label": spec.label, "svg": interval_chart(
            spec.label, [p["period"] for p in points], [p.get("value") for p in points],
            [p.get("half_width") for p in points], low=spec.low, high=spec.high, unit=unit)})
    return out


def _console(request: Request, admin: Principal, group: str | None, *, message: str | None = None,
             error: str | None = None, status: int = 200) -> Response:
    data = service.console(_store(request), _settings(request), admin.account.org_id, group)
    return render(request, "insights.html", status_code=status, data=data,
                  charts=_charts(data), message=message, error=error)


@router.get("/admin/insights")
@policy("org_admin")
def insights_page(request: Request, admin: Admin, group: str | None = None) -> Response:
    return _console(request, admin, group)


async def _read(upload: UploadFile) -> str:
    data = await upload.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise UpwellError("the file is larger than 20 MiB", code="E511")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UpwellError("the file is not UTF-8 text", code="E511") from None


@router.post("/admin/insights/tree")
@policy("org_admin")
async def tree_upload(request: Request, admin: Admin, tree: UploadFile,
                      period: Annotated[str, Form()],
                      members: UploadFile | None = None) -> Response:
    try:
        text = await _read(tree)
        extra = await _read(members) if members is not None and members.filename else None
        summary = await run_in_threadpool(
            service.import_tree, _store(request), _settings(request), admin.account.org_id,
            period, text, filename=tree.filename or "", members=extra)
    except UpwellError as exc:
        return await run_in_threadpool(_console, request, admin, None, error=str(exc),
                                       status=400)
    return await run_in_threadpool(
        _console, request, admin, None,
        message=f"Tree for the period from {summary.period} imported: {summary.nodes} groups, "
                f"{summary.listed} people listed.")


@router.post("/admin/insights/policy")
@policy("org_admin")
async def policy_upload(request: Request, admin: Admin, policy_file: UploadFile) -> Response:
    try:
        text = await _read(policy_file)
        found, changed = await run_in_threadpool(
            service.load_policy, _store(request), _settings(request), admin.account.org_id,
            text)
    except UpwellError as exc:
        return await run_in_threadpool(_console, request, admin, None, error=str(exc),
                                       status=400)
    note = (f"Policy version {found.version} is in force; members see the change."
            if changed else "Same rules as the policy in force: nothing changed.")
    return await run_in_threadpool(_console, request, admin, None, message=note)


@router.post("/admin/insights/release")
@policy("org_admin")
def release_period(request: Request, admin: Admin, period: Annotated[str, Form()]
                   ) -> Response:
    try:
        service.release(_store(request), _settings(request), admin.account.org_id, period)
    except UpwellError as exc:
        return _console(request, admin, None, error=str(exc), status=400)
    return RedirectResponse("/admin/insights", status_code=303)


@api.get("/org/insights")
@policy("org_admin")
def insights_json(request: Request, admin: Admin, group: str | None = None) -> JSONResponse:
    return JSONResponse(service.console(_store(request), _settings(request),
                                        admin.account.org_id, group))


@api.get("/org/ledger")
@policy("org_admin")
def ledger_json(request: Request, admin: Admin) -> JSONResponse:
    return JSONResponse(service.ledger_rows(_store(request), admin.account.org_id))


@router.get("/me/group-insights")
@policy("member")
def member_insights_page(request: Request, me: Me) -> Response:
    data = service.member_page(_store(request), _settings(request), me.principal.account.org_id,
                               me.member.id)
    return render(request, "group_insights.html", data=data)


@api.get("/me/group-insights")
@policy("member")
def member_insights_json(request: Request, me: Me) -> JSONResponse:
    return JSONResponse(service.member_page(_store(request), _settings(request),
                                            me.principal.account.org_id, me.member.id))
