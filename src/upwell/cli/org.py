"""``upwell org ...``: the org admin's group insights from the command line (thin shells).

Import the team tree for a period, load the works-council policy file, release a period through
the guard, print the ledger, and build the simulated demo org. Output names groups and shows
released values with their intervals and reasons; never a person, a count or a per-person value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from upwell.config import Settings
from upwell.store.db import Store


def _settings(ctx: click.Context) -> Settings:
    obj: dict[str, Any] = ctx.ensure_object(dict)
    return Settings(**({"home": obj["home"]} if obj.get("home") else {}))


def _org(store: Store, slug: str) -> int:
    from upwell.store.accounts import org_id

    found = org_id(store, slug)
    if found is None:
        raise click.ClickException(f"no org {slug!r}: create it with `upwell web org {slug}`")
    return found


@click.group("org")
def org_group() -> None:
    """Group insights: team tree, policy, releases, ledger (docs/privacy-aggregates.md)."""


@org_group.command("import-tree")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "slug", required=True)
@click.option("--period", required=True, help="A date (YYYY-MM-DD) in the period.")
@click.option("--members", "members_path", type=click.Path(exists=True, dir_okay=False,
                                                           path_type=Path),
              help="A CSV of email,node_id rows (when the tree file lists no emails).")
@click.pass_context
def import_tree_cmd(ctx: click.Context, path: Path, slug: str, period: str,
                    members_path: Path | None) -> None:
    """Import the team tree (CSV or SCIM JSON) for the period holding PERIOD."""
    from upwell.aggregate.service import import_tree

    settings = _settings(ctx)
    store = Store(settings)
    try:
        summary = import_tree(store, settings, _org(store, slug), period,
                              path.read_text(encoding="utf-8"), filename=path.name,
                              members=members_path.read_text(encoding="utf-8")
                              if members_path else None)
    finally:
        store.close()
    click.echo(f"period from {summary.period}: {summary.nodes} groups, {summary.listed} people "
               "listed")


@org_group.command("policy")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                required=False)
@click.option("--org", "slug", required=True)
@click.pass_context
def policy_cmd(ctx: click.Context, path: Path | None, slug: str) -> None:
    """Load a policy file (TOML) as the org's next version; without PATH, show the log."""
    from upwell.aggregate.service import load_policy, policy_history

    settings = _settings(ctx)
    store = Store(settings)
    try:
        org = _org(store, slug)
        if path is not None:
            policy, changed = load_policy(store, settings, org, path.read_text(encoding="utf-8"))
            click.echo(f"policy version {policy.version} "
                       f"{'in force (logged)' if changed else 'unchanged'}")
        log = policy_history(store, org)
    finally:
        store.close()
    for p in log:
        click.echo(f"v{p['version']} {p['changed_at']}: k={p['k']} epsilon={p['epsilon']} "
                   f"period={p['period']} metrics={','.join(p['metrics'])} — {p['note']}")


@org_group.command("release")
@click.option("--org", "slug", required=True)
@click.option("--period", required=True, help="A date (YYYY-MM-DD) in the period.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def release_cmd(ctx: click.Context, slug: str, period: str, as_json: bool) -> None:
    """Release every metric for every group of the period through the guard (cached)."""
    from upwell.aggregate.service import console, release

    settings = _settings(ctx)
    store = Store(settings)
    try:
        org = _org(store, slug)
        release(store, settings, org, period)
        data = console(store, settings, org)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(data, indent=1))
        return
    for p in data["periods"]:
        click.echo(f"period from {p['period']}: budget spent {p['spent']:.3f} of "
                   f"{data['policy']['epsilon']}")
        for g in p["groups"]:
            click.echo(f"{'  ' * g['depth']}{g['name']} [{g['adoption']}]")
            for m, cell in g["metrics"].items():
                click.echo(f"{'  ' * g['depth']}  {m}: {cell['text']}")


@org_group.command("ledger")
@click.option("--org", "slug", required=True)
@click.pass_context
def ledger_cmd(ctx: click.Context, slug: str) -> None:
    """Every charge to the org's privacy budget (what members see too)."""
    from upwell.aggregate.service import ledger_rows

    settings = _settings(ctx)
    store = Store(settings)
    try:
        rows = ledger_rows(store, _org(store, slug))
    finally:
        store.close()
    for r in rows:
        click.echo(f"{r['period']} {r['group']} {r['metric']} epsilon={r['epsilon']} "
                   f"scale={r['noise_scale']} ({r['mechanism']}) at {r['charged_at']}")


@org_group.command("demo")
@click.option("--sim", "sim", type=click.Path(file_okay=False, path_type=Path),
              default=Path("var/demo-org-sim"), show_default=True,
              help="Simulation folder (simulated here first when it holds none).")
@click.option("--people", default=200, show_default=True)
@click.option("--weeks", default=10, show_default=True)
@click.option("--contributing", default=0.7, show_default=True,
              help="Share of people who turn on group insights.")
@click.option("--seed", default=1, show_default=True)
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              help="The corpora the simulated text is drawn from (default: ../shared/data "
                   "when present, else the shipped demo corpus).")
@click.option("--policy", "policy_path", type=click.Path(exists=True, dir_okay=False,
                                                         path_type=Path),
              help="A policy file for the demo org (default: the settings' defaults).")
@click.option("--admin-password", default="demo-admin-password", show_default=True)
@click.pass_context
def demo_cmd(ctx: click.Context, sim: Path, people: int, weeks: int,  # noqa: PLR0917
             contributing: float, seed: int, data: Path | None, policy_path: Path | None,
             admin_password: str) -> None:
    """A simulated org whose members contribute to group insights, released through the
    guard; prints the admin login and the noise at the default budget."""
    # The lab's shell: the demo org is lab code (upwell.lab), imported only inside this command.
    from upwell.deliver.progress import Stages
    from upwell.lab.org_demo import ADMIN_EMAIL, build

    if not 0 < contributing <= 1:
        raise click.BadParameter("a share in (0, 1]", param_hint="--contributing")
    settings = _settings(ctx)
    with Stages() as stages:
        if not (sim / "truth.json").is_file():
            from upwell.lab.sim import simulate
            from upwell.lab.sim.shipped import choose_pools

            choice = choose_pools(data, settings.home / "cache", note=stages.line)
            stages.line(choice.line)
            simulate(choice.pools, people=people, weeks=weeks, seed=seed, out=sim,
                     participation=1.0,
                     progress=lambda w, total, _sink: stages("simulated weeks", w, total))
        report = build(sim, settings, contributing=contributing, seed=seed,
                       admin_password=admin_password,
                       policy_text=policy_path.read_text(encoding="utf-8") if policy_path
                       else None, progress=stages)
    click.echo(render(report))
    click.echo(f"\nAdmin console: upwell --home {settings.home} serve, then sign in at "
               f"http://127.0.0.1:8000 as {ADMIN_EMAIL} / {admin_password} "
               "and open Group insights.")


def render(report: Any) -> str:
    """The demo's summary: people, decisions by status, and the noise table."""
    counts = report.counts()
    lines = [f"{report.people} people, {report.contributing} contributing; periods from "
             f"{', '.join(p.isoformat() for p in report.periods)}",
             f"group x metric decisions: {counts.get('released', 0)} released, "
             f"{counts.get('suppressed', 0)} suppressed, {counts.get('refused', 0)} refused",
             f"each release charges epsilon {report.release_epsilon:.4f}; 95 % noise "
             "interval of a released mean:"]
    for m, sizes in report.noise.items():
        cells = ", ".join(f"{n} people ± {hw:.3g}" for n, hw in sizes.items())
        whole = ", ".join(f"{n} people ± {hw:.3g}" for n, hw in report.whole_budget[m].items())
        lines.append(f"  {m}: {cells} (whole budget on this one release: {whole})")
    lines.append("(± the whole range means the interval covers every possible value)")
    return "\n".join(lines)
