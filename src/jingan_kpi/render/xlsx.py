"""A workbook a statistician can hand on: one sheet per table, numbers stored as numbers, units in
the headers, Chinese names."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from jingan_kpi.compute.result import Evaluation, IndicatorResult
from jingan_kpi.render.format import (
    GROWTH_RATIO_LABEL,
    SUPPRESSED_MARK,
    TABLE_TITLES,
    fmt_target,
    output_time,
    status_label,
    table_indicators,
    target_indicators,
    unit_label,
)
from jingan_kpi.render.xlsx_overview import add_overview, fit_columns, print_setup

NUMBER_FORMATS = {
    "money": "#,##0.00",
    "share": "0.0%",
    "rate": "0.0%",
    "pp": "+0.00;-0.00;0.00",
    "count": "#,##0",
    "index": "#,##0",
}


def write_xlsx(ev: Evaluation, path: Path) -> None:
    """Write the report as an .xlsx workbook at ``path`` (the caller makes it atomic)."""
    import xlsxwriter  # type: ignore[import-untyped]

    # Built in memory, then written by one plain write: a full disk is then an OSError of
    # ours (exit 2 naming the path), and no xlsxwriter temporary file is left by a signal.
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"nan_inf_to_errors": True, "in_memory": True})
    try:
        # Same input, same bytes: the creation date is not the clock's (render.format).
        wb.set_properties({"created": output_time().replace(tzinfo=None)})
        head = wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top", "border": 1}
        )
        fmts: dict[str, Any] = {
            k: wb.add_format({"num_format": v}) for k, v in NUMBER_FORMATS.items()
        }
        note = wb.add_format({"italic": True, "font_color": "#555555"})
        center = wb.add_format({"align": "right"})
        add_chart_data = add_overview(wb, ev, NUMBER_FORMATS)

        def put(ws: Any, row: int, col: int, ind: IndicatorResult, year: int) -> None:
            if ind.suppressed and year in ind.suppressed:
                ws.write_string(row, col, SUPPRESSED_MARK, center)
                return
            v = ind.values.get(year)
            if v is None:
                ws.write_blank(row, col, None)
            else:
                ws.write_number(row, col, float(v), fmts.get(ind.kind))

        ws = wb.add_worksheet("目标概览 Targets")
        y0, yt, t = ev.baseline_year, ev.target_year, ev.as_of
        headers = [
            "指标 Indicator",
            "id",
            "单位 Unit",
            f"{y0} 基期",
            f"{t} 最新",
            f"{yt} 目标 target",
            "需要增速 required growth",
            "实际增速 actual growth",
            GROWTH_RATIO_LABEL,
            f"{yt} 预计 projected",
            "状态 status",
            "说明 reason",
        ]
        ws.write_row(0, 0, headers, head)
        for r, ind in enumerate(target_indicators(ev), start=1):
            a = ind.assessment
            year = a.year if a else t
            ws.write_string(r, 0, ind.name_zh)
            ws.write_string(r, 1, ind.id)
            ws.write_string(r, 2, unit_label(ind))
            put(ws, r, 3, ind, y0)
            put(ws, r, 4, ind, year)
            ws.write_string(r, 5, fmt_target(ind))
            for c, v, kind in (
                (6, a.required_growth if a else None, "rate"),
                (7, a.actual_growth if a else None, "rate"),
                (8, a.progress_ratio if a else None, "share"),
                (9, a.projected if a else None, ind.kind),
            ):
                if v is not None:
                    ws.write_number(r, c, v, fmts.get(kind))
            ws.write_string(r, 10, status_label(ind.status))
            ws.write_string(r, 11, ind.reason or "")
        fit_columns(
            ws, [headers, *([i.name_zh, i.id, unit_label(i)] for i in target_indicators(ev))]
        )
        ws.freeze_panes(1, 1)
        print_setup(ws, (0, 0))

        for kind in TABLE_TITLES:
            inds = table_indicators(ev, kind)
            if not inds:
                continue
            zh, en = TABLE_TITLES[kind]
            ws = wb.add_worksheet(f"{zh} {en}"[:31])
            ws.write_row(0, 0, ["指标 Indicator", "id", "单位 Unit", *map(str, ev.years)], head)
            for r, ind in enumerate(inds, start=1):
                ws.write_string(r, 0, ind.name_zh)
                ws.write_string(r, 1, ind.id)
                ws.write_string(r, 2, unit_label(ind))
                for c, y in enumerate(ev.years, start=3):
                    put(ws, r, c, ind, y)
            fit_columns(
                ws,
                [
                    ["指标 Indicator", "id", "单位 Unit", *(f"{y}" for y in ev.years)],
                    *([i.name_zh, i.id, unit_label(i)] for i in inds),
                ],
            )
            ws.freeze_panes(1, 1)
            print_setup(ws, (0, 0))

        ws = wb.add_worksheet("数据质量 Data quality")
        counts = ev.rows
        rows: list[tuple[str, int]] = [
            ("rows read", counts.read),
            ("used", counts.used),
            ("rejected", counts.rejected),
            ("out of scope", counts.out_of_scope),
        ]
        rows += [(f"rejected: {k}", v) for k, v in counts.rejected_by_reason.items()]
        ws.write_row(0, 0, ["", "rows"], head)
        for i, (label, n) in enumerate(rows, start=1):
            ws.write_string(i, 0, label)
            ws.write_number(i, 1, n, fmts["count"])
        line = len(rows) + 2
        ws.write_string(
            line, 0, f"plan {ev.plan_id}; as of {ev.as_of}; money in {ev.money_unit}", note
        )
        if ev.published:
            ws.write_string(
                line + 1,
                0,
                f"{SUPPRESSED_MARK} = withheld for confidentiality. Rules: {ev.rule_set}.",
                note,
            )
        ws.set_column(0, 0, 36)
        ws.freeze_panes(1, 0)
        print_setup(ws, (0, 0))
        add_chart_data()
    finally:
        wb.close()
    with path.open("wb") as out:
        out.write(buffer.getbuffer())
