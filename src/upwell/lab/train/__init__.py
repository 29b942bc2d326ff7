"""Training: models that analyzers load, built reproducibly from ../shared/data by a command.

:func:`train_all` (``upwell train``, ``make models``) fits every model from its corpus under one
data folder and writes it into the package. Needs the ``train`` extra (scikit-learn, numpy).
Training never reads a test split.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from upwell.lab.train import emotions, politeness, requests

#: Each model: the corpus folder under the data folder it is trained from.
CORPORA = {
    "politeness": "stanford-politeness",
    "emotions": "goemotions",
    "requests": "email-intent-parakweet",
}


def trainer(name: str) -> tuple[Callable[[Path], dict[str, Any]], Callable[..., Path]]:
    """The ``train`` and ``write`` functions of model ``name``."""
    module = {"politeness": politeness, "emotions": emotions, "requests": requests}[name]
    return module.train, module.write


def train_one(name: str, corpus: Path, output: Path | None = None) -> dict[str, Any]:
    """Train model ``name`` from ``corpus``; a summary of what was written."""
    fit, write = trainer(name)
    start = time.perf_counter()
    model = fit(corpus)
    path = write(model, output) if output is not None else write(model)
    return {"model": name, "rows": model["rows"], "features": len(model["features"]),
            "bytes": path.stat().st_size, "seconds": round(time.perf_counter() - start, 1),
            "written": str(path)}


def train_all(data: Path, into: Path | None = None) -> list[dict[str, Any]]:
    """Train every model from its corpus under ``data`` (``../shared/data``), into the package
    or, with ``into``, as ``<into>/<name>.json``."""
    return [train_one(name, data / folder, None if into is None else into / f"{name}.json")
            for name, folder in CORPORA.items()]
