"""The versioned names of the built-in analyzers, defined once.

Reads/writes: nothing. Every consumer of a stored feature names its analyzer through these
constants (and :func:`feature`), never through a ``"name.vN"`` literal of its own, so moving an
analyzer to a new version is one edit here. The analyzers register under the same constants
(:mod:`upwell.analyze.registry`); a test checks each one is registered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

COMMITMENTS = "commitments.v1"
GRATITUDE = "gratitude.v2"
HARSH = "harsh.v2"
KINDS = "kinds.v2"
POLITENESS = "politeness.v3"
REQUESTS = "requests.v4"
TONE = "tone.v1"

#: Every built-in analyzer name above.
BUILTIN = (COMMITMENTS, GRATITUDE, HARSH, KINDS, POLITENESS, REQUESTS, TONE)


def feature(features: Mapping[str, Mapping[str, Any]], analyzer: str, name: str) -> Any:
    """One stored feature value (``None`` when the analyzer did not run or wrote nothing)."""
    return features.get(analyzer, {}).get(name)
