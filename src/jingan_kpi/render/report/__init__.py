"""``jingan-kpi report``: one self-contained HTML file to hand to leadership.

:func:`render` turns an :class:`~jingan_kpi.compute.result.Evaluation` into HTML: a header (plan
title, document number, as-of year, inputs, time of the run, reference sources), a summary band
of every target, a chart for every targeted indicator, charts of the structure (sectors, zones,
concentration) and of every other indicator, then data quality, method and legend. Everything
is inline (styles and SVG charts; no script, no link, no font to fetch), so the file opens
offline; each chart carries its numbers as a text alternative.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from jingan_kpi.compute.result import Evaluation, IndicatorResult
from jingan_kpi.render.format import (
    ATTAINED_LABEL,
    NO_VALUE,
    STATUS_LABELS,
    STATUS_MEANINGS,
    SUPPRESSED_MARK,
    TABLE_TITLES,
    fmt_rate,
    fmt_target,
    fmt_value,
    progress_fraction,
    target_indicators,
    unit_label,
)
from jingan_kpi.render.plan_info import stackable_sectors
from jingan_kpi.render.report.svg import PALETTE, Chart, Columns, Line, Mark, render_svg

if TYPE_CHECKING:
    from jingan_kpi.plan import LoadedPlan

__all__ = ["STATUS_COLORS", "render", "run_time"]

STATUS_COLORS: dict[str, str] = {
    # Background colours of the status labels; the words are always shown beside the colour.
    "met": "#1a7f37",
    "on_track": "#2da44e",
    "moderate": "#9a6700",
    "insufficient": "#bc4c00",
    "moving_away": "#cf222e",
    "missed": "#82071e",
    "not_assessable": "#6e7781",
}

INVERTED_UNITS: frozenset[str] = frozenset({"rank"})
"""Units drawn with smaller values higher up (rank 1 = first, contract §7)."""

ACTUAL, REQUIRED, PROJECTED, TARGET = "#0072B2", "#6e7781", "#E69F00", "#cf222e"


def run_time() -> datetime:
    """The time of the run: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now.

    A value that is not a Unix time (whole seconds since 1970, before year 10000) is an error
    rather than silently replaced by the clock, since the caller asked for a fixed time.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.now(tz=UTC).replace(microsecond=0)
    try:
        if not epoch.isascii() or not epoch.isdigit():
            raise ValueError(epoch)
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError):
        from jingan_kpi.errors import UsageError

        msg = (
            f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time (whole seconds since 1970-01-01 "
            "UTC, e.g. 1764633600); set it to one or unset it to use the current time"
        )
        raise UsageError(msg) from None


def render(
    ev: Evaluation,
    *,
    plan: LoadedPlan | None = None,
    inputs: Sequence[str] = (),
    generated: datetime | None = None,
) -> str:
    """The report as one self-contained HTML document (UTF-8 text).

    Parameters
    ----------
    ev
        The evaluation to report (``jingan_kpi.evaluate(...)``).
    plan
        The plan it was computed from, for its title, document number and sectors; None loads
        ``ev.plan_path``.
    inputs
        The panel files read, shown in the header.
    generated
        The time of the run shown in the header; None is :func:`run_time`.
    """
    if plan is None:
        from jingan_kpi.plan import load_plan

        plan = load_plan(ev.plan_path)
    when = generated if generated is not None else run_time()
    meta = plan.model.plan
    title = meta.title_zh
    body: list[str] = [
        _header(ev, plan, inputs, when),
        _summary(ev),
        _target_charts(ev),
        _structure_charts(ev, plan),
        _other_charts(ev),
        _quality(ev),
        _method(ev),
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="jingan-kpi">\n'
        f"<title>{escape(title)} — 进展报告 progress report {ev.as_of}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(part for part in body if part)
        + "\n</main>\n</body>\n</html>\n"
    )


# --- header and summary -------------------------------------------------------------------


def _header(ev: Evaluation, plan: LoadedPlan, inputs: Sequence[str], when: datetime) -> str:
    meta = plan.model.plan
    doc = f"{escape(meta.document)}" if meta.document else ""
    sources = sorted({s for ind in ev.indicators for s in ind.sources})
    refs = ""
    if ev.reference_path or sources:
        items = "".join(f"<li>{escape(s)}</li>" for s in sources)
        path = f"<code>{escape(ev.reference_path)}</code>" if ev.reference_path else ""
        refs = f"<dt>参考数据 Reference series</dt><dd>{path}<ul>{items}</ul></dd>"
    else:
        refs = (
            "<dt>参考数据 Reference series</dt><dd>未提供 none given (comparisons with "
            "reference series are not assessable)</dd>"
        )
    files = "".join(f"<li><code>{escape(p)}</code></li>" for p in inputs)
    published = (
        '<p class="published">对外发布版本：涉及单个企业的数据已按保密规则隐去（x）。 '
        "Published edition: cells that could reveal an enterprise are withheld (x).</p>"
        if ev.published
        else ""
    )
    return (
        '<header class="report-header">\n'
        f'<p class="kicker">进展报告 Progress report · 截至 as of {ev.as_of}</p>\n'
        f'<h1 lang="zh-CN">{escape(meta.title_zh)}</h1>\n'
        f'<p class="title-en" lang="en">{escape(meta.title_en)}</p>\n'
        '<dl class="meta">'
        + (f"<dt>文号 Document</dt><dd>{doc}</dd>" if doc else "")
        + f"<dt>截至年份 As of</dt><dd>{ev.as_of}（基期 baseline {ev.baseline_year}，"
        f"目标年 target year {ev.target_year}）</dd>"
        f"<dt>输入文件 Input files</dt><dd><ul>{files}</ul></dd>"
        f"<dt>生成时间 Generated</dt><dd>{when.strftime('%Y-%m-%d %H:%M')} UTC</dd>"
        f"{refs}"
        f"<dt>计划编号 Plan id</dt><dd><code>{escape(ev.plan_id)}</code></dd>"
        "</dl>\n"
        f"{published}</header>"
    )


def _status_pill(status: str | None) -> str:
    if status is None:
        return ""
    zh, en = STATUS_LABELS.get(status, (status, status))
    color = STATUS_COLORS.get(status, "#6e7781")
    return (
        f'<span class="status status-{escape(status)}" style="background:{color}" '
        f'data-status="{escape(status)}">{zh} {escape(en)}</span>'
    )


def _shown(ind: IndicatorResult, year: int) -> str:
    if ind.suppressed and year in ind.suppressed:
        return f'<span class="withheld">{SUPPRESSED_MARK} 保密</span>'
    return escape(fmt_value(ind, ind.values.get(year), with_unit=ind.kind in ("money", "pp")))


def _summary(ev: Evaluation) -> str:
    rows: list[str] = []
    for ind in target_indicators(ev):
        a = ind.assessment
        year = a.year if a else ev.as_of
        progress = progress_fraction(ind, year)
        if ind.suppressed and year in ind.suppressed:
            progress = None
        bar = ""
        if progress is not None:
            width = max(0.0, min(progress, 1.0)) * 100
            bar = (
                f'<span class="bar" aria-hidden="true"><span style="width:{width:.1f}%">'
                f"</span></span> {progress:.0%}"
            )
        growth = ""
        if a is not None and (a.required_growth is not None or a.actual_growth is not None):
            growth = (
                f'<br><span class="small">需/实增速 req/act {fmt_rate(a.required_growth)} / '
                f"{fmt_rate(a.actual_growth)}</span>"
            )
        reason = f'<br><span class="small">{escape(ind.reason)}</span>' if ind.reason else ""
        rows.append(
            f'<tr data-indicator="{escape(ind.id)}">'
            f'<th scope="row">{escape(ind.name_zh)}<br><span class="small" lang="en">'
            f"{escape(ind.name_en)}</span></th>"
            f'<td class="num">{_shown(ind, year)}<br><span class="small">{year}</span></td>'
            f'<td class="num">{escape(fmt_target(ind))}<br><span class="small">'
            f"{ind.target.year if ind.target else ''}</span></td>"
            f"<td>{bar or NO_VALUE}{growth}</td>"
            f"<td>{_status_pill(ind.status)}{reason}</td></tr>"
        )
    counts: dict[str, int] = {}
    for ind in target_indicators(ev):
        if ind.status is not None:
            counts[ind.status] = counts.get(ind.status, 0) + 1
    tally = " ".join(f"{_status_pill(s)}&nbsp;×{counts[s]}" for s in STATUS_LABELS if counts.get(s))
    return (
        '<section class="summary" aria-labelledby="summary-h">\n'
        f'<h2 id="summary-h">目标进展 Progress towards the {ev.target_year} targets '
        f"(截至 as of {ev.as_of})</h2>\n"
        f'<p class="tally">{tally}</p>\n'
        '<table class="summary-table"><thead><tr><th scope="col">指标 Indicator</th>'
        '<th scope="col">最新值 Latest</th><th scope="col">目标 Target</th>'
        f'<th scope="col">{ATTAINED_LABEL}</th><th scope="col">状态 Status</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>\n</section>"
    )


# --- charts -------------------------------------------------------------------------------


def _trim(text: str) -> str:
    """Drop trailing zeros of a decimal: 19.90 → 19.9, 2.00 → 2."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def _tick_format(kind: str) -> Callable[[float], str]:
    if kind in ("share", "rate"):
        return lambda v: _trim(f"{100 * v:.3f}") + "%"
    if kind == "pp":
        return lambda v: ("+" if v > 0 else "") + _trim(f"{v:.3f}")
    if kind in ("rank", "count"):
        # Whole numbers only: a tick at rank 1.5 means nothing.
        return lambda v: f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else ""
    return lambda v: _trim(f"{v:,.3f}")


def _axis_title(ind: IndicatorResult) -> str:
    return unit_label(ind)


def _years_span(ev: Evaluation, extra: Sequence[int] = ()) -> tuple[int, ...]:
    ys = [*ev.years, *extra]
    return tuple(range(min(ys), max(ys) + 1))


def _visible(ind: IndicatorResult) -> dict[int, float]:
    """The values a chart may draw: withheld years left out, non-finite ones too."""
    hidden = set(ind.suppressed or ())
    return {y: v for y, v in sorted(ind.values.items()) if y not in hidden and math.isfinite(v)}


def _cell(
    ind: IndicatorResult | None, series: str, year: int, value: float | None, kind: str
) -> str:
    """One cell of a chart's text alternative: the figure as shown, full precision in data-."""
    attrs = f' data-series="{escape(series)}" data-year="{year}"'
    if ind is not None:
        attrs += f' data-indicator="{escape(ind.id)}"'
        if ind.suppressed and year in ind.suppressed:
            return (
                f'<td class="num withheld"{attrs} data-withheld="true">{SUPPRESSED_MARK} 保密</td>'
            )
    if value is None or not math.isfinite(value):
        return f'<td class="num"{attrs}>{NO_VALUE}</td>'
    shown = _fmt_kind(kind, value, ind)
    number = str(int(value)) if kind == "count" else repr(float(value))
    return f'<td class="num"{attrs} data-value="{number}">{escape(shown)}</td>'


def _fmt_kind(kind: str, value: float, ind: IndicatorResult | None) -> str:
    if ind is not None and ind.kind == kind:
        return fmt_value(ind, value)
    if kind in ("share",):
        return f"{100 * value:.1f}%"
    if kind == "rate":
        return f"{100 * value:+.1f}%"
    if kind == "count":
        return f"{int(value):,}"
    return f"{value:,.2f}"


def _alt_table(
    caption: str,
    years: Sequence[int],
    rows: Sequence[tuple[str, IndicatorResult | None, dict[int, float], str]],
) -> str:
    """The chart's numbers as a table: (row label, indicator or None, year → value, kind)."""
    head = "".join(f'<th scope="col">{y}</th>' for y in years)
    body = []
    for label, ind, values, kind in rows:
        cells = "".join(
            _cell(ind, label, y, values.get(y), kind)
            if ind is None or y in values or (ind.suppressed and y in ind.suppressed)
            else _cell(None, label, y, None, kind)
            for y in years
        )
        body.append(f'<tr><th scope="row">{escape(label)}</th>{cells}</tr>')
    return (
        f'<table class="alt"><caption>{escape(caption)}</caption>'
        f'<thead><tr><th scope="col">数据 Data</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _desc(
    years: Sequence[int], rows: Sequence[tuple[str, IndicatorResult | None, dict[int, float], str]]
) -> str:
    """The numbers as one sentence for the SVG's <desc> (screen readers)."""
    parts = []
    for label, ind, values, kind in rows:
        items = []
        for y in years:
            if ind is not None and ind.suppressed and y in ind.suppressed:
                items.append(f"{y}: withheld")
            elif y in values:
                items.append(f"{y}: {_fmt_kind(kind, values[y], ind)}")
        if items:
            parts.append(f"{label} — " + ", ".join(items))
    return "; ".join(parts)


def _legend(items: Sequence[tuple[str, str, str]]) -> str:
    """(label, colour, style) where style is line, dash, dot, box or diamond."""
    out = []
    for label, color, style in items:
        out.append(
            f'<li><span class="key key-{style}" style="--c:{color}"></span>{escape(label)}</li>'
        )
    return f'<ul class="legend">{"".join(out)}</ul>'


def _figure(
    fig_id: str,
    heading: str,
    sub: str,
    chart: Chart,
    legend: str,
    table: str,
    *,
    indicator: str | None = None,
    extra: str = "",
) -> str:
    data = f' data-indicator="{escape(indicator)}"' if indicator else ""
    return (
        f'<figure class="chart-figure" id="{escape(fig_id)}"{data}>'
        f'<figcaption><span class="fig-title">{heading}</span>'
        f'<span class="small">{sub}</span></figcaption>'
        f"{render_svg(chart)}{legend}{extra}{table}</figure>"
    )


def _target_chart(ev: Evaluation, ind: IndicatorResult) -> str:
    t = ind.target
    assert t is not None
    a = ind.assessment
    values = _visible(ind)
    years = _years_span(ev, [t.year, ev.baseline_year])
    rows: list[tuple[str, IndicatorResult | None, dict[int, float], str]] = [
        (f"实际 actual ({unit_label(ind)})", ind, values, ind.kind)
    ]
    lines = [Line("实际 actual", tuple(values.items()), ACTUAL)]
    legend = [("实际 actual", ACTUAL, "line")]
    marks: list[Mark] = []
    hline: tuple[float, str, str] | None = None
    y0 = ev.baseline_year
    if t.value is not None and t.op in (">=", "<="):
        marks.append(
            Mark(f"目标 target {fmt_value(ind, t.value)}", t.year, t.value, TARGET, "diamond")
        )
        legend.append((f"{t.year} 目标 target {fmt_target(ind)}", TARGET, "diamond"))
        rows.append(("目标 target", None, {t.year: t.value}, ind.kind))
    elif t.value is not None:
        hline = (t.value, f"目标 target {fmt_target(ind)}", TARGET)
        legend.append((f"目标 target {fmt_target(ind)}（{t.year}）", TARGET, "dash"))
    if a is not None and a.required_growth is not None and y0 in values:
        r = a.required_growth
        path = {y: values[y0] * (1 + r) ** (y - y0) for y in range(y0, t.year + 1)}
        lines.insert(0, Line("所需路径 required", tuple(path.items()), REQUIRED, "5 4", False))
        legend.append((f"所需路径 required path ({fmt_rate(r)}/年 a year)", REQUIRED, "dash"))
        rows.append(("所需路径 required path", None, path, ind.kind))
    year = a.year if a else ev.as_of
    if (
        a is not None
        and a.actual_growth is not None
        and year in values
        and year < t.year
        and a.projected is not None
    ):
        r = a.actual_growth
        proj = {y: values[year] * (1 + r) ** (y - year) for y in range(year, t.year + 1)}
        proj[t.year] = a.projected
        lines.append(Line("按实际增速预计 projected", tuple(proj.items()), PROJECTED, "2 3", False))
        legend.append(
            (f"按实际增速预计 projection at the achieved pace ({fmt_rate(r)}/年)", PROJECTED, "dot")
        )
        rows.append(("预计 projected", None, proj, ind.kind))
    status = STATUS_LABELS.get(ind.status or "", ("", ""))
    chart = Chart(
        chart_id=f"c-{ind.id}",
        title=f"{ind.name_zh} {ind.name_en}: {status[0]} {status[1]}",
        desc=_desc(years, rows),
        years=years,
        tick_format=_tick_format(ind.kind),
        y_title=_axis_title(ind),
        lines=lines,
        marks=marks,
        hline=hline,
        withheld=tuple(ind.suppressed or ()),
        invert=ind.kind in INVERTED_UNITS,
    )
    reason = f'<p class="small reason">{escape(ind.reason)}</p>' if ind.reason else ""
    sub = (
        f"{escape(ind.name_en)} · <code>{escape(ind.id)}</code> · {escape(unit_label(ind))}"
        f" · 目标 target {escape(fmt_target(ind))}（{t.year}） {_status_pill(ind.status)}"
    )
    return _figure(
        f"fig-{ind.id}",
        escape(ind.name_zh),
        sub,
        chart,
        _legend(legend),
        _alt_table(f"{ind.name_zh} 数据 data", years, rows),
        indicator=ind.id,
        extra=reason,
    )


def _target_charts(ev: Evaluation) -> str:
    figs = [_target_chart(ev, ind) for ind in target_indicators(ev)]
    if not figs:
        return ""
    return (
        '<section class="charts" aria-labelledby="targets-h">'
        '<h2 id="targets-h">目标指标 Targeted indicators</h2>'
        '<p class="small">每个有目标的指标一图：历年数值、目标年目标值、自基期起所需路径、按已实现增速的预计值和状态。 '
        "One chart per targeted indicator: values by year, the target in the target year, the "
        "path required from the baseline, the projection at the achieved pace, and the status."
        "</p>" + "".join(figs) + "</section>"
    )


def _columns_figure(
    ev: Evaluation,
    fig_id: str,
    heading: str,
    sub: str,
    inds: Sequence[IndicatorResult],
    *,
    stacked: bool,
    extra_rows: Sequence[tuple[str, IndicatorResult | None, dict[int, float], str]] = (),
) -> str:
    years = tuple(ev.years)
    vis = [_visible(i) for i in inds]
    colors = tuple(PALETTE[k % len(PALETTE)] for k in range(len(inds)))
    cols = Columns(
        labels=tuple(i.name_zh for i in inds),
        values=tuple(tuple(v.get(y) for y in years) for v in vis),
        colors=colors,
        stacked=stacked,
    )
    rows = [(i.name_zh, i, v, i.kind) for i, v in zip(inds, vis, strict=True)]
    withheld = tuple(sorted({y for i in inds for y in (i.suppressed or ())}))
    chart = Chart(
        chart_id=f"c-{fig_id}",
        title=heading,
        desc=_desc(years, [*rows, *extra_rows]),
        years=years,
        tick_format=_tick_format(inds[0].kind),
        y_title=_axis_title(inds[0]),
        columns=cols,
        withheld=withheld,
    )
    legend = _legend([(i.name_zh, c, "box") for i, c in zip(inds, colors, strict=True)])
    return _figure(
        f"fig-{fig_id}",
        escape(heading),
        sub,
        chart,
        legend,
        _alt_table(f"{heading} 数据 data", years, [*rows, *extra_rows]),
    )


def _lines_figure(
    ev: Evaluation, fig_id: str, heading: str, sub: str, inds: Sequence[IndicatorResult]
) -> str:
    years = tuple(ev.years)
    vis = [_visible(i) for i in inds]
    colors = [PALETTE[k % len(PALETTE)] for k in range(len(inds))]
    lines = [
        Line(i.name_zh, tuple(v.items()), c) for i, v, c in zip(inds, vis, colors, strict=True)
    ]
    rows = [(i.name_zh, i, v, i.kind) for i, v in zip(inds, vis, strict=True)]
    chart = Chart(
        chart_id=f"c-{fig_id}",
        title=heading,
        desc=_desc(years, rows),
        years=years,
        tick_format=_tick_format(inds[0].kind),
        y_title=_axis_title(inds[0]),
        lines=lines,
        withheld=tuple(sorted({y for i in inds for y in (i.suppressed or ())})),
        invert=inds[0].kind in INVERTED_UNITS,
    )
    legend = _legend([(i.name_zh, c, "line") for i, c in zip(inds, colors, strict=True)])
    return _figure(
        f"fig-{fig_id}",
        escape(heading),
        sub,
        chart,
        legend,
        _alt_table(f"{heading} 数据 data", years, rows),
    )


def _structure_charts(ev: Evaluation, plan: LoadedPlan) -> str:
    figs: list[str] = []
    money = ev.money_unit
    leaves = stackable_sectors(ev, plan.sector_prefixes())
    if leaves:
        figs.append(
            _columns_figure(
                ev,
                "sectors",
                "分行业营业收入 Revenue by sector and year",
                f"堆积柱：互不重叠的行业 stacked: the sectors that do not overlap · {money}",
                leaves,
                stacked=True,
            )
        )
    else:
        inds = [i for i in ev.indicators if i.table == "sectors" and i.kind == "money"]
        if inds:
            figs.append(
                _columns_figure(
                    ev,
                    "sectors",
                    "分行业营业收入 Revenue by sector and year",
                    money,
                    inds[:8],
                    stacked=False,
                )
            )
    # Zones: the zone_* ids partition the sector's revenue (contract §8).
    zones = [i for i in ev.indicators if i.id.startswith("zone_") and i.kind == "money"]
    zone_shares = [i for i in ev.indicators if i.table == "zones" and i.kind == "share"]
    if zones:
        zone_groups = [
            i
            for i in ev.indicators
            if i.table == "zones" and i.kind == "money" and not i.id.startswith("zone_")
        ]
        extra = [(i.name_zh, i, _visible(i), i.kind) for i in [*zone_groups, *zone_shares]]
        share_text = "; ".join(
            f"{i.name_zh} {ev.as_of}: {_shown(i, ev.as_of)}" for i in zone_shares
        )
        figs.append(
            _columns_figure(
                ev,
                "zones",
                "功能区营业收入（一核多点） Revenue by zone (one core, several points)",
                f"{money}" + (f" · {share_text}" if share_text else ""),
                zones,
                stacked=True,
                extra_rows=extra,
            )
        )
    conc_share = [i for i in ev.indicators if i.table == "concentration" and i.kind == "share"]
    if conc_share:
        figs.append(
            _lines_figure(
                ev,
                "concentration-share",
                "集中度与占比 Concentration and shares (%)",
                escape("、".join(i.name_zh for i in conc_share[:8])),
                conc_share[:8],
            )
        )
    conc_index = [i for i in ev.indicators if i.table == "concentration" and i.kind == "index"]
    if conc_index:
        figs.append(
            _lines_figure(
                ev,
                "concentration-hhi",
                "集中度：赫芬达尔指数 Concentration: HHI (0–10,000)",
                escape("、".join(i.name_zh for i in conc_index[:8])),
                conc_index[:8],
            )
        )
    if not figs:
        return ""
    return (
        '<section class="charts" aria-labelledby="structure-h">'
        '<h2 id="structure-h">结构 Structure</h2>' + "".join(figs) + "</section>"
    )


def _charted_in_structure(ind: IndicatorResult) -> bool:
    return (
        (ind.table == "sectors" and ind.kind == "money")
        or (ind.id.startswith("zone_") and ind.kind == "money")
        or (ind.table == "zones" and ind.kind in ("share", "money"))
        or (ind.table == "concentration" and ind.kind in ("share", "index"))
    )


def _other_charts(ev: Evaluation) -> str:
    """Every indicator not drawn yet, grouped by table and unit: counts as columns (tiers, 升规,
    entries and exits, HQ types...), the rest as lines. Placed by unit, not by id, so indicators
    a plan adds get a chart without a code change."""
    groups: dict[tuple[str, str], list[IndicatorResult]] = {}
    for ind in ev.indicators:
        if (
            ind.target is not None
            or _charted_in_structure(ind)
            or (not ind.values and not ind.suppressed)
        ):
            continue
        groups.setdefault((ind.table, str(ind.kind)), []).append(ind)
    figs: list[str] = []
    for (table, kind), inds in groups.items():
        zh, en = TABLE_TITLES.get(table, (table, table))
        for k in range(0, len(inds), 6):
            chunk = inds[k : k + 6]
            fig_id = f"{table}-{kind}-{k // 6 + 1}"
            unit = unit_label(chunk[0])
            heading = f"{zh} {en} · {unit}"
            names = "、".join(i.name_zh for i in chunk)
            if kind == "count":
                figs.append(
                    _columns_figure(ev, fig_id, heading, escape(names), chunk, stacked=False)
                )
            else:
                figs.append(_lines_figure(ev, fig_id, heading, escape(names), chunk))
    if not figs:
        return ""
    return (
        '<section class="charts" aria-labelledby="other-h">'
        '<h2 id="other-h">其他指标 Other indicators</h2>' + "".join(figs) + "</section>"
    )


# --- data quality, method, legend ---------------------------------------------------------


def _quality(ev: Evaluation) -> str:
    r = ev.rows
    reasons = "".join(
        f'<tr><th scope="row">拒收 rejected: <code>{escape(k)}</code></th>'
        f'<td class="num" data-rows="{escape(k)}">{v:,}</td></tr>'
        for k, v in r.rejected_by_reason.items()
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in (*ev.warnings, *ev.notes, *ev.filter_notes))
    missing = sorted({m for ind in ev.indicators for m in ind.missing})
    miss = "".join(f"<li>{escape(m)}</li>" for m in missing)
    return (
        '<section class="quality" aria-labelledby="quality-h">'
        '<h2 id="quality-h">数据质量 Data quality</h2>'
        '<table class="rows"><tbody>'
        f'<tr><th scope="row">读取行数 rows read</th><td class="num" data-rows="read">{r.read:,}</td></tr>'
        f'<tr><th scope="row">使用 used</th><td class="num" data-rows="used">{r.used:,}</td></tr>'
        f'<tr><th scope="row">拒收 rejected</th><td class="num" data-rows="rejected">{r.rejected:,}</td></tr>'
        f"{reasons}"
        f'<tr><th scope="row">范围外 out of scope</th><td class="num" data-rows="out_of_scope">'
        f"{r.out_of_scope:,}</td></tr>"
        "</tbody></table>"
        '<p class="small">读取 = 使用 + 拒收 + 范围外 read = used + rejected + out of scope. '
        "每条被拒收的记录计入一个原因；用 <code>--rejects FILE</code> 可导出全部。 "
        "Every rejected row counts under one reason; <code>--rejects FILE</code> writes them all.</p>"
        + (f"<h3>说明与警告 Notes and warnings</h3><ul>{notes}</ul>" if notes else "")
        + (f"<h3>缺少的输入 Missing inputs</h3><ul>{miss}</ul>" if miss else "")
        + "</section>"
    )


def _method(ev: Evaluation) -> str:
    legend = "".join(
        f"<tr><td>{_status_pill(s)}</td><td>{escape(STATUS_MEANINGS[s])}</td></tr>"
        for s in STATUS_LABELS
    )
    withheld = (
        f"<p><strong>{SUPPRESSED_MARK}</strong> 保密：为保护单个企业信息不予公布（含由其推算的数值）。 "
        f"withheld for confidentiality, with all that derives from it. Rules: "
        f"{escape(ev.rule_set or '')}.</p>"
        if ev.published
        else ""
    )
    return (
        '<section class="method" aria-labelledby="method-h">'
        '<h2 id="method-h">方法与图例 Method and legend</h2>'
        f"<p>水平目标比较自基期 {ev.baseline_year} 年以来的年均实际增速与 {ev.target_year} 年达标所需增速 "
        "（欧盟统计局 SDG / Open SDG 方法）：比值 ≥ 0.95 进度正常，≥ 0.60 进度偏慢，≥ 0 进度不足，"
        "< 0 反向变动；达到即已达成。比较目标（增速高于全区、全市）以百分点计；“持续提升”目标任一年未提升即未达成。</p>"
        f'<p lang="en">Level targets compare the compound annual growth achieved since the '
        f"{ev.baseline_year} baseline with the growth required to reach the target by "
        f"{ev.target_year} (the Eurostat SDG / Open SDG method): ratio ≥ 0.95 on track, ≥ 0.60 "
        "moderate, ≥ 0 insufficient, &lt; 0 moving away; met once reached. Comparative targets "
        "are in percentage points; a rising target is missed as soon as a year does not rise.</p>"
        f'<table class="legend-table"><tbody>{legend}</tbody></table>'
        f"<p>金额单位 Money in {escape(ev.money_unit)}；占比以 % 表示 shares in %；增速差以百分点 "
        "growth differences in percentage points (pp)；HHI 0–10,000。图中虚线为所需路径，点线为预计值，菱形为目标。 "
        "In the charts the dashed line is the path required, the dotted line the projection, "
        "the diamond the target.</p>"
        f"{withheld}"
        '<p class="small">由 jingan-kpi 生成 Generated by jingan-kpi.</p>'
        "</section>"
    )


CSS = """
:root{--ink:#1f2328;--muted:#57606a;--rule:#d0d7de;--bg:#fff}
*{box-sizing:border-box}
body{margin:0;color:var(--ink);background:var(--bg);font:15px/1.5 system-ui,-apple-system,
"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",
"Source Han Sans SC","WenQuanYi Micro Hei",sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:4px 0}h2{font-size:19px;margin:28px 0 10px;border-bottom:2px solid var(--rule);padding-bottom:4px}
h3{font-size:16px}
.kicker{color:var(--muted);margin:0}.title-en{color:var(--muted);margin:0 0 12px}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}
.meta dt{font-weight:600}.meta dd{margin:0}.meta ul{margin:0;padding-left:18px}
.published{border-left:4px solid #9a6700;padding:4px 10px;background:#fff8c5}
.small{font-size:12px;color:var(--muted)}
table{border-collapse:collapse}th,td{padding:4px 8px;border-bottom:1px solid var(--rule);vertical-align:top;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.summary-table{width:100%}.summary-table th[scope=row]{font-weight:600;width:34%}
.status{display:inline-block;color:#fff;border-radius:4px;padding:1px 8px;font-size:13px;font-weight:600;white-space:nowrap}
.bar{display:inline-block;width:90px;height:10px;background:#eaeef2;border-radius:5px;vertical-align:middle}
.bar span{display:block;height:100%;background:#0072B2;border-radius:5px}
.tally .status{margin-right:2px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px}
.charts h2,.charts>p{grid-column:1/-1;margin-bottom:0}
figure{margin:0;border:1px solid var(--rule);border-radius:6px;padding:10px;break-inside:avoid;page-break-inside:avoid}
figcaption{display:flex;flex-direction:column;gap:2px;margin-bottom:6px}
.fig-title{font-weight:700;font-size:16px}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:#eaeef2}svg .axis{stroke:#8c959f}svg .zero{stroke:#57606a}
svg text{font-family:inherit;font-size:12px;fill:#57606a}svg .label{font-size:12px;font-weight:600}
svg .axis-title{font-size:12px}svg .withheld{font-size:13px;fill:#9a6700;font-weight:700}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;margin:6px 0;font-size:12px}
.key{display:inline-block;width:22px;height:10px;margin-right:4px;vertical-align:middle}
.key-line{border-top:3px solid var(--c);height:0}.key-dash{border-top:2px dashed var(--c);height:0}
.key-dot{border-top:3px dotted var(--c);height:0}.key-box{background:var(--c)}
.key-diamond{width:10px;height:10px;background:var(--c);transform:rotate(45deg);margin:0 8px 0 4px}
table.alt{font-size:11px;margin-top:4px;width:100%}table.alt caption{text-align:left;color:var(--muted);font-size:11px}
table.alt th,table.alt td{padding:1px 4px}
.withheld{color:#9a6700;font-weight:700}
.rows td{min-width:90px}
@media print{
@page{size:A4 portrait;margin:12mm}
body{font-size:10.5pt}main{max-width:none;padding:0}
.summary-table{font-size:9pt}.status{font-size:8.5pt}.bar{width:48px}
.charts{display:block}
figure{break-inside:avoid;page-break-inside:avoid;margin:0 0 8mm}
h2{break-after:avoid;page-break-after:avoid}
tr{break-inside:avoid}
.status,.bar span,.key,.published{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
""".replace("\n", "")
