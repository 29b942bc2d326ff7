"""``upwell eval sentences``: the analyzers against human labels on real workplace sentences.

Reads ``real_sentences.jsonl`` (beside this module) and the Enron EDRM mailboxes under
``../shared/data/enron-edrm-10-mailboxes`` (public record); writes nothing. Each label names a
message by the corpus's ``source_file`` and a sentence by its position among
:func:`upwell.analyze.text.sentences` of the message's raw body (line breaks normalized), with
its first few words as a check; the mail itself is never copied here. The positions are read with
a frozen copy of that splitter (:func:`label_sentences`), so a later change to the analyzers'
splitter cannot move a label; an analyzer's flagged sentence matches a labelled one when either
holds the other.

Four tasks, each labelled by reading the sentence in its message:

- ``requests``: does the sentence ask the reader, in the author's own words, to do something or
  to give information they need (1) or not (0: courtesy closings, offers of help, footers,
  notices, quoted history, URL pieces, small talk).
- ``gratitude``: ``signoff`` (a closing thanks), ``bare`` (thanks in the body that names nothing
  in particular), ``specific`` (names what the person did) or ``none`` (not thanks, or not the
  author's own words).
- ``harsh``: hostile toward the reader or others (1) or not (0).
- ``commitments``: the author pledges an action of their own (1) or not (0).

The analyzers read what the pipeline gives them: the message's own words
(:func:`upwell.normalize.text.split_body`, then the readable part); a labelled sentence outside
them is predicted negative (``none``). The labels were drawn from dev and unlabelled weeks only
(never a week marked ``test`` in ``real_labels/weeks.json``). :func:`split_of` divides them into
dev and test halves by message family (mailbox and subject stem, so a reply and its copies stay
together); the split was frozen before any analyzer was changed. Tune on dev; report both.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from upwell.analyze import readable_part
from upwell.analyze.commitments import commitment_sentences
from upwell.analyze.gratitude import thanks_sentences
from upwell.analyze.harsh import harsh_sentences
from upwell.analyze.requests import ask_sentences
from upwell.lab.train.common import f1
from upwell.normalize.text import split_body

LABELS = Path(__file__).parent / "real_sentences.jsonl"
CORPUS = "enron-edrm-10-mailboxes"
#: The seed of the dev/test split (frozen with the labels on 2026-12-07).
SEED = 20261207
TASKS = ("requests", "gratitude", "harsh", "commitments")
KINDS = ("none", "signoff", "bare", "specific")
_LABEL_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


def label_sentences(text: str) -> list[str]:
    """The sentences labels count positions in: :func:`upwell.analyze.text.sentences` as it
    was when the labels were made (frozen here)."""
    return [m.group().strip() for m in _LABEL_SENTENCE.finditer(text) if m.group().strip()]


@dataclass(frozen=True, slots=True)
class Label:
    """One labelled sentence: the message, the sentence's position, its first words, the
    task and the human label (0/1, or a gratitude kind)."""

    task: str
    source_file: str
    sentence: int
    excerpt: str
    label: int | str


def load_labels(path: Path = LABELS) -> list[Label]:
    """Every label in ``path`` (one JSON object a line)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            if d["task"] not in TASKS:
                raise ValueError(f"{path.name}: unknown task {d['task']!r}")
            out.append(Label(d["task"], d["source_file"], int(d["sentence"]), d["excerpt"],
                             d["label"]))
    return out


_COPY = re.compile(r"\s*\(\d+\)$")
_PREFIX = re.compile(r"^(?:(?:re|fw|fwd|aw)_\s*)+", re.IGNORECASE)


def family(source_file: str) -> str:
    """The message family of ``source_file``: its mailbox and subject stem (file name without
    folder, copy number and reply or forward prefixes)."""
    parts = source_file.split("/")
    stem = parts[-1].removesuffix(".html")
    stem = _PREFIX.sub("", _COPY.sub("", stem)).strip().lower()
    return f"{parts[1] if len(parts) > 2 else ''}/{stem}"


def split_of(label: Label) -> str:
    """``dev`` or ``test``: half the message families each, by a seeded hash (frozen)."""
    digest = hashlib.sha256(f"{SEED}|{family(label.source_file)}".encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def _bodies(data: Path, wanted: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted((data / CORPUS).glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                sf = d.get("source_file")
                if sf in wanted and sf not in out:
                    out[sf] = str(d.get("body") or "")
    return out


def _normalized(body: str) -> str:
    return body.replace("\r\n", "\n").replace("\r", "\n")


def own_words(body: str) -> str:
    """What the analyzers read of a corpus body: its own words, readable part."""
    return readable_part(split_body(_normalized(body)).own)


def _in_own(raw: str, own: str, sentence: str, index: int) -> bool:
    """Whether the ``index``-th sentence of ``raw`` lies in ``own``: by position when ``own`` is
    one stretch of the body (every reply style but inline quoting), else by its text."""
    if not own or sentence not in own:
        return False
    at = raw.find(own)
    if at < 0:
        return True
    starts = [m for m, _s in _sentence_offsets(raw)]
    return at <= starts[index] < at + len(own)


def _sentence_offsets(text: str) -> Iterator[tuple[int, str]]:
    pos = 0
    for s in label_sentences(text):
        at = text.find(s, pos)
        yield at, s
        pos = at + len(s)


#: How each task reads a message's own words: the flagged sentences (gratitude: with a kind).
Reader = Callable[[str], dict[str, int | str]]


def _flags(fn: Callable[[str], list[str]]) -> Reader:
    return lambda own: dict.fromkeys(fn(own), 1)


READERS: dict[str, Reader] = {
    "requests": _flags(ask_sentences),
    "gratitude": lambda own: dict(thanks_sentences(own, "email")),
    "harsh": _flags(harsh_sentences),
    "commitments": _flags(commitment_sentences),
}


def predictions(data: Path, labels: list[Label]) -> list[tuple[Label, int | str]]:
    """Each label with the analyzers' prediction for its sentence."""
    bodies = _bodies(data, {lb.source_file for lb in labels})
    out: list[tuple[Label, int | str]] = []
    for lb in labels:
        if lb.source_file not in bodies:
            raise ValueError(f"E901 labelled message not in the corpus: {lb.source_file}")
        raw = _normalized(bodies[lb.source_file])
        parts = label_sentences(raw)
        sentence = parts[lb.sentence] if lb.sentence < len(parts) else ""
        if not " ".join(sentence.split()).startswith(lb.excerpt):
            raise ValueError(f"E902 label does not match its sentence: {lb.source_file} "
                             f"#{lb.sentence}")
        own = own_words(raw)
        flagged = READERS[lb.task](own) if _in_own(raw, own, sentence, lb.sentence) else {}
        none: int | str = "none" if lb.task == "gratitude" else 0
        out.append((lb, _match(flagged, sentence, none)))
    return out


def _match(flagged: dict[str, int | str], sentence: str, none: int | str) -> int | str:
    """The flag of the analyzer's sentence that is ``sentence``: the same text, or one holding
    the other and at least half its length (the splitters may cut a sentence differently)."""
    if sentence in flagged:
        return flagged[sentence]
    for s, value in flagged.items():
        short, long_ = sorted((s, sentence), key=len)
        if short in long_ and 2 * len(short) >= len(long_):
            return value
    return none


def _scores(pairs: list[tuple[Label, int | str]], task: str) -> dict[str, Any]:
    rows = [(lb.label, p) for lb, p in pairs if lb.task == task]
    if not rows:
        return {"rows": 0}
    if task == "gratitude":
        out: dict[str, Any] = {"rows": len(rows), "accuracy": round(
            sum(g == p for g, p in rows) / len(rows), 4)}
        for kind in KINDS[1:]:
            p_, r_, f_ = f1([p == kind for _g, p in rows], [g == kind for g, _p in rows])
            out[kind] = {"precision": round(p_, 4), "recall": round(r_, 4), "f1": round(f_, 4),
                         "support": sum(g == kind for g, _p in rows)}
        return out
    gold = [bool(g) for g, _p in rows]
    pred = [bool(p) for _g, p in rows]
    p_, r_, f_ = f1(pred, gold)
    agree = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(rows)
    return {"rows": len(rows), "support": sum(gold), "precision": round(p_, 4),
            "recall": round(r_, 4), "f1": round(f_, 4), "accuracy": round(agree, 4),
            "kappa": round(_kappa(pred, gold), 4)}


def _kappa(pred: list[bool], gold: list[bool]) -> float:
    n = len(gold)
    agree = sum(p == g for p, g in zip(pred, gold, strict=True)) / n
    pp, pg = sum(pred) / n, sum(gold) / n
    chance = pp * pg + (1 - pp) * (1 - pg)
    return 0.0 if chance == 1 else (agree - chance) / (1 - chance)


def evaluate(data: Path, path: Path = LABELS) -> dict[str, Any]:
    """Scores per task on the dev half, the test half and all labels."""
    pairs = predictions(data, load_labels(path))
    result: dict[str, Any] = {}
    for half in ("dev", "test", "all"):
        chosen = [(lb, p) for lb, p in pairs if half == "all" or split_of(lb) == half]
        result[half] = {task: _scores(chosen, task) for task in TASKS}
    return result


def render(result: dict[str, Any]) -> str:
    """A plain-text table: one line per task and half."""
    lines = [f"{'task':<14}{'half':<6}{'rows':>6}{'P':>8}{'R':>8}{'F1':>8}{'kappa':>8}"]
    for task in TASKS:
        for half in ("dev", "test", "all"):
            s = result[half][task]
            if not s.get("rows"):
                continue
            if task == "gratitude":
                kinds = "  ".join(f"{k} F1 {s[k]['f1']:.2f} (P {s[k]['precision']:.2f}, "
                                  f"n {s[k]['support']})" for k in KINDS[1:])
                lines.append(f"{task:<14}{half:<6}{s['rows']:>6}  accuracy {s['accuracy']:.2f}  "
                             + kinds)
            else:
                lines.append(f"{task:<14}{half:<6}{s['rows']:>6}{s['precision']:>8.2f}"
                             f"{s['recall']:>8.2f}{s['f1']:>8.2f}{s['kappa']:>8.2f}")
    return "\n".join(lines)
