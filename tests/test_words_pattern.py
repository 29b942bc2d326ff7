"""`Words`: the analyzers' fast scan finds exactly what the pattern as written finds.

Every `Words` pattern of the analyzers is scanned both ways over real sentences shipped with the
package (the labelled Enron sentences and the simulator's demo pools, joined into long texts so
that the fast path is taken), over texts built to hit the edges (word characters that are not
letters, Unicode whose lower case changes length, boundaries at the ends), and, where
../shared/data is present, over the bodies of the Enron mailboxes.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from upwell.analyze.text import Words

MODULES = ("commitments", "evidence", "gratitude", "harsh", "kinds", "politeness", "requests",
           "tone")
PACKAGE = Path(importlib.import_module("upwell").__file__ or "").parent


def _patterns() -> list[tuple[str, Words]]:
    out = []
    for mod in MODULES:
        module = importlib.import_module(f"upwell.analyze.{mod}")
        out += [(f"{mod}.{name}", v) for name, v in vars(module).items() if isinstance(v, Words)]
    return out


PATTERNS = _patterns()


def _long_texts(sentences: list[str], size: int = 1500) -> Iterator[str]:
    chunk: list[str] = []
    for s in sentences:
        chunk.append(s)
        if sum(map(len, chunk)) > size:
            yield "\n".join(chunk)
            chunk = []
    if chunk:
        yield "\n".join(chunk)


def _shipped() -> list[str]:
    lines = (PACKAGE / "lab/evaluate/real_sentences.jsonl").read_text().splitlines()
    real = [json.loads(ln)["excerpt"] for ln in lines if ln.strip()]
    pools = json.loads((PACKAGE / "lab/sim/demo_pools/pools.json").read_text())["sentences"]
    pooled = [s for group in pools.values() for s in group]
    return [*_long_texts(real), *_long_texts(pooled), *_long_texts([s.upper() for s in pooled])]


EDGES = [
    "_thanks thanks_ 2thanks thanks2 -thanks- (thanks) THANKS!! ThAnKs " * 20,
    "İstanbul: thanks for the review, please send it ASAP. " * 10,  # İ lowers to two characters
    "Straße: could you please send it? I'll send it today. " * 10,
    "x" * 400 + "please",
    "please" + "x" * 400,
    "you guys always never damn it whitelist blacklist master/slave manpower " * 8,
    "let me know if you need anything else. if you have any questions call me " * 8,
    "attached is the file. here's the deal; i've sent it as promised. " * 8,
]


def _agree(words: Words, text: str) -> bool:
    fast = [(m.start(), m.end(), m.groups()) for m in words.finditer(text)]
    plain = [(m.start(), m.end(), tuple(g and g.lower() for g in m.groups()))
             for m in words.as_written.finditer(text)]
    fast = [(a, b, tuple(g and g.lower() for g in gs)) for a, b, gs in fast]
    first = words.search(text)
    expect = words.as_written.search(text)
    return fast == plain and (first is None) == (expect is None) and (
        first is None or expect is None or first.span() == expect.span())


def test_there_are_words_patterns_to_check() -> None:
    assert len(PATTERNS) >= 25


@pytest.mark.parametrize(("name", "words"), PATTERNS, ids=[n for n, _w in PATTERNS])
def test_same_matches_as_the_pattern_as_written(name: str, words: Words) -> None:
    texts = _shipped() + EDGES
    assert all(len(t) > 300 for t in EDGES)
    bad = [i for i, t in enumerate(texts) if not _agree(words, t)]
    assert not bad, f"{name}: {len(bad)} texts differ"


def test_same_matches_on_the_enron_mailboxes(corpus: Callable[[str], Path]) -> None:
    root = corpus("enron-edrm-10-mailboxes")
    bodies = []
    for f in sorted(root.glob("*.jsonl")):
        with f.open() as fh:
            lines = [ln for _i, ln in zip(range(400), fh, strict=False)]
        bodies += [json.loads(ln)["body"][:4000] for ln in lines]
    assert len(bodies) > 1000
    differ = {name: sum(not _agree(w, b) for b in bodies) for name, w in PATTERNS}
    assert not {k: v for k, v in differ.items() if v}


def test_refuses_what_it_cannot_scan_fast() -> None:
    with pytest.raises(ValueError, match="opens with"):
        Words(r"\bthanks|cheers")
    with pytest.raises(ValueError, match="lower case"):
        Words(r"\bTIA\b")
    assert Words(r"\bthanks\b|\bcheers\b").search("CHEERS" + " x" * 200) is not None
    assert re.compile(Words(r"\bthanks\b").pattern).pattern == r"\bthanks\b"
