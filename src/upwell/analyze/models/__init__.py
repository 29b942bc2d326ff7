"""Shipped linear text models and their plain-Python scorer.

The JSON files beside this module are written by ``upwell train`` (see :mod:`upwell.lab.train`) and
read here without scikit-learn or numpy. A model is a logistic regression per label over binary
features of a text: its words and word pairs (see :func:`ngrams`), plus whatever extra features
its analyzer adds (politeness strategies, request rules), each prefixed so the spaces never mix.
A text's feature vector is binary and L2-normalized over the features the model knows, so a
label's score is ``intercept + sum(weights) / sqrt(n_known)``. Training uses this same module to
make its features, so what is scored is exactly what was fitted.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise, repeat
from operator import truediv
from pathlib import Path
from typing import Any

MODELS = Path(__file__).parent
_TOKEN = re.compile(r"[a-z0-9']+|[?!]")


@lru_cache(maxsize=16)
def tokens(text: str) -> tuple[str, ...]:
    """Lower-cased words, numbers and ``?``/``!`` of ``text`` (several analyzers ask in turn)."""
    return tuple(_TOKEN.findall(text.lower()))


def ngrams(toks: tuple[str, ...] | list[str]) -> set[str]:
    """Unigrams (the token) and bigrams (``"a b"``, with ``<s>``/``</s>`` at the edges)."""
    if not toks:
        return set()
    feats = set(toks)
    feats.update(map(" ".join, pairwise(toks)))
    feats.add("<s> " + toks[0])
    feats.add(toks[-1] + " </s>")
    return feats


@dataclass(frozen=True, slots=True)
class LinearModel:
    """One logistic regression per label over binary, L2-normalized features."""

    name: str
    labels: tuple[str, ...]
    intercepts: tuple[float, ...]
    thresholds: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    #: The first label's weights alone (what a one-label model's scorer reads).
    first: dict[str, float]

    def margin(self, features: Iterable[str]) -> float:
        """The first label's decision value: :meth:`margins` ``[0]`` without building a tuple
        per label (the request model scores every sentence of every message)."""
        hits = [w for w in map(self.first.get, features) if w is not None]
        if not hits:
            return self.intercepts[0]
        return self.intercepts[0] + sum(hits) * (1.0 / math.sqrt(len(hits)))

    def decision(self, features: Iterable[str]) -> bool:
        """The first label at its tuned threshold."""
        return sigmoid(self.margin(features)) >= self.thresholds[0]

    def margins(self, features: Iterable[str]) -> tuple[float, ...]:
        """Each label's decision value (log-odds) for a text with ``features``."""
        get = self.weights.get
        hits = list(filter(None, map(get, features)))  # weight tuples are never empty
        if not hits:
            return self.intercepts
        scale = 1.0 / math.sqrt(len(hits))
        return tuple(b + s * scale for b, s in
                     zip(self.intercepts, map(sum, zip(*hits, strict=True)), strict=True))

    def probabilities(self, features: Iterable[str]) -> dict[str, float]:
        """Each label's probability."""
        return {label: sigmoid(z) for label, z in
                zip(self.labels, self.margins(features), strict=True)}

    def decisions(self, features: Iterable[str]) -> dict[str, bool]:
        """Each label at its tuned threshold (a probability)."""
        return {label: sigmoid(z) >= t for label, z, t in
                zip(self.labels, self.margins(features), self.thresholds, strict=True)}


def sigmoid(z: float) -> float:
    """The logistic function (0.0 far below zero instead of an overflow)."""
    return 1.0 / (1.0 + math.exp(-z)) if z >= -700 else 0.0


def from_dict(data: dict[str, object]) -> LinearModel:
    """A model from its JSON form (as :func:`upwell.lab.train.common.artifact` writes it: the
    features, and per label their weights in units of 1/``scale``)."""
    labels = tuple(str(x) for x in _list(data["labels"]))
    features = _list(data["features"])
    columns = _list(data["weights"])
    scale = data["scale"]
    if not isinstance(scale, int) or scale <= 0:
        raise ValueError("the model's scale must be a positive integer")
    if len(columns) != len(labels) or any(len(_list(c)) != len(features) for c in columns):
        raise ValueError("the model needs one weight per feature and label")
    # int / int is correctly rounded: the same float as the decimal it stands for.
    names = list(map(str, features))
    floats = [list(map(truediv, c, repeat(scale, len(names)))) for c in columns]
    return LinearModel(
        name=str(data["model"]),
        labels=labels,
        intercepts=tuple(float(x) for x in _list(data["intercepts"])),
        thresholds=tuple(float(x) for x in _list(data["thresholds"])),
        weights=dict(zip(names, zip(*floats, strict=True), strict=True)),
        first=dict(zip(names, floats[0], strict=True)) if floats else {},
    )


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("expected a list in the model file")
    return value


@lru_cache(maxsize=8)
def load(name: str) -> LinearModel:
    """The shipped model ``name`` (``analyze/models/<name>.json``), read once per process."""
    return from_dict(json.loads((MODELS / f"{name}.json").read_text(encoding="utf-8")))
