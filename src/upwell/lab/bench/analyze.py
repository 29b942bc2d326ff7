"""``upwell bench analyze``: the full pipeline (all analyzers on) against the parse floor and a
VADER-only pass, on the same messages, in one run.

Each measurement runs in its own process (see :mod:`upwell.lab.bench.ingest`). The VADER-only pass
scores each message's whole decoded text body (quoted history included), as a tone pass that
reads everything would: the reference point for what reading only the author's own words and
choosing fast paths buys.
"""

from __future__ import annotations

import email
import time
from email.policy import compat32
from pathlib import Path
from typing import Any

from upwell.errors import ConfigError
from upwell.lab.bench.ingest import (
    _body,
    _floor_decoded_run,
    _maildir_files,
    _measure,
    default_maildir,
    timed_import,
)


def _vader_only(kind: str, path: str) -> dict[str, Any]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: PLC0415 - VADER's own analyzer, the baseline this benchmark alone loads

    bodies = [_body(email.message_from_bytes(f.read_bytes(), policy=compat32))
              for f in _maildir_files(Path(path))]
    vader = SentimentIntensityAnalyzer()
    start = time.perf_counter()
    for body in bodies:
        vader.polarity_scores(body)
    return {"messages": len(bodies), "seconds": time.perf_counter() - start}


def _pipeline(kind: str, path: str) -> dict[str, Any]:
    return timed_import(kind, path, analyze=True)


def run_analyze_bench(*, maildir: Path | None) -> dict[str, Any]:
    """The three measurements on the Enron maildir."""
    maildir = maildir or default_maildir()
    if maildir is None:
        raise ConfigError(
            "no Enron maildir: pass --maildir DIR or run `make corpora`", code="E302")
    result = {
        "floor": _measure(_floor_decoded_run, "maildir", maildir),
        "pipeline": _measure(_pipeline, "maildir", maildir),
        "vader_only": _measure(_vader_only, "maildir", maildir),
    }
    result["pipeline_vs_floor"] = round(
        result["pipeline"]["msgs_per_s"] / result["floor"]["msgs_per_s"], 3)
    return result


def render(result: dict[str, Any]) -> str:
    """A plain table of the numbers."""
    rows = [("parse floor (stdlib compat32, fields decoded)", result["floor"]),
            ("full pipeline (all analyzers on)", result["pipeline"]),
            ("VADER only, whole bodies", result["vader_only"])]
    lines = [f"{'pass':<48}{'messages':>10}{'msg/s':>10}{'peak MB':>10}"]
    lines += [f"{label:<48}{r['messages']:>10}{r['msgs_per_s']:>10}{r['peak_rss_mb']:>10}"
              for label, r in rows]
    lines.append("analyzers: " + ", ".join(result["pipeline"]["analyzers"]))
    return "\n".join(lines)
