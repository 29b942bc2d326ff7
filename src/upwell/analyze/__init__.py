"""Analyze: registered, versioned analyzers over normalized records.

Importing this package registers the built-in per-item analyzers (``tone.v1``,
``gratitude.v1``, ``politeness.v2``, ``requests.v1``, ``harsh.v1``). :func:`analyze_message` runs
them all on one message's own words.
"""

from __future__ import annotations

from upwell.analyze import gratitude, harsh, politeness, requests, tone  # noqa: F401
from upwell.analyze.registry import AnalyzerSpec, Features, analyzer, analyzers, run
from upwell.model import Message

__all__ = ["AnalyzerSpec", "Features", "analyze_message", "analyzer", "analyzers", "run"]


def analyze_message(message: Message, names: tuple[str, ...] | None = None
                    ) -> dict[str, Features]:
    """Every (or the named) analyzer's features for ``message``, keyed by analyzer name."""
    specs = analyzers()
    chosen = [specs[n] for n in names] if names is not None else list(specs.values())
    return {spec.name: run(spec, message) for spec in chosen}
