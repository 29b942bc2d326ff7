"""``upwell import``, ``reanalyze``, ``coach``, ``insights``, ``team ...``, ``export``,
``delete``, ``optin``: the member's own data, as thin shells over the library (the pipeline,
the coaching view, and the member's rights in :mod:`upwell.rights`, which the web app calls
too).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from upwell.cli._base import _store, cli, err
from upwell.config import Settings
from upwell.normalize.address import make_address
from upwell.pipeline.imports import ImportReport, import_archive
from upwell.store.db import Store

if TYPE_CHECKING:
    from upwell.analyze.stream import WorkProfile
    from upwell.insights.catalog import Card
    from upwell.store.member_view import MemberView


def _render_import(report: ImportReport) -> None:
    d = report.as_dict()
    skipped = d["skipped"]
    assert isinstance(skipped, dict)
    reasons = ", ".join(f"{k} {v}" for k, v in skipped.items()) or "none"
    click.echo(
        f"imported {d['imported']}, skipped {d['skipped_total']} ({reasons}) "
        f"of {d['seen']} items seen in {d['seconds']}s [{d['reader']}]"
    )
    recs = d["records"]
    assert isinstance(recs, dict)
    click.echo(f"records: {recs.get('messages', 0)} messages, {recs.get('events', 0)} events")
    if report.linked:
        click.echo("replies linked: " + ", ".join(f"{k} {v}" for k, v in report.linked.items()))
    if report.notes:
        click.echo("notes: " + ", ".join(f"{k} {v}" for k, v in sorted(report.notes.items())))
    if report.reanalyzed:
        click.echo(f"features recomputed: {report.reanalyzed} messages")


def _progress_callback(progress: Progress | None) -> Callable[[ImportReport], None] | None:
    if progress is None:
        return None
    task = progress.add_task("importing", total=None)

    def update(r: ImportReport) -> None:
        progress.update(
            task,
            description=f"importing: {r.seen} seen, {r.imported} imported, "
            f"{sum(r.skipped.values())} skipped",
        )

    return update


def _import(store: Store, member: Any, settings: Settings, path: Path, *, fmt: str | None,
            me: tuple[str, ...], quiet: bool, refresh: bool = False) -> ImportReport:
    """Import with the settings' analyzers and workers, with a progress line on a terminal."""
    from upwell.pipeline.analyzers import resolve_analyzers
    from upwell.store.member_data import purge_evidence

    purge_evidence(store, member, settings.evidence_retention_days)
    options: dict[str, Any] = {
        "fmt": fmt, "me": [a for a in (make_address(x) for x in me) if a is not None],
        "batch_size": settings.batch_size, "workers": settings.import_workers,
        "analyzers": resolve_analyzers(settings), "refresh": refresh,
        "evidence": settings.evidence_retention_days > 0,
    }
    if sys.stderr.isatty() and not quiet:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            return import_archive(store, member, path, progress=_progress_callback(progress),
                                  **options)
    return import_archive(store, member, path, **options)


def _run_import(ctx: click.Context, path: Path, fmt: str | None, me: tuple[str, ...],
                as_json: bool, *, refresh: bool) -> None:
    with _store(ctx) as (store, settings):
        member = store.open_member(settings.member, create=not refresh)
        report = _import(store, member, settings, path, fmt=fmt, me=me, quiet=as_json,
                         refresh=refresh)
    if as_json:
        click.echo(json.dumps(report.as_dict(), sort_keys=True))
    else:
        _render_import(report)


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", help="Reader to use instead of detecting the format.")
@click.option("--me", "me", multiple=True, help="One of your own addresses (repeatable). "
              "Default: inferred from your Sent folders.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def import_cmd(ctx: click.Context, path: Path, fmt: str | None, me: tuple[str, ...],
               as_json: bool) -> None:
    """Import one of your own archives (mbox, maildir, .eml, .msg, .pst, Takeout, Slack, .ics)."""
    _run_import(ctx, path, fmt, me, as_json, refresh=False)


@cli.command("reanalyze")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", help="Reader to use instead of detecting the format.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def reanalyze_cmd(ctx: click.Context, path: Path, fmt: str | None, as_json: bool) -> None:
    """Recompute stale features by re-reading an archive (bodies are never kept, so the
    source is read again); messages new to the store are imported as usual."""
    _run_import(ctx, path, fmt, (), as_json, refresh=True)


def _hours(value: str) -> tuple[int, int]:
    try:
        start, end = (int(x) for x in value.split("-", 1))
    except ValueError:
        raise click.BadParameter("use START-END in whole hours, e.g. 9-17") from None
    if not 0 <= start < end <= 24:
        raise click.BadParameter("hours must satisfy 0 <= START < END <= 24")
    return start, end


@cli.command("coach")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--me", "me", multiple=True, help="One of your own addresses (repeatable).")
@click.option("--tz", default=None,
              help="Your time zone (IANA name). Unset: your saved one, else inferred from "
                   "when your mail goes out.")
@click.option("--hours", default=None,
              help="Your working hours, START-END. Unset: your saved ones, else inferred.")
@click.option("--format", "fmt", help="Reader to use instead of detecting the format.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML report here (for you alone).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--week", "week_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Coach the week holding this date (YYYY-MM-DD) instead of the latest one.")
@click.option("--all-weeks", is_flag=True,
              help="Coach every week with mail or meetings in the archive, oldest first.")
@click.pass_context
def coach_cmd(ctx: click.Context, path: Path, me: tuple[str, ...],  # noqa: PLR0917
              tz: str | None, hours: str | None, fmt: str | None, html_path: Path | None,
              as_json: bool, week_of: datetime | None, all_weeks: bool) -> None:
    """Import your archive and show this week's coaching cards, for you alone (or the cards
    of another week, ``--week``, or of every week, ``--all-weeks``)."""
    from dataclasses import asdict
    from datetime import tzinfo
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from upwell.analyze.stream import profile_summary, relationships, work_profile
    from upwell.insights import coached_week, weekly_cards
    from upwell.insights.view import coaching_view
    from upwell.insights.weekly import own_mail

    zone: tzinfo | None
    try:
        zone = ZoneInfo(tz) if tz is not None else None
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {tz!r}", param_hint="--tz") from None
    given_hours = _hours(hours) if hours is not None else None
    if week_of is not None and all_weeks:
        raise click.UsageError("choose --week or --all-weeks, not both")
    if html_path is not None and all_weeks:
        raise click.UsageError("the HTML report shows one week: use --week with --html")
    with _store(ctx) as (store, settings):
        member = store.open_member(settings.member)
        report = _import(store, member, settings, path, fmt=fmt, me=me, quiet=as_json)
        # the member's own rules hold here too (exclusions set in the web app); a pause does
        # not stop the member coaching themselves from the command line
        opened = coaching_view(store, member, paused_ok=True)
        assert opened is not None  # paused_ok and no consent asked: always opened
    view = opened.view
    if zone is None and not opened.prefs.unset:  # the zone and hours saved in the web app
        zone = opened.profile.tz
        given_hours = given_hours or (opened.profile.start_hour, opened.profile.end_hour)
    # what is neither given nor saved is inferred from the member's own sending (shown below)
    profile, guess = work_profile(view, zone, given_hours)
    if all_weeks or week_of is not None:
        _coach_weeks(report, view, profile, week_of, as_json=as_json,
                     about=profile_summary(view, profile, guess))
        return
    cards = weekly_cards(view, profile)
    week = coached_week(view, profile) if view.messages or view.events else None
    if html_path is not None and week is not None:
        from upwell.deliver.report import render_report, write_report

        write_report(html_path, render_report(view, profile, week, cards,
                                              relationships(view, week.baseline_start, week.end)))
    ties = relationships(view, week.baseline_start, week.end) if week else []
    mine = own_mail(view)
    if as_json:
        click.echo(json.dumps({"import": report.as_dict(), "own_mail": mine.as_dict(),
                               "profile": profile_summary(view, profile, guess),
                               "week": week.start.date().isoformat() if week else None,
                               "relationships": [dict(asdict(t), name=view.name(t.person))
                                                 for t in ties],
                               "cards": [_card_json(c) for c in cards]},
                          indent=2, ensure_ascii=False))
        return
    _render_import(report)
    out = Console()
    out.print(_profile_line(profile_summary(view, profile, guess)), highlight=False)
    if week is not None:
        out.print(f"\nCoaching the week of {week.start.date().isoformat()} against your "
                  f"{week.baseline_weeks} weeks before it.")
    if mine.status == "no_own_mail":
        out.print(f"\n[yellow]{mine.message}[/yellow]\n  {mine.fix}")
    elif not cards:
        out.print("No coaching cards this week: nothing stood out against your own usual.")
    _print_cards(out, cards)


def _card_json(c: Card) -> dict[str, Any]:
    """One card as ``upwell coach --json`` prints it (the member's own eyes: subjects too)."""
    return {"insight": c.insight, "title": c.title, "summary": c.summary, "action": c.action,
            "priority": c.priority, "evidence_count": c.evidence_count, "metrics": c.metrics,
            "caveat": c.caveat, "positive": c.positive,
            "evidence": [{"message_id": e.message_id, "sent_at": e.sent_at.isoformat(),
                          "subject": e.subject, "phrase": e.detail, "who": e.who,
                          "day": e.day, "kind": e.kind} for e in c.evidence]}


def _print_cards(out: Console, cards: list[Card]) -> None:
    for c in cards:
        _print_card(out, c)


def _print_card(out: Console, c: Card) -> None:
    """One card as text for the member alone: what, the messages behind it (who, which day, an
    excerpt) and what would make it wrong."""
    from rich.markup import escape

    went_well = " (what went well)" if c.positive else ""
    out.print(f"\n[bold]{escape(c.title)}[/bold]{went_well}  (priority {c.priority:.2f}, "
              f"{c.evidence_count} behind it)")
    out.print(f"  {escape(c.summary)}")
    for e in c.evidence[:5]:
        out.print(f"    - {escape(e.line())}")
    if len(c.evidence) > 5:
        out.print(f"    - and {len(c.evidence) - 5} more")
    out.print(f"  [green]{'Keep it' if c.positive else 'Try'}:[/green] {escape(c.action)}")
    if c.caveat:
        out.print(f"  [dim]{escape(c.caveat)}[/dim]")


def _profile_line(p: dict[str, object]) -> str:
    """The work profile the coach used, how it was found and how to change it."""
    how = ("as you set it" if p["source"] == "declared" else
           "not inferred: too little of your own mail" if p["source"] == "unknown" else
           f"inferred from {p['sent']} of your sent messages, {p['source']} confidence")
    line = (f"\nYour profile: {p['tz']}, working hours {p['hours']} ({how}); "
            "change it with --tz ZONE --hours START-END.")
    if not p["offsets_credible"]:
        line += (f"\nOthers' local time is unknown ({p['offsets_reason']}), so no card judges "
                 "when your messages reach them.")
    return line


def _coach_weeks(report: ImportReport, view: MemberView, profile: WorkProfile,
                 week_of: datetime | None, *, as_json: bool, about: dict[str, Any]) -> None:
    """``coach --week`` (the week holding a date) and ``coach --all-weeks`` (every active week):
    ``{"import": ..., "weeks": [{"week": "<Monday>", "cards": [...]}]}`` with ``--json``."""
    from datetime import time

    from upwell.insights.weekly import active_weeks, week_start, weekly_cards

    if week_of is not None:
        mondays = [week_start(datetime.combine(week_of.date(), time(12), tzinfo=profile.tz),
                              profile)]
    else:
        mondays = active_weeks(view, profile)
    weeks = [(m, weekly_cards(view, profile, at=m)) for m in mondays]
    if as_json:
        click.echo(json.dumps({"import": report.as_dict(), "profile": about,
                               "weeks": [{"week": m.date().isoformat(),
                                          "cards": [_card_json(c) for c in cards]}
                                         for m, cards in weeks]},
                              indent=2, ensure_ascii=False))
        return
    _render_import(report)
    out = Console()
    out.print(_profile_line(about), highlight=False)
    if not weeks:
        out.print("No weeks to coach: the archive holds no dated mail or meetings.")
    for m, cards in weeks:
        noun = "card" if len(cards) == 1 else "cards"
        out.print(f"\n[bold]Week of {m.date().isoformat()}[/bold]: {len(cards)} {noun}")
        _print_cards(out, cards)


@cli.command("insights")
@click.option("--markdown", is_flag=True,
              help="Print the catalog and the measures as docs/insights.md.")
def insights_cmd(markdown: bool) -> None:
    """List the insight types Upwell can show you."""
    from upwell.insights import catalog
    from upwell.insights.catalog import markdown as as_markdown
    from upwell.insights.measures import markdown as measures_markdown

    if markdown:
        click.echo(as_markdown() + "\n" + measures_markdown())
        return
    for spec in catalog().values():
        click.echo(f"{spec.id:24} {spec.title}")


@cli.group("team")
def team_group() -> None:
    """Your direct reports and manager (used for 1:1 cadence and attention insights)."""


@team_group.command("add")
@click.argument("address")
@click.option("--as", "relation", type=click.Choice(["report", "manager"]), default="report",
              show_default=True)
@click.pass_context
def team_add(ctx: click.Context, address: str, relation: str) -> None:
    """Declare a direct report (or your manager)."""
    from upwell.store.team import TeamError, add_to_team

    with _store(ctx) as (store, settings):
        try:
            add_to_team(store, store.open_member(settings.member, create=False), address,
                        relation)
        except TeamError as exc:
            raise click.BadParameter(str(exc)) from exc
    click.echo(f"added as {relation}")


@team_group.command("remove")
@click.argument("address")
@click.pass_context
def team_remove(ctx: click.Context, address: str) -> None:
    """Remove someone from your team."""
    from upwell.store.team import TeamError, remove_from_team

    with _store(ctx) as (store, settings):
        try:
            gone = remove_from_team(store, store.open_member(settings.member, create=False),
                                    address)
        except TeamError as exc:
            raise click.BadParameter(str(exc)) from exc
    click.echo("removed" if gone else "not on your team")


@team_group.command("list")
@click.option("--suggest", is_flag=True, help="Also suggest reports from recurring 1:1s.")
@click.pass_context
def team_list(ctx: click.Context, suggest: bool) -> None:
    """Show your team (names are shown to you only)."""
    from upwell.store.member_view import load_member
    from upwell.store.team import members_of, suggestions

    with _store(ctx) as (store, settings):
        view = load_member(store, store.open_member(settings.member, create=False))
    for t in members_of(view):
        click.echo(f"{t.relation:8} {t.name}")
    if suggest:
        for s in suggestions(view):
            click.echo(f"suggested {s.name} ({s.one_on_ones} one-to-ones, "
                       f"{s.exchanges} messages)")


@cli.command("personal")
@click.argument("message_id", required=False)
@click.option("--list", "show", is_flag=True, help="List the people you marked personal.")
@click.option("--undo", "undo", type=int, help="Coach a person you marked again (their mark's id "
              "from --list).")
@click.pass_context
def personal_cmd(ctx: click.Context, message_id: str | None, show: bool, undo: int | None
                 ) -> None:
    """Mark who sent one of your messages (its message_id in `upwell coach --json`) as
    personal, not work: their mail is kept but no longer coached."""
    from upwell import rights
    from upwell.store.member_rules import list_exclusions, remove_exclusion

    with _store(ctx) as (store, settings):
        member = store.open_member(settings.member, create=False)
        if undo is not None:
            if not remove_exclusion(store, member, undo):
                raise click.BadParameter("no such mark", param_hint="--undo")
            rights.refresh_after(store, settings, member)
            click.echo("coached again")
        elif message_id:
            try:
                rights.exclude(store, settings, member, "personal", message_id)
            except LookupError as exc:
                raise click.BadParameter(str(exc), param_hint="MESSAGE_ID") from None
            click.echo("marked personal: not coached from now on")
        if show or not (message_id or undo is not None):
            for x in list_exclusions(store, member):
                if x.kind == "personal":
                    click.echo(f"{x.id:5} {x.label}")


@cli.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.pass_context
def export_cmd(ctx: click.Context, output: Path | None) -> None:
    """Export everything stored for you, decrypted, as JSON (the same document as the web
    app's export: your data, consents, settings, goals, delivery, exclusions and access log)."""
    from upwell import rights

    with _store(ctx) as (store, settings):
        data = rights.export(store, settings, store.open_member(settings.member, create=False))
    text = rights.export_json(data)
    if output:
        output.write_text(text, encoding="utf-8")
        output.chmod(0o600)
        err.print(f"exported {len(data['messages'])} messages and {len(data['events'])} events")
    else:
        click.echo(text)


@cli.command("delete")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def delete_cmd(ctx: click.Context, yes: bool) -> None:
    """Delete everything stored for you (crypto-shred). A later import needs `upwell optin`."""
    from upwell import rights

    if not yes:
        click.confirm("Delete all your Upwell data? This cannot be undone", abort=True)
    with _store(ctx) as (store, settings):
        # Connected sources are revoked at their providers while the key still opens their
        # tokens, then the key is shredded.
        removed = rights.delete(store, settings, settings.member)
    click.echo(f"deleted: key shredded, {sum(removed.values())} rows removed, tombstone set")


@cli.command("optin")
@click.pass_context
def optin_cmd(ctx: click.Context) -> None:
    """Opt in again after `upwell delete` (lifts the tombstone; nothing old comes back)."""
    with _store(ctx) as (store, settings):
        lifted = store.opt_in_again(settings.member)
    click.echo("opted in again" if lifted else "nothing to do: you had not deleted your data")
