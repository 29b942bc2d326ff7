"""Which analyzers an import or a sync runs: the setting, checked against the registry.

Reads: ``Settings.analyzers`` and the analyzer registry. Writes nothing. It lives here, not in
:mod:`upwell.config`, so that reading the settings loads no analyzer code.
"""

from __future__ import annotations

from upwell.analyze import analyzers as registered
from upwell.config import Settings
from upwell.errors import ConfigError


def resolve_analyzers(settings: Settings) -> tuple[str, ...]:
    """The analyzer names to run: ``settings.analyzers``, or every registered analyzer."""
    known = registered()
    if settings.analyzers is None:
        return tuple(sorted(known))
    unknown = [a for a in settings.analyzers if a not in known]
    if unknown:
        raise ConfigError(
            f"unknown analyzers {unknown} in UPWELL_ANALYZERS: choose from {sorted(known)}"
        )
    return tuple(settings.analyzers)
