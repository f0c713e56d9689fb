"""Static SVG charts for the HTML report: lines and columns over years.

Hand-written rather than drawn by a charting library: the charts are a handful of lines and
columns, and Vega-Lite through ``vl-convert-python`` (the library the issue suggests) is an 84 MB
install that costs about 1.2 s to start and 70 ms a chart (measured here), which would break
the promise that ``report`` costs no more than ``check`` plus 2 s. Every label is SVG ``<text>``
(never paths), so CJK renders with the reader's fonts; the output depends only on the figures,
so the same input gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

WIDTH = 600
HEIGHT = 280
MARGIN_LEFT = 72
MARGIN_RIGHT = 16
MARGIN_TOP = 28
MARGIN_BOTTOM = 34

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a line chart: points (year, value) drawn in order."""

    label: str
    points: tuple[tuple[float, float], ...]
    color: str
    dash: str | None = None
    markers: bool = True
    width: float = 2.0


@dataclass(frozen=True, slots=True)
class Mark:
    """A single point with a label, such as the target at the target year."""

    label: str
    x: float
    y: float
    color: str
    shape: str = "diamond"


@dataclass(frozen=True, slots=True)
class Columns:
    """Columns by year: one series per entry, stacked or side by side."""

    labels: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]
    """values[series][year index]; None draws nothing."""
    colors: tuple[str, ...]
    stacked: bool = True


@dataclass(slots=True)
class Chart:
    """A chart over integer years with one numeric axis."""

    chart_id: str
    title: str
    desc: str
    years: tuple[int, ...]
    tick_format: Callable[[float], str]
    y_title: str = ""
    lines: list[Line] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    columns: Columns | None = None
    hline: tuple[float, str, str] | None = None
    """(value, label, colour): a horizontal reference line, e.g. a comparative target of 0."""
    withheld: tuple[int, ...] = ()
    invert: bool = False
    """Smaller values higher up: for ranks, where 1 is first."""
    width: int = WIDTH
    height: int = HEIGHT


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (the usual 1-2-5 steps).

    >>> nice_ticks(0, 2300)
    [0.0, 500.0, 1000.0, 1500.0, 2000.0, 2500.0]
    >>> nice_ticks(0.4, 0.62)
    [0.4, 0.45, 0.5, 0.55, 0.6, 0.65]
    """
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    # A span below what floats resolve at this magnitude would give steps that do not advance
    # (and below 1e-12 no figure of this tool differs from 0).
    hi = max(hi, lo + max(abs(lo) * 1e-9, abs(hi) * 1e-9, 1e-12))
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    # Round ticks to the step's precision (0.45, not 0.45000000000000007), never coarser.
    decimals = max(0, 2 - math.floor(math.log10(step)))
    start = math.floor(lo / step) * step
    n = max(1, math.ceil((hi - start) / step))
    ticks = [round(start + i * step, decimals) + 0.0 for i in range(n + 1)]
    if ticks[-1] < hi:  # float rounding left the top short: one more step
        ticks.append(round(ticks[0] + len(ticks) * step, decimals) + 0.0)
    return ticks


def _num(x: float) -> str:
    """Coordinates with two decimals: enough for the eye, stable bytes."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def render_svg(chart: Chart) -> str:
    """The chart as an inline ``<svg>`` with a ``<title>`` and ``<desc>`` (its numbers)."""
    w, h = chart.width, chart.height
    px0, px1 = MARGIN_LEFT, w - MARGIN_RIGHT
    py0, py1 = h - MARGIN_BOTTOM, MARGIN_TOP
    years = chart.years
    values: list[float] = []
    for line in chart.lines:
        values += [y for _, y in line.points]
    values += [m.y for m in chart.marks]
    if chart.hline is not None:
        values.append(chart.hline[0])
    if chart.columns is not None:
        cols = chart.columns
        for i in range(len(years)):
            here = [s[i] for s in cols.values if s[i] is not None]
            if cols.stacked:
                values.append(sum(v for v in here if v is not None and v > 0))
                values.append(sum(v for v in here if v is not None and v < 0))
            else:
                values += [v for v in here if v is not None]
    values = [v for v in values if math.isfinite(v)]
    lo = min([*values, 0.0]) if values else 0.0
    hi = max(values) if values else 1.0
    if chart.lines and not chart.columns and values and min(values) > 0:
        # Lines of levels far from zero: start the axis near the data, not at 0.
        span = max(values) - min(values)
        if min(values) > 2 * span:
            lo = min(values) - 0.2 * (span or abs(min(values)))
    if chart.invert and values:
        lo = max(min(values), 1.0)
    ticks = nice_ticks(lo, hi)
    if chart.invert:
        ticks = [t for t in ticks if t >= 1] or [1.0, 2.0]
    ylo, yhi = ticks[0], ticks[-1]
    if yhi <= ylo:
        yhi = ylo + 1

    def sy(v: float) -> float:
        frac = (v - ylo) / (yhi - ylo)
        return py1 + frac * (py0 - py1) if chart.invert else py0 - frac * (py0 - py1)

    n = len(years)
    slot = (px1 - px0) / max(n, 1)

    def sx(year: float) -> float:
        return px0 + slot * ((year - years[0]) + 0.5)

    tid, did = f"{chart.chart_id}-title", f"{chart.chart_id}-desc"
    out: list[str] = [
        f'<svg class="chart" viewBox="0 0 {w} {h}" '
        f'width="{w}" height="{h}" role="img" aria-labelledby="{tid} {did}">',
        f'<title id="{tid}">{escape(chart.title)}</title>',
        f'<desc id="{did}">{escape(chart.desc)}</desc>',
    ]
    # Grid and y axis.
    for t in ticks:
        ty = _num(sy(t))
        out.append(f'<line class="grid" x1="{px0}" x2="{px1}" y1="{ty}" y2="{ty}"/>')
        out.append(
            f'<text class="tick" x="{px0 - 6}" y="{ty}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(chart.tick_format(t))}</text>'
        )
    if chart.y_title:
        out.append(f'<text class="axis-title" x="4" y="12">{escape(chart.y_title)}</text>')
    # x axis: one label per year.
    for yr in years:
        out.append(
            f'<text class="tick" x="{_num(sx(yr))}" y="{py0 + 18}" text-anchor="middle">{yr}</text>'
        )
    out.append(f'<line class="axis" x1="{px0}" x2="{px1}" y1="{py0}" y2="{py0}"/>')
    if ylo < 0 < yhi:
        zy = _num(sy(0))
        out.append(f'<line class="zero" x1="{px0}" x2="{px1}" y1="{zy}" y2="{zy}"/>')
    for yr in chart.withheld:
        if yr in years:
            out.append(
                f'<text class="withheld" x="{_num(sx(yr))}" y="{_num((py0 + py1) / 2)}" '
                f'text-anchor="middle">x 保密 withheld</text>'
            )
    if chart.columns is not None:
        out += _columns(chart.columns, years, sx, sy, slot)
    if chart.hline is not None:
        value, label, color = chart.hline
        hy = _num(sy(value))
        out.append(
            f'<line x1="{px0}" x2="{px1}" y1="{hy}" y2="{hy}" stroke="{color}" '
            'stroke-width="1.5" stroke-dasharray="6 3"/>'
        )
        out.append(
            f'<text class="label" x="{px1 - 4}" y="{_num(sy(value) - 5)}" text-anchor="end" '
            f'fill="{color}">{escape(label)}</text>'
        )
    for line in chart.lines:
        pts = [(sx(x), sy(y)) for x, y in line.points if math.isfinite(y)]
        if len(pts) >= 2:
            d = " ".join(f"{_num(x)},{_num(y)}" for x, y in pts)
            dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
            out.append(
                f'<polyline fill="none" stroke="{line.color}" stroke-width="{line.width}"'
                f'{dash} points="{d}"/>'
            )
        if line.markers:
            for x, y in pts:
                out.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{line.color}"/>')
    for m in chart.marks:
        x, y = sx(m.x), sy(m.y)
        r = 7
        if m.shape == "diamond":
            out.append(
                f'<polygon fill="{m.color}" points="{_num(x)},{_num(y - r)} {_num(x + r)},'
                f'{_num(y)} {_num(x)},{_num(y + r)} {_num(x - r)},{_num(y)}"/>'
            )
        else:
            out.append(
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="5" fill="white" '
                f'stroke="{m.color}" stroke-width="2"/>'
            )
        out.append(
            f'<text class="label" x="{_num(x - 10)}" y="{_num(y - 10)}" text-anchor="end" '
            f'fill="{m.color}">{escape(m.label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _columns(
    cols: Columns,
    years: Sequence[int],
    sx: Callable[[float], float],
    sy: Callable[[float], float],
    slot: float,
) -> list[str]:
    out: list[str] = []
    k = len(cols.values)
    band = slot * 0.7
    for i, yr in enumerate(years):
        base_pos = 0.0
        base_neg = 0.0
        for s, series in enumerate(cols.values):
            v = series[i]
            if v is None or not math.isfinite(v):
                continue
            if cols.stacked:
                x = sx(yr) - band / 2
                bw = band
                if v >= 0:
                    y0, y1 = base_pos, base_pos + v
                    base_pos = y1
                else:
                    y0, y1 = base_neg, base_neg + v
                    base_neg = y1
            else:
                bw = band / k
                x = sx(yr) - band / 2 + s * bw
                y0, y1 = 0.0, v
            top, bottom = sy(max(y0, y1)), sy(min(y0, y1))
            out.append(
                f'<rect x="{_num(x)}" y="{_num(top)}" width="{_num(bw)}" '
                f'height="{_num(max(bottom - top, 0))}" fill="{cols.colors[s]}">'
                f"<title>{escape(cols.labels[s])} {yr}</title></rect>"
            )
    return out
