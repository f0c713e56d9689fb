"""The first sheet of the workbook, "概览 Overview" (issue 18): title, source, as-of year,
coloured statuses and native Excel charts — a line per targeted indicator with its target, and
the sectors' revenue stacked by year — plus the layout helpers every sheet uses: column widths
that fit Chinese names, and print setup (A4 landscape, fit to width, header rows repeated).

The charts are xlsxwriter's own (``xl/charts/chart*.xml``), drawn by Excel from the numbers on
the sheet "图表数据 Chart data", so they stay live if someone corrects a figure.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from jingan_kpi.compute.result import Evaluation, IndicatorResult
from jingan_kpi.render.format import (
    ATTAINED_LABEL,
    STATUS_LABELS,
    STATUS_MEANINGS,
    SUPPRESSED_MARK,
    fmt_target,
    progress_fraction,
    status_label,
    target_indicators,
    unit_label,
)
from jingan_kpi.render.plan_info import plan_info, stackable_sectors

OVERVIEW_SHEET = "概览 Overview"
CHART_DATA_SHEET = "图表数据 Chart data"

# (background, font colour) of each status; the words are always in the cell as well.
STATUS_FILLS: dict[str, tuple[str, str]] = {
    "met": ("#1A7F37", "#FFFFFF"),
    "on_track": ("#C6EFCE", "#006100"),
    "moderate": ("#FFEB9C", "#7F6000"),
    "insufficient": ("#F8CBAD", "#843C0C"),
    "moving_away": ("#FFC7CE", "#9C0006"),
    "missed": ("#9C0006", "#FFFFFF"),
    "not_assessable": ("#E7E6E6", "#3A3838"),
}

CHART_WIDTH, CHART_HEIGHT = 520, 300


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: East Asian wide characters count two.

    >>> display_width("租赁和商务服务业营业收入"), display_width("lbs_revenue")
    (24, 11)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class ColumnWidths:
    """Tracks the widest text written to each column, to size the columns to fit."""

    def __init__(self, cap: int = 60) -> None:
        self.widths: dict[int, int] = {}
        self.cap = cap

    def see(self, col: int, text: str | None, minimum: int = 8) -> None:
        width = max(minimum, display_width(text or "") + 2)
        self.widths[col] = max(self.widths.get(col, 0), min(width, self.cap))

    def apply(self, ws: Any) -> None:
        for col, width in sorted(self.widths.items()):
            ws.set_column(col, col, width)


def fit_columns(ws: Any, rows: Sequence[Sequence[str]], minimum: int = 12) -> None:
    """Size each column to the widest text of ``rows`` (numbers get at least ``minimum``)."""
    widths = ColumnWidths()
    for cells in rows:
        for col, cell in enumerate(cells):
            widths.see(col, cell, minimum=minimum)
    widths.apply(ws)


def print_setup(ws: Any, header_rows: tuple[int, int] | None) -> None:
    """A4 landscape, fit to one page wide, the header rows repeated on every page."""
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.center_horizontally()
    ws.set_footer("&C&P / &N")
    if header_rows is not None:
        ws.repeat_rows(*header_rows)


def add_overview(wb: Any, ev: Evaluation, number_formats: dict[str, str]) -> Callable[[], None]:
    """Add the overview sheet (call first, so it is the workbook's first sheet); returns the
    function that adds the chart data sheet it draws from (call it last, so it comes last)."""
    info = plan_info(ev)
    ws = wb.add_worksheet(OVERVIEW_SHEET)
    ws.activate()
    widths = ColumnWidths()
    title = wb.add_format({"bold": True, "font_size": 16})
    sub = wb.add_format({"italic": True, "font_color": "#555555"})
    head = wb.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top", "border": 1}
    )
    fmts = {k: wb.add_format({"num_format": v, "border": 1}) for k, v in number_formats.items()}
    text = wb.add_format({"border": 1, "valign": "top"})
    pct = wb.add_format({"num_format": "0%", "border": 1})
    right = wb.add_format({"align": "right", "border": 1})
    status_fmts = {
        s: wb.add_format({"bg_color": bg, "font_color": fg, "bold": True, "border": 1})
        for s, (bg, fg) in STATUS_FILLS.items()
    }

    ws.write_string(0, 0, info.title_zh, title)
    ws.write_string(1, 0, info.title_en, sub)
    source = f"来源 Source: jingan-kpi, plan {ev.plan_id}"
    if info.document:
        source = f"{info.document} · {source}"
    sources = sorted({s for ind in ev.indicators for s in ind.sources})
    if ev.reference_path:
        source += f"; reference {ev.reference_path}"
    if sources:
        source += f" ({'; '.join(sources)})"
    ws.write_string(2, 0, source, sub)
    ws.write_string(
        3,
        0,
        f"截至 As of {ev.as_of} · 基期 baseline {ev.baseline_year} · 目标年 target year "
        f"{ev.target_year} · 金额 money in {ev.money_unit}"
        + (" · 对外发布 published: x = 保密 withheld" if ev.published else ""),
        sub,
    )

    header_row = 5
    years = tuple(range(min(ev.years), max(*ev.years, ev.target_year) + 1))
    headers = [
        "指标 Indicator",
        "id",
        "单位 Unit",
        *(str(y) for y in years),
        "目标 Target",
        ATTAINED_LABEL,
        "状态 Status",
        "说明 Reason",
    ]
    ws.write_row(header_row, 0, headers, head)
    for c, h in enumerate(headers):
        widths.see(c, h, minimum=10 if c >= 3 else 8)
    first_year_col = 3
    c_target = first_year_col + len(years)
    targets = target_indicators(ev)
    for r, ind in enumerate(targets, start=header_row + 1):
        a = ind.assessment
        ws.write_string(r, 0, ind.name_zh, text)
        ws.write_string(r, 1, ind.id, text)
        ws.write_string(r, 2, unit_label(ind), text)
        widths.see(0, ind.name_zh)
        widths.see(1, ind.id)
        widths.see(2, unit_label(ind))
        for k, y in enumerate(years):
            col = first_year_col + k
            if ind.suppressed and y in ind.suppressed:
                ws.write_string(r, col, SUPPRESSED_MARK, right)
            elif ind.values.get(y) is not None and math.isfinite(ind.values[y]):
                ws.write_number(r, col, float(ind.values[y]), fmts.get(ind.kind, text))
            else:
                ws.write_blank(r, col, None, text)
        ws.write_string(r, c_target, fmt_target(ind), text)
        widths.see(c_target, fmt_target(ind))
        year = a.year if a else ev.as_of
        progress = progress_fraction(ind, year)
        if progress is not None and not (ind.suppressed and year in ind.suppressed):
            ws.write_number(r, c_target + 1, progress, pct)
        else:
            ws.write_blank(r, c_target + 1, None, text)
        label = status_label(ind.status)
        ws.write_string(r, c_target + 2, label, status_fmts.get(ind.status or "", text))
        widths.see(c_target + 2, label)
        ws.write_string(r, c_target + 3, ind.reason or "", text)
        widths.see(c_target + 3, ind.reason or "", minimum=12)
    last_row = header_row + len(targets)
    widths.widths[0] = max(widths.widths.get(0, 0), 24)
    widths.apply(ws)
    ws.freeze_panes(header_row + 1, 1)

    # Legend of the statuses, coloured as in the table.
    row = last_row + 2
    ws.write_string(row, 0, "图例 Legend", head)
    for s in STATUS_LABELS:
        row += 1
        ws.write_string(row, 0, status_label(s), status_fmts[s])
        ws.write_string(row, 1, STATUS_MEANINGS[s])

    # Charts below the legend, two a row.
    rows: list[tuple[str, str, dict[int, float], str]] = []
    charts = _charts(wb, rows, ev, years, targets, info.sector_prefixes, number_formats)
    # Offsets in pixels from one anchor cell: xlsxwriter turns them into cell positions.
    anchor = row + 2
    x = y = row_height = 0
    for chart, width, height in charts:
        if x and x + width > 2 * CHART_WIDTH + 40:
            x, y = 0, y + row_height
        ws.insert_chart(anchor, 0, chart, {"x_offset": x, "y_offset": y, "object_position": 1})
        row_height = height + 20
        x += width + 40
    print_setup(ws, (header_row, header_row))

    def add_chart_data() -> None:
        data = wb.add_worksheet(CHART_DATA_SHEET)
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        data.write_row(0, 0, ["指标 Indicator", "series", *(str(y) for y in years)], head)
        nums = {k: wb.add_format({"num_format": v}) for k, v in number_formats.items()}
        widths = ColumnWidths()
        widths.see(0, "指标 Indicator")
        widths.see(1, "目标 target")
        for r, (label, series, values, kind) in enumerate(rows, start=1):
            data.write_string(r, 0, label)
            data.write_string(r, 1, series)
            widths.see(0, label)
            for k, y in enumerate(years):
                v = values.get(y)
                if v is not None and math.isfinite(v):
                    data.write_number(r, 2 + k, float(v), nums.get(kind))
        widths.apply(data)
        data.freeze_panes(1, 2)
        print_setup(data, (0, 0))

    return add_chart_data


def _charts(
    wb: Any,
    rows: list[tuple[str, str, dict[int, float], str]],
    ev: Evaluation,
    years: Sequence[int],
    targets: Sequence[IndicatorResult],
    prefixes: dict[str, tuple[str, ...]],
    number_formats: dict[str, str],
) -> list[tuple[Any, int, int]]:
    """The charts, with their sizes in pixels; the numbers they draw are appended to ``rows``
    (row r of the chart data sheet is rows[r - 1]; row 0 holds the years)."""
    sheet = CHART_DATA_SHEET
    ncol = 2 + len(years) - 1
    categories = [sheet, 0, 2, 0, ncol]
    charts: list[tuple[Any, int, int]] = []

    def values_row(label: str, series: str, values: dict[int, float], kind: str) -> int:
        rows.append((label, series, values, kind))
        return len(rows)

    for ind in targets:
        hidden = set(ind.suppressed or ())
        values = {y: v for y, v in ind.values.items() if y not in hidden}
        r_actual = values_row(ind.name_zh, "实际 actual", values, ind.kind)
        chart = wb.add_chart({"type": "line"})
        chart.add_series(
            {
                "name": "实际 actual",
                "categories": categories,
                "values": [sheet, r_actual, 2, r_actual, ncol],
                "marker": {"type": "circle", "size": 5},
                "line": {"color": "#0072B2", "width": 2.25},
            }
        )
        t = ind.target
        if t is not None and t.value is not None:
            if t.op in (">=", "<="):
                target_values = {t.year: t.value}
                style: dict[str, Any] = {
                    "line": {"none": True},
                    "marker": {
                        "type": "diamond",
                        "size": 9,
                        "fill": {"color": "#CF222E"},
                        "border": {"color": "#CF222E"},
                    },
                    "data_labels": {"value": True, "position": "above"},
                }
            else:
                target_values = dict.fromkeys(years, t.value)
                style = {"line": {"color": "#CF222E", "dash_type": "dash", "width": 1.5}}
            r_target = values_row(ind.name_zh, "目标 target", target_values, ind.kind)
            chart.add_series(
                {
                    "name": f"目标 target {fmt_target(ind)}",
                    "categories": categories,
                    "values": [sheet, r_target, 2, r_target, ncol],
                    **style,
                }
            )
        status = status_label(ind.status)
        chart.set_title(
            {"name": f"{ind.name_zh}（{status}）", "name_font": {"size": 11, "bold": True}}
        )
        chart.set_y_axis(
            {
                "name": unit_label(ind),
                "num_format": number_formats.get(ind.kind, "General"),
                "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}},
            }
        )
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
        chart.show_blanks_as("gap")
        charts.append((chart, CHART_WIDTH, CHART_HEIGHT))

    stacked = stackable_sectors(ev, prefixes)
    if stacked:
        column = wb.add_chart({"type": "column", "subtype": "stacked"})
        years_with_data = [y for y in years if y in ev.years]
        n_data = len(years_with_data)
        for ind in stacked:
            hidden = set(ind.suppressed or ())
            values = {y: v for y, v in ind.values.items() if y not in hidden}
            r = values_row(ind.name_zh, "分行业 by sector", values, ind.kind)
            column.add_series(
                {
                    "name": [sheet, r, 0],
                    "categories": [sheet, 0, 2, 0, 2 + n_data - 1],
                    "values": [sheet, r, 2, r, 2 + n_data - 1],
                    "gap": 60,
                }
            )
        column.set_title(
            {"name": "分行业营业收入 Revenue by sector", "name_font": {"size": 11, "bold": True}}
        )
        column.set_y_axis({"name": ev.money_unit, "num_format": "#,##0"})
        column.set_legend({"position": "right"})
        wide = (CHART_WIDTH * 2 + 40, CHART_HEIGHT + 60)
        column.set_size({"width": wide[0], "height": wide[1]})
        charts.insert(0, (column, *wide))
    return charts
