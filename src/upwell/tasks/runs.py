"""Running one task once: the run ledger, the per-member lock and the metrics around a task.

Reads and writes the ``task_runs`` table (one row per run id: a Dramatiq message id, which a
redelivery keeps, or a fresh id in-process). A run already ``done`` is skipped, so redelivering a
finished message changes nothing; a run found ``running`` or ``failed`` was interrupted (a
worker killed, a crash) and is done again: tasks are written so that doing them again adds
nothing (records are keyed by content ids, every batch commits whole), and they get the earlier
attempt's notes (:attr:`TaskRun.previous`) to tidy what it left, e.g. its ``imports`` row.
A member's tasks hold a per-member lock while they run (a PostgreSQL advisory lock, released by
the server if the worker dies; a process lock on SQLite), so no two of them ever run at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text, update

from upwell.config import Settings
from upwell.store.db import Store
from upwell.store.schema import members, task_runs
from upwell.tasks import metrics
from upwell.tasks.registry import check_ids, get, queue_name

#: The first key of the two-key advisory locks this module takes (the second is the member id).
LOCK_CLASS = 0x5550


@dataclass
class TaskRun:
    """What a task gets besides its ids: the store, the settings and its run."""

    store: Store
    settings: Settings
    run_id: str
    attempt: int
    previous: dict[str, Any] = field(default_factory=dict)

    def note(self, **detail: int | str | float | None) -> None:
        """Record ids or counts on this run now (committed at once, so a redelivery after a
        crash finds them in :attr:`previous`). Never content."""
        self.previous.update(detail)
        with self.store.engine.begin() as conn:
            conn.execute(update(task_runs).where(task_runs.c.id == self.run_id)
                         .values(detail=json.dumps(self.previous, sort_keys=True)))


_local_locks: dict[int, threading.Lock] = {}
_local_guard = threading.Lock()


@contextmanager
def member_lock(store: Store, member_id: int | None) -> Iterator[None]:
    """Hold the member's lock: across every worker on PostgreSQL, within this process on
    SQLite (the embedded default has one process)."""
    if member_id is None:
        yield
        return
    if store.dialect == "postgresql":
        with store.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:c, :m)"), {"c": LOCK_CLASS, "m": member_id})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:c, :m)"),
                             {"c": LOCK_CLASS, "m": member_id})
                conn.commit()
        return
    with _local_guard:
        lock = _local_locks.setdefault(member_id, threading.Lock())
    with lock:
        yield


def execute(store: Store, settings: Settings, name: str, run_id: str,
            ids: dict[str, Any]) -> str:
    """Run task ``name`` with ``ids`` as run ``run_id``, at most once to completion.

    Returns the outcome: ``done``, ``skipped`` (the run was already done) or ``gone`` (the
    member was deleted: nothing runs). Exceptions propagate (the run is left ``failed``, and a
    queue may retry it).
    """
    spec = get(name)
    payload = check_ids(spec, ids)
    queue = queue_name(spec, payload, settings.queue_shards)
    member_id = payload.get("member_id") if spec.member else None
    assert member_id is None or isinstance(member_id, int)
    with member_lock(store, member_id):
        with store.engine.begin() as conn:
            if member_id is not None and conn.scalar(
                    select(members.c.id).where(members.c.id == member_id)) is None:
                metrics.TASKS.labels(name, "gone", queue).inc()
                return "gone"
            row = conn.execute(select(task_runs).where(task_runs.c.id == run_id)).first()
            if row is not None and row.status == "done":
                metrics.TASKS.labels(name, "skipped", queue).inc()
                return "skipped"
            now = datetime.now(UTC)
            if row is None:
                attempt, previous = 1, {}
                conn.execute(insert(task_runs).values(
                    id=run_id, task=name, member_id=member_id, queue=queue, status="running",
                    attempts=1, started_at=now))
            else:
                attempt, previous = row.attempts + 1, json.loads(row.detail or "{}")
                conn.execute(update(task_runs).where(task_runs.c.id == run_id).values(
                    status="running", attempts=attempt, started_at=now, finished_at=None))
        ctx = TaskRun(store, settings, run_id, attempt, previous)
        began, cpu = time.perf_counter(), time.thread_time()
        try:
            result = spec.fn(ctx, **payload) or {}
        except BaseException:
            _finish(store, run_id, "failed", ctx.previous, cpu)
            metrics.TASKS.labels(name, "failed", queue).inc()
            raise
        finally:
            metrics.TASK_SECONDS.labels(name, queue).observe(time.perf_counter() - began)
        _finish(store, run_id, "done", {**ctx.previous, **result}, cpu)
    metrics.TASKS.labels(name, "done", queue).inc()
    return "done"


def _finish(store: Store, run_id: str, status: str, detail: dict[str, Any], cpu: float) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(task_runs).where(task_runs.c.id == run_id).values(
            status=status, finished_at=datetime.now(UTC),
            detail=json.dumps(detail, sort_keys=True), cpu_s=time.thread_time() - cpu))


def run_status(store: Store, run_id: str) -> str | None:
    """The status of run ``run_id`` (``None`` when it never started)."""
    with store.engine.connect() as conn:
        return conn.scalar(select(task_runs.c.status).where(task_runs.c.id == run_id))
