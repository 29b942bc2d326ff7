"""A member's personal experiments: a behaviour (a weekly metric) and the period they try a
change in it.

Reads/writes: ``experiments``. The metric names are the dashboard's weekly trend metrics
(:data:`upwell.insights.board.METRICS`); the before/after comparison is computed from the
member's own data (:mod:`upwell.insights.experiments`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import delete, func, insert, select

from upwell.store.db import Store
from upwell.store.schema import experiments

MAX_EXPERIMENTS = 3
MAX_DAYS = 120


@dataclass(frozen=True, slots=True)
class Experiment:
    id: int
    metric: str
    start_on: date
    end_on: date
    created_at: datetime


def list_experiments(store: Store, member_id: int) -> list[Experiment]:
    with store.engine.connect() as conn:
        return [Experiment(r.id, r.metric, r.start_on, r.end_on,
                           r.created_at)
                for r in conn.execute(select(experiments)
                                      .where(experiments.c.member_id == member_id)
                                      .order_by(experiments.c.id))]


def add_experiment(store: Store, member_id: int, metric: str, start_on: date, end_on: date
                   ) -> int:
    """A new experiment from ``start_on`` to ``end_on`` (inclusive); at most
    :data:`MAX_EXPERIMENTS` at once."""
    if end_on < start_on:
        raise ValueError("the experiment ends before it starts")
    if (end_on - start_on).days + 1 > MAX_DAYS:
        raise ValueError(f"keep an experiment to {MAX_DAYS} days or fewer")
    with store.engine.begin() as conn:
        n = conn.scalar(select(func.count()).select_from(experiments)
                        .where(experiments.c.member_id == member_id)) or 0
        if n >= MAX_EXPERIMENTS:
            raise ValueError(f"run at most {MAX_EXPERIMENTS} experiments: remove one first")
        pk = conn.execute(insert(experiments).values(
            member_id=member_id, metric=metric, start_on=start_on, end_on=end_on,
            created_at=datetime.now(UTC))).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def remove_experiment(store: Store, member_id: int, experiment_id: int) -> bool:
    with store.engine.begin() as conn:
        res = conn.execute(delete(experiments).where(experiments.c.id == experiment_id,
                                                     experiments.c.member_id == member_id))
    return bool(res.rowcount)
