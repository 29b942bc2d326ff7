"""The real-mail labels and how they judge cards: reading, matching, the numbers.

Reads: a labels folder (``points/*.jsonl``, ``cards/*.jsonl``, ``weeks.json``; format in
``real_labels/README.md``). Writes nothing. A produced card (:class:`Produced`: no content, only
its mailbox, week, insight, person and source files) is judged by :class:`Judge`: a verdict of
the same mailbox, week and insight judges it when it was given on the same messages (a card
that keeps one of an old card's messages and drops the rest is a different claim: it needs its
own verdict), or, with no messages on either side, on the same person; else a point of that
mailbox, week and insight that shares a source file or names the same person makes it correct
(useful when the point is); else it is unjudged.
:func:`table` counts the judged cards of a set of weeks (:class:`Row`, :class:`Table`); the
definitions are in ``docs/evaluation-real-mail.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from upwell.lab.evaluate.shares import Share

#: The labels shipped with the package.
LABELS = Path(__file__).parent / "real_labels"
VERDICTS = ("useful", "trivial", "wrong")
OUT_OF_SCOPE = "out_of_scope"


class LabelError(ValueError):
    """A label file that cannot be read: which file, which line, what is wrong (no content)."""


# -- labels --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    """A point a careful human coach would raise from one labelled week."""

    id: str
    mailbox: str
    week: str
    insight: str
    person: str | None
    messages: frozenset[str]
    useful: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    """A human verdict on one card the coach produced."""

    mailbox: str
    week: str
    insight: str
    person: str | None
    messages: frozenset[str]
    verdict: str
    code: str


@dataclass(frozen=True, slots=True)
class Labels:
    """Every label: the labelled weeks with their split, the points and the verdicts."""

    weeks: Mapping[tuple[str, str], str]  # (mailbox, week) -> "dev" | "test"
    points: tuple[Point, ...]
    verdicts: tuple[Verdict, ...]

    def held_out(self, split: str) -> set[tuple[str, str]]:
        """The labelled weeks a run for ``split`` must not look at: the other split's."""
        if split == "all":
            return set()
        return {k for k, s in self.weeks.items() if s != split}

    def chosen(self, split: str) -> set[tuple[str, str]]:
        """The labelled weeks of ``split`` (``all``: every labelled week)."""
        return {k for k, s in self.weeks.items() if split in ("all", s)}


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise LabelError(f"{path.name}:{n}: not JSON") from None
            if not isinstance(row, dict):
                raise LabelError(f"{path.name}:{n}: not a JSON object")
            yield n, row


def _text(row: Mapping[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise LabelError(f"{where}: {key!r} must be a non-empty string")
    return value


def _week(row: Mapping[str, Any], where: str) -> str:
    text = _text(row, "week", where)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise LabelError(f"{where}: 'week' must be a date YYYY-MM-DD") from None
    if day.weekday() != 0:
        raise LabelError(f"{where}: 'week' must be a Monday")
    return text


def _messages(row: Mapping[str, Any], where: str) -> frozenset[str]:
    value = row.get("messages", [])
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise LabelError(f"{where}: 'messages' must be a list of source_file names")
    return frozenset(value)


def _person(row: Mapping[str, Any], where: str) -> str | None:
    value = row.get("person")
    if value is not None and not isinstance(value, str):
        raise LabelError(f"{where}: 'person' must be a name or null")
    return value or None


def load_labels(folder: Path) -> Labels:
    """The labels in ``folder``: ``points/*.jsonl`` and ``cards/*.jsonl`` (either may be
    missing or empty), with ``weeks.json`` from ``folder`` or, when it has none, the package's.
    A bad line raises :class:`LabelError` naming the file and line."""
    weeks_file = folder / "weeks.json"
    if not weeks_file.is_file():
        weeks_file = LABELS / "weeks.json"
    spec = json.loads(weeks_file.read_text(encoding="utf-8"))
    weeks: dict[tuple[str, str], str] = {}
    for n, w in enumerate(spec.get("weeks", []), 1):
        where = f"weeks.json week {n}"
        split = w.get("split")
        if split not in ("dev", "test"):
            raise LabelError(f"{where}: 'split' must be dev or test")
        weeks[(_text(w, "mailbox", where), _week(w, where))] = split
    points: list[Point] = []
    for path in sorted((folder / "points").glob("*.jsonl")):
        for n, row in _rows(path):
            where = f"points/{path.name}:{n}"
            useful = row.get("useful")
            if not isinstance(useful, bool):
                raise LabelError(f"{where}: 'useful' must be true or false")
            points.append(Point(_text(row, "id", where), _text(row, "mailbox", where),
                                _week(row, where), _text(row, "insight", where),
                                _person(row, where), _messages(row, where), useful))
    verdicts: list[Verdict] = []
    for path in sorted((folder / "cards").glob("*.jsonl")):
        for n, row in _rows(path):
            where = f"cards/{path.name}:{n}"
            verdict = row.get("verdict")
            if verdict not in VERDICTS:
                raise LabelError(f"{where}: 'verdict' must be one of {', '.join(VERDICTS)}")
            verdicts.append(Verdict(_text(row, "mailbox", where), _week(row, where),
                                    _text(row, "insight", where), _person(row, where),
                                    _messages(row, where), verdict,
                                    str(row.get("code") or "")))
    return Labels(weeks, tuple(points), tuple(verdicts))


# -- judging cards ---------------------------------------------------------------------------------


def same_person(a: str | None, b: str | None) -> bool:
    """Whether two names name the same person, in any order and case ("Keiser, Kam" and
    "Kam Keiser"); never for a missing name."""
    if not a or not b:
        return False

    def words(name: str) -> frozenset[str]:
        return frozenset("".join(ch if ch.isalnum() else " " for ch in name.casefold()).split())

    return bool(words(a)) and words(a) == words(b)


@dataclass(frozen=True, slots=True)
class Produced:
    """A card the coach produced, as the evaluation sees it (no content)."""

    mailbox: str
    week: str
    insight: str
    person: str | None
    sources: tuple[str, ...]  # every source_file behind its evidence, every copy
    #: each evidence item's copies (its source files); empty: one item per source file
    items: tuple[frozenset[str], ...] = ()

    def same_messages(self, messages: frozenset[str]) -> bool:
        """Whether ``messages`` (a verdict's) are exactly this card's items: every item has a
        copy among them and each of them is a copy of an item."""
        items = self.items or tuple(frozenset({s}) for s in self.sources)
        return (all(item & messages for item in items)
                and messages <= frozenset(self.sources))


@dataclass(frozen=True, slots=True)
class Judged:
    """A produced card and its judgement: ``verdict`` useful, trivial, wrong or ``None``
    (unjudged); ``via`` "verdict" or "point"; the ids of the points it matches."""

    card: Produced
    verdict: str | None
    via: str | None
    points: tuple[str, ...] = ()

    @property
    def correct(self) -> bool:
        return self.verdict in ("useful", "trivial")

    def as_dict(self) -> dict[str, Any]:
        c = self.card
        return {"mailbox": c.mailbox, "week": c.week, "insight": c.insight,
                "source_files": list(c.sources), "verdict": self.verdict, "via": self.via,
                "points": list(self.points)}


def _matches(card: Produced, messages: frozenset[str], person: str | None) -> bool:
    return bool(messages.intersection(card.sources)) or same_person(card.person, person)


class Judge:
    """Judges produced cards by the labels (the rules in the module's docstring)."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self._verdicts: dict[tuple[str, str, str], list[Verdict]] = {}
        for v in labels.verdicts:
            self._verdicts.setdefault((v.mailbox, v.week, v.insight), []).append(v)
        self._points: dict[tuple[str, str, str], list[Point]] = {}
        for p in labels.points:
            self._points.setdefault((p.mailbox, p.week, p.insight), []).append(p)

    def __call__(self, card: Produced) -> Judged:
        key = (card.mailbox, card.week, card.insight)
        points = tuple(p for p in self._points.get(key, ())
                       if _matches(card, p.messages, p.person))
        ids = tuple(p.id for p in points)
        verdicts = [v for v in self._verdicts.get(key, ())
                    if (card.same_messages(v.messages) if v.messages and card.sources
                        else same_person(card.person, v.person))]
        if verdicts:
            return Judged(card, verdicts[0].verdict, "verdict", ids)
        if points:
            return Judged(card, "useful" if any(p.useful for p in points) else "trivial",
                          "point", ids)
        return Judged(card, None, None, ids)


# -- the numbers -------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """The counts of one insight type (or all of them) and the shares made from them."""

    insight: str
    cards: int = 0
    judged: int = 0
    correct: int = 0
    useful: int = 0
    points: int = 0  # in-scope points
    found: int = 0  # of them, matched by a card not judged wrong

    precision = Share("correct", "judged", doc="Correct share of the judged cards.")
    strict_precision = Share("correct", "cards",
                             doc="Correct share of all cards, an unjudged card counted wrong.")
    useful_share = Share("useful", "judged", doc="Useful share of the judged cards.")
    recall = Share("found", "points",
                   doc="Share of the in-scope points some card (not judged wrong) matches.")

    def as_dict(self) -> dict[str, Any]:
        return {"cards": self.cards, "judged": self.judged, "correct": self.correct,
                "useful": self.useful, "points": self.points, "found": self.found,
                "precision": self.precision, "strict_precision": self.strict_precision,
                "useful_share": self.useful_share, "recall": self.recall}


@dataclass(slots=True)
class Table:
    """The numbers over a set of weeks: per insight type, overall, coverage and the share of
    the most frequent type; the unjudged cards."""

    name: str
    weeks: int
    weeks_with_card: int
    rows: dict[str, Row]
    overall: Row
    unjudged: list[Judged] = field(default_factory=list)

    coverage = Share("weeks_with_card", "weeks", doc="Share of the weeks with at least one card.")

    @property
    def top_type(self) -> tuple[str, float] | None:
        """The most frequent type among all cards (on a tie, the first by name) and its share
        of them."""
        counted = sorted((-r.cards, t) for t, r in self.rows.items() if r.cards)
        if not counted:
            return None
        n, t = counted[0]
        return t, round(-n / self.overall.cards, 3)

    def as_dict(self) -> dict[str, Any]:
        top = self.top_type
        return {"name": self.name, "weeks": self.weeks, "weeks_with_card": self.weeks_with_card,
                "coverage": self.coverage, "top_type": top[0] if top else None,
                "top_type_share": top[1] if top else None, "overall": self.overall.as_dict(),
                "types": {t: r.as_dict() for t, r in sorted(self.rows.items())},
                "unjudged": [j.as_dict() for j in self.unjudged]}


def _count(row: Row, judged: Judged) -> None:
    row.cards += 1
    if judged.verdict is not None:
        row.judged += 1
        row.correct += judged.correct
        row.useful += judged.verdict == "useful"


def table(name: str, judged: Iterable[Judged], weeks: set[tuple[str, str]],
          points: Iterable[Point] = ()) -> Table:
    """The numbers of the cards in ``weeks`` (and of the in-scope ``points`` of those weeks)."""
    chosen = [j for j in judged if (j.card.mailbox, j.card.week) in weeks]
    rows: dict[str, Row] = {}
    overall = Row("all")
    for j in chosen:
        _count(rows.setdefault(j.card.insight, Row(j.card.insight)), j)
        _count(overall, j)
    found = {p for j in chosen if j.verdict != "wrong" for p in j.points}
    for p in points:
        if (p.mailbox, p.week) not in weeks or p.insight == OUT_OF_SCOPE:
            continue
        for row in (rows.setdefault(p.insight, Row(p.insight)), overall):
            row.points += 1
            row.found += p.id in found
    with_card = {(j.card.mailbox, j.card.week) for j in chosen}
    return Table(name, len(weeks), len(with_card), rows, overall,
                 [j for j in chosen if j.verdict is None])


def verdict_table(name: str, verdicts: Iterable[Verdict]) -> Table:
    """The numbers of a verdict file alone: every verdict is a judged card (the "before" view,
    no coaching run needed); no coverage."""
    judged = [Judged(Produced(v.mailbox, v.week, v.insight, v.person, tuple(sorted(v.messages))),
                     v.verdict, "verdict") for v in verdicts]
    weeks = {(j.card.mailbox, j.card.week) for j in judged}
    # no coverage: a verdict file knows nothing of the weeks that had no card
    return replace(table(name, judged, weeks), weeks=0, weeks_with_card=0)
