"""Whether a retrained model reproduces a shipped one: by what it decides, not by its bytes.

Reads: two model files (the shipped one and a fresh fit) and the corpus rows the model was
trained and is evaluated on. Writes nothing; returns a :class:`Reproduction`.

liblinear is deterministic on one machine, but its floating point is not bit-identical across
processors: on another CPU a refit differs in the fourth decimal of a few weights, so comparing
bytes fails where nothing a member sees changes. A refit reproduces the shipped model when it
has the same labels, features and thresholds, every weight and intercept lies within
:data:`TOLERANCE` of the shipped one, and every training and evaluation row gets the same
decision from both. ``upwell train check`` and ``tests/test_train.py`` apply this rule; the
model cards in docs/analyzers/ state it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from upwell.analyze.models import MODELS, LinearModel, from_dict
from upwell.analyze.politeness import model_features
from upwell.analyze.requests import sentence_features
from upwell.analyze.tone import emotion_features
from upwell.lab.train import emotions, politeness, requests, train_one

#: The largest difference allowed between a shipped and a refitted weight or intercept: two
#: units of the stored 1/10,000 (seen across processors' BLAS kernels: one unit, on a few
#: weights that sit at a rounding boundary).
TOLERANCE = 0.0002


@dataclass(frozen=True, slots=True)
class Reproduction:
    """How a refit compares with the shipped model."""

    model: str
    #: What of the model's definition differs: any of "labels", "features", "thresholds".
    differs: tuple[str, ...]
    max_weight_difference: float
    max_intercept_difference: float
    rows: int
    disagreements: int
    #: How close the closest row came to a threshold in either model (probability units): a
    #: small figure says a disagreement could appear on another processor.
    closest_to_threshold: float

    @property
    def reproduced(self) -> bool:
        return (not self.differs and self.max_weight_difference <= TOLERANCE
                and self.max_intercept_difference <= TOLERANCE and self.disagreements == 0)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tolerance": TOLERANCE, "reproduced": self.reproduced}


def compare(shipped: dict[str, Any], refit: dict[str, Any],
            rows: Sequence[set[str]]) -> Reproduction:
    """Compare two model files (their JSON forms) on the feature sets of ``rows``."""
    a, b = from_dict(shipped), from_dict(refit)
    same_features = shipped["features"] == refit["features"]
    weight_diff = max((abs(x - y) for f, ws in a.weights.items() if f in b.weights
                       for x, y in zip(ws, b.weights[f], strict=True)), default=0.0)
    intercept_diff = max((abs(x - y) for x, y in zip(a.intercepts, b.intercepts, strict=True)),
                         default=0.0) if len(a.intercepts) == len(b.intercepts) else float("inf")
    disagreements, closest = 0, 1.0
    for features in rows:
        pa, pb = a.probabilities(features), b.probabilities(features)
        if a.decisions(features) != b.decisions(features):
            disagreements += 1
        closest = min(closest, _closest(a, pa), _closest(b, pb))
    differs = tuple(what for what, same in (("labels", a.labels == b.labels),
                                            ("features", same_features),
                                            ("thresholds", a.thresholds == b.thresholds))
                    if not same)
    return Reproduction(
        model=str(shipped["model"]), differs=differs,
        max_weight_difference=round(weight_diff, 6) if same_features else float("inf"),
        max_intercept_difference=round(intercept_diff, 6), rows=len(rows),
        disagreements=disagreements, closest_to_threshold=round(closest, 6))


def _closest(model: LinearModel, probabilities: dict[str, float]) -> float:
    return min(abs(probabilities[label] - t)
               for label, t in zip(model.labels, model.thresholds, strict=True))


def rows(name: str, corpus: Path) -> list[set[str]]:
    """The feature sets of every row model ``name`` is trained on or evaluated against (its
    analyzer's own feature function)."""
    return _ROWS[name](corpus)


def _politeness_rows(corpus: Path) -> list[set[str]]:
    # Stack Overflow's rows are a part of Stack Exchange's: every row once.
    return [model_features(r.text) for d in ("wikipedia", "stackexchange")
            for r in politeness.load_domain(corpus, d)]


def _request_rows(corpus: Path) -> list[set[str]]:
    return [sentence_features(s) for split in ("train", "test") for s, _y in
            requests.load_split(corpus, split)]


def _emotion_rows(corpus: Path) -> list[set[str]]:
    return [emotion_features(t) for split in ("train", "dev", "test") for t, _l in
            emotions.load_split(corpus, split)]


_ROWS: dict[str, Callable[[Path], list[set[str]]]] = {
    "politeness": _politeness_rows, "requests": _request_rows, "emotions": _emotion_rows}


def check(name: str, corpus: Path, shipped: Path | None = None) -> Reproduction:
    """Refit model ``name`` from ``corpus`` into a scratch folder and compare it with the
    shipped file (or ``shipped``)."""
    target = shipped or MODELS / f"{name}.json"
    with tempfile.TemporaryDirectory(prefix="upwell-refit-") as scratch:
        out = Path(scratch) / f"{name}.json"
        train_one(name, corpus, out)
        refit = json.loads(out.read_text(encoding="utf-8"))
    return compare(json.loads(target.read_text(encoding="utf-8")), refit, rows(name, corpus))
