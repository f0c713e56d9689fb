"""A wrong revenue unit is implausible against the plan's own targets and reference levels
(issue 13 item 8): a warning names the unit used and the likely one; a right unit gives none."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingan_kpi import evaluate, load_plan
from jingan_kpi.cli import app
from jingan_kpi.panel import check_character

HERE = Path(__file__).parent
PLAN = HERE.parent / "panel" / "section_i" / "plan_section_i.yaml"
C1 = "91310000MA1FL0001" + check_character("91310000MA1FL0001")
C2 = "91310000MA1FL0002" + check_character("91310000MA1FL0002")
runner = CliRunner()


@pytest.fixture
def panel_csv(tmp_path: Path) -> Path:
    # 50,000 万元 = 5 亿元 a year, against the plan's target of 10 亿元 for 2027.
    path = tmp_path / "i.csv"
    path.write_text(
        "credit_code,industry_code,year,revenue\n"
        f"{C1},6513,2024,30000\n{C2},6511,2024,20000\n{C1},6513,2025,50000\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("unit", "warning"),
    [
        ("万元", None),
        ("千元", None),  # 10x off: a real gap between a figure and its target is possible
        (
            "亿元",
            "the money figures look 5,000 times too large (info_revenue 2025: 50,000.00 亿元 "
            "against the target 10.00 亿元). The panel's revenue was read in 亿元 (from --unit); "
            "if it is in 万元, run again with --unit 万元.",
        ),
        (
            "元",
            "the money figures look 20,000 times too small (info_revenue 2025: 0.0005 亿元 "
            "against the target 10.00 亿元). The panel's revenue was read in 元 (from --unit); "
            "if it is in 万元, run again with --unit 万元.",
        ),
    ],
)
def test_wrong_unit_is_warned_about(panel_csv: Path, unit: str, warning: str | None) -> None:
    ev = evaluate(panel_csv, plan=load_plan(PLAN), unit=unit)
    assert ev.warnings == (() if warning is None else (warning,))
    result = runner.invoke(app, ["check", str(panel_csv), "--plan", str(PLAN), "--unit", unit])
    assert result.exit_code == 0, result.output
    assert ("warning: " in result.stderr) == (warning is not None)
    if warning is not None:
        assert f"warning: {warning}" in result.stderr.replace("\n", " ")
