"""The prepare stage of an import: raw item -> records -> stored form, in or out of process.

Reads: raw items. Writes nothing: yields each item with its prepared rows (or its skip reason).
This module is what the member's import worker processes load, so it imports only normalize
and the row maker, not the database layer: a worker starts in a fraction of a second.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from upwell.errors import BadItem
from upwell.model import RawItem, Skipped
from upwell.normalize import to_records
from upwell.store.crypto import MemberCipher
from upwell.store.rows import Prepared, prepare

Outcome = list[Prepared] | str

#: Items prepared in-process before worker processes are started: below a few thousand items,
#: starting them (about 0.2 s) costs more than it saves. With analyzers on, an item costs about
#: five times more, so workers pay off five times sooner.
WARM_ITEMS = 1000
#: Items prepared in-process while the workers start.
INLINE_ITEMS = 1400
ANALYZING_SPEEDUP = 5
#: Items per chunk sent to a worker process.
CHUNK_ITEMS = 250
#: Chunks in flight at most: enough for the workers to keep going while this process writes a
#: batch (``batch_size`` items), few enough that memory stays flat.
MAX_IN_FLIGHT = 16


def prepare_item(item: RawItem, cipher: MemberCipher, analyzers: tuple[str, ...] = (),
                 evidence: bool = False) -> Outcome:
    """The stored form of one raw item's records (with the named analyzers' features), or the
    content-free reason it is skipped."""
    try:
        return [prepare(cipher, r, analyzers, evidence) for r in to_records(item)]
    except BadItem as bad:
        return bad.reason
    except RecursionError:
        return "too_deeply_nested"
    except Exception as exc:  # a parser bug must not end the import; the type is content-free
        return "internal_error:" + type(exc).__name__


_worker_cipher: MemberCipher | None = None
_worker_analyzers: tuple[str, ...] = ()
_worker_evidence = False


def _init_worker(cipher: MemberCipher, analyzers: tuple[str, ...], evidence: bool) -> None:
    global _worker_cipher, _worker_analyzers, _worker_evidence  # noqa: PLW0603 (once per worker)
    _worker_cipher = cipher
    _worker_analyzers = analyzers
    _worker_evidence = evidence


def _ready() -> bool:
    return _worker_cipher is not None


def _prepare_chunk(items: list[RawItem | Skipped]) -> list[Outcome | Skipped]:
    assert _worker_cipher is not None
    return [i if isinstance(i, Skipped)
            else prepare_item(i, _worker_cipher, _worker_analyzers, _worker_evidence)
            for i in items]


def prepared(
    stream: Iterator[RawItem | Skipped], cipher: MemberCipher, workers: int,
    analyzers: tuple[str, ...] = (), evidence: bool = False,
) -> Iterator[tuple[RawItem | Skipped, Outcome | Skipped]]:
    """Each item with its outcome, in source order.

    The first items are prepared in this process. Once an archive has more than
    ``WARM_ITEMS``, ``workers`` processes of this member's own import start in the background
    while this process goes on up to ``INLINE_ITEMS``; the rest go to them in chunks, with a
    bounded number of chunks in flight so memory stays flat however large the archive. Only
    prepared rows come back: bodies never cross a process boundary twice.
    """
    def _inline(item: RawItem | Skipped) -> Outcome | Skipped:
        return (item if isinstance(item, Skipped)
                else prepare_item(item, cipher, analyzers, evidence))

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
        for _ in range(workers):
            pool.submit(_ready)  # start the processes now; they boot while we go on inline
        for _ in range((INLINE_ITEMS - WARM_ITEMS) // scale):
            item = next(stream, None)
            if item is None:
                return
            yield item, _inline(item)
        window: deque[tuple[list[RawItem | Skipped], Future[list[Outcome | Skipped]]]] = deque()
        while True:
            chunk = list(islice(stream, CHUNK_ITEMS))
            if chunk:
                window.append((chunk, pool.submit(_prepare_chunk, chunk)))
            if window and (not chunk or len(window) >= max(MAX_IN_FLIGHT, 2 * workers)):
                items, fut = window.popleft()
                yield from zip(items, fut.result(), strict=True)
            if not chunk and not window:
                return
