"""Prometheus metrics of tasks and web requests, labelled by task, outcome, queue and route
template only: never a member id, an address or anything else about a person.

Reads nothing. Writes counters in this process's registry, served by the web app's ``/metrics``
and, when ``worker_metrics_port`` is set, by each worker process.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

TASKS = Counter("upwell_tasks", "Task runs by outcome (done, skipped, failed, retried).",
                ["task", "outcome", "queue"])
TASK_SECONDS = Histogram("upwell_task_seconds", "Wall time of task runs.", ["task", "queue"],
                         buckets=(0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600))
TASKS_SENT = Counter("upwell_tasks_sent", "Tasks sent to a queue.", ["task", "queue"])
HTTP = Counter("upwell_http_requests", "Web requests by route template and status.",
               ["route", "status"])

CONTENT_TYPE = CONTENT_TYPE_LATEST


def exposition() -> bytes:
    """The metrics in Prometheus' text format."""
    return generate_latest(REGISTRY)
