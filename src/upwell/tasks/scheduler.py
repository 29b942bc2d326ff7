"""The scheduler process: periodic tasks sent to every member at their cron times (APScheduler).

Reads: the registry's periodic tasks (``schedule=``), ``Settings.schedules`` overrides, the
member ids. Writes: one message per member per tick, ids only. The run id of each message is
derived from (task, member, tick), so a tick sent twice (a second scheduler, a restart inside
the misfire grace time) runs once: the second finds the run done. Run exactly one scheduler
per deployment all the same (docs/deploy.md).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from upwell.config import Settings
from upwell.store.db import Store
from upwell.store.schema import member_keys
from upwell.tasks.queue import DramatiqQueue, InlineQueue
from upwell.tasks.registry import tasks

log = logging.getLogger(__name__)

_NS = uuid.UUID("6f0c1b7e-1d0e-4c53-9a55-5d1f3c0a7e10")


def schedules(settings: Settings) -> dict[str, str]:
    """Periodic task -> cron line (UTC), with the settings' overrides; "" turns one off."""
    out = {name: spec.schedule for name, spec in tasks().items() if spec.schedule}
    out.update(settings.schedules)
    return {name: cron for name, cron in out.items() if cron}


def fan_out(store: Store, queue: InlineQueue | DramatiqQueue, name: str,
            tick: datetime) -> int:
    """Send task ``name`` to every member who has a key (a member who deleted their data has
    none); returns how many were sent."""
    with store.engine.connect() as conn:
        ids = [int(i) for i in conn.scalars(select(member_keys.c.member_id)
                                            .order_by(member_keys.c.member_id))]
    stamp = tick.astimezone(UTC).strftime("%Y%m%dT%H%M")
    for member_id in ids:
        run_id = str(uuid.uuid5(_NS, f"{name}|{member_id}|{stamp}"))
        queue.send(name, run_id=run_id, member_id=member_id)
    log.info("periodic task sent", extra={"task": name, "members": len(ids)})
    return len(ids)


def build(store: Store, settings: Settings, queue: InlineQueue | DramatiqQueue,
          scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """A scheduler with one cron job per periodic task (not started)."""
    sched = scheduler or BlockingScheduler(timezone=UTC)
    for name, cron in schedules(settings).items():
        trigger = CronTrigger.from_crontab(cron, timezone=UTC)

        def job(_name: str = name) -> None:
            fan_out(store, queue, _name, datetime.now(UTC).replace(second=0, microsecond=0))

        sched.add_job(job, trigger, id=name, name=name, coalesce=True, max_instances=1,
                      misfire_grace_time=3600, replace_existing=True)
    return sched
