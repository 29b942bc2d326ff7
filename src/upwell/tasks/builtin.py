"""The built-in tasks: import, reanalyze, insights and the web app's import jobs.

Each is a thin shell over the library, registered with :func:`upwell.tasks.registry.task` as
any later task is (sync, digest, aggregate). Reads: the member's spooled archive and rows.
Writes: the member's rows (idempotent by content ids; a batch commits whole), their dashboard,
counts on the run and on the web job. Returns counts only.
"""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from upwell.errors import UpwellError
from upwell.insights import board
from upwell.pipeline.analyzers import resolve_analyzers
from upwell.pipeline.imports import ImportReport, import_archive
from upwell.store import access_log
from upwell.store.db import Member
from upwell.store.member_data import purge_evidence
from upwell.store.member_rules import reapply_forgotten
from upwell.store.member_settings import MemberPrefs, get_prefs
from upwell.store.schema import import_jobs, imports
from upwell.tasks import spool
from upwell.tasks.registry import task
from upwell.tasks.runs import TaskRun

log = logging.getLogger(__name__)


def _close_interrupted(ctx: TaskRun) -> None:
    """Mark the ``imports`` row of an attempt that was killed as interrupted (its committed
    batches stay: doing the import again finds them and adds nothing twice)."""
    import_id = ctx.previous.get("import_id")
    if ctx.attempt > 1 and isinstance(import_id, int):
        with ctx.store.engine.begin() as conn:
            conn.execute(update(imports).where(imports.c.id == import_id,
                                               imports.c.status == "running")
                         .values(status="interrupted", finished_at=datetime.now(UTC)))


def _counts(report: ImportReport) -> dict[str, Any]:
    return {"reader": report.reader, "seen": report.seen, "imported": report.imported,
            "skipped": sum(report.skipped.values())}


def _import(ctx: TaskRun, member: Member, prefs: MemberPrefs, spool_id: str, *,
            refresh: bool) -> ImportReport:
    s = ctx.settings
    _close_interrupted(ctx)
    path, fmt = spool.resolve(s, spool_id)
    purge_evidence(ctx.store, member, prefs.evidence_retention_days)
    report = import_archive(
        ctx.store, member, path, fmt=fmt, batch_size=s.batch_size, workers=s.import_workers,
        analyzers=resolve_analyzers(s), evidence=prefs.evidence_retention_days > 0,
        refresh=refresh, on_start=lambda import_id: ctx.note(import_id=import_id))
    reapply_forgotten(ctx.store, member)
    return report


@task("import", ids=("member_id", "spool_id"))
def import_task(ctx: TaskRun, member_id: int, spool_id: str) -> dict[str, Any]:
    """Import the spooled archive ``spool_id`` for the member, analyzers on (the analysis of
    every new message happens here, its body dropped after)."""
    prefs = get_prefs(ctx.store, member_id, ctx.settings.evidence_retention_days)
    if prefs.paused:
        return {"paused": 1}
    report = _import(ctx, ctx.store.open_member_id(member_id), prefs, spool_id, refresh=False)
    return _counts(report)


@task("reanalyze", ids=("member_id", "spool_id"))
def reanalyze_task(ctx: TaskRun, member_id: int, spool_id: str) -> dict[str, Any]:
    """Recompute stale features by reading the spooled archive again (bodies are never kept)."""
    prefs = get_prefs(ctx.store, member_id, ctx.settings.evidence_retention_days)
    if prefs.paused:
        return {"paused": 1}
    report = _import(ctx, ctx.store.open_member_id(member_id), prefs, spool_id, refresh=True)
    return {**_counts(report), "reanalyzed": report.reanalyzed}


@task("insights", ids=("member_id",), schedule="0 4 * * 1")
def insights_task(ctx: TaskRun, member_id: int) -> dict[str, Any]:
    """Coach the member: recompute their cards and dashboard (weekly, and after imports)."""
    prefs = get_prefs(ctx.store, member_id, ctx.settings.evidence_retention_days)
    if prefs.paused:
        return {"paused": 1}
    payload = board.refresh(ctx.store, ctx.store.open_member_id(member_id), prefs)
    return {"cards": len(payload.get("cards", []))}


@task("web_import", ids=("member_id", "job_id", "spool_id"))
def web_import_task(ctx: TaskRun, member_id: int, job_id: str, spool_id: str
                    ) -> dict[str, Any]:
    """The web app's import job: the uploaded archive imported, the job row kept up to date
    (counts only), the dashboard refreshed, the access log written, the upload deleted."""
    store, s = ctx.store, ctx.settings

    def set_job(**values: Any) -> None:
        with store.engine.begin() as conn:
            conn.execute(update(import_jobs).where(import_jobs.c.id == job_id,
                                                   import_jobs.c.member_id == member_id)
                         .values(**values))

    def finish(**values: Any) -> None:
        """The job's last state, written once its upload is gone: whoever sees the job ended
        (the page, a test) never finds the upload still on disk."""
        shutil.rmtree(s.resolved_spool_dir() / spool_id, ignore_errors=True)
        set_job(finished_at=datetime.now(UTC), **values)

    with store.engine.connect() as conn:
        if conn.scalar(select(import_jobs.c.id).where(import_jobs.c.id == job_id,
                                                      import_jobs.c.member_id == member_id)
                       ) is None:
            return {"job": "unknown"}
    try:
        prefs = get_prefs(store, member_id, s.evidence_retention_days)
        if prefs.paused:
            finish(status="paused", error="E403 you paused Upwell: resume to import")
            return {"paused": 1}
        member = store.open_member_id(member_id)
        set_job(status="running")

        def progress(r: ImportReport) -> None:
            set_job(seen=r.seen, imported=r.imported, skipped=sum(r.skipped.values()))

        _close_interrupted(ctx)
        path, fmt = spool.resolve(s, spool_id)
        purge_evidence(store, member, prefs.evidence_retention_days)
        report = import_archive(
            store, member, path, fmt=fmt, batch_size=s.batch_size, workers=s.import_workers,
            analyzers=resolve_analyzers(s), evidence=prefs.evidence_retention_days > 0,
            progress=progress, on_start=lambda import_id: ctx.note(import_id=import_id))
        reapply_forgotten(store, member)
        board.refresh(store, member, prefs)
        skipped = sum(report.skipped.values())
        finish(status="done", seen=report.seen, imported=report.imported, skipped=skipped)
        access_log.append(store, member_id, "member-job", "import",
                          f"{report.reader}: {report.imported} imported, {skipped} skipped")
        return _counts(report)
    except UpwellError as exc:
        finish(status="failed", error=str(exc)[:200])
        return {"failed": exc.code}
    except Exception as exc:
        log.error("import job failed", extra={"error_type": type(exc).__name__})
        finish(status="failed", error="E500 the import failed unexpectedly: try again, or ask "
               "your operator to check the server log")
        return {"failed": "E500"}
    finally:  # an interrupted run (a worker stopped mid-import) leaves no upload either
        shutil.rmtree(s.resolved_spool_dir() / spool_id, ignore_errors=True)
