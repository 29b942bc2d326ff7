"""Charts as inline SVG, rendered on the server (no script, no CDN, no font).

Reads: plain numbers. Writes: SVG markup (autoescaped labels). A trend line shows the member's
weeks against a dashed line at their own baseline. Every chart has its scale: a y axis from 0 to
a round maximum with labelled ticks in the metric's unit, and the first and last week below.
"""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

_W, _H, _PAD = 560, 140, 28
#: Room on the left for the y axis's tick labels.
_LEFT = 52


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.1f}"


def nice_max(peak: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that is at least ``peak`` (1 for nothing)."""
    if peak <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(peak))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= peak - 1e-12)


def _y_axis(top: float, unit: str, y: float, height: float) -> str:
    """A y axis at x=_LEFT with ticks at 0, half and ``top``, each labelled with the unit, and
    light grid lines across the plot."""
    parts = [f'<g class="axis y-axis"><line x1="{_LEFT}" x2="{_LEFT}" y1="{y:.1f}" '
             f'y2="{y + height:.1f}" stroke="#8a94a6"/>']
    for frac in (0.0, 0.5, 1.0):
        ty = y + height - frac * height
        label = escape(_fmt(top * frac) + unit.strip())
        parts.append(f'<line class="grid" x1="{_LEFT}" x2="{_W - _PAD}" y1="{ty:.1f}" '
                     f'y2="{ty:.1f}" stroke="#e3e7ee"/>'
                     f'<text class="tick" x="{_LEFT - 6}" y="{ty + 4:.1f}" '
                     f'text-anchor="end">{label}</text>')
    parts.append("</g>")
    return "".join(parts)


def trend_chart(title: str, labels: list[str], values: list[float | None],
                baseline: float | None, unit: str = "") -> Markup:
    """A line over the weeks (gaps where a week has no value) and the baseline, dashed."""
    known = [v for v in values if v is not None]
    peak = nice_max(max([*known, baseline or 0.0, 0.0]))
    n = max(len(values), 2)
    step = (_W - _LEFT - _PAD) / (n - 1)

    def y(v: float) -> float:
        return _H - _PAD - v / peak * (_H - 2 * _PAD)

    parts = [f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
             _y_axis(peak, unit, _PAD, _H - 2 * _PAD)]
    if baseline is not None:
        parts.append(f'<line class="baseline" x1="{_LEFT}" x2="{_W - _PAD}" y1="{y(baseline):.1f}" '
                     f'y2="{y(baseline):.1f}" stroke="#8a94a6" stroke-dasharray="4 4"/>'
                     f'<text x="{_W - _PAD}" y="{y(baseline) - 4:.1f}" text-anchor="end">'
                     f'your usual {_fmt(baseline)}{escape(unit)}</text>')
    run: list[str] = []
    runs: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append(f"{_LEFT + i * step:.1f},{y(v):.1f}")
        last = i == len(values) - 1
        parts.append(f'<circle cx="{_LEFT + i * step:.1f}" cy="{y(v):.1f}" '
                     f'r="{4 if last else 2.5}" fill="{"#1f7a4d" if last else "#4a7bd0"}">'
                     f'<title>{escape(labels[i])}: {_fmt(v)}{escape(unit)}</title></circle>')
    if run:
        runs.append(run)
    parts.extend(f'<polyline fill="none" stroke="#4a7bd0" stroke-width="2" '
                 f'points="{" ".join(r)}"/>' for r in runs if len(r) > 1)
    if labels:
        parts.append(f'<text x="{_LEFT}" y="{_H - 6}">{escape(labels[0])}</text>'
                     f'<text x="{_W - _PAD}" y="{_H - 6}" text-anchor="end">'
                     f'{escape(labels[-1])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label above is escaped


def bar_chart(title: str, labels: list[str], values: list[float], unit: str = "") -> Markup:
    """Bars, one per week (meeting hours)."""
    peak = nice_max(max([*values, 0.0]))
    n = max(len(values), 1)
    width = (_W - _LEFT - _PAD) / n
    parts = [f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
             _y_axis(peak, unit, _PAD, _H - 2 * _PAD)]
    for i, v in enumerate(values):
        h = v / peak * (_H - 2 * _PAD)
        parts.append(f'<rect x="{_LEFT + 2 + i * width:.1f}" y="{_H - _PAD - h:.1f}" '
                     f'width="{width - 3:.1f}" height="{h:.1f}" fill="#4a7bd0">'
                     f'<title>{escape(labels[i])}: {_fmt(v)}{escape(unit)}</title></rect>')
    if labels:
        parts.append(f'<text x="{_LEFT}" y="{_H - 6}">{escape(labels[0])}</text>'
                     f'<text x="{_W - _PAD}" y="{_H - 6}" text-anchor="end">'
                     f'{escape(labels[-1])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label above is escaped


def interval_chart(title: str, labels: list[str], values: list[float | None],
                   half_widths: list[float | None], *, low: float, high: float,
                   unit: str = "") -> Markup:
    """Released values across periods, each with its 95 % interval as a vertical bar (capped
    at the metric's range); a period without a release is a gap."""
    n = max(len(values), 2)
    step = (_W - 2 * _PAD) / (n - 1)
    span = (high - low) or 1.0

    def y(v: float) -> float:
        v = min(high, max(low, v))
        return _H - _PAD - (v - low) / span * (_H - 2 * _PAD)

    parts = [f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<text x="{_PAD}" y="{_PAD - 10}">{escape(_fmt(high) + unit)}</text>',
             f'<text x="{_PAD}" y="{_H - _PAD + 12}">{escape(_fmt(low) + unit)}</text>']
    for i, (v, hw) in enumerate(zip(values, half_widths, strict=True)):
        x = _PAD + i * step
        if v is None or hw is None:
            anchor = "start" if i == 0 else "end" if i == len(values) - 1 else "middle"
            parts.append(f'<text x="{x:.1f}" y="{_H / 2:.1f}" text-anchor="{anchor}">'
                         f'not released</text>')
            continue
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y(v + hw):.1f}" '
                     f'y2="{y(v - hw):.1f}" stroke="#8a94a6" stroke-width="6" '
                     f'stroke-opacity="0.5"/>'
                     f'<circle cx="{x:.1f}" cy="{y(v):.1f}" r="4" fill="#4a7bd0">'
                     f'<title>{escape(labels[i])}: {_fmt(v)} ± {_fmt(hw)}{escape(unit)}'
                     f'</title></circle>')
    if labels:
        parts.append(f'<text x="{_PAD}" y="{_H - 6}">{escape(labels[0])}</text>'
                     f'<text x="{_W - _PAD}" y="{_H - 6}" text-anchor="end">'
                     f'{escape(labels[-1])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label above is escaped
