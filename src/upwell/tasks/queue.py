"""Sending tasks: in-process (the embedded default) or to Dramatiq workers over Redis.

Reads: settings (``queue``, Redis URL, shards). Writes: nothing itself in-process (the task
runs here, through :func:`upwell.tasks.runs.execute`), or one Redis message per task holding
the task's name and ids only. ``chain`` keeps a member's steps in order (import, then
insights): in-process one after the other, on Dramatiq as a pipeline whose next message is sent
only once the step before it finished.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from upwell.config import Settings
from upwell.store.db import Store
from upwell.tasks import metrics
from upwell.tasks.registry import Ids, check_ids, get, queue_name
from upwell.tasks.runs import execute

log = logging.getLogger(__name__)

Step = tuple[str, dict[str, Any]]


class Queue(Protocol):
    def send(self, name: str, run_id: str | None = None, **ids: Any) -> str: ...

    def chain(self, steps: Sequence[Step]) -> list[str]: ...

    def close(self) -> None: ...


def _checked(steps: Sequence[Step], shards: int) -> list[tuple[str, Ids, str]]:
    out = []
    for name, ids in steps:
        spec = get(name)
        payload = check_ids(spec, ids)
        out.append((name, payload, queue_name(spec, payload, shards)))
    return out


class InlineQueue:
    """Tasks run in this process: at once (``send`` returns when the task has run), or on one
    background thread in turn (``background=True``: the web app's embedded default)."""

    def __init__(self, store: Store, settings: Settings, *, background: bool = False) -> None:
        self.store = store
        self.settings = settings
        self._pool = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="upwell-task")
                      if background else None)
        self.futures: dict[str, Future[None]] = {}

    def send(self, name: str, run_id: str | None = None, **ids: Any) -> str:
        return self.chain([(name, ids)], [run_id] if run_id else None)[0]

    def chain(self, steps: Sequence[Step], run_ids: Sequence[str] | None = None) -> list[str]:
        checked = _checked(steps, self.settings.queue_shards)
        ids = list(run_ids or [uuid.uuid4().hex for _ in checked])
        for name, _payload, queue in checked:
            metrics.TASKS_SENT.labels(name, queue).inc()
        if self._pool is None:
            self._run(checked, ids)
            return ids
        future = self._pool.submit(self._run, checked, ids)
        for i in ids:
            self.futures[i] = future
        return ids

    def _run(self, checked: list[tuple[str, Ids, str]], run_ids: list[str]) -> None:
        for (name, payload, _queue), run_id in zip(checked, run_ids, strict=True):
            try:
                execute(self.store, self.settings, name, run_id, payload)
            except Exception as exc:
                if self._pool is None:
                    raise
                log.error("task failed", extra={"task": name, "error_type": type(exc).__name__})
                return

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        future = self.futures.get(run_id)
        if future is not None:
            future.result(timeout)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


class DramatiqQueue:
    """Tasks sent to the Redis broker, run by ``dramatiq upwell.tasks.worker`` processes."""

    def __init__(self, settings: Settings) -> None:
        from upwell.tasks.broker import make_broker  # noqa: PLC0415 - dramatiq and Redis load only when a broker is configured (embedded default runs inline)

        self.settings = settings
        self.broker = make_broker(settings)

    def message(self, name: str, payload: Ids, queue: str, run_id: str | None = None) -> Any:
        import dramatiq  # noqa: PLC0415 - dramatiq and Redis load only when a broker is configured (embedded default runs inline)

        return dramatiq.Message(queue_name=queue, actor_name=f"upwell.{name}", args=(),
                                kwargs=payload, options={},
                                message_id=run_id or str(uuid.uuid4()))

    def send(self, name: str, run_id: str | None = None, **ids: Any) -> str:
        return self.chain([(name, ids)], [run_id] if run_id else None)[0]

    def chain(self, steps: Sequence[Step], run_ids: Sequence[str] | None = None) -> list[str]:
        import dramatiq  # noqa: PLC0415 - dramatiq and Redis load only when a broker is configured (embedded default runs inline)

        checked = _checked(steps, self.settings.queue_shards)
        ids = list(run_ids or [str(uuid.uuid4()) for _ in checked])
        messages = [self.message(name, payload, queue, rid)
                    for (name, payload, queue), rid in zip(checked, ids, strict=True)]
        if len(messages) == 1:
            self.broker.enqueue(messages[0])
        else:
            pipe = dramatiq.pipeline(messages, broker=self.broker)
            pipe.run()  # type: ignore[no-untyped-call]  # dramatiq's pipeline is untyped
        for name, _payload, queue in checked:
            metrics.TASKS_SENT.labels(name, queue).inc()
        return ids

    def ping(self) -> bool:
        """Whether Redis answers."""
        try:
            return bool(self.broker.client.ping())
        except Exception:
            return False

    def close(self) -> None:
        self.broker.close()


def queue_for(store: Store, settings: Settings, *, background: bool = False
              ) -> InlineQueue | DramatiqQueue:
    """The queue the settings ask for."""
    if settings.queue == "dramatiq":
        return DramatiqQueue(settings)
    return InlineQueue(store, settings, background=background)
