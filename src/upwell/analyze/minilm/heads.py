"""The MiniLM tier's heads: one logistic regression per label over the 384-d embedding.

A head is plain data (weights, intercept, decision threshold on the probability, and where it
came from), read from and written to ``heads.json`` in the tier's folder; scoring is one dot
product per text with numpy. Fitting a head is lab work (:func:`upwell.lab.train.minilm.fit`,
scikit-learn's liblinear solver with fixed settings); scoring never needs it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEADS_FILE = "heads.json"
FORMAT = "upwell-minilm-heads/1"
#: Decimals kept of each weight in the JSON (the embedding is unit length: 1e-6 is noise).
DECIMALS = 6


@dataclass(frozen=True, slots=True)
class Head:
    """``P(label | text) = sigmoid(weights . embedding + intercept)``; ``label`` is decided when
    the probability reaches ``threshold``."""

    label: str
    weights: tuple[float, ...]
    intercept: float
    threshold: float
    meta: Mapping[str, Any] = field(default_factory=dict)

    def margins(self, embeddings: Any) -> Any:
        """Decision values (an array, one per row of ``embeddings``)."""
        import numpy as np  # noqa: PLC0415 - optional minilm extra (numpy), loaded only when the tier runs

        return np.asarray(embeddings, dtype=np.float64) @ np.asarray(self.weights) \
            + self.intercept

    def probabilities(self, embeddings: Any) -> Any:
        import numpy as np  # noqa: PLC0415 - optional minilm extra (numpy), loaded only when the tier runs

        return 1.0 / (1.0 + np.exp(-self.margins(embeddings)))

    def decisions(self, embeddings: Any) -> Any:
        return self.probabilities(embeddings) >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "intercept": round(self.intercept, DECIMALS),
                "threshold": round(self.threshold, 4),
                "weights": [round(w, DECIMALS) for w in self.weights], **dict(self.meta)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], dimensions: int) -> Head:
        """A head from its JSON form; a wrong shape or a non-finite number is refused."""
        weights = data.get("weights")
        if not isinstance(weights, list) or len(weights) != dimensions:
            raise ValueError(f"head {data.get('label')!r}: weights must be {dimensions} numbers")
        numbers = [float(w) for w in weights]
        intercept, threshold = float(data["intercept"]), float(data["threshold"])
        if not all(map(math.isfinite, [*numbers, intercept, threshold])):
            raise ValueError(f"head {data.get('label')!r}: a number is not finite")
        meta = {k: v for k, v in data.items()
                if k not in {"label", "weights", "intercept", "threshold"}}
        return cls(str(data["label"]), tuple(numbers), intercept, threshold, meta)


def write(heads: Sequence[Head], path: Path, *, meta: Mapping[str, Any]) -> Path:
    """Write ``heads`` (with ``meta`` about the embedding) as byte-stable JSON."""
    data = {"format": FORMAT, **dict(meta), "heads": [h.to_dict() for h in heads]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n",
                    encoding="utf-8")
    return path


def read(path: Path, dimensions: int) -> dict[str, Head]:
    """The heads in ``path``, by label."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path.name} is not a {FORMAT} file")
    heads = [Head.from_dict(h, dimensions) for h in data["heads"]]
    return {h.label: h for h in heads}
