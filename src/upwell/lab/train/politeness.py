"""``upwell train politeness``: the overall politeness score, learned from human ratings.

Reads: the Stanford Politeness Corpus (Danescu-Niculescu-Mizil et al. 2013) from
``../shared/data/stanford-politeness``. Follows the paper's binary protocol: per domain, the top
quartile of the normalized score is polite and the bottom quartile impolite. The shipped model is
fitted on Wikipedia and the Stack Overflow rows of Stack Exchange (the other Stack Exchange rows
score at chance in this copy; see the corpus README). The middle half of each domain, which the
paper drops, is kept as weak evidence (weight :data:`MIDDLE_WEIGHT`, labelled by the side of the
domain's median): it is never a test row in the evaluation. Features: :func:`upwell.analyze.
politeness.model_features`. Model: L2 logistic regression (liblinear, fixed settings:
deterministic). Writes ``analyze/models/politeness.json``, which the analyzer scores in plain
Python. The settings were kept after 36 other recipes failed to move the Wikipedia -> Stack
Overflow figure without the target domain: docs/analyzers/politeness.md, reproduced by
``tools/politeness_variants.py``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from upwell.analyze.models import MODELS
from upwell.analyze.politeness import model_features
from upwell.lab.train import common

ARTIFACT = MODELS / "politeness.json"
C = 3.0
MIDDLE_WEIGHT = 0.2
MIN_COUNT = 2
#: Which rows make up each domain of the evaluation (file, and a filter on ``Community``).
DOMAINS = {
    "wikipedia": ("wikipedia.annotated.csv", ""),
    "stackexchange": ("stack-exchange.annotated.csv", ""),
    "stackoverflow": ("stack-exchange.annotated.csv", "Stack Overflow"),
}


@dataclass(frozen=True, slots=True)
class Row:
    """One request: ``label`` 1 polite / 0 impolite (the quartiles), or ``None`` (middle half,
    with ``upper`` telling which side of the median it is on)."""

    text: str
    label: int | None
    upper: bool


def load_domain(corpus: Path, domain: str) -> list[Row]:
    """The domain's rows, labelled by the paper's per-domain quartiles of ``Normalized Score``."""
    name, community = DOMAINS[domain]
    with (corpus / name).open(encoding="utf-8", newline="") as fh:
        data = [(r["Request"], float(r["Normalized Score"])) for r in csv.DictReader(fh)
                if r["Community"].endswith(community)]
    scores = sorted(s for _t, s in data)
    low, high = scores[len(scores) // 4], scores[(3 * len(scores)) // 4]
    median = scores[len(scores) // 2]
    return [Row(t, 1 if s >= high else 0 if s <= low else None, s > median) for t, s in data]


def load_binary(corpus: Path) -> list[tuple[str, int, str]]:
    """(request, label, domain) rows of the paper's binary task for Wikipedia and Stack Overflow."""
    return [(r.text, r.label, d) for d in ("wikipedia", "stackoverflow")
            for r in load_domain(corpus, d) if r.label is not None]


def fit_rows(rows: Sequence[Row], features: Sequence[set[str]]) -> tuple[Any, dict[str, int]]:
    """Fit on ``rows`` (their ``features`` given in the same order): quartile rows at weight 1,
    middle rows at :data:`MIDDLE_WEIGHT`."""
    vocab = common.vocabulary(features, MIN_COUNT)
    y = [r.label if r.label is not None else int(r.upper) for r in rows]
    w = [1.0 if r.label is not None else MIDDLE_WEIGHT for r in rows]
    return common.fit(common.matrix(features, vocab), y, c=C, weights=w), vocab


def train(corpus: Path) -> dict[str, Any]:
    """Fit the shipped model on Wikipedia and Stack Overflow."""
    rows = [r for d in ("wikipedia", "stackoverflow") for r in load_domain(corpus, d)]
    features = [model_features(r.text) for r in rows]
    model, vocab = fit_rows(rows, features)
    return common.artifact(
        "politeness/2", labels=["polite"], models=[model], vocab=vocab, thresholds=[0.5],
        meta={"source": "stanford-politeness: Wikipedia + Stack Overflow, quartiles (weight 1) "
                        f"and middle half (weight {MIDDLE_WEIGHT})",
              "rows": len(rows), "C": C})


def write(model: dict[str, Any], path: Path = ARTIFACT) -> Path:
    """Write the model (inside the package by default)."""
    return common.write(model, path)
