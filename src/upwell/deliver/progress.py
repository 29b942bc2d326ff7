"""Progress of a long command's stages on stderr, content-free (stage names and counts only).

Reads and writes nothing but stderr. On a terminal each stage gets a live bar with its count
(rich, already the CLI's terminal renderer); elsewhere (tests, CI, logs) each stage prints one
line when it ends, with its count and duration, and nothing while it runs. Callers pass only
stage names they wrote and numbers: never a name, address or any message content.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class Stages:
    """A callable ``(stage, n, total)`` for a command's progress; use it as a context manager.

    ``stage`` names what a count counts, in the past tense ("imported archives"); ``n`` of
    ``total`` are done. A stage ends when ``n == total`` (or when the next stage starts).
    """

    def __init__(self, console: Console | None = None, *, live: bool | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.live = sys.stderr.isatty() if live is None else live
        self._bar: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}
        self._done: set[str] = set()
        self._mark = time.perf_counter()  # when the current stage began

    def __enter__(self) -> Stages:
        if self.live:
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=self.console, transient=False)
            self._bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __call__(self, stage: str, n: int, total: int) -> None:
        now = time.perf_counter()
        self._started.setdefault(stage, self._mark)
        if self._bar is not None:
            task = self._tasks.get(stage)
            if task is None:
                task = self._tasks[stage] = self._bar.add_task(stage, total=total)
            self._bar.update(task, completed=n, total=total)
            if n >= total:
                self._mark = now
            return
        if n >= total and stage not in self._done:
            self._done.add(stage)
            self._mark = now
            seconds = now - self._started[stage]
            self.console.print(f"{stage} {n:,}/{total:,} ({seconds:.1f} s)", highlight=False,
                               soft_wrap=True)

    def line(self, text: str) -> None:
        """One line of status (content-free, like the stages); the next stage is timed from
        here."""
        self.console.print(text, highlight=False, soft_wrap=True, markup=False)
        self._mark = time.perf_counter()
