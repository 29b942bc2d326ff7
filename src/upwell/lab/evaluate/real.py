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

The labels, the matching and the numbers are in :mod:`upwell.lab.evaluate.real_score`. Nothing
here prints message content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from upwell.insights.weekly import week_start
from upwell.lab.evaluate import real_score as score
from upwell.lab.evaluate.real_cards import (
    Mailbox,
    card_record,
    coach_weeks,
    imported,
    profile,
    write_cards,
)

__all__ = ["CORPUS", "SPLITS", "RealEval", "evaluate", "produced", "render", "render_table",
           "unjudged_template"]

#: The corpus folder inside ``--data``.
CORPUS = "enron-edrm-10-mailboxes"
SPLITS = ("dev", "test", "all")


# -- the run -----------------------------------------------------------------------------------


@dataclass(slots=True)
class RealEval:
    """One run: the split's labelled weeks, every active week, the verdict files' own view, and
    every card judged."""

    split: str
    code: str
    labelled: score.Table
    active: score.Table
    before: dict[str, score.Table]  # code commit -> the verdicts of that code's cards
    judged: list[score.Judged]
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
             on_card: Callable[[dict[str, Any]], None] | None = None) -> list[score.Produced]:
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
            items = tuple(frozenset(e["source_files"]) for e in record["evidence"])
            out.append(score.Produced(mailbox.name, record["week"], c.insight, record["person"],
                                sources, items))
    return out


def evaluate(data: Path, labels: score.Labels, cache: Path, *, split: str = "dev",
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
    judge = score.Judge(labels)
    judged: list[score.Judged] = []
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
    verdicts: dict[str, list[score.Verdict]] = {}
    for v in labels.verdicts:
        if (v.mailbox, v.week) not in held_out:
            verdicts.setdefault(v.code or "unknown", []).append(v)
    return RealEval(
        split, code,
        score.table(f"labelled {split} weeks", judged, chosen, labels.points),
        score.table("all active weeks", judged, active),
        {c: score.verdict_table(f"verdicts on the cards of {c}", vs) for c, vs in verdicts.items()},
        judged, skipped)


# -- rendering ---------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "    -" if x is None else f"{x:5.2f}"


def render_table(t: score.Table, *, recall: bool = True) -> str:
    """A plain-text table of one :class:`~upwell.lab.evaluate.real_score.Table`."""
    head = (f"{'insight':24} {'cards':>5} {'judged':>6} {'prec':>5} {'strict':>6} "
            f"{'useful':>6}" + (f" {'points':>6} {'found':>5} {'recall':>6}" if recall else ""))
    lines = [t.name, head]

    def line(name: str, r: score.Row) -> str:
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
