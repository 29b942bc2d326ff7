"""Sentence embeddings from the exported ONNX graph: tokenize, run, in order.

Reads the model folder that ``upwell train minilm`` writes (``minilm.onnx``, ``tokenizer.json``);
:meth:`Encoder.embed` returns one unit-length 384-d float32 row per text. Texts are cut to
:data:`MAX_INPUT_CHARS` characters before tokenizing and to :data:`MAX_TOKENS` word pieces after
(the model's own limit in sentence-transformers); the batch is sorted by length so that padding
stays small, and the rows come back in the caller's order. Runs on the CPU with as many threads
as the cores this process may use (or ``threads``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Word pieces the model reads, [CLS] and [SEP] included (sentence-transformers' max_seq_length).
MAX_TOKENS = 256
#: Characters of a text handed to the tokenizer: far more than 256 word pieces need, and a bound
#: on the tokenizer's time for a hostile megabyte of text.
MAX_INPUT_CHARS = 20_000
DIMENSIONS = 384
ONNX_FILE = "minilm.onnx"
TOKENIZER_FILE = "tokenizer.json"


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        return max(1, os.cpu_count() or 1)


def load_tokenizer(path: Path) -> Any:
    """The model's fast WordPiece tokenizer, set to cut at :data:`MAX_TOKENS` and pad to the
    longest text of a batch."""
    from tokenizers import Tokenizer  # noqa: PLC0415 - optional minilm extra (onnxruntime, tokenizers, numpy), loaded only when the tier runs

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token, not a secret
    return tokenizer


class Encoder:
    """all-MiniLM-L6-v2 under onnxruntime: texts in, unit-length embeddings out."""

    def __init__(self, folder: Path, *, threads: int | None = None) -> None:
        import onnxruntime as ort  # noqa: PLC0415 - optional minilm extra (onnxruntime, tokenizers, numpy), loaded only when the tier runs

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or available_cores()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: optimizer notes are not for members
        self.session = ort.InferenceSession(str(folder / ONNX_FILE), options,
                                            providers=["CPUExecutionProvider"])
        self.tokenizer = load_tokenizer(folder / TOKENIZER_FILE)
        self.threads = options.intra_op_num_threads

    def tokenize(self, texts: Sequence[str]) -> tuple[Any, Any]:
        """``input_ids`` and ``attention_mask`` (int64, texts x longest) of a batch."""
        import numpy as np  # noqa: PLC0415 - optional minilm extra (onnxruntime, tokenizers, numpy), loaded only when the tier runs

        # A lone surrogate (say, undecodable bytes kept by ``surrogateescape``) cannot cross
        # into the tokenizer: UTF-8 cannot encode it, so it becomes "?".
        encodings = self.tokenizer.encode_batch(
            [t[:MAX_INPUT_CHARS].encode("utf-8", "replace").decode("utf-8") for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        return ids, mask

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Any:
        """A float32 array (len(texts) x 384) of unit-length sentence embeddings."""
        import numpy as np  # noqa: PLC0415 - optional minilm extra (onnxruntime, tokenizers, numpy), loaded only when the tier runs

        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # Sorting by length keeps a batch's padding small; the order is restored on the way out.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), max(1, batch_size)):
            chosen = order[start:start + max(1, batch_size)]
            ids, mask = self.tokenize([texts[i] for i in chosen])
            (rows,) = self.session.run(["embedding"], {"input_ids": ids,
                                                       "attention_mask": mask})
            out[chosen] = rows
        return out
