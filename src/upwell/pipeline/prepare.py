"""The prepare stage of an import: raw item -> records -> stored form, in or out of process.

Reads: raw items. Writes nothing: yields each item with its prepared rows (or its skip reason).
This module is what the member's import worker processes load, so it imports only normalize
and the row maker, not the database layer: a worker starts in a fraction of a second.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from upwell.errors import BadItem
from upwell.model import RawItem, Skipped
from upwell.normalize import to_records
from upwell.normalize.mime import duplicate_key
from upwell.pipeline.rows import ANY_MESSAGE, message_id, prepare
from upwell.store.crypto import MemberCipher
from upwell.store.prepared import Prepared

Outcome = list[Prepared] | str
#: Which of some message ids the member's store already holds (see :class:`Duplicates`).
StoredIds = Callable[[list[str]], set[str]]

#: Items prepared in-process before worker processes are started: below a few thousand items,
#: starting them (about 0.2 s) costs more than it saves. With analyzers on, an item costs about
#: five times more, so workers pay off five times sooner.
WARM_ITEMS = 1000
#: Items prepared in-process while the workers start (at least; more until they are ready).
INLINE_ITEMS = 1400
ANALYZING_SPEEDUP = 5
#: Items per chunk sent to a worker process (fewer with analyzers on, so that the last chunks,
#: which one worker may finish alone, are short).
CHUNK_ITEMS = 250
MIN_CHUNK_ITEMS = 50
#: Chunks in flight at most: enough for the workers to keep going while this process writes a
#: batch (``batch_size`` items), few enough that memory stays flat.
MAX_IN_FLIGHT = 16


def prepare_item(item: RawItem, cipher: MemberCipher, analyzers: tuple[str, ...] = (),
                 evidence: bool = False, duplicate_of: str | None = None) -> Outcome:
    """The stored form of one raw item's records (with the named analyzers' features), or the
    content-free reason it is skipped. A message whose id is ``duplicate_of`` is not analyzed
    (see :class:`Duplicates`)."""
    if duplicate_of is not None and duplicate_of.startswith("raw:"):
        duplicate_of = ANY_MESSAGE  # a copy of an earlier item: none of its messages is new
    try:
        return [prepare(cipher, r, analyzers, evidence, duplicate_of) for r in to_records(item)]
    except BadItem as bad:
        return bad.reason
    except RecursionError:
        return "too_deeply_nested"
    except Exception as exc:  # a parser bug must not end the import; the type is content-free
        return "internal_error:" + type(exc).__name__


class Duplicates:
    """Spots items that will turn out duplicates before they are analyzed.

    Mail archives hold the same message in several folders (a fifth of the Enron mailboxes'
    items), and an import repeated adds nothing; analyzing such a message is wasted, since only
    the first copy is kept. A MIME item's Message-ID header, read without parsing, tells which
    message id it will most likely get: an item whose id an earlier item of this import claimed,
    or the store already holds, is prepared without analyzers. The guess is checked twice: the
    worker analyzes anyway when the parsed message's id differs, and an unanalyzed record that
    turns out new after all (the earlier copy could not be read) is prepared again, in full, in
    this process before it is handed on; so what is stored never depends on the guess.
    """

    def __init__(self, cipher: MemberCipher, stored: StoredIds | None) -> None:
        self.cipher = cipher
        self.stored = stored
        self.claimed: set[str] = set()
        self.in_store: set[str] = set()
        self.produced: set[str] = set()

    def _hint(self, item: RawItem | Skipped) -> str | None:
        if (isinstance(item, RawItem) and item.kind == "mime"
                and isinstance(item.data, bytes | bytearray)):
            key = duplicate_key(item.data)
            # With a Message-ID, the key is the source item id, so the hint is the message's id
            # (which the store can be asked about); without one, a digest only this import knows.
            return message_id(self.cipher, key) if key.startswith("mid:") else key
        return None

    def mark(self, items: list[RawItem | Skipped]) -> list[str | None]:
        """For each item, the id it is expected to duplicate, or ``None`` (analyze it)."""
        hints = [self._hint(i) for i in items]
        fresh = sorted({h for h in hints
                        if h is not None and not h.startswith("raw:") and h not in self.claimed})
        if fresh and self.stored is not None:
            self.in_store |= self.stored(fresh)
        out: list[str | None] = []
        for h in hints:
            if h is not None and (h in self.claimed or h in self.in_store):
                out.append(h)
            else:
                if h is not None:
                    self.claimed.add(h)
                out.append(None)
        return out

    def settle(self, outcome: Outcome | Skipped, again: Callable[[], Outcome]
               ) -> Outcome | Skipped:
        """``outcome`` as it may be handed on: re-prepared by ``again`` (with analyzers) when a
        record left unanalyzed is not a duplicate after all."""
        if not isinstance(outcome, list):
            return outcome
        if any(p.unanalyzed and p.id not in self.produced and p.id not in self.in_store
               for p in outcome):
            outcome = again()
        if isinstance(outcome, list):
            self.produced.update(p.id for p in outcome)
        return outcome


def _as_is(outcome: Outcome | Skipped, _again: Callable[[], Outcome]) -> Outcome | Skipped:
    return outcome


_worker_cipher: MemberCipher | None = None
_worker_analyzers: tuple[str, ...] = ()
_worker_evidence = False


def _init_worker(cipher: MemberCipher, analyzers: tuple[str, ...], evidence: bool) -> None:
    global _worker_cipher, _worker_analyzers, _worker_evidence  # noqa: PLW0603 (once per worker)
    _worker_cipher = cipher
    _worker_analyzers = analyzers
    _worker_evidence = evidence
    if analyzers:
        from upwell.analyze import warm  # noqa: PLC0415 - a worker with analyzers off starts without loading their models

        warm(analyzers)


def _ready() -> bool:
    return _worker_cipher is not None


def _prepare_chunk(items: list[tuple[RawItem | Skipped, str | None]]
                   ) -> list[Outcome | Skipped]:
    assert _worker_cipher is not None
    return [i if isinstance(i, Skipped)
            else prepare_item(i, _worker_cipher, _worker_analyzers, _worker_evidence, dup)
            for i, dup in items]


def prepared(
    stream: Iterator[RawItem | Skipped], cipher: MemberCipher, workers: int,
    analyzers: tuple[str, ...] = (), evidence: bool = False, *,
    stored: StoredIds | None = None,
) -> Iterator[tuple[RawItem | Skipped, Outcome | Skipped]]:
    """Each item with its outcome, in source order.

    The first items are prepared in this process. Once an archive has more than
    ``WARM_ITEMS``, ``workers`` processes of this member's own import start in the background
    while this process goes on up to ``INLINE_ITEMS``; the rest go to them in chunks, with a
    bounded number of chunks in flight so memory stays flat however large the archive. Only
    prepared rows come back: bodies never cross a process boundary twice. With analyzers on,
    items expected to be duplicates (of an earlier item, or of what ``stored`` says the store
    holds) skip the analyzers (:class:`Duplicates`).
    """
    dups = Duplicates(cipher, stored)
    settle = dups.settle if analyzers else _as_is

    def _full(item: RawItem | Skipped) -> Callable[[], Outcome]:
        assert isinstance(item, RawItem)
        return lambda: prepare_item(item, cipher, analyzers, evidence)

    def _inline(item: RawItem | Skipped) -> Outcome | Skipped:
        if isinstance(item, Skipped):
            return item
        dup = dups.mark([item])[0] if analyzers else None
        return settle(prepare_item(item, cipher, analyzers, evidence, dup), _full(item))

    scale = ANALYZING_SPEEDUP if analyzers else 1
    for _ in range(WARM_ITEMS // scale):
        item = next(stream, None)
        if item is None:
            return
        yield item, _inline(item)
    if workers <= 0:
        for item in stream:
            yield item, _inline(item)
        return
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(cipher, analyzers, evidence)) as pool:
        # Start the processes now; this process goes on inline while they boot.
        booting = [pool.submit(_ready) for _ in range(workers)]
        inline = 0
        while inline < (INLINE_ITEMS - WARM_ITEMS) // scale or not all(
                f.done() for f in booting):
            item = next(stream, None)
            if item is None:
                return
            yield item, _inline(item)
            inline += 1
        chunk_items = max(MIN_CHUNK_ITEMS, CHUNK_ITEMS // scale)
        window: deque[tuple[list[RawItem | Skipped], Future[list[Outcome | Skipped]]]] = deque()
        while True:
            chunk = list(islice(stream, chunk_items))
            if chunk:
                marks = dups.mark(chunk) if analyzers else [None] * len(chunk)
                window.append((chunk, pool.submit(_prepare_chunk, list(zip(chunk, marks,
                                                                           strict=True)))))
            if window and (not chunk or len(window) >= max(MAX_IN_FLIGHT, 2 * workers)):
                items, fut = window.popleft()
                for item, outcome in zip(items, fut.result(), strict=True):
                    yield item, (outcome if isinstance(item, Skipped)
                                 else settle(outcome, _full(item)))
            if not chunk and not window:
                return
