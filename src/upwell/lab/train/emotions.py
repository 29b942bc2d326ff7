"""``upwell train emotions``: the emotions tone.v1 reads, learned from GoEmotions.

Reads: GoEmotions (Demszky et al. 2020) from ``../shared/data/goemotions``: ``train.tsv`` to fit,
``dev.tsv`` to pick each label's threshold (best F1); ``test.tsv`` is never read here. Labels:
:data:`upwell.analyze.tone.EMOTIONS` and the paper's sentiment groups (positive, negative,
ambiguous, neutral). Features: :func:`upwell.analyze.tone.emotion_features`. Model: one L2
logistic regression per label (liblinear, fixed settings: deterministic). Writes
``analyze/models/emotions.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from upwell.analyze.models import MODELS
from upwell.analyze.tone import EMOTIONS, SENTIMENTS, emotion_features
from upwell.lab.train import common

ARTIFACT = MODELS / "emotions.json"
C = 3.0
MIN_COUNT = 3
#: GoEmotions' own grouping of its 27 emotions by sentiment (the paper's Figure 2 / README).
GROUPS = {
    "positive": {"amusement", "excitement", "joy", "love", "desire", "optimism", "caring",
                 "pride", "admiration", "gratitude", "relief", "approval"},
    "negative": {"fear", "nervousness", "remorse", "embarrassment", "disappointment", "sadness",
                 "grief", "disgust", "anger", "annoyance", "disapproval"},
    "ambiguous": {"realization", "surprise", "curiosity", "confusion"},
    "neutral": {"neutral"},
}


def load_split(corpus: Path, split: str) -> list[tuple[str, set[str]]]:
    """(text, label names including their sentiment groups) of one split."""
    names = (corpus / "emotions.txt").read_text(encoding="utf-8").split()
    rows = []
    with (corpus / f"{split}.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            text, ids, _id = line.rstrip("\n").split("\t")
            labels = {names[int(i)] for i in ids.split(",")}
            labels |= {g for g, members in GROUPS.items() if labels & members}
            rows.append((text, labels))
    return rows


def targets(rows: Sequence[tuple[str, set[str]]], label: str) -> list[bool]:
    return [label in labels for _t, labels in rows]


def train(corpus: Path) -> dict[str, Any]:
    """One model per label on ``train``; thresholds from ``dev``."""
    train_rows, dev_rows = load_split(corpus, "train"), load_split(corpus, "dev")
    train_x = [emotion_features(t) for t, _l in train_rows]
    vocab = common.vocabulary(train_x, MIN_COUNT)
    x, x_dev = common.matrix(train_x, vocab), common.matrix(
        [emotion_features(t) for t, _l in dev_rows], vocab)
    labels = [*EMOTIONS, *SENTIMENTS]
    models, thresholds = [], []
    for label in labels:
        model = common.fit(x, [int(v) for v in targets(train_rows, label)], c=C)
        p_dev = [float(p) for p in model.predict_proba(x_dev)[:, 1]]
        models.append(model)
        thresholds.append(common.best_threshold(p_dev, targets(dev_rows, label)))
    return common.artifact(
        "emotions/1", labels=labels, models=models, vocab=vocab, thresholds=thresholds,
        meta={"source": "goemotions train (fit) + dev (thresholds)", "rows": len(train_rows),
              "C": C})


def write(model: dict[str, Any], path: Path = ARTIFACT) -> Path:
    return common.write(model, path)
