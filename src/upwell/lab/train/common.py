"""What every trainer shares: feature matrices, the fit, threshold tuning, the JSON artifact.

Models are scikit-learn logistic regressions (liblinear, fixed settings: deterministic) over the
binary, L2-normalized features that :mod:`upwell.analyze.models` scores in plain Python. Needs
the ``train`` extra (scikit-learn, numpy).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from upwell.analyze.models import MODELS

FeatureSets = Sequence[set[str]]


def vocabulary(rows: FeatureSets, min_count: int) -> dict[str, int]:
    """Features seen in at least ``min_count`` rows, in a fixed (sorted) order."""
    df = Counter(f for fs in rows for f in fs)
    return {f: i for i, f in enumerate(sorted(f for f, n in df.items() if n >= min_count))}


def matrix(rows: FeatureSets, vocab: dict[str, int]) -> Any:
    """The sparse matrix the scorer sees: 1/sqrt(n) for each of a row's n known features."""
    # scipy (a scikit-learn dependency) ships no type stubs; only this constructor is used.
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped]  # noqa: PLC0415 - the train extra (scikit-learn, scipy), loaded only when training

    indptr, indices, data = [0], [], []
    for fs in rows:
        idx = sorted(vocab[f] for f in fs if f in vocab)
        value = 1.0 / math.sqrt(len(idx)) if idx else 0.0
        indices.extend(idx)
        data.extend([value] * len(idx))
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), len(vocab)))


#: liblinear's stopping tolerance. At its default (1e-4) a fit stops where the processor's BLAS
#: kernels happen to lead it, and refits on two processors differed by up to 4 units of the
#: stored weights and in a decision; run to 1e-8 the fit reaches the same optimum everywhere, up
#: to the last stored digit of a few weights (docs/evaluation-analyzers.md, "Reproducibility").
TOL = 1e-8


def fit(x: Any, y: Sequence[int], *, c: float, weights: Sequence[float] | None = None) -> Any:
    """An L2 logistic regression (liblinear, run to :data:`TOL`: deterministic for fixed data,
    and the same optimum on any processor)."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - the train extra (scikit-learn, scipy), loaded only when training

    return LogisticRegression(C=c, solver="liblinear", max_iter=1000, tol=TOL).fit(
        x, list(y), sample_weight=None if weights is None else list(weights))


def f1(predicted: Sequence[bool], gold: Sequence[bool]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the positive class."""
    tp = sum(1 for p, g in zip(predicted, gold, strict=True) if p and g)
    n_pred, n_gold = sum(map(bool, predicted)), sum(map(bool, gold))
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f


def best_threshold(probabilities: Sequence[float], gold: Sequence[bool]) -> float:
    """The probability threshold (0.05 .. 0.95, step 0.01) with the best F1 on held-out rows."""
    grid = [round(0.05 + 0.01 * i, 2) for i in range(91)]
    return max(grid, key=lambda t: (f1([p >= t for p in probabilities], gold)[2], -abs(t - 0.5)))


#: Weights are stored as integers in units of 1/SCALE (four decimals, as fitted weights are
#: rounded): integers parse four times faster than decimals, and every process that analyzes
#: reads the models once.
SCALE = 10_000


def artifact(name: str, *, labels: Sequence[str], models: Sequence[Any],
             vocab: dict[str, int], thresholds: Sequence[float], meta: dict[str, Any]
             ) -> dict[str, Any]:
    """The JSON form :func:`upwell.analyze.models.from_dict` reads: the features in order and,
    per label, their weights in units of 1/:data:`SCALE`. Every known feature stays, even at
    weight 0: it still counts in the norm."""
    order = sorted(vocab, key=vocab.__getitem__)
    return {
        "model": name,
        **meta,
        "labels": list(labels),
        "intercepts": [round(float(m.intercept_[0]), 6) for m in models],
        "thresholds": [round(float(t), 4) for t in thresholds],
        "scale": SCALE,
        "features": order,
        "weights": [[round(round(float(m.coef_[0][vocab[f]]), 4) * SCALE) for f in order]
                    for m in models],
    }


def write(model: dict[str, Any], path: Path | None = None) -> Path:
    """Write ``model`` as ``analyze/models/<name>.json`` (or ``path``), byte-stable."""
    out = path or MODELS / f"{model['model'].split('/')[0]}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model, sort_keys=True, separators=(",", ":")) + "\n",
                   encoding="utf-8")
    return out
