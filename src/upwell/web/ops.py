"""Operations routes: liveness, readiness and Prometheus metrics (no personal data anywhere).

Reads: the store (one query; the schema revision), the broker when ``queue`` is ``dramatiq``,
this process's metrics. Writes nothing. ``/healthz`` says the process serves; ``/readyz``
says it can do its work (database reachable, migrations at head, broker reachable when one is
configured), for a load balancer or an orchestrator; ``/metrics`` is Prometheus' text format,
labelled by task, outcome, queue and route template only. See docs/deploy.md.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from upwell.store.db import SCHEMA_HEAD, Store, schema_revision
from upwell.tasks import metrics
from upwell.web.policies import policy

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
@policy("public")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def readiness(request: Request) -> dict[str, Any]:
    """Each check and whether it passes."""
    store: Store = request.app.state.store
    checks: dict[str, Any] = {}
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = schema_revision(conn)
        checks["database"] = True
        checks["migrations"] = revision == SCHEMA_HEAD
    except Exception:
        checks["database"] = checks["migrations"] = False
    queue = request.app.state.jobs.queue
    ping = getattr(queue, "ping", None)
    checks["broker"] = True if ping is None else bool(ping())
    return checks


@router.get("/readyz")
@policy("public")
def readyz(request: Request) -> Response:
    checks = readiness(request)
    ready = all(checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


@router.get("/metrics")
@policy("public")
def metrics_endpoint() -> Response:
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
