"""``check --format xlsx``: the overview sheet with native charts, fitted columns, frozen
headers and print setup (issue 18), read back with zipfile and openpyxl.

The panel is tests/cli's hand-made panel under tests/compute's small plan: nine targets, and
two sectors (hr, legal) that no other ``revenue(...)`` sector is inside of, so they stack."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from jingan_kpi.cli import app
from jingan_kpi.render.xlsx_overview import display_width

HERE = Path(__file__).parent
PANEL = str(HERE.parent / "cli" / "small_panel.csv")
REF = str(HERE.parent / "cli" / "small_reference.csv")
PLAN = str(HERE.parent / "compute" / "plan_small.yaml")


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("xlsx") / "r.xlsx"
    result = CliRunner().invoke(
        app,
        ["check", PANEL, "--plan", PLAN, "--reference", REF, "-f", "xlsx", "-o", str(out)],
    )
    assert result.exit_code == 0, result.stderr
    return out


def test_overview_is_the_first_sheet_with_title_source_and_year(workbook):
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames[0] == "概览 Overview"
    assert wb.sheetnames[-1] == "图表数据 Chart data"
    ws = wb.worksheets[0]
    assert ws["A1"].value == "测试方案"
    assert ws["A2"].value == "Test plan"
    assert ws["A3"].value.startswith("来源 Source: jingan-kpi, plan small-test-plan; reference ")
    assert ws["A4"].value.startswith(
        "截至 As of 2026 · 基期 baseline 2025 · 目标年 target year 2028"
    )
    header = [c.value for c in ws[6]]
    assert header == [
        "指标 Indicator",
        "id",
        "单位 Unit",
        "2024",
        "2025",
        "2026",
        "2027",
        "2028",
        "目标 Target",
        "完成度 of target",
        "状态 Status",
        "说明 Reason",
    ]
    lbs = [c.value for c in ws[7]]
    assert lbs[:5] == ["租赁和商务服务业营收", "lbs_revenue", "亿元", 100.0, 200.0]
    assert lbs[5] == 250.0
    assert lbs[8:11] == ["≥ 300.00 亿元", pytest.approx(250 / 300), "进度正常 on track"]


def test_statuses_are_coloured_and_worded(workbook):
    ws = openpyxl.load_workbook(workbook).worksheets[0]
    by_label = {}
    for row in ws.iter_rows(min_row=7, max_row=15):
        cell = row[10]
        by_label[cell.value] = cell.fill.fgColor.rgb
    assert by_label["进度正常 on track"] == "FFC6EFCE"


def test_native_charts_a_line_per_target_and_stacked_sectors(workbook):
    with zipfile.ZipFile(workbook) as z:
        charts = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        xml = [z.read(n).decode() for n in charts]
        drawing = z.read("xl/drawings/drawing1.xml").decode()
        rels = z.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    assert len(charts) == 9 + 1
    assert sum("<c:lineChart>" in x for x in xml) == 9
    stacked = [x for x in xml if "<c:barChart>" in x]
    assert len(stacked) == 1
    assert '<c:grouping val="stacked"/>' in stacked[0]
    assert drawing.count("<xdr:graphicFrame") == 10
    assert "drawing1.xml" in rels  # the charts are on the overview sheet
    # A line with its target: lbs_revenue's chart draws the target series too.
    lbs = next(x for x in xml if "租赁和商务服务业营收" in x)
    assert "目标 target ≥ 300.00 亿元" in lbs
    assert "'图表数据 Chart data'!$C$2:$G$2" in lbs


def test_frozen_headers_fitted_columns_and_print_setup(workbook):
    wb = openpyxl.load_workbook(workbook)
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "B7"
    longest = max(display_width(c.value) for c in ws["A"][6:15] if c.value)
    assert ws.column_dimensions["A"].width >= longest
    for sheet in wb.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.paperSize == 9, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.page_setup.fitToHeight == 0, sheet.title
        assert sheet.print_title_rows, sheet.title
        assert sheet.freeze_panes, sheet.title
    assert ws.print_title_rows == "$6:$6"
    targets = wb["目标概览 Targets"]
    assert targets.column_dimensions["A"].width >= display_width("租赁和商务服务业营收")


def test_published_workbook_withholds_in_overview_and_chart_data(tmp_path):
    """Under --publish hr_revenue is withheld in every year (check --publish --format json)."""
    out = tmp_path / "p.xlsx"
    result = CliRunner().invoke(
        app,
        ["check", PANEL, "--plan", PLAN, "-f", "xlsx", "-o", str(out), "--publish"],
    )
    assert result.exit_code == 0, result.stderr
    wb = openpyxl.load_workbook(out)
    overview = wb["概览 Overview"]
    hr = next(r for r in overview.iter_rows(min_row=7, values_only=True) if r[1] == "hr_revenue")
    assert hr[3:8] == ("x", "x", "x", None, None)
    assert hr[10] == "无法评估 not assessable"
    data = wb["图表数据 Chart data"]
    hr_data = [r for r in data.iter_rows(min_row=2, values_only=True) if r[0] == "人力资源服务营收"]
    assert hr_data[0][1] == "实际 actual"
    assert hr_data[0][2:] == (None, None, None, None, None)
    assert "published: x = 保密 withheld" in overview["A4"].value
