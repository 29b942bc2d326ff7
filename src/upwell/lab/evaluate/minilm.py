"""``upwell eval minilm``: the optional MiniLM tier next to the default tier, and its speed.

Reads the tier's folder (written by ``upwell train minilm``) and the labelled corpora under
``../shared/data``; writes nothing but embeddings of corpus rows in the folder's cache. The
protocols are those of :mod:`upwell.lab.evaluate.analyzers`, whose functions give the default
tier's figures in the same run:

- Stanford Politeness: per domain, in-domain 10-fold cross-validation over the same folds (the
  middle half joins every training fold at weight 0.2, never a test fold; C is chosen inside
  each training fold by a 3-fold cross-validation), and cross-domain both ways, at the head's
  own threshold and domain-relative; each also for the fused tier (:func:`fuse`: the mean of
  the head's and the default model's probabilities, both fitted on the same rows).
- Parakweet ``test.tsv``: accuracy and P/R/F1 of the request head.
- GoEmotions ``test.tsv``: P/R/F1 of the gratitude, admiration and annoyance heads.
- Speed: texts per second through embedding and every head, for Parakweet test sentences and
  for the own words of Enron messages (cut as the analyzers cut them), at batch sizes 1 and 32,
  with onnxruntime on the cores this process may use; the default tier's analyzers on the same
  texts for comparison.

Model card: docs/analyzers/minilm.md.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from upwell.analyze import analyzers, readable_part, run
from upwell.analyze.minilm import Tier
from upwell.analyze.models import sigmoid
from upwell.analyze.names import GRATITUDE, POLITENESS, REQUESTS, TONE
from upwell.analyze.politeness import model_features
from upwell.lab.evaluate import analyzers as default
from upwell.lab.evaluate.analyzers import FOLDS, SEED, _accuracy, _prf, _scored
from upwell.lab.train.emotions import load_split as load_emotions
from upwell.lab.train.emotions import targets
from upwell.lab.train.minilm import EMOTIONS, Embed, politeness_fit
from upwell.lab.train.politeness import DOMAINS, load_domain
from upwell.lab.train.requests import load_split as load_requests
from upwell.normalize.text import split_body

#: The default tier's analyzers that give the same outputs as the tier's heads.
DEFAULT_ANALYZERS = (POLITENESS, REQUESTS, GRATITUDE, TONE)
CROSS = (("wikipedia", "stackoverflow"), ("stackexchange", "wikipedia"),
         ("stackoverflow", "wikipedia"), ("wikipedia", "stackexchange"))
ENRON = "enron-edrm-10-mailboxes"
SPEED_MESSAGES = 500


def _margins(x: Any, weights: Sequence[float], intercept: float) -> list[float]:
    import numpy as np  # noqa: PLC0415 - the minilm extra (numpy), loaded only when the tier is evaluated

    return [float(v) for v in x @ np.asarray(weights) + intercept]


def fuse(default_margins: Sequence[float], head_margins: Sequence[float]) -> list[float]:
    """The fused politeness tier's log-odds: the mean of the two models' probabilities (equal
    weights, fixed before any figure was seen), as log-odds so that 0 is the threshold."""
    out = []
    for a, b in zip(default_margins, head_margins, strict=True):
        p = (sigmoid(a) + sigmoid(b)) / 2
        out.append(math.log(p / (1 - p)) if 0 < p < 1 else math.copysign(700.0, p - 0.5))
    return out


def politeness(corpus: Path, embed: Embed, folds: int = FOLDS) -> dict[str, dict[str, Any]]:
    """The paper's protocol on embeddings: in-domain cross-validation and cross-domain; each
    result also holds ``fused``, the same rows scored by the mean of the head's and the default
    model's probabilities (both fitted on the same training rows)."""
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415 - the train extra (scikit-learn), loaded only by this evaluation


    data = {}
    for domain in DOMAINS:
        rows = load_domain(corpus, domain)
        data[domain] = (rows, embed([r.text for r in rows]),
                        [model_features(r.text) for r in rows])
    out: dict[str, dict[str, Any]] = {}
    for domain, (rows, x, feats) in data.items():
        binary = [i for i, r in enumerate(rows) if r.label is not None]
        middle = [i for i, r in enumerate(rows) if r.label is None]
        margins: dict[int, float] = {}
        fused: dict[int, float] = {}
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
        for train_at, test_at in splitter.split(binary, [rows[i].label for i in binary]):
            train_rows = [binary[j] for j in train_at] + middle
            test_rows = [binary[j] for j in test_at]
            w, b, _c = politeness_fit(x[train_rows], [rows[i].label for i in train_rows],
                                      [rows[i].upper for i in train_rows], folds=3)
            head = _margins(x[test_rows], w, b)
            scorer = default.shipped_recipe([rows[i] for i in train_rows],
                                            [feats[i] for i in train_rows])
            margins.update(zip(test_rows, head, strict=True))
            fused.update(zip(test_rows, fuse(scorer([feats[i] for i in test_rows]), head),
                             strict=True))
        gold = [rows[i].label == 1 for i in binary]
        out[domain] = {"accuracy": _accuracy([margins[i] > 0 for i in binary], gold),
                       "rows": len(binary),
                       "fused": {"accuracy": _accuracy([fused[i] > 0 for i in binary], gold)}}
    for source, target in CROSS:
        rows, x, feats = data[source]
        w, b, _c = politeness_fit(x, [r.label for r in rows], [r.upper for r in rows])
        scorer = default.shipped_recipe(rows, feats)
        t_rows, t_x, t_feats = data[target]
        binary = [i for i, r in enumerate(t_rows) if r.label is not None]
        gold = [t_rows[i].label == 1 for i in binary]
        head = _margins(t_x[binary], w, b)
        out[f"{source}->{target}"] = {
            **_scored(head, gold),
            "fused": _scored(fuse(scorer([t_feats[i] for i in binary]), head), gold)}
    return out


def parakweet(corpus: Path, tier: Tier, embed: Embed) -> dict[str, float]:
    """The request head on ``test.tsv`` sentences."""
    rows = load_requests(corpus, "test")
    predicted = [bool(v) for v in tier.heads["request"].decisions(embed([s for s, _y in rows]))]
    gold = [y for _s, y in rows]
    return {"accuracy": _accuracy(predicted, gold), **_prf(predicted, gold), "rows": len(rows)}


def goemotions(corpus: Path, tier: Tier, embed: Embed) -> dict[str, Any]:
    """The emotion heads on ``test.tsv``: P/R/F1 per label."""
    rows = load_emotions(corpus, "test")
    x = embed([t for t, _l in rows])
    return {"rows": len(rows), "labels": {
        label: _prf([bool(v) for v in tier.heads[label].decisions(x)], targets(rows, label))
        for label in EMOTIONS}}


# -- Speed ---------------------------------------------------------------------------------------

def enron_messages(folder: Path, limit: int = SPEED_MESSAGES) -> list[str]:
    """The own words of the first ``limit`` distinct Enron messages with any, as the analyzers
    read them (quoted history and signatures removed, cut at 2,500 characters)."""
    seen: set[str] = set()
    out: list[str] = []
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                item = json.loads(line)
                if item.get("item_type") != "message" or not item.get("body"):
                    continue
                text = readable_part(split_body(item["body"]).own).strip()
                if text and text not in seen:
                    seen.add(text)
                    out.append(text)
                    if len(out) >= limit:
                        return out
    return out


def _rate(fn: Callable[[], object], count: int) -> float:
    """Texts per second of one call of ``fn`` over ``count`` texts (best of two calls)."""
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return round(count / best, 1)


def _speed_of(tier: Tier, texts: list[str], batch_sizes: Sequence[int]) -> dict[str, Any]:
    specs = [analyzers()[name] for name in DEFAULT_ANALYZERS]
    messages = [default._message(t) for t in texts]
    result: dict[str, Any] = {"texts": len(texts),
                              "mean_chars": round(sum(map(len, texts)) / max(1, len(texts)))}
    for size in batch_sizes:
        result[f"minilm_batch_{size}"] = _rate(partial(tier.probabilities, texts, size),
                                               len(texts))
    result["default"] = _rate(lambda: [run(s, m) for m in messages for s in specs], len(texts))
    return result


def speed(tier: Tier, samples: dict[str, list[str]], batch_sizes: Sequence[int] = (1, 32)
          ) -> dict[str, Any]:
    """Texts per second, tier (embedding and every head) and default tier, per sample."""
    tier.probabilities(["warm up the session"], 1)
    out: dict[str, Any] = {"threads": tier.encoder.threads}
    for name, texts in samples.items():
        out[name] = _speed_of(tier, texts, batch_sizes)
    return out


# -- All of it -----------------------------------------------------------------------------------

def evaluate(data: Path, tier: Tier, embed: Embed, *, folds: int = FOLDS,
             with_default: bool = True, with_speed: bool = True, with_accuracy: bool = True
             ) -> dict[str, Any]:
    """The tier (and, with ``with_default``, the default tier) on every corpus under ``data``
    (a missing one is listed, not fatal); with ``with_speed``, the speed figures."""
    result: dict[str, Any] = {"missing": [], "minilm": {}, "default": {}}
    tasks: list[tuple[str, str, Callable[[Path], Any], Callable[[Path], Any]]] = [
        ("politeness", "stanford-politeness", lambda p: politeness(p, embed, folds),
         lambda p: default.politeness(p, folds)),
        ("parakweet", "email-intent-parakweet", lambda p: parakweet(p, tier, embed),
         default.parakweet),
        ("goemotions", "goemotions", lambda p: goemotions(p, tier, embed), default.goemotions),
    ]
    for key, folder, ours, theirs in tasks if with_accuracy else []:
        if not (data / folder).is_dir():
            result["missing"].append(folder)
            continue
        result["minilm"][key] = ours(data / folder)
        if with_default:
            result["default"][key] = theirs(data / folder)
    if with_speed and (data / "email-intent-parakweet").is_dir():
        samples = {"parakweet_sentences": [s for s, _y in load_requests(
            data / "email-intent-parakweet", "test")]}
        if (data / ENRON).is_dir():
            samples["enron_messages"] = enron_messages(data / ENRON)
        else:
            result["missing"].append(ENRON)
        result["speed"] = speed(tier, samples)
    return result


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f} %"


def render(result: dict[str, Any]) -> str:
    """A plain-text table: default tier, MiniLM tier, the difference, the published baseline."""
    ours, theirs = result["minilm"], result["default"]
    lines = [f"{'corpus / setting':<40}{'default':>9}{'MiniLM':>9}{'gain':>9}  baseline"]

    def row(label: str, mine: float, base: float | None, ref: tuple[float, str] | None = None,
            fmt: str = "pct") -> None:
        show = _pct if fmt == "pct" else (lambda v: "" if v is None else f"{v:.3f}")
        gain = "" if base is None else (f"{100 * (mine - base):+.1f} pt" if fmt == "pct"
                                        else f"{mine - base:+.3f}")
        reference = "" if ref is None else f"{show(ref[0])} {ref[1]}"
        lines.append(f"{label:<40}{show(base):>9}{show(mine):>9}{gain:>9}  {reference}")

    pol = ours.get("politeness")
    if pol is not None:
        base = theirs.get("politeness", {})
        lines.append("Stanford Politeness (binary quartiles; accuracy)")
        for key, value in pol.items():
            ref = default.BASELINES["politeness"].get(key)
            other = base.get(key)
            if "->" in key:
                row(f"  {key}", value["accuracy"], other and other["accuracy"], ref)
                row("    domain-relative threshold", value["accuracy_relative"],
                    other and other["accuracy_relative"])
            else:
                row(f"  {key} (10-fold CV)", value["accuracy"], other and other["accuracy"], ref)
            row("    fused (mean of both probabilities)", value["fused"]["accuracy"],
                other and other["accuracy"], ref)
    par = ours.get("parakweet")
    if par is not None:
        base = theirs.get("parakweet", {})
        lines.append(f"Parakweet email intent test ({par['rows']} sentences)")
        row("  accuracy", par["accuracy"], base.get("accuracy"),
            default.BASELINES["parakweet"]["accuracy"])
        row("  F1 of asks", par["f1"], base.get("f1"), fmt="f1")
    emo = ours.get("goemotions")
    if emo is not None:
        base = theirs.get("goemotions", {}).get("labels", {})
        lines.append(f"GoEmotions test ({emo['rows']} comments; F1)")
        for label, value in emo["labels"].items():
            row(f"  {label}", value["f1"], base.get(label, {}).get("f1"),
                default.BASELINES["goemotions"].get(label), fmt="f1")
    spd = result.get("speed")
    if spd is not None:
        lines.append(f"Speed (texts/s; onnxruntime on {spd['threads']} thread(s); default tier: "
                     f"{', '.join(DEFAULT_ANALYZERS)})")
        lines.append(f"{'  sample':<40}{'default':>9}{'batch 1':>9}{'batch 32':>9}")
        for name, value in spd.items():
            if isinstance(value, dict):
                label = f"  {name} ({value['texts']}, ~{value['mean_chars']} chars)"
                lines.append(f"{label:<40}{value['default']:>9}{value['minilm_batch_1']:>9}"
                             f"{value['minilm_batch_32']:>9}")
    for missing in result["missing"]:
        lines.append(f"not found (skipped): {missing}")
    return "\n".join(lines)
