"""``upwell sync``: fetch what is new from the member's connected sources (a thin shell over
:func:`upwell.pipeline.sync.sync_member`)."""

from __future__ import annotations

import json

import click

from upwell.cli._base import _store, cli, err


@cli.command("sync")
@click.option("--member", "member_ref", help="The member whose sources to sync (default: the "
              "global --member).")
@click.option("--source", help="Only this source (gmail, google-calendar, outlook-mail, "
              "outlook-calendar, teams-chat, slack, imap).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def sync_cmd(ctx: click.Context, member_ref: str | None, source: str | None,
             as_json: bool) -> None:
    """Sync your connected sources now, each from where its last sync stopped (connect them
    in the web app: OAuth needs a browser)."""
    from upwell.pipeline.sync import SyncReport, sync_member
    from upwell.sources.connectors import connectors

    if source is not None and source not in connectors():
        raise click.BadParameter(f"choose from {sorted(connectors())}", param_hint="--source")
    with _store(ctx) as (store, settings):
        member = store.open_member(member_ref or settings.member, create=False)

        def line(r: SyncReport) -> None:
            if not as_json:
                err.print(f"{r.source}: {r.pages} pages, {r.imported} new, "
                          f"{sum(r.skipped.values())} skipped", end="\r")

        reports = sync_member(store, settings, member, source=source, progress=line)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], indent=2))
        return
    if not reports:
        click.echo("nothing connected: connect a source on the Sources page of the web app")
    for r in reports:
        skipped = sum(r.skipped.values())
        click.echo(f"{r.source}: {r.status}, {r.imported} new, {r.removed} removed, "
                   f"{skipped} skipped, {r.pages} pages in {r.seconds:.1f} s"
                   + (f" ({r.error})" if r.error else ""))
