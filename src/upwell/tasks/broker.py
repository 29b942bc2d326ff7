"""The Dramatiq broker on Redis, with one actor per registered task.

Reads: settings (Redis URL, namespace, shards, retries, time limit, heartbeat). Writes nothing
until a message is sent. Every queue (``member-0`` ... and ``org``) is declared, so a worker
started with ``--queues member-3`` consumes exactly that shard. An actor's body is one call:
:func:`upwell.tasks.runs.execute` with the message id as the run id (a redelivery keeps it).
"""

from __future__ import annotations

import threading
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage, Middleware
from prometheus_client import start_http_server

from upwell.config import Settings
from upwell.errors import UpwellError
from upwell.store.db import Store
from upwell.tasks.registry import all_queues, tasks
from upwell.tasks.runs import execute

#: Queue maintenance (handing a dead worker's unacknowledged messages to the living) runs on
#: about this many of a million broker calls: 5 %, so that redelivery after a crash comes within
#: seconds of the heartbeat timeout; a maintenance pass is a few cheap Redis commands.
MAINTENANCE_CHANCE = 50_000


class _WorkerMetrics(Middleware):
    """Serve this worker process's Prometheus metrics on ``worker_metrics_port``."""

    def __init__(self, port: int) -> None:
        self.port = port

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        start_http_server(self.port)


class _Runner(Middleware):
    """Runs a task in a worker process on that process's one store (opened at first use,
    closed when the worker shuts down)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Any = None
        self._lock = threading.Lock()

    def store(self) -> Any:
        with self._lock:
            if self._store is None:
                self._store = Store(self.settings)
            return self._store

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def __call__(self, name: str, ids: dict[str, Any]) -> None:
        message = CurrentMessage.get_current_message()
        assert message is not None
        execute(self.store(), self.settings, name, message.message_id, ids)


def make_broker(settings: Settings, *, worker: bool = False) -> RedisBroker:
    """The broker with every queue and task actor declared (``worker``: also the process's
    metrics server, when a port is set)."""
    broker = RedisBroker(  # type: ignore[no-untyped-call]  # dramatiq's broker is untyped
        url=settings.redis_url, namespace=settings.queue_namespace,
        heartbeat_timeout=settings.broker_heartbeat_ms, maintenance_chance=MAINTENANCE_CHANCE)
    broker.add_middleware(CurrentMessage())
    if worker and settings.worker_metrics_port:
        broker.add_middleware(_WorkerMetrics(settings.worker_metrics_port))
    for queue in all_queues(settings.queue_shards):
        broker.declare_queue(queue)
    runner = _Runner(settings)
    broker.add_middleware(runner)
    for spec in tasks().values():
        def body(_name: str = spec.name, **ids: Any) -> None:
            runner(_name, ids)

        body.__name__ = f"upwell_{spec.name}"
        dramatiq.actor(actor_name=f"upwell.{spec.name}", queue_name="org", broker=broker,
                       max_retries=settings.task_max_retries,
                       time_limit=settings.task_time_limit_s * 1000,
                       throws=(UpwellError,), pipe_ignore=True)(body)
    return broker
