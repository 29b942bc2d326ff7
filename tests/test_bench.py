"""The ingest benchmark runs end to end on a tiny corpus and reports every number it promises.

It checks behaviour only: no assertion here depends on how fast anything ran.
"""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

from upwell.lab.bench.ingest import generate_mbox, render, run_ingest_bench
from upwell.testing import make_email, write_maildir


def _maildir(tmp_path: Path) -> Path:
    t0 = datetime(2001, 5, 1, tzinfo=UTC)
    return write_maildir(tmp_path / "md", {
        "": [make_email(subject=f"s{i}", date=t0 + timedelta(hours=i)) for i in range(12)],
        "Sent Items": [make_email(sender="Ann <ann@example.org>", subject=f"Re: s{i}",
                                  date=t0 + timedelta(hours=i, minutes=5)) for i in range(6)],
    })


def test_generated_mbox_has_distinct_messages(tmp_path: Path) -> None:
    out = tmp_path / "g.mbox"
    assert generate_mbox(_maildir(tmp_path), out, 40) == 40
    box = mailbox.mbox(out, create=False)
    try:
        ids = {box.get_message(k)["Message-ID"] for k in box.iterkeys()}
    finally:
        box.close()
    assert len(ids) == 40


def test_bench_reports_floor_upwell_ratio_and_memory(tmp_path: Path) -> None:
    result = run_ingest_bench(maildir=_maildir(tmp_path), n_messages=40)
    for key in ("enron_maildir", "mbox"):
        r = result[key]
        assert r["floor"]["messages"] == r["floor_raw"]["messages"] == r["upwell"]["messages"]
        assert r["upwell"]["imported"] > 0
        assert r["ratio"] > 0
        assert r["upwell"]["peak_rss_mb"] > 0
    assert result["mbox"]["upwell"]["messages"] == 40
    assert result["mbox_small"]["upwell"]["messages"] == 4
    assert "floor msg/s" in render(result)
