"""Experiment record (not part of the product): every politeness-score recipe tried for issue 5's
Wikipedia -> Stack Overflow figure, run through the same protocol as ``upwell eval analyzers``
(:func:`upwell.lab.evaluate.analyzers.politeness`), so the table in docs/analyzers/politeness.md can
be reproduced and no variant is left out.

Each variant changes one or a few things of the shipped recipe (:mod:`upwell.lab.train.politeness`):
which features, regularization ``C``, the middle half's weight, the vocabulary's document
frequency limits, the scaling of strategy features, the length normalization, the intercept, or
a threshold fixed on the source's own cross-validation folds. None of them reads the target
domain. Prints a Markdown table (``--json`` for the raw results); ``--only NAME`` runs some.
Needs the ``train`` extra. A full run takes about half an hour on a 2-core machine.

    .venv/bin/python tools/politeness_variants.py --corpus ../shared/data/stanford-politeness
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import upwell.analyze.politeness as p
from upwell.analyze.politeness import model_features, strategies
from upwell.lab.evaluate.analyzers import Scorer, politeness
from upwell.lab.train.politeness import MIDDLE_WEIGHT, MIN_COUNT, C, Row


@dataclass(frozen=True)
class Settings:
    """One recipe: the shipped one by default."""

    c: float = C
    middle: float = MIDDLE_WEIGHT
    min_count: int = MIN_COUNT
    max_df: float = 1.0  # drop features in more than this share of the training rows
    strategy_scale: float = 1.0  # value of an ``s:`` feature relative to a word's
    norm: str = "known"  # 1/sqrt(n) over known features ("known"), all features, or "none"
    intercept: bool = True
    intercept_scaling: float = 1.0  # liblinear penalizes the intercept less when larger
    balanced: bool = False
    threshold: str = "zero"  # or "folds": best accuracy on the source's 10-fold margins
    keep: Callable[[str], bool] | None = None  # which of model_features to use
    extra: Callable[[str], set[str]] | None = None  # features added from the text


def _matrix(feats: Sequence[set[str]], vocab: dict[str, int], s: Settings) -> Any:
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped]  # noqa: PLC0415 - the train extra (scikit-learn, scipy), loaded only by the step that needs it

    indptr, indices, data = [0], [], []
    for fs in feats:
        known = sorted((vocab[f], f) for f in fs if f in vocab)
        n = len(known) if s.norm == "known" else len(fs)
        value = 1.0 if s.norm == "none" else (1 / math.sqrt(n) if n else 0.0)
        indices.extend(i for i, _f in known)
        data.extend(value * (s.strategy_scale if f.startswith("s:") else 1.0)
                    for _i, f in known)
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(feats), len(vocab)))


def _fit(s: Settings, rows: Sequence[Row], feats: Sequence[set[str]]) -> Scorer:
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - the train extra (scikit-learn, scipy), loaded only by the step that needs it

    keep = [i for i, r in enumerate(rows) if r.label is not None or s.middle > 0]
    df = Counter(f for i in keep for f in feats[i])
    limit = s.max_df * len(keep)
    vocab = {f: i for i, f in enumerate(sorted(
        f for f, n in df.items() if s.min_count <= n <= limit))}
    y = [r.label if r.label is not None else int(r.upper) for r in rows]
    model = LogisticRegression(
        C=s.c, solver="liblinear", max_iter=1000, fit_intercept=s.intercept,
        intercept_scaling=s.intercept_scaling, class_weight="balanced" if s.balanced else None,
    ).fit(_matrix([feats[i] for i in keep], vocab, s), [y[i] for i in keep],
          sample_weight=[1.0 if rows[i].label is not None else s.middle for i in keep])
    cut = _fold_threshold(s, rows, feats) if s.threshold == "folds" else 0.0
    return lambda fs: [float(z) - cut for z in model.decision_function(_matrix(fs, vocab, s))]


def _fold_threshold(s: Settings, rows: Sequence[Row], feats: Sequence[set[str]]) -> float:
    """The cut with the best accuracy on the source's own out-of-fold margins (ties: nearest 0)."""
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415 - the train extra (scikit-learn, scipy), loaded only by the step that needs it

    inner = replace(s, threshold="zero")
    binary = [i for i, r in enumerate(rows) if r.label is not None]
    middle = [i for i, r in enumerate(rows) if r.label is None]
    margins: list[tuple[float, int]] = []
    for train_at, test_at in StratifiedKFold(10, shuffle=True, random_state=13).split(
            binary, [rows[i].label for i in binary]):
        at = [binary[j] for j in train_at] + middle
        scorer = _fit(inner, [rows[i] for i in at], [feats[i] for i in at])
        test = [binary[j] for j in test_at]
        margins += zip(scorer([feats[i] for i in test]), [rows[i].label or 0 for i in test],
                       strict=True)
    margins.sort()
    cuts = [margins[0][0] - 1] + [(a[0] + b[0]) / 2 for a, b in pairwise(margins)]
    # accuracy at a cut = impolite rows below it + polite rows above it
    below_impolite, above_polite = 0, sum(y for _z, y in margins)
    best = (-1, 0.0, 0.0)
    for k, cut in enumerate(cuts):
        if k:
            below_impolite += 1 - margins[k - 1][1]
            above_polite -= margins[k - 1][1]
        best = max(best, (below_impolite + above_polite, -abs(cut), cut))
    return best[2]


def _counts_at_least(*levels: int) -> Callable[[str], set[str]]:
    def extra(text: str) -> set[str]:
        counts = strategies(text)
        return {f"s:{k}:{m}" for k, n in counts.items() for m in levels if n >= m}
    return extra


def _unigram(f: str) -> bool:
    return " " not in f and f[1:2] != ":"


def _words_in(words: set[str]) -> Callable[[str], bool]:
    def keep(f: str) -> bool:
        core = f[2:] if f[1:2] == ":" else f
        return f.startswith("s:") or all(w in words for w in core.split(" "))
    return keep


def _general_words(function_only: bool) -> set[str]:
    """Stop words and the strategies' words, and (unless ``function_only``) VADER's lexicon:
    words that mean the same in any domain, chosen without looking at either corpus."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # noqa: PLC0415 - the train extra (scikit-learn, scipy), loaded only by the step that needs it


    words = set(ENGLISH_STOP_WORDS).union(
        p._GRATITUDE, p._DEFERENCE_1, p._DEFERENCE_2, p._GREETING, p._APOLOGY, p._DIRECT_Q,
        p._DIRECT_START, p._FIRST, p._PLURAL, p._SECOND, p._HEDGES, p._FACTUAL,
        {"please", "pls", "could", "would", "can", "will", "btw", "?", "!", "<s>", "</s>"},
        *map(set, p._APOLOGY_2 | p._HEDGES_2 | p._FACTUAL_2))
    if not function_only:
        words |= set(p._lexicon())
    return words | {w.replace("'", "") for w in words}


def variants() -> dict[str, Settings]:
    """Every recipe tried, by name (the shipped one first)."""
    base = Settings()
    no_bigrams = lambda f: " " not in f  # noqa: E731
    uni_s = lambda f: _unigram(f) or f.startswith("s:")  # noqa: E731
    return {
        "shipped (C 3, middle 0.2, min count 2)": base,
        "C 1": replace(base, c=1.0),
        "C 10": replace(base, c=10.0),
        "middle half dropped": replace(base, middle=0.0),
        "middle half at 0.5": replace(base, middle=0.5),
        "middle half at 1": replace(base, middle=1.0),
        "min count 5": replace(base, min_count=5),
        "min count 20": replace(base, min_count=20),
        "class weights balanced": replace(base, balanced=True),
        "intercept scaling 10": replace(base, intercept_scaling=10.0),
        "no intercept": replace(base, intercept=False),
        "no bigrams": replace(base, keep=no_bigrams),
        "unigrams + strategies (paper)": replace(base, keep=uni_s),
        "unigrams + strategies, strategies x2": replace(base, keep=uni_s, strategy_scale=2.0),
        "strategies only (C 1)": replace(base, keep=lambda f: f.startswith("s:"), c=1.0),
        "general words only (stop words, VADER, strategies)": replace(
            base, keep=_words_in(_general_words(function_only=False))),
        "function words only (stop words, strategies)": replace(
            base, keep=_words_in(_general_words(function_only=True))),
        "strategy counts >= 2": replace(base, extra=_counts_at_least(2)),
        "strategy counts >= 2, >= 3": replace(base, extra=_counts_at_least(2, 3)),
        "strategies x2": replace(base, strategy_scale=2.0),
        "strategies x4": replace(base, strategy_scale=4.0),
        "normalized over all features": replace(base, norm="all"),
        "normalized over all, intercept scaling 10": replace(
            base, norm="all", intercept_scaling=10.0),
        "not normalized, C 0.1": replace(base, norm="none", c=0.1),
        "not normalized, C 0.03": replace(base, norm="none", c=0.03),
        "max df 0.5": replace(base, max_df=0.5),
        "max df 0.3": replace(base, max_df=0.3),
        "max df 0.5, intercept scaling 10": replace(base, max_df=0.5, intercept_scaling=10.0),
        "max df 0.5, strategies x2": replace(base, max_df=0.5, strategy_scale=2.0),
        "max df 0.3, strategies x2": replace(base, max_df=0.3, strategy_scale=2.0),
        "no intercept, strategies x2": replace(base, intercept=False, strategy_scale=2.0),
        "no intercept, max df 0.5": replace(base, intercept=False, max_df=0.5),
        "no intercept, max df 0.3": replace(base, intercept=False, max_df=0.3),
        "no intercept, max df 0.5, strategies x2": replace(
            base, intercept=False, max_df=0.5, strategy_scale=2.0),
        "no intercept, max df 0.3, strategies x2": replace(
            base, intercept=False, max_df=0.3, strategy_scale=2.0),
        "no intercept, max df 0.5, normalized over all": replace(
            base, intercept=False, max_df=0.5, norm="all"),
        "threshold from the source's 10 folds": replace(base, threshold="folds"),
    }


def evaluate(corpus: Path, s: Settings) -> dict[str, dict[str, float]]:
    """The eval's protocol for one recipe."""
    keep, extra = s.keep, s.extra

    def features(text: str) -> set[str]:
        fs = model_features(text)
        if keep is not None:
            fs = {f for f in fs if keep(f)}
        return fs | extra(text) if extra is not None else fs

    return politeness(corpus, recipe=lambda rows, feats: _fit(s, rows, feats),
                      features=features)


COLUMNS = (("wikipedia", "accuracy", "Wiki CV"), ("stackoverflow", "accuracy", "SO CV"),
           ("stackexchange->wikipedia", "accuracy", "SE→Wiki"),
           ("wikipedia->stackoverflow", "accuracy", "**Wiki→SO**"),
           ("stackoverflow->wikipedia", "accuracy", "SO→Wiki"),
           ("stackoverflow->wikipedia", "called_polite", "SO→Wiki called polite"),
           ("wikipedia->stackoverflow", "accuracy_relative", "Wiki→SO domain-relative"),
           ("wikipedia->stackoverflow", "called_polite", "Wiki→SO called polite"),
           ("stackexchange", "accuracy", "SE CV"),
           ("wikipedia->stackexchange", "accuracy", "Wiki→SE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/data/stanford-politeness"))
    parser.add_argument("--only", action="append", help="a variant's name (repeatable)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    chosen = {k: v for k, v in variants().items() if not args.only or k in args.only}
    if not args.json:
        print("| variant | " + " | ".join(c for _d, _k, c in COLUMNS) + " |")
        print("|---|" + "---:|" * len(COLUMNS))
    for name, settings in chosen.items():
        result = evaluate(args.corpus, settings)
        if args.json:
            print(json.dumps({"variant": name, **result}), flush=True)
            continue
        cells = [f"{100 * result[d][k]:.1f}" for d, k, _c in COLUMNS]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
