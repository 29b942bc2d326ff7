"""``upwell org ...``: tree import, policy file and log, release, ledger and the demo, as the
admin runs them from the command line; their output names no person and no count."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from tests.test_simulate import small_pools

from upwell.cli import cli
from upwell.lab.sim import simulate
from upwell.store.accounts import create_account, org_id
from upwell.store.consent import record
from upwell.testing import open_store


def _run(home: Path, *args: str) -> str:
    r = CliRunner().invoke(cli, ["--home", str(home), *args])
    assert r.exit_code == 0, r.output
    return r.output


def test_org_commands(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _run(home, "web", "org", "acme")
    store = open_store(home)
    try:
        org = org_id(store, "acme")
        assert org is not None
        for i in range(6):
            acc = create_account(store, org, f"p{i}@acme.example", None)
            assert acc.member_ref is not None
            member = store.find_member(acc.member_ref)
            assert member is not None
            record(store, member, {("mail", "aggregate"): True})
    finally:
        store.close()
    tree = tmp_path / "tree.csv"
    tree.write_text("node_id,parent_id,name,kind\nacme,,Acme,org\n", encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("email,node_id\n" + "".join(f"p{i}@acme.example,acme\n"
                                                  for i in range(6)), encoding="utf-8")
    out = _run(home, "org", "import-tree", str(tree), "--org", "acme", "--period",
               "2026-02-02", "--members", str(people))
    assert "1 groups, 6 people listed" in out
    policy = tmp_path / "policy.toml"
    policy.write_text('k = 5\nmetrics = ["after_hours"]\nnote = "council"\n', encoding="utf-8")
    assert "version 1 in force" in _run(home, "org", "policy", str(policy), "--org", "acme")
    assert "unchanged" in _run(home, "org", "policy", str(policy), "--org", "acme")
    assert "council" in _run(home, "org", "policy", "--org", "acme")
    out = _run(home, "org", "release", "--org", "acme", "--period", "2026-02-02")
    assert "threshold not reached yet" in out  # members consented but hold no data
    assert "@" not in out
    data = json.loads(_run(home, "org", "release", "--org", "acme", "--period", "2026-02-02",
                           "--json"))
    assert data["periods"][0]["groups"][0]["adoption"] == "not yet"
    assert _run(home, "org", "ledger", "--org", "acme") == ""
    bad = CliRunner().invoke(cli, ["--home", str(home), "org", "release", "--org", "nope",
                                   "--period", "2026-02-02"])
    assert bad.exit_code != 0
    assert "no org" in bad.output
    bad = CliRunner().invoke(cli, ["--home", str(home), "org", "release", "--org", "acme",
                                   "--period", "2031-01-01"])
    assert bad.exit_code == 2
    assert "E512" in bad.output


def test_org_demo_command(tmp_path: Path) -> None:
    sim = tmp_path / "sim"
    simulate(small_pools(), people=16, weeks=10, seed=5, out=sim, participation=1.0)
    policy = tmp_path / "policy.toml"
    policy.write_text('k = 5\nmetrics = ["after_hours", "tone"]\n', encoding="utf-8")
    out = _run(tmp_path / "home", "org", "demo", "--sim", str(sim), "--contributing", "0.75",
               "--policy", str(policy))
    assert "16 people, 12 contributing" in out
    assert "released" in out
    assert "after_hours: 10 people ±" in out
    assert "admin@demo.example" in out
    # progress: one content-free line per stage when stderr is not a terminal
    assert "set up members (contributors' archives imported) 16/16" in out
    assert re.search(r"^released periods (\d+)/\1 \(", out, re.MULTILINE), out
    assert "@" not in out.split("Admin console")[0]
    bad = CliRunner().invoke(cli, ["--home", str(tmp_path / "h2"), "org", "demo", "--sim",
                                   str(sim), "--contributing", "2"])
    assert bad.exit_code != 0
