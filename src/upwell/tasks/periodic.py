"""Source syncs, digests, nudges and group-insight releases as tasks (ids only).

Registered like the built-ins (:mod:`upwell.tasks.builtin`), so each runs in-process by default
and as a Dramatiq actor when ``UPWELL_QUEUE=dramatiq``; the periodic ones are sent to every
member by the scheduler process. Reads and writes what the library functions they call do:
:func:`upwell.pipeline.sync.sync_connection`, :func:`upwell.deliver.digest_job.send_digest`,
:func:`upwell.deliver.nudges.run_for`, :func:`upwell.aggregate.service.release`. Returns counts
and statuses only.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from upwell.aggregate.service import release
from upwell.deliver.chat import channels_for
from upwell.deliver.digest_job import send_digest
from upwell.deliver.nudges import run_for
from upwell.errors import ConnectorError, UpwellError
from upwell.insights import board
from upwell.pipeline.sync import sync_connection
from upwell.store import connections
from upwell.store.db import Store
from upwell.store.member_settings import get_prefs
from upwell.store.schema import accounts
from upwell.tasks.registry import task
from upwell.tasks.runs import TaskRun

log = logging.getLogger(__name__)


def account_of(store: Store, member_id: int) -> tuple[int, str] | None:
    """The account (id, member reference) whose member is ``member_id``, if any."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(accounts.c.id, accounts.c.member_ref)
                            .where(accounts.c.member_ref.is_not(None))).all()
    for account_id, ref in rows:
        if store.find_member(ref) == member_id:
            return int(account_id), str(ref)
    return None


def _refresh(ctx: TaskRun, member_id: int) -> None:
    prefs = get_prefs(ctx.store, member_id, ctx.settings.evidence_retention_days)
    if not prefs.paused:
        board.refresh(ctx.store, ctx.store.open_member_id(member_id), prefs)


@task("sync", ids=("member_id", "connection_id"))
def sync_task(ctx: TaskRun, member_id: int, connection_id: str) -> dict[str, Any]:
    """Sync one of the member's connected sources ("sync now"); the dashboard follows."""
    try:
        report = sync_connection(ctx.store, ctx.settings, ctx.store.open_member_id(member_id),
                                 connection_id)
    except (UpwellError, LookupError) as exc:
        return {"error": getattr(exc, "code", "E799")}  # disconnected or gone meanwhile
    if report.imported or report.removed:
        _refresh(ctx, member_id)
    return {"imported": report.imported, "removed": report.removed}


@task("sync_member", ids=("member_id",), schedule="*/30 * * * *")
def sync_member_task(ctx: TaskRun, member_id: int) -> dict[str, Any]:
    """Sync every active connected source of the member (every half hour): one failing source
    (provider down, grant gone) is noted and the others still run."""
    member = ctx.store.open_member_id(member_id)
    imported = failed = 0
    for c in connections.list_for(ctx.store, member_id):
        if c.status != connections.ACTIVE:
            continue
        try:
            report = sync_connection(ctx.store, ctx.settings, member, c.id)
        except ConnectorError as exc:
            failed += 1
            log.info("sync failed", extra={"source": c.source, "code": exc.code})
            continue
        imported += report.imported + report.removed
    if imported:
        _refresh(ctx, member_id)
    return {"imported": imported, "failed": failed}


@task("digest", ids=("member_id",), schedule="0 * * * *")
def digest_task(ctx: TaskRun, member_id: int) -> dict[str, Any]:
    """Send the member's weekly digest if it is due now (every hour; once per week at most)."""
    found = account_of(ctx.store, member_id)
    if found is None:
        return {"status": "no-account"}
    outcome = send_digest(ctx.store, ctx.settings, found[0], datetime.now(UTC))
    return {"status": outcome.status, "cards": outcome.cards}


@task("nudges", ids=("member_id",), schedule="*/30 * * * *")
def nudges_task(ctx: TaskRun, member_id: int) -> dict[str, Any]:
    """Detect the member's timely nudges and deliver the due ones on their channel."""
    found = account_of(ctx.store, member_id)
    if found is None:
        return {"status": "no-account"}
    outcomes = run_for(ctx.store, ctx.settings, found[0], found[1], now=datetime.now(UTC),
                       channels=channels_for(ctx.store, ctx.settings))
    counts: dict[str, Any] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return counts


@task("aggregate_release", ids=("org_id", "period"), member=False)
def aggregate_release_task(ctx: TaskRun, org_id: int, period: str) -> dict[str, Any]:
    """Release a period's group insights through the privacy guard (org-wide, on the ``org``
    queue; cached decisions make a redelivery charge nothing twice)."""
    counts: dict[str, Any] = {}
    for d in release(ctx.store, ctx.settings, org_id, period):
        counts[d.status] = counts.get(d.status, 0) + 1
    return counts
