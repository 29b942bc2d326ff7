"""The shipped models: trained reproducibly from the corpora, loaded in plain Python, sensible."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.fixtures.synthetic_corpora import write_corpora

from upwell.analyze.models import MODELS, from_dict, load, ngrams, tokens
from upwell.analyze.politeness import score
from upwell.cli import cli
from upwell.lab.train import CORPORA
from upwell.lab.train.common import best_threshold, f1
from upwell.lab.train.reproduce import TOLERANCE, check, compare


def test_shipped_model_scores_polite_above_blunt() -> None:
    polite = score("Could you please take a look when you have a moment? Thanks so much!")
    blunt = score("Why did you change this? Fix it.")
    assert polite > 0.3
    assert blunt < 0
    assert polite > blunt


def test_shipped_models_are_small_and_complete() -> None:
    total = 0
    for name in CORPORA:
        path = MODELS / f"{name}.json"
        total += path.stat().st_size
        model = load(name)
        assert len(model.labels) == len(model.intercepts) == len(model.thresholds)
        assert all(len(w) == len(model.labels) for w in model.weights.values())
    assert total < 5_000_000  # committed only while under 5 MB


def test_features_and_scoring_in_plain_python() -> None:
    assert tokens("Can you SEND it?") == ("can", "you", "send", "it", "?")
    assert ngrams(("a", "b")) == {"a", "b", "a b", "<s> a", "b </s>"}
    assert ngrams(()) == set()
    model = from_dict({"model": "t/1", "labels": ["x"], "intercepts": [-1.0],
                       "thresholds": [0.5], "scale": 10_000, "features": ["bad", "good"],
                       "weights": [[-40_000, 40_000]]})
    assert model.decisions({"good"}) == {"x": True}
    assert model.decisions({"bad", "unknown"}) == {"x": False}
    assert model.margins(set()) == (-1.0,)
    assert model.probabilities({"good", "bad"})["x"] == pytest.approx(0.2689, abs=1e-4)
    assert model.weights == {"bad": (-4.0,), "good": (4.0,)}
    assert from_dict({"model": "t/1", "labels": ["x"], "intercepts": [0.0], "thresholds": [0.5],
                      "scale": 10_000, "features": ["a"], "weights": [[123]]}
                     ).first["a"] == 0.0123  # the float the decimal stands for, exactly
    base = {"model": "t", "labels": ["x"], "intercepts": [0.0], "thresholds": [0.5],
            "scale": 10_000, "features": ["a", "b"], "weights": [[1, 2]]}
    with pytest.raises(ValueError, match="list"):
        from_dict({**base, "labels": "x"})
    with pytest.raises(ValueError, match="one weight per feature"):
        from_dict({**base, "weights": [[1]]})
    with pytest.raises(ValueError, match="one weight per feature"):
        from_dict({**base, "weights": [[1, 2], [3, 4]]})
    with pytest.raises(ValueError, match="scale"):
        from_dict({**base, "scale": 0})


def test_metrics_helpers() -> None:
    assert f1([True, True, False], [True, False, True]) == (0.5, 0.5, 0.5)
    assert f1([False], [False]) == (0.0, 0.0, 0.0)
    assert best_threshold([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 0.5


def test_train_all_is_deterministic_on_small_corpora(tmp_path: Path) -> None:
    data = write_corpora(tmp_path / "data")
    runner = CliRunner()
    first = runner.invoke(cli, ["train", "--data", str(data), "--into", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    assert [json.loads(line)["model"] for line in first.output.splitlines()] == list(CORPORA)
    second = runner.invoke(cli, ["train", "emotions", "--corpus", str(data / "goemotions"),
                                 "--output", str(tmp_path / "b" / "emotions.json")])
    assert second.exit_code == 0, second.output
    assert ((tmp_path / "a" / "emotions.json").read_bytes()
            == (tmp_path / "b" / "emotions.json").read_bytes())
    model = json.loads((tmp_path / "a" / "emotions.json").read_text())
    assert model["labels"][:2] == ["admiration", "approval"]
    assert "test" not in model["source"]


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["politeness", "requests"])
def test_training_reproduces_the_shipped_model(name: str, corpus: Callable[[str], Path]) -> None:
    """Across processors liblinear's weights differ in the fourth decimal; what must not differ
    is any decision on the training and evaluation rows (docs/analyzers/<model>.md)."""
    result = check(name, corpus(CORPORA[name]))
    assert result.rows > 1000
    assert result.reproduced, (
        f"{json.dumps(result.to_dict())}: run `make models` and commit the result")


def test_reproduction_compares_decisions_and_weights_not_bytes() -> None:
    base = {"model": "t/1", "labels": ["x"], "intercepts": [0.0], "thresholds": [0.5],
            "scale": 10_000, "features": ["a", "b"], "weights": [[20_000, -20_000]]}
    rows = [{"a"}, {"b"}, {"a", "b"}, set()]
    near = {**base, "weights": [[20_001, -19_999]], "intercepts": [0.0002]}
    same = compare(base, near, rows)
    assert same.reproduced
    assert same.max_weight_difference == pytest.approx(0.0001)
    assert (same.rows, same.disagreements) == (4, 0)
    # within the tolerance, but a row ({a, b}: margin 0 against 0.0001) changes sides
    flipped = compare(base, {**base, "weights": [[20_000, -20_001]]}, rows)
    assert flipped.disagreements == 1
    assert not flipped.reproduced
    assert flipped.closest_to_threshold == 0.0
    far = compare(base, {**base, "weights": [[20_010, -20_000]]}, rows)
    assert far.disagreements == 0  # the same decisions, but 0.001 apart: beyond TOLERANCE
    assert far.max_weight_difference == pytest.approx(0.001)
    assert far.max_weight_difference > TOLERANCE
    assert not far.reproduced
    assert not compare(base, {**base, "thresholds": [0.6]}, []).reproduced
    assert not compare(base, {**base, "features": ["a", "c"]}, rows).reproduced
    assert compare(base, base, rows).to_dict()["reproduced"] is True
