"""The JSON API for delivery: fatigue controls, snooze, feedback on cards, experiments, the
member's nudges. Same policies as the pages (``member``: the owner alone, 404 to anyone else).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from upwell.store.delivery_prefs import DeliveryPrefs
from upwell.store.experiments import remove_experiment
from upwell.store.feedback import VERDICTS
from upwell.store.nudge_queue import listed
from upwell.web import dashboard
from upwell.web import delivery_actions as dx
from upwell.web.auth import MemberContext, current_member
from upwell.web.auth import app_settings as _settings
from upwell.web.auth import app_store as _store
from upwell.web.policies import policy

router = APIRouter(prefix="/api/v1", tags=["delivery"])
Me = Annotated[MemberContext, Depends(current_member)]


class DeliveryIo(BaseModel):
    digest_enabled: bool = True
    digest_hour: int | None = Field(default=None, description="Local hour; null: the server's")
    caps: dict[str, tuple[int, int]] = Field(default_factory=dict,
                                             description="channel -> [per day, per week]")
    quiet_start: int | None = 21
    quiet_end: int | None = 7
    muted: list[str] = Field(default_factory=list, description="insight ids")
    nudge_channel: str = "email"
    snoozed_until: datetime | None = None
    snoozes: dict[str, datetime] = Field(default_factory=dict)
    address_on_file: bool = False


class SnoozeIn(BaseModel):
    insight: str = Field(default="all", description="all, or one insight id")
    days: int


class ExperimentIn(BaseModel):
    metric: str
    start_on: date
    end_on: date


def _io(p: DeliveryPrefs) -> DeliveryIo:
    c = p.controls
    return DeliveryIo(digest_enabled=p.digest_enabled, digest_hour=p.digest_hour,
                      caps=dict(c.caps), quiet_start=c.quiet_start, quiet_end=c.quiet_end,
                      muted=sorted(c.muted), nudge_channel=c.nudge_channel,
                      snoozed_until=c.snoozed_until, snoozes=dict(c.snoozes),
                      address_on_file=p.has_address)


@router.get("/me/delivery")
@policy("member")
def api_delivery(request: Request, me: Me) -> DeliveryIo:
    """Your digest choice and fatigue controls."""
    return _io(dx.delivery(_store(request), me))


@router.put("/me/delivery")
@policy("member")
def api_delivery_set(request: Request, me: Me, body: DeliveryIo) -> DeliveryIo:
    """Change the digest choice, caps, quiet hours, mutes and nudge channel (snoozes have
    their own call)."""
    values: dict[str, Any] = {"quiet_start": body.quiet_start, "quiet_end": body.quiet_end,
                              "muted": body.muted, "nudge_channel": body.nudge_channel}
    for ch, (day, week) in body.caps.items():
        values[f"cap_{ch}_day"], values[f"cap_{ch}_week"] = day, week
    try:
        dx.save(_store(request), me, DeliveryPrefs(body.digest_enabled, body.digest_hour,
                                                   dx.controls_from(values)))
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return _io(dx.delivery(_store(request), me))


@router.post("/me/snooze")
@policy("member")
def api_snooze(request: Request, me: Me, body: SnoozeIn) -> DeliveryIo:
    """Snooze everything or one insight type for some days (0 ends the snooze)."""
    try:
        dx.snooze(_store(request), me, body.insight, body.days)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return _io(dx.delivery(_store(request), me))


@router.post("/me/cards/{insight}/feedback/{verdict}")
@policy("member")
def api_card_feedback(request: Request, me: Me, insight: str, verdict: str
                      ) -> dict[str, int]:
    """Helpful, not_helpful or wrong on one of this week's cards: it moves that type's
    priority for you alone."""
    if verdict not in VERDICTS:
        raise HTTPException(404)
    try:
        return {"id": dx.card_feedback(_store(request), me, insight, verdict, "api")}
    except LookupError:
        raise HTTPException(404) from None


@router.get("/me/experiments")
@policy("member")
def api_experiments(request: Request, me: Me) -> list[dict[str, Any]]:
    """Your experiments with their before/after change and 95 % interval."""
    return dx.experiments_view(_store(request), me)


@router.post("/me/experiments", status_code=201)
@policy("member")
def api_experiment_add(request: Request, me: Me, body: ExperimentIn) -> dict[str, int]:
    try:
        return {"id": dx.new_experiment(_store(request), _settings(request), me, body.metric,
                                        start_on=body.start_on, end_on=body.end_on)}
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.delete("/me/experiments/{experiment_id}", status_code=204)
@policy("member")
def api_experiment_remove(request: Request, me: Me, experiment_id: int) -> Response:
    if not remove_experiment(_store(request), me.member.id, experiment_id):
        raise HTTPException(404)
    dashboard.evict(_store(request), me.member.id)
    return Response(status_code=204)


@router.get("/me/nudges")
@policy("member")
def api_nudges(request: Request, me: Me) -> list[dict[str, Any]]:
    """Your nudges: what was detected, and whether it was sent, held back or is waiting."""
    return [{"status": q.status, "reason": q.reason, "channel": q.channel,
             "created_at": q.created_at.isoformat(), **q.payload}
            for q in listed(_store(request), me.member)]
