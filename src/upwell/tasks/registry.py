"""The task registry: each task is a plain function of ids, registered once by name.

Reads and writes nothing itself. A task is ``fn(ctx, **ids)``: ``ctx`` gives it the store, the
settings and its run (see :mod:`upwell.tasks.runs`), and ``ids`` are the only payload a queue
carries: integers and opaque tokens, never content, addresses, names or secrets
(:func:`check_ids` refuses anything else before a message is built). The same function runs
in-process (the embedded default) and as a Dramatiq actor (:mod:`upwell.tasks.worker`); a
periodic task also names its cron line, and the scheduler fans it out to every member. See
docs/deploy.md ("Adding a task").
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from upwell.tasks.runs import TaskRun

Ids = dict[str, int | str]
TaskFn = Callable[..., dict[str, Any] | None]
F = TypeVar("F", bound=TaskFn)

#: What an id may look like: an integer, or a token of letters, digits, ``_`` and ``-`` (a
#: random hex id, a spool entry, a reader name). No ``@``, dot, space or slash can pass, so no
#: address, subject, file name or path can ride in a payload.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """One registered task.

    ``member``: the task belongs to one member (its ``member_id`` id picks the member's shard
    queue, and a per-member lock orders it against the member's other tasks); else it runs on
    the ``org`` queue. ``schedule``: a cron line (UTC) for the scheduler, which sends the task
    to every member at each tick (``Settings.schedules`` overrides it).
    """

    name: str
    fn: TaskFn
    ids: tuple[str, ...]
    member: bool = True
    schedule: str | None = None


_TASKS: dict[str, TaskSpec] = {}

#: The modules whose ``@task`` registrations every process loads (web, workers, scheduler).
#: A new task module adds its name here (e.g. ``"upwell.tasks.exports"``).
TASK_MODULES: tuple[str, ...] = ("upwell.tasks.builtin", "upwell.tasks.periodic")


def task(name: str, *, ids: tuple[str, ...], member: bool = True,
         schedule: str | None = None) -> Callable[[F], F]:
    """Register ``fn(ctx, **ids)`` as task ``name`` (what a later task adds, once)."""
    if not TOKEN.match(name):
        raise ValueError(f"task names are tokens: {name!r}")
    if member and "member_id" not in ids:
        raise ValueError(f"member task {name!r} must take member_id")

    def register(fn: F) -> F:
        if name in _TASKS and _TASKS[name].fn is not fn:
            raise ValueError(f"task {name!r} registered twice")
        _TASKS[name] = TaskSpec(name, fn, ids, member, schedule)
        return fn

    return register


def tasks() -> dict[str, TaskSpec]:
    """Every registered task (the modules of :data:`TASK_MODULES` loaded first)."""
    for module in TASK_MODULES:
        importlib.import_module(module)
    return dict(_TASKS)


def get(name: str) -> TaskSpec:
    spec = tasks().get(name)
    if spec is None:
        raise KeyError(f"no task {name!r}")
    return spec


def check_ids(spec: TaskSpec, ids: dict[str, Any]) -> Ids:
    """``ids`` as a payload: exactly the task's ids, each an int or a token (else ValueError,
    which names the key and never the value)."""
    if set(ids) != set(spec.ids):
        raise ValueError(f"task {spec.name} takes {sorted(spec.ids)}, got {sorted(ids)}")
    out: Ids = {}
    for key, value in ids.items():
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"task {spec.name}: {key} must be an int or a token")
        if isinstance(value, str) and not TOKEN.match(value):
            raise ValueError(f"task {spec.name}: {key} is not a token (ids only in payloads)")
        out[key] = value
    return out


def shard(member_id: int, shards: int) -> int:
    """The member's shard: a stable hash (the same on every machine and Python run)."""
    digest = hashlib.blake2b(str(member_id).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def queue_name(spec: TaskSpec, ids: Ids, shards: int) -> str:
    """``member-<shard>`` for a member's task, ``org`` otherwise."""
    if spec.member:
        member_id = ids["member_id"]
        assert isinstance(member_id, int)
        return f"member-{shard(member_id, shards)}"
    return "org"


def all_queues(shards: int) -> list[str]:
    return [f"member-{i}" for i in range(shards)] + ["org"]


def run_task(spec: TaskSpec, ctx: TaskRun, ids: Ids) -> dict[str, Any] | None:
    return spec.fn(ctx, **ids)
