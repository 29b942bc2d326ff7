"""The demo corpus shipped in the package: ``make demo`` on a fresh clone (no ../shared/data),
the one-line choice between it and the full pools, progress lines of the long commands, and (with
the corpora) the shipped file being what ``upwell simulate-pools`` builds."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from upwell.cli import cli
from upwell.deliver.progress import Stages
from upwell.lab.evaluate.insights import evaluate
from upwell.lab.sim.corpus import POOLS, cached_pools
from upwell.lab.sim.shipped import DEFAULT_DATA, SHIPPED, demo_corpus, dumps, load_shipped, sample


@pytest.fixture
def no_shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from a folder whose ../shared/data does not exist, as in a fresh clone."""
    cwd = tmp_path / "clone"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert not DEFAULT_DATA.is_dir()
    return cwd


def test_shipped_file_is_small_canonical_and_complete() -> None:
    raw = SHIPPED.read_bytes()
    assert len(raw) < 512 * 1024
    corpus = json.loads(raw)
    assert dumps(corpus) == raw  # the writer's own canonical form: a rebuild diffs cleanly
    pools = load_shipped()
    assert all(pools.sentences[p] for p in POOLS), pools.sizes()
    assert len(pools.first_names) >= 50
    assert len(pools.last_names) >= 50
    for folder in ("README.md", "LICENSE-Apache-2.0.txt"):
        assert (SHIPPED.parent / folder).is_file()
    readme = (SHIPPED.parent / "README.md").read_text(encoding="utf-8")
    for source in ("Enron", "Parakweet", "Stanford Politeness", "GoEmotions", "Perry & Wolfe"):
        assert source in readme


def test_sample_is_even_and_deterministic() -> None:
    items = [str(i) for i in range(1000)]
    assert sample(items, 4) == ["0", "250", "500", "750"]
    assert sample(items[:3], 4) == ["0", "1", "2"]
    pools = load_shipped()
    assert dumps(demo_corpus(pools, 10)) == dumps(demo_corpus(pools, 10))


def test_demo_runs_on_the_shipped_pools(tmp_path: Path, no_shared: Path) -> None:
    """``make demo``'s simulate and eval steps on a fresh clone: the shipped pools are used
    (and said so), every stage reports its count, members get cards and the planted behaviours
    are found."""
    runner = CliRunner()
    home, sim = tmp_path / "home", tmp_path / "sim"
    res = runner.invoke(cli, ["--home", str(home), "simulate", str(sim), "--people", "12",
                              "--weeks", "10", "--seed", "3", "--force", "--showcase"])
    assert res.exit_code == 0, res.output
    assert "pools: shipped demo corpus" in res.output
    assert "full pools: pass --data ../shared/data" in res.output
    assert "simulated weeks 10/10" in res.output
    truth = json.loads((sim / "truth.json").read_text())
    participants = [p for p in truth["people"] if p["participant"]]
    result = evaluate(sim, tmp_path / "store")  # what `eval insights` runs: import, coach
    assert result.participants == len(participants) >= 8
    with_cards = [p for p, cards in result.cards.items() if cards]
    planted = {b["person"] for b in truth["behaviours"]}
    assert planted & set(with_cards)
    assert len(with_cards) >= len(planted & {p["id"] for p in participants}) // 2
    tp = sum(s.tp for s in result.scores.values())
    fp = sum(s.fp for s in result.scores.values())
    fn = sum(s.fn for s in result.scores.values())
    types = result.as_dict()["types"]
    assert tp >= 4, types
    assert tp / (tp + fp) >= 0.85, types
    assert tp / (tp + fn) >= 0.75, types
    # the demo's member (the showcase manager) opens on several cards, the ones planted
    showcase = truth["showcase"]
    carried = {i for b in truth["behaviours"] if b["person"] == showcase for i in b["insights"]}
    assert len(carried) == 4
    assert len(set(result.cards[showcase]) & carried) >= 3, (result.cards[showcase], carried)
    res = runner.invoke(cli, ["eval", "insights", str(sim), "--limit", "2"])
    assert res.exit_code == 0, res.output
    assert "imported and coached participants 2/2" in res.output


def test_explicit_missing_data_is_an_error_not_a_fallback(tmp_path: Path,
                                                          no_shared: Path) -> None:
    runner = CliRunner()
    for args in (["simulate", str(tmp_path / "sim")],
                 ["org", "demo", "--sim", str(tmp_path / "org-sim")]):
        res = runner.invoke(cli, ["--home", str(tmp_path / "home"), *args, "--data",
                                  str(tmp_path / "nowhere")])
        assert res.exit_code == 2, res.output
        assert "E301" in res.output
        assert "shipped demo corpus" not in res.output


@pytest.mark.corpus
def test_shipped_pools_are_what_the_build_command_makes(
        tmp_path: Path, corpus: Callable[[str], Path]) -> None:
    """The committed file against a fresh build from ../shared/data (contents, not bytes): when
    this fails, the corpora or the analyzers changed; run `make demo-pools` and commit."""
    for name in ("enron-edrm-10-mailboxes", "email-intent-parakweet", "stanford-politeness",
                 "goemotions", "enron-employees-perry-wolfe"):
        data = corpus(name).parent
    built = demo_corpus(cached_pools(data, tmp_path / "home" / "cache"))  # the command's too
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    fix = "the shipped demo corpus is stale: run `make demo-pools` and commit it"
    assert shipped.keys() == built.keys(), fix
    differ = [p for p in POOLS if shipped["sentences"][p] != built["sentences"][p]]
    assert not differ, f"{fix} (pools that differ: {', '.join(differ)})"
    assert shipped["full_sizes"] == built["full_sizes"], fix
    assert shipped["first_names"] == built["first_names"], fix
    assert shipped["last_names"] == built["last_names"], fix
    assert shipped == built, fix
    # and the command writes exactly those bytes, twice alike
    out = tmp_path / "pools.json"
    res = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "simulate-pools",
                                   "--data", str(data), "--out", str(out)])
    assert res.exit_code == 0, res.output
    first = out.read_bytes()
    res = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "simulate-pools",
                                   "--data", str(data), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == first
    assert json.loads(first) == shipped


def test_stages_one_line_per_stage_off_a_terminal_and_a_bar_on_one() -> None:
    out = io.StringIO()
    with Stages(Console(file=out, width=100), live=False) as stages:
        for n in range(1, 51):
            stages("imported archives", n, 50)
        stages.line("pools: shipped")
        for n in range(1, 4):
            stages("released periods", n, 3)
        stages("released periods", 3, 3)  # a repeated end prints nothing more
    lines = out.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("imported archives 50/50 (")
    assert lines[1] == "pools: shipped"
    assert lines[2].startswith("released periods 3/3 (")
    tty = io.StringIO()
    with Stages(Console(file=tty, force_terminal=True, width=100), live=True) as stages:
        for n in range(1, 11):
            stages("simulated weeks", n, 10)
    assert "simulated weeks" in tty.getvalue()
    assert "10/10" in tty.getvalue()
