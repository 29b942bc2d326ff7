"""The real-mail evaluation: the coach on the Enron EDRM mailboxes, judged by human labels.

Reads: the corpus (``<data>/enron-edrm-10-mailboxes/*.jsonl``), converted to maildirs in a cache
by :mod:`upwell.lab.corpora.enron`, and the labels (``real_labels/``: ``weeks.json``,
``points/``, ``cards/``; format in its README, protocol in ``docs/evaluation-real-mail.md``).
Writes: the converted maildirs, a throw-away Upwell home (each mailbox imported as its own
member, the way ``upwell coach`` imports it, profile America/Chicago 8-18, no ``--me``) and,
when asked, the cards as JSON Lines (:mod:`upwell.lab.evaluate.real_cards`) and the unjudged
cards as a template to label.

Each card's evidence is tied back to the corpus's ``source_file`` names (every copy of a stored
message: :mod:`upwell.lab.corpora.provenance`). A card is judged by the labels:

- it matches a **verdict** (``cards/``) with the same mailbox, week and insight that shares a
  ``source_file`` with it or names the same person: the verdict judges it;
- else a **point** (``points/``) the same way: correct, and useful when the point is ``useful``;
- else it is **unjudged** (listed by mailbox, week, insight and source files, never content).

The numbers (per insight type and overall) are in :class:`Row` and :class:`Table`. Nothing here
prints message content.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from upwell.insights.weekly import week_start
from upwell.lab.evaluate.real_cards import (
    Mailbox,
    card_record,
    coach_weeks,
    imported,
    profile,
    write_cards,
)

#: The corpus folder inside ``--data``.
CORPUS = "enron-edrm-10-mailboxes"
#: The labels shipped with the package.
LABELS = Path(__file__).parent / "real_labels"
SPLITS = ("dev", "test", "all")
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
                    if _matches(card, v.messages, v.person)]
        # a verdict that shares a message is a closer match than one naming the same person
        verdicts.sort(key=lambda v: not v.messages.intersection(card.sources))
        if verdicts:
            return Judged(card, verdicts[0].verdict, "verdict", ids)
        if points:
            return Judged(card, "useful" if any(p.useful for p in points) else "trivial",
                          "point", ids)
        return Judged(card, None, None, ids)


# -- the numbers -------------------------------------------------------------------------------


def _share(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


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

    @property
    def precision(self) -> float | None:
        """Correct share of the judged cards."""
        return _share(self.correct, self.judged)

    @property
    def strict_precision(self) -> float | None:
        """Correct share of all cards, an unjudged card counted wrong."""
        return _share(self.correct, self.cards)

    @property
    def useful_share(self) -> float | None:
        """Useful share of the judged cards."""
        return _share(self.useful, self.judged)

    @property
    def recall(self) -> float | None:
        """Share of the in-scope points some card (not judged wrong) matches."""
        return _share(self.found, self.points)

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

    @property
    def coverage(self) -> float | None:
        """Share of the weeks with at least one card."""
        return _share(self.weeks_with_card, self.weeks)

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
    no coaching run needed)."""
    judged = [Judged(Produced(v.mailbox, v.week, v.insight, v.person, tuple(sorted(v.messages))),
                     v.verdict, "verdict") for v in verdicts]
    weeks = {(j.card.mailbox, j.card.week) for j in judged}
    return table(name, judged, weeks)


# -- the run -----------------------------------------------------------------------------------


@dataclass(slots=True)
class RealEval:
    """One run: the split's labelled weeks, every active week, the verdict files' own view, and
    every card judged."""

    split: str
    code: str
    labelled: Table
    active: Table
    before: dict[str, Table]  # code commit -> the verdicts of that code's cards
    judged: list[Judged]
    skipped_weeks: int  # active weeks left out: the other split's labelled weeks

    def as_dict(self) -> dict[str, Any]:
        return {"split": self.split, "code": self.code, "labelled": self.labelled.as_dict(),
                "active": self.active.as_dict(),
                "before": {c: t.as_dict() for c, t in sorted(self.before.items())},
                "skipped_weeks": self.skipped_weeks}


def _monday(week: str) -> datetime:
    day = date.fromisoformat(week)
    return week_start(datetime.combine(day, time(12), tzinfo=profile().tz), profile())


def produced(mailbox: Mailbox, weeks: Iterable[str], *, code: str = "",
             on_card: Callable[[dict[str, Any]], None] | None = None) -> list[Produced]:
    """Coach ``mailbox`` on each week (Monday dates) and return its cards, each tied to its
    source files; ``on_card`` is given each card's full record (``real_cards.card_record``)."""
    out = []
    for monday, cards in coach_weeks(mailbox, [_monday(w) for w in weeks]):
        for c in cards:
            record = card_record(mailbox, monday, c, code)
            if on_card is not None:
                on_card(record)
            sources = tuple(dict.fromkeys(s for e in record["evidence"]
                                          for s in e["source_files"]))
            out.append(Produced(mailbox.name, record["week"], c.insight, record["person"],
                                sources))
    return out


def evaluate(data: Path, labels: Labels, cache: Path, *, split: str = "dev",
             mailboxes: Iterable[str] | None = None, code: str = "",
             write_to: Path | None = None,
             progress: Callable[[str], None] | None = None) -> RealEval:
    """Import and coach every chosen mailbox (all by default) on every active and every
    labelled week, judge each card and count (``split``: the labelled weeks reported; the other
    split's weeks are left out everywhere, so a dev run never sees a test week). With
    ``write_to``, every card is written as ``<write_to>/<mailbox>.jsonl``."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    held_out = labels.held_out(split)
    judge = Judge(labels)
    judged: list[Judged] = []
    active: set[tuple[str, str]] = set()
    records: list[dict[str, Any]] = []
    names: list[str] = []
    skipped = 0
    with imported(data / CORPUS, cache, mailboxes, progress=progress) as boxes:
        for box in boxes:
            names.append(box.name)
            weeks = {m.date().isoformat() for m in box.weeks()}
            labelled = {w for (mb, w) in labels.weeks if mb == box.name}
            skipped += len({w for w in weeks if (box.name, w) in held_out})
            weeks = {w for w in weeks | labelled if (box.name, w) not in held_out}
            active.update((box.name, w) for w in weeks)
            cards = produced(box, sorted(weeks), code=code,
                             on_card=records.append if write_to else None)
            judged += [judge(c) for c in cards]
    if write_to is not None:
        write_cards(records, write_to, names)
    chosen = labels.chosen(split) & {k for k in labels.weeks if k[0] in names}
    verdicts: dict[str, list[Verdict]] = {}
    for v in labels.verdicts:
        if (v.mailbox, v.week) not in held_out:
            verdicts.setdefault(v.code or "unknown", []).append(v)
    return RealEval(
        split, code,
        table(f"labelled {split} weeks", judged, chosen, labels.points),
        table("all active weeks", judged, active),
        {c: verdict_table(f"verdicts on the cards of {c}", vs) for c, vs in verdicts.items()},
        judged, skipped)


# -- rendering ---------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "    -" if x is None else f"{x:5.2f}"


def render_table(t: Table, *, recall: bool = True) -> str:
    """A plain-text table of one :class:`Table`."""
    head = (f"{'insight':24} {'cards':>5} {'judged':>6} {'prec':>5} {'strict':>6} "
            f"{'useful':>6}" + (f" {'points':>6} {'found':>5} {'recall':>6}" if recall else ""))
    lines = [t.name, head]

    def line(name: str, r: Row) -> str:
        out = (f"{name:24} {r.cards:5} {r.judged:6} {_pct(r.precision)} "
               f"{_pct(r.strict_precision):>6} {_pct(r.useful_share):>6}")
        if recall:
            out += f" {r.points:6} {r.found:5} {_pct(r.recall):>6}"
        return out

    lines += [line(n, r) for n, r in sorted(t.rows.items())]
    lines.append(line("all", t.overall))
    top = t.top_type
    cover = "" if not t.weeks else (f"coverage: {t.weeks_with_card} of {t.weeks} weeks have a "
                                    f"card ({_pct(t.coverage).strip()}); ")
    lines.append(cover + ("most frequent type: none" if top is None
                          else f"most frequent type: {top[0]} ({top[1]:.2f} of all cards)"))
    return "\n".join(lines)


def render(result: RealEval, *, unjudged_limit: int = 50) -> str:
    """Every table of a run and the unjudged cards of the split's labelled weeks (mailbox,
    week, insight and source files only)."""
    parts = [f"upwell eval real: split {result.split}, code {result.code or 'unknown'}", "",
             render_table(result.labelled), "", render_table(result.active, recall=False)]
    if result.skipped_weeks:
        parts.append(f"({result.skipped_weeks} active weeks of the other split left out)")
    for t in result.before.values():
        parts += ["", render_table(t, recall=False)]
    unjudged = result.labelled.unjudged
    parts += ["", f"unjudged cards in the labelled {result.split} weeks: {len(unjudged)}"
              + (" (label them: --unjudged FILE)" if unjudged else "")]
    for j in unjudged[:unjudged_limit]:
        c = j.card
        parts.append(f"  {c.mailbox} {c.week} {c.insight}: {', '.join(c.sources) or '-'}")
    if len(unjudged) > unjudged_limit:
        parts.append(f"  ... and {len(unjudged) - unjudged_limit} more")
    others = len(result.active.unjudged) - len(unjudged)
    parts.append(f"unjudged cards in other active weeks: {others}")
    return "\n".join(parts)


def unjudged_template(result: RealEval) -> list[dict[str, Any]]:
    """Every unjudged card of the run as a ``cards/`` line with an empty verdict, for a
    reviewer to fill in (the split's labelled weeks first)."""
    first = {(j.card.mailbox, j.card.week) for j in result.labelled.unjudged}
    rows = sorted(result.active.unjudged,
                  key=lambda j: ((j.card.mailbox, j.card.week) not in first, j.card.mailbox,
                                 j.card.week, j.card.insight))
    return [{"mailbox": j.card.mailbox, "week": j.card.week, "insight": j.card.insight,
             "person": j.card.person, "messages": list(j.card.sources), "verdict": "",
             "reason": "", "code": result.code} for j in rows]
