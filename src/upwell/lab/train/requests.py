"""``upwell train requests``: which sentences ask the reader to do something.

Reads: Parakweet's email intent data (sentence-level ``Yes``/``No`` asks) from
``../shared/data/email-intent-parakweet``: ``train.tsv`` only (``test.tsv`` is never read here).
Features: :func:`upwell.analyze.requests.sentence_features` (words, word pairs, the analyzer's
rules), those seen in at least ``MIN_COUNT`` rows. Model: L2 logistic regression (liblinear,
fixed settings: deterministic) with ``C`` and ``MIN_COUNT`` chosen by seeded 5- and 10-fold
cross-validation of the analyzer's decision on ``train.tsv`` (the variants tried are in
docs/analyzers/requests.md); its threshold is the one with the best accuracy in a seeded 5-fold
cross-validation on ``train.tsv``. Writes ``analyze/models/requests.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from upwell.analyze.models import MODELS
from upwell.analyze.requests import sentence_features
from upwell.lab.train import common

ARTIFACT = MODELS / "requests.json"
C = 5.0
MIN_COUNT = 2


def load_split(corpus: Path, split: str) -> list[tuple[str, bool]]:
    """(sentence, is an ask) rows of ``train`` or ``test``."""
    rows = []
    with (corpus / f"{split}.tsv").open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            label, _tab, sentence = line.rstrip("\r\n").partition("\t")
            if label in {"Yes", "No"}:
                rows.append((sentence, label == "Yes"))
    return rows


def cv_threshold(x: list[set[str]], y: list[int], folds: int = 5) -> float:
    """The threshold (0.30 .. 0.70, step 0.05) with the best cross-validated accuracy."""
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415 - the train extra (scikit-learn), loaded only when training

    grid = [round(0.3 + 0.05 * i, 2) for i in range(9)]
    correct = dict.fromkeys(grid, 0)
    for train_at, test_at in StratifiedKFold(folds, shuffle=True, random_state=13).split(x, y):
        vocab = common.vocabulary([x[i] for i in train_at], MIN_COUNT)
        model = common.fit(common.matrix([x[i] for i in train_at], vocab),
                           [y[i] for i in train_at], c=C)
        p = model.predict_proba(common.matrix([x[i] for i in test_at], vocab))[:, 1]
        for t in grid:
            correct[t] += sum(int(pi >= t) == y[i] for pi, i in zip(p, test_at, strict=True))
    return max(grid, key=lambda t: (correct[t], -abs(t - 0.5)))


def train(corpus: Path) -> dict[str, Any]:
    rows = load_split(corpus, "train")
    x = [sentence_features(s) for s, _y in rows]
    y = [int(label) for _s, label in rows]
    vocab = common.vocabulary(x, MIN_COUNT)
    model = common.fit(common.matrix(x, vocab), y, c=C)
    return common.artifact(
        "requests/1", labels=["request"], models=[model], vocab=vocab,
        thresholds=[cv_threshold(x, y)],
        meta={"source": "email-intent-parakweet train.tsv", "rows": len(rows), "C": C})


def write(model: dict[str, Any], path: Path = ARTIFACT) -> Path:
    return common.write(model, path)
