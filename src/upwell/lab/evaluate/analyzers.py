"""``upwell eval analyzers``: analyzer quality against human labels, next to published baselines.

Reads the labelled corpora under ``../shared/data`` (never a member's data) and the hand-written
workplace gratitude check set (``tests/fixtures/workplace_gratitude.tsv``); writes nothing.

- Stanford Politeness, the paper's protocol: per domain, top vs bottom quartile of the normalized
  score; in-domain 10-fold cross-validation (the middle half joins every training fold as weak
  evidence, never a test fold); cross-domain both ways. Stack Exchange is reported whole and for
  its Stack Overflow rows alone. Accuracy at the model's own threshold, and domain-relative (the
  upper half of the target domain's scores called polite: the labels are per-domain ranks, and
  the coach reads scores against a member's own baseline). Needs the ``train`` extra.
- GoEmotions test split: precision, recall, F1 of ``gratitude``'s ``gratitude`` and of
  ``tone.v1``'s emotion flags; macro-F1 of the sentiment groups.
- Parakweet email intent test split: a sentence is an ask when ``requests`` counts a request.
- The workplace check set: ``gratitude`` tells sign-off thanks, thanks in advance and specific
  recognition apart.

Details and model cards: docs/evaluation-analyzers.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from upwell.analyze import analyzers, run
from upwell.analyze.names import GRATITUDE, REQUESTS
from upwell.analyze.politeness import model_features
from upwell.analyze.registry import Features
from upwell.analyze.tone import emotions
from upwell.lab.train.common import f1, matrix
from upwell.lab.train.emotions import load_split as load_emotions
from upwell.lab.train.politeness import DOMAINS, Row, fit_rows, load_domain
from upwell.lab.train.requests import load_split as load_requests
from upwell.model import Address, Channel, Message

#: Published (or measured) reference numbers, as fractions, with where they come from.
BASELINES: dict[str, dict[str, tuple[float, str]]] = {
    "politeness": {
        "wikipedia": (0.8379, "paper, SVM + politeness strategies (LOO)"),
        "stackexchange": (0.7819, "paper, SVM + politeness strategies (LOO)"),
        "stackoverflow": (0.7819, "paper's Stack Exchange figure"),
        "stackexchange->wikipedia": (0.7543, "paper"),
        "stackoverflow->wikipedia": (0.7543, "paper's Stack Exchange figure"),
        "wikipedia->stackexchange": (0.6753, "paper"),
        "wikipedia->stackoverflow": (0.6753, "paper's Stack Exchange figure"),
    },
    "goemotions": {
        "gratitude": (0.86, "BERT, GoEmotions paper"),
        "admiration": (0.65, "BERT, GoEmotions paper"),
        "annoyance": (0.34, "BERT, GoEmotions paper"),
    },
    "parakweet": {"accuracy": (0.79, "unigram linear SVM (third-party)")},
}
HUMANS = {"wikipedia": 0.8672, "stackexchange": 0.8089}
GOEMOTIONS_LABELS = ("gratitude", "admiration", "approval", "caring", "annoyance", "anger",
                     "disapproval")
GROUPS = ("positive", "negative", "ambiguous", "neutral")
CHECKSET = Path("tests/fixtures/workplace_gratitude.tsv")
FOLDS = 10
SEED = 13


def _message(body: str, channel: Channel = "email") -> Message:
    return Message(source="eval", source_item_id="eval", channel=channel,
                   sent_at=datetime(2024, 1, 1, tzinfo=UTC), utc_offset_minutes=0,
                   sender=Address("eval@example.org"), body=body)


def _analyze(name: str, channel: Channel = "email") -> Callable[[str], Features]:
    spec = analyzers()[name]
    return lambda text: run(spec, _message(text, channel))


def _prf(predicted: Sequence[bool], gold: Sequence[bool]) -> dict[str, float]:
    p, r, f = f1(predicted, gold)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "support": sum(map(bool, gold))}


def _accuracy(predicted: Sequence[bool], gold: Sequence[bool]) -> float:
    return round(sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold), 4)


# -- Stanford Politeness -------------------------------------------------------------------------

#: A recipe for the politeness score: fitted on (rows, their features), it gives the decision
#: values of feature sets, polite above 0 (the model's own threshold). The shipped recipe is
#: :func:`shipped_recipe`; ``tools/politeness_variants.py`` runs the protocol with others.
Scorer = Callable[[Sequence[set[str]]], list[float]]
Recipe = Callable[[Sequence[Row], Sequence[set[str]]], Scorer]


def shipped_recipe(rows: Sequence[Row], features: Sequence[set[str]]) -> Scorer:
    """:func:`upwell.lab.train.politeness.fit_rows`, scored as the analyzer scores."""
    model, vocab = fit_rows(rows, features)
    return lambda feats: [float(z) for z in model.decision_function(matrix(feats, vocab))]


def _scored(margins: Sequence[float], gold: Sequence[bool]) -> dict[str, float]:
    """Accuracy at the model's threshold and domain-relative (upper half called polite), and the
    share of rows the model's threshold calls polite (half of them are)."""
    ordered = sorted(margins)
    median = (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2
    return {"accuracy": _accuracy([z > 0 for z in margins], gold),
            "accuracy_relative": _accuracy([z > median for z in margins], gold),
            "called_polite": round(sum(z > 0 for z in margins) / len(margins), 4),
            "rows": len(gold)}


def politeness(corpus: Path, folds: int = FOLDS, *, recipe: Recipe | None = None,
               features: Callable[[str], set[str]] | None = None
               ) -> dict[str, dict[str, float]]:
    """The paper's protocol on every domain: in-domain cross-validation and cross-domain, for
    the shipped recipe and features (:func:`upwell.analyze.politeness.model_features`) unless
    others are given."""
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415 - the train extra (scikit-learn), loaded only by this evaluation


    fit = recipe or shipped_recipe
    featurize = features or model_features
    data: dict[str, tuple[list[Row], list[set[str]]]] = {}
    for domain in DOMAINS:
        rows = load_domain(corpus, domain)
        data[domain] = (rows, [featurize(r.text) for r in rows])
    out: dict[str, dict[str, float]] = {}
    for domain, (rows, feats) in data.items():
        binary = [i for i, r in enumerate(rows) if r.label is not None]
        middle = [i for i, r in enumerate(rows) if r.label is None]
        margins: dict[int, float] = {}
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
        for train_at, test_at in splitter.split(binary, [rows[i].label for i in binary]):
            train_rows = [binary[j] for j in train_at] + middle
            test_rows = [binary[j] for j in test_at]
            scorer = fit([rows[i] for i in train_rows], [feats[i] for i in train_rows])
            margins.update(zip(test_rows, scorer([feats[i] for i in test_rows]), strict=True))
        fold_acc = _accuracy([margins[i] > 0 for i in binary], [rows[i].label == 1 for i in binary])
        out[domain] = {"accuracy": fold_acc, "rows": len(binary)}
    for source, target in (("stackexchange", "wikipedia"), ("stackoverflow", "wikipedia"),
                           ("wikipedia", "stackexchange"), ("wikipedia", "stackoverflow")):
        scorer = fit(*data[source])
        t_rows, t_feats = data[target]
        binary = [i for i, r in enumerate(t_rows) if r.label is not None]
        out[f"{source}->{target}"] = _scored(scorer([t_feats[i] for i in binary]),
                                             [t_rows[i].label == 1 for i in binary])
    return out


# -- GoEmotions ----------------------------------------------------------------------------------

def goemotions(corpus: Path) -> dict[str, Any]:
    """Per-label P/R/F1 on ``test.tsv`` and the sentiment groups' macro-F1."""
    rows = load_emotions(corpus, "test")
    # Reddit comments are conversation, not letters: read as chat (a closing "thanks!" thanks).
    gratitude = _analyze(GRATITUDE, "chat")
    predicted: dict[str, list[bool]] = {k: [] for k in (*GOEMOTIONS_LABELS, *GROUPS)}
    keyword = re.compile(r"thank|grateful|appreciat", re.IGNORECASE)
    keyword_hits = []
    for text, _labels in rows:
        found = emotions(text)
        predicted["gratitude"].append(bool(gratitude(text)["gratitude"]))
        keyword_hits.append(keyword.search(text) is not None)
        for k in (*GOEMOTIONS_LABELS[1:], *GROUPS):
            predicted[k].append(found[k])
    gold = {k: [k in labels for _t, labels in rows] for k in predicted}
    labels = {k: _prf(predicted[k], gold[k]) for k in GOEMOTIONS_LABELS}
    groups = {k: _prf(predicted[k], gold[k]) for k in GROUPS}
    return {
        "rows": len(rows),
        "labels": labels,
        "groups": groups,
        "group_macro_f1": round(sum(g["f1"] for g in groups.values()) / len(groups), 4),
        "keyword_gratitude_f1": _prf(keyword_hits, gold["gratitude"])["f1"],
    }


# -- Parakweet -----------------------------------------------------------------------------------

def parakweet(corpus: Path) -> dict[str, float]:
    """Sentence-level ask detection on ``test.tsv``."""
    rows = load_requests(corpus, "test")
    requests = _analyze(REQUESTS)
    predicted = [int(requests(s)["requests"]) > 0 for s, _y in rows]
    gold = [y for _s, y in rows]
    majority = max(sum(gold), len(gold) - sum(gold)) / len(gold)
    return {"accuracy": _accuracy(predicted, gold), **_prf(predicted, gold), "rows": len(rows),
            "majority": round(majority, 4)}


# -- Workplace gratitude check set ---------------------------------------------------------------

KINDS = ("signoff", "in_advance", "recognition", "bare")


def gratitude_kind(text: str) -> str:
    """The check set's classes as ``gratitude`` reads a message: ``recognition`` (specific
    thanks or praise naming what was done), ``signoff``, ``in_advance``, ``bare`` (other thanks or
    praise) or ``none``."""
    out = _analyze(GRATITUDE)(text)
    kind = str(out["thanks_kind"])
    if kind == "specific" or out["recognition_specific"]:
        return "recognition"
    if kind == "none" and out["recognition"]:
        return "bare"
    return kind


def load_checkset(path: Path) -> list[tuple[str, str]]:
    """(expected kind, message) rows: TAB-separated, ``#`` comments, ``\\n`` for a line break."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, _tab, text = line.partition("\t")
        if kind not in KINDS:
            raise ValueError(f"check set {path.name}: unknown kind {kind!r}")
        rows.append((kind, text.replace("\\n", "\n")))
    return rows


def workplace(path: Path) -> dict[str, Any]:
    """Accuracy over the check set, and sign-off vs recognition separation on those rows."""
    rows = load_checkset(path)
    predicted = [gratitude_kind(text) for _k, text in rows]
    gold = [k for k, _t in rows]
    pairs = [(p, g) for p, g in zip(predicted, gold, strict=True)
             if g in {"signoff", "recognition"}]
    per_kind = {k: _accuracy([p == k for p, g in zip(predicted, gold, strict=True) if g == k],
                             [True for g in gold if g == k]) for k in KINDS if k in gold}
    return {"rows": len(rows), "accuracy": _accuracy([p == g for p, g in zip(predicted, gold,
                                                                             strict=True)],
                                                     [True] * len(rows)),
            "signoff_vs_recognition": _accuracy([p == g for p, g in pairs], [True] * len(pairs)),
            "per_kind": per_kind}


# -- All of it -----------------------------------------------------------------------------------

def evaluate(data: Path, checkset: Path | None = CHECKSET, *, folds: int = FOLDS
             ) -> dict[str, Any]:
    """Every evaluation whose corpus is under ``data`` (a missing one is listed, not fatal)."""
    result: dict[str, Any] = {"missing": []}
    for key, folder, fn in (("politeness", "stanford-politeness",
                             lambda p: politeness(p, folds)),
                            ("goemotions", "goemotions", goemotions),
                            ("parakweet", "email-intent-parakweet", parakweet)):
        if (data / folder).is_dir():
            result[key] = fn(data / folder)
        else:
            result["missing"].append(folder)
    if checkset is not None and checkset.is_file():
        result["workplace_gratitude"] = workplace(checkset)
    elif checkset is not None:
        result["missing"].append(str(checkset))
    return result


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f} %"


def render(result: dict[str, Any]) -> str:
    """A plain-text table: ours next to the baseline."""
    lines = [f"{'corpus / setting':<44}{'ours':>10}{'baseline':>10}  baseline source"]

    def row(label: str, ours: str, base: tuple[float, str] | None, fmt: str = "pct") -> None:
        b = "" if base is None else (_pct(base[0]) if fmt == "pct" else f"{base[0]:.2f}")
        lines.append(f"{label:<44}{ours:>10}{b:>10}  {'' if base is None else base[1]}")

    pol = result.get("politeness")
    if pol is not None:
        lines.append("Stanford Politeness (binary quartiles; accuracy)")
        for key, value in pol.items():
            base = BASELINES["politeness"].get(key)
            if "->" in key:
                row(f"  {key}", _pct(value["accuracy"]), base)
                row("    domain-relative threshold", _pct(value["accuracy_relative"]), None)
                row("    share called polite (half are)", _pct(value["called_polite"]), None)
            else:
                row(f"  {key} (10-fold CV)", _pct(value["accuracy"]), base)
        lines.append(f"  humans: Wikipedia {_pct(HUMANS['wikipedia'])}, "
                     f"Stack Exchange {_pct(HUMANS['stackexchange'])}")
    emo = result.get("goemotions")
    if emo is not None:
        lines.append("GoEmotions test (F1; precision / recall)")
        for key, value in emo["labels"].items():
            lines.append(f"{'  ' + key:<44}{value['f1']:>10.3f}"
                         + (f"{BASELINES['goemotions'][key][0]:>10.2f}  "
                            f"{BASELINES['goemotions'][key][1]}"
                            if key in BASELINES["goemotions"] else " " * 10 + "  ")
                         + f"  P {value['precision']:.3f} R {value['recall']:.3f}")
        lines.append(f"{'  sentiment groups macro-F1':<44}{emo['group_macro_f1']:>10.3f}")
        lines.append(f"{'  keyword rule, gratitude F1':<44}{emo['keyword_gratitude_f1']:>10.3f}")
    par = result.get("parakweet")
    if par is not None:
        lines.append("Parakweet email intent test (asks)")
        row("  accuracy", _pct(par["accuracy"]), BASELINES["parakweet"]["accuracy"])
        lines.append(f"{'  F1 (P / R)':<44}{par['f1']:>10.3f}  P {par['precision']:.3f} "
                     f"R {par['recall']:.3f}; majority class {_pct(par['majority'])}")
    work = result.get("workplace_gratitude")
    if work is not None:
        lines.append(f"Workplace gratitude check set ({work['rows']} messages)")
        row("  sign-off vs recognition", _pct(work["signoff_vs_recognition"]), None)
        row("  all kinds", _pct(work["accuracy"]), None)
    for missing in result["missing"]:
        lines.append(f"not found (skipped): {missing}")
    return "\n".join(lines)
