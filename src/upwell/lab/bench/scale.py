"""``upwell bench scale``: import and coach a simulated organization on PostgreSQL + Redis with
1, then 2 (or more) Dramatiq worker processes, and project the cost to a larger one.

Reads: sentence pools (from ../shared/data, outside the timing), a PostgreSQL server (a scratch
database per run, dropped after) and a Redis server (a fresh key namespace per run, deleted
after). Writes: the simulated archives in a temporary folder, removed after. For each worker
count: every participant's mail, Slack export and calendar is spooled and sent as one chain
(import x3, then insights) before the workers start; the clock runs from starting the worker
processes (their start-up included) to the last task done. CPU seconds are the worker
processes' own (user + system, read from the OS once they exit). Each worker process runs one
thread and no import sub-processes, so N processes use N cores.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from upwell.config import Settings
from upwell.errors import ConfigError
from upwell.lab.sim import simulate
from upwell.lab.sim.corpus import Pools
from upwell.store.db import Store
from upwell.store.schema import events, messages, task_runs
from upwell.tasks import spool
from upwell.tasks.queue import DramatiqQueue
from upwell.testing import scratch_postgres

#: The organization the projection is for.
TARGET_PEOPLE = 10_000
TARGET_WEEKS = 52


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _start_workers(n: int, env: dict[str, str], log: Path) -> list[subprocess.Popen[bytes]]:
    dramatiq = Path(sys.executable).with_name("dramatiq")
    cmd = [str(dramatiq), "upwell.tasks.worker", "--processes", "1", "--threads", "1"]
    with log.open("ab") as out:
        return [subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603 - our own fixed command line
                                 start_new_session=True) for _ in range(n)]


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment of a worker process for ``settings`` (the fields a worker needs)."""
    env = dict(os.environ)
    env.update({
        "UPWELL_HOME": str(settings.home), "UPWELL_QUEUE": "dramatiq",
        "UPWELL_DATABASE_URL": settings.resolved_database_url(),
        "UPWELL_REDIS_URL": settings.redis_url,
        "UPWELL_QUEUE_NAMESPACE": settings.queue_namespace,
        "UPWELL_QUEUE_SHARDS": str(settings.queue_shards),
        "UPWELL_SPOOL_DIR": str(settings.resolved_spool_dir()),
        "UPWELL_IMPORT_WORKERS": str(settings.import_workers),
        "UPWELL_BATCH_SIZE": str(settings.batch_size),
        "UPWELL_BROKER_HEARTBEAT_MS": str(settings.broker_heartbeat_ms),
        # One message held per queue: long tasks stay spread over the workers to the end.
        "dramatiq_queue_prefetch": "1",
    })
    return env


def clear_namespace(redis_url: str, namespace: str) -> None:
    """Delete every Redis key of ``namespace``."""
    import redis  # noqa: PLC0415 - redis loads only for the Redis scale run

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
        for i in range(0, len(keys), 500):
            client.delete(*keys[i:i + 500])
    finally:
        client.close()


def _one_run(sim: Path, participants: list[str], n: int, *, postgres: str | None,
             redis_url: str, work: Path, timeout: float,
             progress: Callable[[str], None] | None) -> dict[str, Any]:
    home = work / f"home-{n}"
    namespace = f"upwell-bench-{uuid.uuid4().hex[:8]}"
    with scratch_postgres(postgres) as url:
        settings = Settings(home=home, database_url=url, queue="dramatiq", redis_url=redis_url,
                            queue_namespace=namespace, import_workers=0,
                            spool_dir=home / "spool")
        store = Store(settings)
        queue = DramatiqQueue(settings)
        procs: list[subprocess.Popen[bytes]] = []
        try:
            total = 0
            for pid in participants:
                member = store.open_member(pid)
                base = sim / "people" / pid
                steps: list[tuple[str, dict[str, Any]]] = []
                for path, fmt in ((base / "mail", "maildir"), (base / "slack", "slack"),
                                  (base / "calendar.ics", "ics")):
                    if path.exists():
                        steps.append(("import", {"member_id": member.id,
                                                 "spool_id": spool.link(settings, path, fmt)}))
                steps.append(("insights", {"member_id": member.id}))
                queue.chain(steps)
                total += len(steps)
            cpu0 = _children_cpu()
            began = time.perf_counter()
            procs = _start_workers(n, worker_env(settings), work / f"workers-{n}.log")
            done = 0
            while done < total:
                if time.perf_counter() - began > timeout:
                    raise ConfigError(f"E602 the {n}-worker run did not finish in {timeout:.0f} s "
                                      f"({done} of {total} tasks): see {work}/workers-{n}.log")
                if all(p.poll() is not None for p in procs):
                    raise ConfigError(f"E602 the workers exited early: see "
                                      f"{work}/workers-{n}.log")
                time.sleep(0.25)
                with store.engine.connect() as conn:
                    done = conn.scalar(select(func.count()).select_from(task_runs)
                                       .where(task_runs.c.status == "done")) or 0
            seconds = time.perf_counter() - began
            _stop(procs)
            cpu = _children_cpu() - cpu0
            with store.engine.connect() as conn:
                n_messages = conn.scalar(select(func.count()).select_from(messages)) or 0
                n_events = conn.scalar(select(func.count()).select_from(events)) or 0
                task_cpu = conn.scalar(select(func.sum(task_runs.c.cpu_s))) or 0.0
        finally:
            _stop(procs)
            queue.close()
            store.close()
            clear_namespace(redis_url, namespace)
    members = len(participants)
    if progress is not None:
        progress(f"{n} worker(s): {n_messages:,} messages in {seconds:.1f} s")
    return {"workers": n, "seconds": round(seconds, 2), "tasks": total,
            "messages": n_messages, "events": n_events,
            "messages_per_s": round(n_messages / seconds, 1),
            "members_per_s": round(members / seconds, 3),
            "cpu_s": round(cpu, 1), "cpu_s_per_member": round(cpu / members, 3),
            "task_cpu_s": round(float(task_cpu), 1)}


def run_scale_bench(pools: Pools, *, people: int, weeks: int, seed: int = 1,
                    workers: Sequence[int] = (1, 2), postgres: str | None = None,
                    redis_url: str = "redis://127.0.0.1:6379/0", timeout: float = 7200,
                    progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Simulate ``people`` x ``weeks``, then import and coach every participant once per
    worker count; returns the runs, the speed-up and the projection."""
    work = Path(tempfile.mkdtemp(prefix="upwell-bench-scale-"))
    try:
        sim = work / "sim"
        if progress is not None:
            progress(f"simulating {people} people x {weeks} weeks")
        _org, report = simulate(pools, people=people, weeks=weeks, seed=seed, out=sim)
        truth = json.loads((sim / "truth.json").read_text(encoding="utf-8"))
        participants = [p["id"] for p in truth["people"] if p["participant"]]
        runs = [_one_run(sim, participants, n, postgres=postgres, redis_url=redis_url,
                         work=work, timeout=timeout, progress=progress) for n in workers]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"people": people, "weeks": weeks, "participants": len(participants),
            "simulated_messages": report.mails + report.chats,
            "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "runs": runs, "speedup": _speedup(runs),
            "projection": project(runs[-1], len(participants), weeks,
                                  len(participants) / people)}


def _speedup(runs: list[dict[str, Any]]) -> float | None:
    if len(runs) < 2 or not runs[-1]["seconds"]:
        return None
    return round(float(runs[0]["seconds"]) / float(runs[-1]["seconds"]), 2)


def project(run: dict[str, Any], participants: int, weeks: int, participation: float, *,
            people: int = TARGET_PEOPLE, target_weeks: int = TARGET_WEEKS) -> dict[str, Any]:
    """The cost of ``people`` x ``target_weeks``, linear in stored messages at the run's
    measured CPU cost per message and throughput."""
    per_member_week = run["messages"] / max(participants * weeks, 1)
    members = round(people * participation)
    msgs = per_member_week * members * target_weeks
    cpu_per_msg = run["cpu_s"] / max(run["messages"], 1)
    cpu_h = msgs * cpu_per_msg / 3600
    return {
        "people": people, "weeks": target_weeks, "participants": members,
        "messages": round(msgs), "cpu_s_per_message": round(cpu_per_msg, 6),
        "cpu_hours": round(cpu_h, 1),
        "hours_at_measured_throughput": round(msgs / max(run["messages_per_s"], 1e-9) / 3600, 1),
        "workers_for_one_hour": max(1, round(cpu_h + 0.4999)),
        "assumes": "cost linear in stored messages (each participant stores their own copy); "
                   "messages per member-week as simulated; the measured per-message CPU "
                   "(worker start-up included); PostgreSQL and Redis not the bottleneck",
    }


def render(result: dict[str, Any]) -> str:
    lines = [f"{result['participants']} participants of {result['people']} people x "
             f"{result['weeks']} weeks ({result['cpus']} CPUs, load average "
             f"{result['load_average'][0]})", "",
             f"{'workers':>7} {'seconds':>8} {'messages':>9} {'msg/s':>8} {'members/s':>9} "
             f"{'CPU s':>7} {'CPU s/member':>12}"]
    for r in result["runs"]:
        lines.append(f"{r['workers']:>7} {r['seconds']:>8} {r['messages']:>9,} "
                     f"{r['messages_per_s']:>8} {r['members_per_s']:>9} {r['cpu_s']:>7} "
                     f"{r['cpu_s_per_member']:>12}")
    if result["speedup"] is not None:
        lines.append(f"\nspeed-up {result['runs'][0]['workers']} -> "
                     f"{result['runs'][-1]['workers']} workers: {result['speedup']}x")
    p = result["projection"]
    lines.append(f"\nprojection to {p['people']:,} people x {p['weeks']} weeks "
                 f"({p['participants']:,} participants): {p['messages']:,} messages, "
                 f"{p['cpu_hours']} CPU-hours ({p['cpu_s_per_message'] * 1000:.2f} ms each), "
                 f"{p['hours_at_measured_throughput']} h at the last run's throughput, "
                 f"{p['workers_for_one_hour']} worker cores to finish in one hour")
    lines.append(f"assumes: {p['assumes']}")
    return "\n".join(lines)
