"""Analyzers read only where they are read: the ``coached_only`` ones (tone, politeness, harsh,
commitments) are skipped on mail that ``kinds`` files as not work, and no card changes for it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import upwell.analyze.registry as registry
from upwell.analyze import analyze_message, analyzers
from upwell.analyze.names import COMMITMENTS, GRATITUDE, HARSH, KINDS, POLITENESS, REQUESTS, TONE
from upwell.insights.weekly import active_weeks
from upwell.lab.evaluate import real_cards
from upwell.model import Address, Message

COACHED_ONLY = {TONE, POLITENESS, HARSH, COMMITMENTS}
EVERY_MESSAGE = {KINDS, REQUESTS, GRATITUDE}


def _msg(body: str, *, to: int = 1, sender: str = "ann@example.org",
         headers: tuple[tuple[str, str], ...] = ()) -> Message:
    return Message(source="t", source_item_id="x", channel="email",
                   sent_at=datetime(2024, 3, 4, 15, tzinfo=UTC), utc_offset_minutes=0,
                   sender=Address(sender, "Ann"), subject="Plan",
                   to=tuple(Address(f"p{i}@example.org", f"P {i}") for i in range(to)),
                   body=body, headers=headers)


def test_the_registry_says_which_analyzers_only_coaching_reads() -> None:
    specs = analyzers()
    assert {n for n, s in specs.items() if s.coached_only} == COACHED_ONLY
    assert {n for n, s in specs.items() if not s.coached_only} >= EVERY_MESSAGE


def test_work_mail_gets_every_analyzer_and_other_mail_only_what_responses_read() -> None:
    body = "Damn, this is late again. Could you send the figures? I'll review them Friday."
    work = analyze_message(_msg(body))
    assert work[KINDS]["kind"] == "work"
    assert set(work) == set(analyzers())
    broadcast = analyze_message(_msg(body, to=12))
    assert broadcast[KINDS]["kind"] == "broadcast"
    assert set(broadcast) == EVERY_MESSAGE  # is it an ask, a thanks: responses read those
    automated = analyze_message(_msg("Your weekly report is ready.",
                                     headers=(("auto-submitted", "auto-generated"),)))
    assert automated[KINDS]["kind"] == "automated"
    assert set(automated) == EVERY_MESSAGE


def test_named_analyzers_keep_their_order_and_kinds_runs_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_run = registry.run

    def counting(spec: registry.AnalyzerSpec, message: Message) -> Any:
        calls.append(spec.name)
        return real_run(spec, message)

    monkeypatch.setattr("upwell.analyze.run", counting)
    out = analyze_message(_msg("Could you send it?"), (TONE, KINDS, REQUESTS))
    assert list(out) == [TONE, KINDS, REQUESTS]
    assert sorted(calls) == sorted([TONE, KINDS, REQUESTS])
    # without kinds among them, nothing is skipped
    assert set(analyze_message(_msg("x", to=12), (TONE, HARSH))) == {TONE, HARSH}


def _every_analyzer_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    specs = {n: replace(s, coached_only=False) for n, s in analyzers().items()}
    monkeypatch.setattr("upwell.analyze.analyzers", lambda: specs)


def _coached(corpus: Path, cache: Path, names: list[str]) -> list[tuple[Any, ...]]:
    """Every card of every week of the mailboxes, and the features of every coached message,
    as a reader sees them (no opaque ids: a person or message id differs in every store)."""
    out: list[tuple[Any, ...]] = []
    with real_cards.imported(corpus, cache, names) as boxes:
        for box in boxes:
            out += sorted((m.sent_at.isoformat(), m.subject, m.words,
                           json.dumps(m.features, sort_keys=True)) for m in box.view.messages)
            out += [(box.name, w.isoformat(), c.insight, c.summary,
                     sorted((e.sent_at.isoformat(), e.subject, e.detail) for e in c.evidence))
                    for w, cards in real_cards.coach_weeks(box, active_weeks(box.view, box.profile))
                    for c in cards]
    return out


@pytest.fixture
def enron(corpus: Callable[[str], Path], tmp_path: Path) -> tuple[Path, Path]:
    return corpus("enron-edrm-10-mailboxes"), tmp_path / "cache"


def test_skipping_changes_no_card_and_no_coached_feature_on_real_mail(
        enron: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    data, cache = enron
    boxes = ["bailey-s", "hendrickson-s", "rapp-b"]  # mailboxes with cards of many types
    skipped = _coached(data, cache, boxes)
    assert sum(len(row) == 5 for row in skipped) >= 10, "cards to compare"
    with monkeypatch.context() as m:
        _every_analyzer_everywhere(m)
        everywhere = _coached(data, cache, boxes)
    assert skipped == everywhere
