"""Issue 14 items 7 and 10: reasons where people look, two progress figures with two names, and
the targets table at 80 columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from jingan_kpi import evaluate
from jingan_kpi.cli import app
from jingan_kpi.compute.result import Evaluation
from jingan_kpi.render.data import to_markdown
from jingan_kpi.render.format import ATTAINED_LABEL, GROWTH_RATIO_LABEL
from jingan_kpi.render.text import to_text

TESTS = Path(__file__).parent.parent
PANEL = TESTS / "cli" / "small_panel.csv"
PLAN = TESTS / "compute" / "plan_small.yaml"
runner = CliRunner()
FIX = "add --reference FILE (reference= in Python) with its rows"


@pytest.fixture(scope="module")
def ev() -> Evaluation:
    return evaluate(PANEL, plan=PLAN)  # no --reference: three comparisons not assessable


def test_the_table_numbers_each_not_assessable_status_and_gives_its_reason(ev: Evaluation):
    text = to_text(ev)
    assert "无法评估 not assessable [1]" in text
    assert "无法评估的原因 Why not assessable:" in text
    gap = ev.indicator("lbs_growth_vs_city")
    assert gap.status == "not_assessable"
    assert gap.reason is not None and gap.reason.endswith(f"{FIX})")
    flat = " ".join(text.split())
    assert f"({gap.id}): {gap.reason}" in flat


def test_markdown_has_a_reason_column(ev: Evaluation):
    md = to_markdown(ev)
    assert "| 状态 Status | 说明 Reason |" in md
    row = next(line for line in md.splitlines() if "`lbs_growth_vs_city`" in line)
    assert row.endswith(
        f"| 无法评估 not assessable | {ev.indicator('lbs_growth_vs_city').reason} |"
    )


def test_the_two_progress_figures_have_their_own_names(ev: Evaluation, tmp_path: Path):
    assert ATTAINED_LABEL in to_text(ev)
    assert "进度 Progress" not in to_text(ev)
    import zipfile

    target = tmp_path / "r.xlsx"
    result = runner.invoke(app, ["check", str(PANEL), "--plan", str(PLAN), "-o", str(target)])
    assert result.exit_code == 0
    strings = zipfile.ZipFile(target).read("xl/sharedStrings.xml").decode()
    assert GROWTH_RATIO_LABEL in strings
    assert "进度比 progress ratio" not in strings


def test_at_80_columns_the_name_stays_the_id_goes_and_the_table_says_so(ev: Evaluation):
    text = to_text(ev, width=80)
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    # Fitted, not cropped: every border line is whole.
    assert all(line.endswith("┘") for line in lines if line.startswith("└"))
    overview = text.split("无法评估的原因")[0]
    name = ev.indicator("lbs_revenue").name_zh
    assert name[:6] in overview  # the Chinese name (folded over lines)
    assert "lbs_revenue" not in overview
    caption = (
        "Left out at this width: id, 2025 基期, 需/实增速 req/act, 2028 预计 proj. (a wider "
        "terminal, or --format markdown, shows them)"
    )
    # Folded to the table's width: compared without the line breaks and spaces.
    assert "".join(caption.split()) in "".join(overview.split())


def test_the_wide_table_leaves_nothing_out(ev: Evaluation):
    text = to_text(ev, width=160)
    assert "Left out" not in text
    assert "lbs_revenue · 亿元" in text


def test_fail_on_takes_chinese_labels_and_names_the_indicators():
    result = runner.invoke(
        app,
        ["check", str(PANEL), "--plan", str(PLAN), "--fail-on", "无法评估,未达成"],
        env={"NO_COLOR": "1"},
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "--fail-on: found status not_assessable (无法评估) in lbs_growth_vs_district, "
        "lbs_growth_vs_city, lbs_city_share"
    )


def test_fail_on_suggests_the_nearest_status():
    result = runner.invoke(app, ["check", str(PANEL), "--fail-on", "mised"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        'error: --fail-on: unknown status mised (did you mean "missed"?)'
    )


def test_piped_text_fits_its_width_on_the_shipped_plan():
    """Piped, the text is 160 columns wide: no table of the shipped plan may be cropped at its
    right border (the overview's status column once was, statuses and border cut off)."""
    sample = TESTS.parent / "data" / "samples"
    ev = evaluate(sample / "panel_2024_2026.csv", reference=sample / "reference.csv")
    lines = to_text(ev, width=160).splitlines()
    assert max(cell_len(line) for line in lines) <= 160
    table = [line for line in lines if line.startswith(("┏", "┃", "│", "└"))]
    assert all(line.endswith(("┓", "┃", "│", "┘")) for line in table)
