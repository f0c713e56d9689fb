"""``check --format markdown``: the plan's title, progress, reasons and the legend (issue 18).

The panel is tests/cli's hand-made panel: lbs_revenue is 200 亿元 in 2025 and 250 in 2026
against ≥ 300 in 2028, so progress is 250 ÷ 300 = 83%."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from jingan_kpi.cli import app
from jingan_kpi.render.format import STATUS_LABELS, STATUS_MEANINGS

HERE = Path(__file__).parent
PANEL = str(HERE.parent / "cli" / "small_panel.csv")
REF = str(HERE.parent / "cli" / "small_reference.csv")
PLAN = str(HERE.parent / "compute" / "plan_small.yaml")


def markdown(*extra: str) -> str:
    result = CliRunner().invoke(
        app, ["check", PANEL, "--plan", PLAN, "--reference", REF, "-f", "markdown", *extra]
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_title_is_the_plans_not_its_id():
    lines = markdown().splitlines()
    assert lines[0] == "## 测试方案"
    assert lines[2] == "Test plan  "
    assert (
        lines[3]
        == "截至 as of 2026（基期 baseline 2025，目标年 target year 2028）· `small-test-plan`"
    )


def test_progress_and_reason_columns():
    md = markdown()
    assert (
        "| 租赁和商务服务业营收 `lbs_revenue` | 亿元 | 200.00 | 250.00 | ≥ 300.00 亿元 | 83% | "
        "+14.5% / +25.0% | 390.62 | 进度正常 on track |  |"
    ) in md
    assert (
        "| 增速差(全区) `lbs_growth_vs_district` | 百分点 pp | — | +20.00 | > +0.00 pp |  |  |  | "
        "进度正常 on track | provisional: the target year is not reached yet |"
    ) in md


def test_legend_explains_every_status():
    md = markdown()
    for status, (zh, en) in STATUS_LABELS.items():
        assert f"- {zh} {en}: {STATUS_MEANINGS[status]}" in md


def test_published_progress_is_not_shown_for_withheld_values():
    md = markdown("--publish")
    assert (
        "| 人力资源服务营收 `hr_revenue` | 亿元 | x | x | ≥ 100.00 亿元 |  |  |  | "
        "无法评估 not assessable | withheld for confidentiality: derived from a suppressed cell |"
    ) in md
