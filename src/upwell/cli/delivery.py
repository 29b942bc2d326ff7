"""``upwell digest ...`` and ``upwell nudges ...``: thin shells over the delivery jobs.

``digest run`` sends every digest that is due (idempotent: run it from cron every few minutes),
``digest preview`` writes one member's digest as an .eml file for their own eyes, ``nudges
run`` detects, queues and delivers timely nudges. Output names account ids and outcomes only.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from upwell.config import Settings
from upwell.store.db import Store


def _settings(ctx: click.Context) -> Settings:
    obj: dict[str, Any] = ctx.ensure_object(dict)
    return Settings(**({"home": obj["home"]} if obj.get("home") else {}))


def _now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("give an ISO time such as 2024-03-04T08:30:00+00:00") from None
    if t.tzinfo is None:
        raise click.BadParameter("give the time with its offset (e.g. +00:00)")
    return t


@click.group("digest")
def digest_group() -> None:
    """The weekly digest email: send what is due, or preview one."""


@digest_group.command("run")
@click.option("--now", "now_iso", help="Act as if it were this time (ISO with offset).")
@click.option("--dry-run", is_flag=True, help="Say what would be sent; send and record nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def digest_run(ctx: click.Context, now_iso: str | None, dry_run: bool, as_json: bool) -> None:
    """Send every digest that is due now (each member's day and hour, in their zone)."""
    from upwell.deliver.digest_job import run_due

    settings = _settings(ctx)
    store = Store(settings)
    try:
        outcomes = run_due(store, settings, _now(now_iso), dry_run=dry_run)
    finally:
        store.close()
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    if as_json:
        click.echo(json.dumps({"counts": counts, "outcomes": [o.as_dict() for o in outcomes]},
                              indent=2))
    else:
        click.echo(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no members")


@digest_group.command("preview")
@click.option("--member", "ref", required=True, help="The member's reference.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the .eml (readable by you alone).")
@click.option("--now", "now_iso", help="Act as if it were this time (ISO with offset).")
@click.pass_context
def digest_preview(ctx: click.Context, ref: str, out: Path, now_iso: str | None) -> None:
    """Write the member's digest as an .eml file (nothing is sent or recorded)."""
    from sqlalchemy import select

    from upwell.deliver.digest_job import compose
    from upwell.store.delivery_prefs import own_address
    from upwell.store.schema import accounts

    settings = _settings(ctx)
    store = Store(settings)
    try:
        member = store.open_member(ref, create=False)
        with store.engine.connect() as conn:
            account_id = conn.scalar(select(accounts.c.id).where(accounts.c.member_ref == ref))
        msg, n = compose(store, settings, member, account_id=account_id,
                         to=own_address(store, member, ref), now=_now(now_iso))
    finally:
        store.close()
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(msg.as_bytes())
    click.echo(f"wrote a digest of {n} cards to {out}")


@click.group("nudges")
def nudges_group() -> None:
    """In-flow nudges: detect, queue and deliver what is timely."""


@nudges_group.command("run")
@click.option("--now", "now_iso", help="Act as if it were this time (ISO with offset).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def nudges_run(ctx: click.Context, now_iso: str | None, as_json: bool) -> None:
    """Detect every member's timely nudges and deliver the due ones (email; Slack DM when the
    org's Slack app is configured)."""
    from upwell.deliver.nudges import run_due

    settings = _settings(ctx)
    store = Store(settings)
    try:
        result = run_due(store, settings, _now(now_iso))
    finally:
        store.close()
    counts: dict[str, int] = {}
    for outcomes in result.values():
        for o in outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
    click.echo(json.dumps({"counts": counts}) if as_json
               else ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing due")
