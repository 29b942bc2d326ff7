"""``upwell train politeness``: the overall politeness score, learned from human ratings.

Reads: the Stanford Politeness Corpus (Danescu-Niculescu-Mizil et al. 2013) from
``../shared/data/stanford-politeness``: Wikipedia and the Stack Overflow rows of Stack Exchange
(the other Stack Exchange rows score at chance in this copy; see the corpus README). Follows the
paper's binary protocol: per domain, the top quartile of the normalized score is polite and the
bottom quartile impolite. Features: the politeness strategies of ``politeness.v2`` (as 0/1) and
the most frequent unigrams. Model: L2 logistic regression (scikit-learn, liblinear, fixed
settings: deterministic). Writes a small JSON artifact into the package, which the analyzer
scores with plain Python (no scikit-learn at run time).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from upwell.analyze.politeness import STRATEGIES, strategies

ARTIFACT = Path(__file__).resolve().parents[1] / "analyze" / "models" / "politeness.json"
VOCABULARY = 1500
_TOKEN = re.compile(r"[a-z']+")


def tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(text.lower()))


def load_binary(corpus: Path) -> list[tuple[str, int, str]]:
    """(request, label, domain) rows of the paper's binary task for Wikipedia and Stack Overflow."""
    rows: list[tuple[str, int, str]] = []
    for name, domain in (("wikipedia.annotated.csv", "wikipedia"),
                         ("stack-exchange.annotated.csv", "stackoverflow")):
        with (corpus / name).open(encoding="utf-8", newline="") as fh:
            data = [r for r in csv.DictReader(fh)
                    if domain == "wikipedia" or r["Community"].endswith("Stack Overflow")]
        scores = sorted(float(r["Normalized Score"]) for r in data)
        low, high = scores[len(scores) // 4], scores[(3 * len(scores)) // 4]
        for r in data:
            s = float(r["Normalized Score"])
            if s >= high:
                rows.append((r["Request"], 1, domain))
            elif s <= low:
                rows.append((r["Request"], 0, domain))
    return rows


def featurize(text: str, vocabulary: list[str]) -> list[float]:
    counts = strategies(text)
    words = tokens(text)
    return [float(counts[s] > 0) for s in STRATEGIES] + [float(w in words) for w in vocabulary]


def train(corpus: Path) -> dict[str, Any]:
    """Fit the model on every binary row; report 10-fold cross-validated accuracy per domain."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    rows = load_binary(corpus)
    df = Counter(w for text, _label, _d in rows for w in tokens(text))
    vocabulary = sorted(w for w, _n in df.most_common(VOCABULARY))
    x = np.array([featurize(text, vocabulary) for text, _l, _d in rows])
    y = np.array([label for _t, label, _d in rows])
    domains = np.array([d for _t, _l, d in rows])

    def model() -> Any:
        return LogisticRegression(C=0.5, solver="liblinear", max_iter=1000)

    folds = StratifiedKFold(n_splits=10, shuffle=True, random_state=13)
    accuracy = {
        d: round(float(cross_val_score(model(), x[domains == d], y[domains == d], cv=folds)
                       .mean()), 4)
        for d in ("wikipedia", "stackoverflow")
    }
    fit = model().fit(x, y)
    weights = [round(float(w), 6) for w in fit.coef_[0]]
    names = [f"strategy:{s}" for s in STRATEGIES] + [f"word:{w}" for w in vocabulary]
    return {
        "model": "politeness-logreg/1",
        "source": "stanford-politeness (Wikipedia + Stack Overflow), paper's binary protocol",
        "rows": len(rows),
        "cv_accuracy_10fold": accuracy,
        "intercept": round(float(fit.intercept_[0]), 6),
        "weights": dict(zip(names, weights, strict=True)),
    }


def write(model: dict[str, Any], path: Path = ARTIFACT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path
