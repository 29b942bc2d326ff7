"""``upwell worker`` and ``upwell scheduler``: the scale-out processes (thin shells over
``upwell.tasks``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from upwell.cli._base import _settings, cli
from upwell.store.db import Store


@cli.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("dramatiq_args", nargs=-1, type=click.UNPROCESSED)
def worker_cmd(dramatiq_args: tuple[str, ...]) -> None:
    """Run Dramatiq worker processes for Upwell's tasks (UPWELL_QUEUE=dramatiq); options are
    dramatiq's, e.g. `upwell worker --processes 2 --threads 1 --queues member-0 member-1`."""
    import os

    exe = str(Path(sys.executable).with_name("dramatiq"))
    os.execv(exe, [exe, "upwell.tasks.worker", *dramatiq_args])  # noqa: S606 - our own worker


@cli.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="Print the periodic tasks and exit.")
@click.pass_context
def scheduler_cmd(ctx: click.Context, list_only: bool) -> None:
    """Send periodic tasks (weekly insights; later syncs and digests) to every member on
    their cron times. Run exactly one per deployment."""
    from upwell.tasks.queue import queue_for
    from upwell.tasks.scheduler import build, schedules

    settings = _settings(ctx)
    if list_only:
        for name, cron in sorted(schedules(settings).items()):
            click.echo(f"{name:12} {cron}")
        return
    store = Store(settings)
    queue = queue_for(store, settings)
    try:
        build(store, settings, queue).start()
    finally:
        queue.close()
        store.close()
