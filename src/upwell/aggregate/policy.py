"""The works-council policy: which metrics may leave members' data, the group floor k, the
privacy budget per period and the period's length. Versioned; every change is logged.

Reads/writes: ``aggregate_policies`` (append-only: one row per version, each with a note; the
log is on every member's group-insights page). A policy file is TOML::

    metrics = ["after_hours", "meeting_hours"]   # ids from upwell.aggregate.metrics.METRICS
    k = 10                                       # group floor, never below 5
    epsilon = 1.0                                # budget per period, all metrics together
    period = "28 days"                           # or "week"
    note = "Agreed with the works council on 2026-01-12"

An org without a stored policy runs on the defaults from settings (version 0).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select

from upwell.aggregate.metrics import DEFAULT_METRICS, METRICS
from upwell.errors import UpwellError
from upwell.store.db import Store
from upwell.store.schema import aggregate_policies

MIN_K = 5
MAX_EPSILON = 10.0
PERIODS = {"week": 7, "28 days": 28}
#: Periods are counted from this Monday, so every period starts on a Monday.
ANCHOR = date(2024, 1, 1)


class PolicyError(UpwellError):
    """A policy file or value that cannot be used (what is wrong and how to fix it)."""

    code = "E510"


@dataclass(frozen=True, slots=True)
class Policy:
    metrics: tuple[str, ...] = DEFAULT_METRICS
    k: int = 10
    epsilon: float = 1.0
    period_days: int = 28
    version: int = 0
    note: str = "defaults"
    created_at: datetime | None = field(default=None, compare=False)

    def checked(self) -> Policy:
        """This policy, or :class:`PolicyError` naming what is wrong."""
        unknown = [m for m in self.metrics if m not in METRICS]
        if unknown or not self.metrics:
            raise PolicyError(f"unknown or missing metrics {unknown}: choose from "
                              f"{sorted(METRICS)}")
        if len(set(self.metrics)) != len(self.metrics):
            raise PolicyError("a metric is listed twice")
        if not isinstance(self.k, int) or self.k < MIN_K:
            raise PolicyError(f"k must be a whole number of at least {MIN_K}")
        if not 0 < self.epsilon <= MAX_EPSILON:
            raise PolicyError(f"epsilon must be above 0 and at most {MAX_EPSILON}")
        if self.period_days not in PERIODS.values():
            raise PolicyError('period must be "week" or "28 days"')
        return self

    @property
    def period_name(self) -> str:
        return next(k for k, v in PERIODS.items() if v == self.period_days)

    def same_rules(self, other: Policy) -> bool:
        return (self.metrics, self.k, self.epsilon, self.period_days) == (
            other.metrics, other.k, other.epsilon, other.period_days)


def parse_policy(text: str) -> Policy:
    """A policy from the text of a TOML policy file (unknown keys are refused)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"the policy file is not valid TOML ({exc})") from None
    data = data.get("policy", data)
    extra = set(data) - {"metrics", "k", "epsilon", "period", "note"}
    if extra:
        raise PolicyError(f"unknown keys {sorted(extra)}: use metrics, k, epsilon, period, note")
    period = data.get("period", "28 days")
    if period not in PERIODS:
        raise PolicyError('period must be "week" or "28 days"')
    metrics = data.get("metrics", list(DEFAULT_METRICS))
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        raise PolicyError("metrics must be a list of metric ids")
    eps = data.get("epsilon", 1.0)
    if not isinstance(eps, int | float) or isinstance(eps, bool):
        raise PolicyError("epsilon must be a number")
    return Policy(tuple(metrics), data.get("k", 10), float(eps), PERIODS[period],
                  note=str(data.get("note", ""))[:200]).checked()


def _policy(row: object) -> Policy:
    r = row
    return Policy(tuple(json.loads(r.metrics)), r.k, r.epsilon,  # type: ignore[attr-defined]
                  r.period_days, r.version, r.note,  # type: ignore[attr-defined]
                  r.created_at)  # type: ignore[attr-defined]


def current_policy(store: Store, org: int, default: Policy | None = None) -> Policy:
    """The policy in force: the newest stored version, else ``default`` (version 0)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(aggregate_policies).where(aggregate_policies.c.org_id == org)
                           .order_by(aggregate_policies.c.version.desc()).limit(1)).first()
    return _policy(row) if row is not None else (default or Policy())


def policy_log(store: Store, org: int) -> list[Policy]:
    """Every stored version of the org's policy, newest first (the change log)."""
    with store.engine.connect() as conn:
        return [_policy(r) for r in conn.execute(
            select(aggregate_policies).where(aggregate_policies.c.org_id == org)
            .order_by(aggregate_policies.c.version.desc()))]


def set_policy(store: Store, org: int, policy: Policy, default: Policy | None = None
               ) -> tuple[Policy, bool]:
    """Store ``policy`` as the org's next version (with its note) unless its rules are the
    ones in force; returns (the policy in force, whether it changed)."""
    policy.checked()
    now = current_policy(store, org, default)
    if now.version and now.same_rules(policy):
        return now, False
    at = datetime.now(UTC)
    with store.engine.begin() as conn:
        version = int(conn.scalar(select(func.coalesce(func.max(aggregate_policies.c.version), 0))
                                  .where(aggregate_policies.c.org_id == org)) or 0) + 1
        conn.execute(insert(aggregate_policies).values(
            org_id=org, version=version, metrics=json.dumps(list(policy.metrics)), k=policy.k,
            epsilon=policy.epsilon, period_days=policy.period_days,
            note=policy.note[:200] or "changed", created_at=at))
    return Policy(policy.metrics, policy.k, policy.epsilon, policy.period_days, version,
                  policy.note[:200] or "changed", at), True


def period_of(day: date, period_days: int) -> date:
    """The first day of the period holding ``day`` (periods count from :data:`ANCHOR`)."""
    return ANCHOR + timedelta(days=(day - ANCHOR).days // period_days * period_days)


def window(period: date, period_days: int) -> tuple[datetime, datetime]:
    """The period as aware UTC datetimes ``[start, end)``."""
    start = datetime(period.year, period.month, period.day, tzinfo=UTC)
    return start, start + timedelta(days=period_days)


def parse_period(value: str, period_days: int) -> date:
    """A period from a date in it (YYYY-MM-DD)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise PolicyError("give the period as a date YYYY-MM-DD inside it") from None
    return period_of(day, period_days)
