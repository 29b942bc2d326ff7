"""A self-contained HTML coaching report for the member alone.

Reads: the member's cards and view. Writes: one HTML file with inline CSS and inline SVG charts
(no script, no font, no CDN: it opens offline and can be mailed to oneself). Everything on it is
the member's own data; it is written with mode 0600.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

from upwell.analyze.stream import Relationship, WorkProfile, mine
from upwell.insights.catalog import Card, Evidence, Week
from upwell.store.member_view import MemberView

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:860px;color:#1d2430;padding:0 1rem}h1{font-size:1.6rem;margin-bottom:.2rem}
.sub{color:#5b6473;margin-top:0}.card{border:1px solid #d8dde6;border-radius:10px;
padding:1rem 1.2rem;margin:1rem 0}.card h2{font-size:1.1rem;margin:0 0 .4rem}
.try{color:#1f7a4d}.meta{color:#5b6473;font-size:.85rem}details{margin-top:.5rem}
table{border-collapse:collapse;font-size:.85rem}td,th{padding:.15rem .6rem .15rem 0}
svg text{font:11px system-ui,sans-serif;fill:#5b6473}
body{overflow-wrap:break-word}svg{max-width:100%}
table{display:block;max-width:100%;overflow-x:auto}
"""
# A wide table scrolls inside its own box, so the report fits a phone (390 px) without
# sideways scrolling; tests/web/test_layout.py measures it.


def weekly_activity(view: MemberView, profile: WorkProfile, week: Week, weeks: int = 12
                    ) -> list[tuple[datetime, int, int, int]]:
    """(week start, sent, received, sent after hours) for the weeks up to the coached one."""
    first = week.start - timedelta(weeks=weeks - 1)
    sent: Counter[int] = Counter()
    received: Counter[int] = Counter()
    late: Counter[int] = Counter()
    for m in view.messages:
        if not first <= m.sent_at < week.end:
            continue
        i = int((m.sent_at - first) / timedelta(weeks=1))
        if mine(view, m):
            sent[i] += 1
            late[i] += not profile.is_working_time(m.sent_at)
        else:
            received[i] += 1
    return [(first + timedelta(weeks=i), sent[i], received[i], late[i]) for i in range(weeks)]


def _chart(rows: list[tuple[datetime, int, int, int]]) -> str:
    width, height, pad = 800, 180, 24
    peak = max([max(s, r) for _w, s, r, _l in rows] + [1])
    bar = (width - 2 * pad) / len(rows) / 3
    parts = [f'<svg viewBox="0 0 {width} {height + 36}" width="100%" role="img" '
             f'aria-label="Messages per week">']
    for i, (start, sent, received, late) in enumerate(rows):
        x = pad + i * 3 * bar
        for j, (value, color) in enumerate(((received, "#c9d3e3"), (sent, "#4a7bd0"),
                                            (late, "#d9822b"))):
            h = value / peak * height
            parts.append(f'<rect x="{x + j * bar:.1f}" y="{height - h:.1f}" width="{bar - 1:.1f}" '
                         f'height="{h:.1f}" fill="{color}"><title>{value}</title></rect>')
        parts.append(f'<text x="{x:.1f}" y="{height + 14}">{start:%d %b}</text>')
    parts.append(f'<text x="{pad}" y="{height + 28}">received (grey), sent (blue), '
                 f'sent after hours (orange); highest {peak}</text></svg>')
    return "".join(parts)


def _ties(view: MemberView, ties: list[Relationship]) -> str:
    def fmt(v: float | None, suffix: str = "") -> str:
        return "–" if v is None else f"{v:g}{suffix}"

    rows = "".join(
        f"<tr><td>{escape(view.name(t.person))}</td><td>{t.sent}</td><td>{t.received}</td>"
        f"<td>{t.reciprocity:.2f}</td><td>{fmt(t.tone)}</td><td>{fmt(t.reply_hours_mine, ' h')}"
        f"</td><td>{fmt(t.reply_hours_theirs, ' h')}</td></tr>" for t in ties)
    return ("<h2>Your relationships</h2><table><tr><th>colleague</th><th>you sent</th>"
            "<th>you received</th><th>reciprocity</th><th>your tone</th><th>you reply in</th>"
            f"<th>they reply in</th></tr>{rows}</table>")


def render_report(view: MemberView, profile: WorkProfile, week: Week, cards: list[Card],
                  ties: list[Relationship] | None = None) -> str:
    """The report as one HTML document."""
    out = ["<!doctype html><html lang='en'><meta charset='utf-8'>",
           "<meta name='viewport' content='width=device-width,initial-scale=1'>",
           "<title>Your Upwell week</title>", f"<style>{_CSS}</style><body>",
           "<h1>Your week</h1>",
           f"<p class='sub'>Week of {week.start:%d %B %Y}, against your own "
           f"{week.baseline_weeks} weeks before it. Only you can see this.</p>",
           _chart(weekly_activity(view, profile, week))]
    if not cards:
        out.append("<p>Nothing stood out against your own usual this week.</p>")
    for c in cards:
        kind = " (what went well)" if c.positive else ""
        out.append(f"<div class='card'><h2>{escape(c.title)}{kind}</h2><p>{escape(c.summary)}</p>"
                   f"<p class='try'>{'Keep it' if c.positive else 'Try'}: {escape(c.action)}</p>")
        if c.caveat:
            out.append(f"<p class='meta'>{escape(c.caveat)}</p>")
        out.append(f"<p class='meta'>priority {c.priority:.2f} · {c.evidence_count} behind it"
                   f"</p>")
        if c.evidence:
            rows = "".join(_evidence_row(e) for e in c.evidence)
            out.append(f"<details><summary>What is behind it</summary>"
                       f"<table><tr><th>when</th><th>who</th><th>what</th></tr>{rows}</table>"
                       f"</details>")
        out.append("</div>")
    if ties:
        out.append(_ties(view, ties))
    out.append("</body></html>")
    return "\n".join(out)


def _evidence_row(e: Evidence) -> str:
    """One row behind a card: which day, who, its subject and the phrase that counted."""
    who = e.subject if e.kind == "person" else e.who
    if e.kind == "person":
        what = escape(e.detail)
    elif e.kind == "event":
        what = f"meeting \u201c{escape(e.subject or '(no title)')}\u201d"
        what += f" ({escape(e.detail)})" if e.detail else ""
    else:
        subject = f"\u201c{escape(e.subject or '(no subject)')}\u201d"
        detail = f"<q>{escape(e.detail)}</q>" if e.quote else escape(e.detail)
        what = f"{subject}: {detail}" if e.detail else subject
    when = f"to {e.sent_at:%d %b}" if e.kind == "person" else escape(e.when)
    return f"<tr><td>{when}</td><td>{escape(who)}</td><td>{what}</td></tr>"


def write_report(path: Path, html: str) -> None:
    """Write the report readable by its owner only."""
    path.write_text(html, encoding="utf-8")
    path.chmod(0o600)
