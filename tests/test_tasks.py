"""Tasks in-process: the registry (ids only), the run ledger (at most once to completion, redone
after a crash without duplicates), the per-member order, the scheduler's fan-out."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner
from sqlalchemy import func, select, update

from upwell.cli import cli
from upwell.config import Settings
from upwell.errors import TaskError
from upwell.lab.bench.scale import project, render
from upwell.store.accounts import create_account, create_org
from upwell.store.db import Store
from upwell.store.delivery_prefs import remember_address
from upwell.store.member_data import delete_member
from upwell.store.member_settings import MemberPrefs, save_prefs
from upwell.store.schema import imports, messages, task_runs
from upwell.tasks import spool
from upwell.tasks.queue import InlineQueue, queue_for
from upwell.tasks.registry import TaskSpec, all_queues, check_ids, get, queue_name, shard, task
from upwell.tasks.runs import execute, run_status
from upwell.tasks.scheduler import build, fan_out, schedules
from upwell.testing import make_email, open_store, write_maildir


def maildir(root: Path, n: int = 30) -> Path:
    items = [make_email(sender="Ann Example <ann@example.org>",
                        to="Bob Example <bob@example.org>",
                        subject=f"Budget review {i}",
                        body=f"Could you please send me the numbers for part {i}? Thanks!\n",
                        date=datetime(2024, 3, 4 + i % 20, 9, i % 60, tzinfo=UTC),
                        message_id=f"<m{i}@example.org>") for i in range(n)]
    return write_maildir(root / "mail", {"": items})


def settings_of(store: Store, tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=str(store.engine.url.render_as_string(
        hide_password=False)), spool_dir=tmp_path / "spool")


def count(store: Store, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_builtin_tasks_take_ids_only() -> None:
    spec = get("import")
    assert spec.ids == ("member_id", "spool_id")
    assert spec.member
    assert check_ids(spec, {"member_id": 3, "spool_id": "a1b2c3"}) == {"member_id": 3,
                                                                     "spool_id": "a1b2c3"}
    for bad in ("ann@example.org", "Budget review", "../etc/passwd", "mail/cur", "x" * 65):
        with pytest.raises(ValueError, match="spool_id") as exc:
            check_ids(spec, {"member_id": 3, "spool_id": bad})
        assert bad not in str(exc.value)
    for bad_id in (True, 1.5, None, b"x"):
        with pytest.raises(ValueError, match="member_id"):
            check_ids(spec, {"member_id": bad_id, "spool_id": "a"})
    with pytest.raises(ValueError, match="takes"):
        check_ids(spec, {"member_id": 3})
    with pytest.raises(ValueError, match="takes"):
        check_ids(spec, {"member_id": 3, "spool_id": "a", "subject": "x"})


def test_registration_rules() -> None:
    with pytest.raises(ValueError, match="member_id"):
        task("nomember", ids=("job_id",))
    with pytest.raises(ValueError, match="tokens"):
        task("bad name", ids=("member_id",))
    with pytest.raises(ValueError, match="twice"):
        task("import", ids=("member_id",))(lambda ctx, member_id: None)
    with pytest.raises(KeyError):
        get("no-such-task")


def test_members_shard_stably_and_org_tasks_go_to_org() -> None:
    assert [shard(m, 8) for m in (1, 2, 3, 1000)] == [shard(m, 8) for m in (1, 2, 3, 1000)]
    assert len({shard(m, 8) for m in range(200)}) == 8
    assert queue_name(get("insights"), {"member_id": 7}, 8) == f"member-{shard(7, 8)}"
    org = TaskSpec("orgwide", lambda ctx: None, (), member=False)
    assert queue_name(org, {}, 8) == "org"
    assert all_queues(2) == ["member-0", "member-1", "org"]


def test_import_then_insights_in_process_once(store: Store, tmp_path: Path) -> None:
    settings = settings_of(store, tmp_path)
    member = store.open_member("ann")
    token = spool.link(settings, maildir(tmp_path), "maildir")
    queue = InlineQueue(store, settings)
    run_import, run_insights = queue.chain([("import", {"member_id": member.id,
                                                        "spool_id": token}),
                                            ("insights", {"member_id": member.id})])
    assert run_status(store, run_import) == run_status(store, run_insights) == "done"
    stored = count(store, messages)
    assert stored == 30
    # Delivered again (a redelivery keeps the run id): nothing runs, nothing is added.
    ids = {"member_id": member.id, "spool_id": token}
    assert execute(store, settings, "import", run_import, ids) == "skipped"
    assert count(store, messages) == stored
    with store.engine.connect() as conn:
        row = conn.execute(select(task_runs).where(task_runs.c.id == run_import)).one()
    assert row.attempts == 1
    assert row.queue.startswith("member-")
    detail = json.loads(row.detail)
    assert detail["imported"] == 30
    assert isinstance(detail["import_id"], int)
    assert "example.org" not in row.detail
    queue.close()


def test_a_run_interrupted_midway_is_redone_without_duplicates(store: Store,
                                                               tmp_path: Path) -> None:
    settings = settings_of(store, tmp_path)
    member = store.open_member("ann")
    ids = {"member_id": member.id, "spool_id": spool.link(settings, maildir(tmp_path))}
    assert execute(store, settings, "import", "run-1", ids) == "done"
    with store.engine.begin() as conn:  # as a worker killed after its batches committed leaves it
        conn.execute(update(task_runs).values(status="running", finished_at=None))
        conn.execute(update(imports).values(status="running", finished_at=None))
    assert execute(store, settings, "import", "run-1", ids) == "done"
    with store.engine.connect() as conn:
        statuses = sorted(conn.scalars(select(imports.c.status)))
        attempts = conn.scalar(select(task_runs.c.attempts))
    assert statuses == ["done", "interrupted"]
    assert attempts == 2
    assert count(store, messages) == 30


def test_a_failing_task_is_left_failed_and_raises(store: Store, tmp_path: Path) -> None:
    settings = settings_of(store, tmp_path)
    member = store.open_member("ann")
    (settings.resolved_spool_dir() / "gone").mkdir(parents=True)

    with pytest.raises(TaskError, match="E801"):
        execute(store, settings, "import", "r", {"member_id": member.id, "spool_id": "gone"})
    assert run_status(store, "r") == "failed"


def test_a_deleted_members_task_does_not_run(store: Store, tmp_path: Path) -> None:
    settings = settings_of(store, tmp_path)
    member = store.open_member("ann")
    delete_member(store, "ann")
    assert execute(store, settings, "insights", "r", {"member_id": member.id}) == "gone"
    assert run_status(store, "r") is None


def test_paused_member_is_not_imported(store: Store, tmp_path: Path) -> None:
    settings = settings_of(store, tmp_path)
    member = store.open_member("ann")
    save_prefs(store, member.id, MemberPrefs(paused=True))
    ids = {"member_id": member.id, "spool_id": spool.link(settings, maildir(tmp_path))}
    assert execute(store, settings, "import", "a", ids) == "done"
    assert execute(store, settings, "reanalyze", "b", ids) == "done"
    assert execute(store, settings, "insights", "c", {"member_id": member.id}) == "done"
    assert count(store, messages) == 0


def test_reanalyze_reads_the_archive_again(store: Store, tmp_path: Path) -> None:
    settings = settings_of(store, tmp_path)
    member = store.open_member("ann")
    ids = {"member_id": member.id, "spool_id": spool.link(settings, maildir(tmp_path))}
    execute(store, settings, "import", "a", ids)
    assert execute(store, settings, "reanalyze", "b", ids) == "done"
    with store.engine.connect() as conn:
        detail = json.loads(conn.scalar(select(task_runs.c.detail)
                                        .where(task_runs.c.id == "b")) or "{}")
    assert detail["imported"] == 0
    assert detail["seen"] == 30
    spool.remove(settings, str(ids["spool_id"]))
    assert maildir(tmp_path).exists()  # a linked archive stays where it is


def test_scheduler_sends_each_member_once_per_tick(store: Store, tmp_path: Path) -> None:
    settings = settings_of(store, tmp_path)
    ids = [store.open_member(ref).id for ref in ("ann", "bob", "cy")]
    queue = InlineQueue(store, settings)
    tick = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    assert fan_out(store, queue, "insights", tick) == 3
    assert fan_out(store, queue, "insights", tick) == 3  # a second scheduler, the same tick
    with store.engine.connect() as conn:
        runs = conn.execute(select(task_runs.c.member_id, task_runs.c.attempts)).all()
    assert sorted(r.member_id for r in runs) == sorted(ids)
    assert {r.attempts for r in runs} == {1}
    assert schedules(settings) == {"insights": "0 4 * * 1", "sync_member": "*/30 * * * *",
                                   "digest": "0 * * * *", "nudges": "*/30 * * * *"}
    only = settings.model_copy(update={"schedules": {
        "sync_member": "", "digest": "", "nudges": ""}})
    assert schedules(only) == {"insights": "0 4 * * 1"}
    off = only.model_copy(update={"schedules": {**only.schedules, "insights": "",
                                                "digest": "15 * * * *"}})
    assert schedules(off) == {"digest": "15 * * * *"}

    sched = build(store, only, queue, BackgroundScheduler(timezone=UTC))
    (job,) = sched.get_jobs()
    assert job.id == "insights"
    job.func()  # one tick, as the scheduler would run it
    assert count(store, task_runs) == 6


def test_queue_for_picks_the_backend(tmp_path: Path) -> None:
    store = open_store(tmp_path / "home")
    assert isinstance(queue_for(store, Settings(home=tmp_path)), InlineQueue)
    background = queue_for(store, Settings(home=tmp_path), background=True)
    assert isinstance(background, InlineQueue)
    background.close()
    store.close()


def test_scheduler_cli_lists_periodic_tasks(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["--home", str(tmp_path), "scheduler", "--list"])
    assert res.exit_code == 0, res.output
    assert [" ".join(line.split()) for line in res.output.splitlines()] == [
        "digest 0 * * * *", "insights 0 4 * * 1", "nudges */30 * * * *",
        "sync_member */30 * * * *"]


def test_bench_scale_says_when_the_corpora_are_absent(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["--home", str(tmp_path), "bench", "scale",
                                   "--data", str(tmp_path / "none")])
    assert res.exit_code == 2
    assert "../shared/data" in res.output
    res = CliRunner().invoke(cli, ["bench", "scale", "--workers", "one"])
    assert res.exit_code == 2
    assert "--workers" in res.output


def test_projection_is_linear_in_messages() -> None:
    run = {"workers": 2, "seconds": 10.0, "messages": 1000, "messages_per_s": 100.0,
           "members_per_s": 1.0, "cpu_s": 20.0, "cpu_s_per_member": 2.0}
    p = project(run, participants=10, weeks=10, participation=0.5)
    assert p["messages"] == 10 * 5000 * 52  # 10 per member-week, 5,000 members, 52 weeks
    assert p["cpu_hours"] == round(2_600_000 * 0.02 / 3600, 1)
    text = render({"participants": 10, "people": 20, "weeks": 10, "cpus": 2,
                   "load_average": [1.0], "runs": [run], "speedup": None, "projection": p})
    assert "projection to 10,000 people x 52 weeks" in text


def test_worker_command_runs_dramatiq_on_upwells_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(os, "execv", lambda exe, argv: calls.append((exe, argv)))
    res = CliRunner().invoke(cli, ["worker", "--processes", "1", "--queues", "member-0"])
    assert res.exit_code == 0, res.output
    ((exe, argv),) = calls
    assert exe.endswith("dramatiq")
    assert argv[1:] == ["upwell.tasks.worker", "--processes", "1", "--queues", "member-0"]


def test_sync_digest_nudges_and_release_are_tasks_too(store: Store, tmp_path: Path) -> None:
    settings = settings_of(store, tmp_path)
    assert schedules(settings)["sync_member"] == "*/30 * * * *"
    assert schedules(settings)["digest"] == "0 * * * *"
    assert schedules(settings)["nudges"] == "*/30 * * * *"
    assert get("sync").ids == ("member_id", "connection_id")
    release = get("aggregate_release")
    assert not release.member
    assert queue_name(release, {"org_id": 1, "period": "2026-02-02"}, 8) == "org"
    account = create_account(store, create_org(store, "acme", "Acme"), "ann@example.org",
                             "correct horse battery")
    assert account.member_ref is not None
    member = store.open_member(account.member_ref)
    assert remember_address(store, member, account.member_ref, "ann@example.org")
    loner = store.open_member("nobody-signed-up")
    queue = InlineQueue(store, settings)
    runs = [queue.send("sync_member", member_id=member.id),
            queue.send("sync", member_id=member.id, connection_id="c0ffee"),
            queue.send("digest", member_id=member.id),
            queue.send("digest", member_id=loner.id),
            queue.send("nudges", member_id=member.id)]
    assert [run_status(store, r) for r in runs] == ["done"] * 5
    with store.engine.connect() as conn:
        details = {r.id: json.loads(r.detail) for r in conn.execute(select(task_runs))}
    assert details[runs[0]] == {"imported": 0, "failed": 0}  # no source connected
    assert "error" in details[runs[1]]  # unknown connection: a coded, content-free answer
    assert details[runs[2]]["status"] in {"not-due", "no-consent"}
    assert details[runs[3]] == {"status": "no-account"}
    assert details[runs[4]] == {}  # no consent: nothing detected, nothing sent
    assert "example.org" not in json.dumps(details)
    queue.close()
