"""Zones: the shipped plan's zone figures partition section L every year (contract §8), and
zone or HQ-type values that the plan and the data do not share are said on stderr (§7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingan_kpi import evaluate
from jingan_kpi.cli import app
from jingan_kpi.compute.filter_values import filter_value_notes
from jingan_kpi.plan import load_plan, shipped_plan_path

from .conftest import SMALL_ROWS, make_panel

REPO = Path(__file__).parent.parent.parent
SAMPLE = REPO / "data" / "samples" / "panel_2024_2026.csv"
runner = CliRunner()


def zone_ids(plan) -> list[str]:
    return [
        i.id
        for i in plan.model.indicators
        if i.id.startswith("zone_") and i.id.endswith("_revenue")
    ]


def assert_partition(ev, plan) -> None:
    ids = zone_ids(plan)
    assert len(ids) == 5
    for year, total in ev.indicator("lbs_revenue").values.items():
        parts = sum(ev.indicator(i).values[year] for i in ids)
        assert parts == pytest.approx(total, rel=1e-12, abs=1e-12)


def test_zone_figures_partition_section_l_on_the_sample() -> None:
    plan = load_plan()
    assert_partition(evaluate(SAMPLE, plan=plan), plan)


def test_an_unnamed_zone_counts_in_other_zones() -> None:
    plan = load_plan()
    rows = [
        *SMALL_ROWS,
        ("F", "7211", 2026, 7.0, "南京西路街道", None),  # a zone the plan does not name
        ("G", "7212", 2026, 3.0, None, None),  # no zone at all
    ]
    ev = evaluate(make_panel(rows), plan=plan)
    assert_partition(ev, plan)
    # 2026: D 125 (其他) + F 7 + G 3 = 135; 南京西路 is A 80 + E 5 = 85, without F
    assert ev.indicator("zone_other_revenue").values[2026] == pytest.approx(135.0)
    assert ev.indicator("zone_nanjingxilu_revenue").values[2026] == pytest.approx(85.0)
    assert ev.filter_notes == (
        'zone "南京西路街道" (1 row) is not a zone the plan names (nearest named: "南京西路"): '
        "no zone= filter selects its rows",
        'the plan names zone "市北高新", which no used row has (nearest in the data: '
        '"苏河湾"): its figures count nothing',
        # shibei_private_hq_count (contract §8) names it; the small panel has none
        'the plan names HQ type "民营企业总部", which no used row has (nearest in the data: '
        '"跨国公司地区总部"): its figures count nothing',
    )


def test_a_zone_literal_with_a_zero_width_space_is_reported(tmp_path) -> None:
    text = shipped_plan_path().read_text("utf-8")
    path = tmp_path / "plan.yaml"
    # A trailing (full-width) space is stripped like the data's; a zero-width space is not.
    text = text.replace('zone="苏河湾"', 'zone="苏河湾\u3000"').replace(
        'zone="大宁"', 'zone="大宁\u200b"'
    )
    path.write_text(text, "utf-8")
    plan = load_plan(path)
    notes = filter_value_notes(plan, make_panel(SMALL_ROWS))
    assert notes == (
        'the plan names zone "大宁\\u200b", which no used row has (nearest in the data: '
        '"大宁"): its figures count nothing',
        'the plan names zone "市北高新", which no used row has (nearest in the data: '
        '"苏河湾"): its figures count nothing',
        # shibei_private_hq_count (contract §8) names it; the small panel has none
        'the plan names HQ type "民营企业总部", which no used row has (nearest in the data: '
        '"跨国公司地区总部"): its figures count nothing',
    )
    ev = evaluate(make_panel(SMALL_ROWS), plan=plan)
    assert ev.indicator("zone_suhewan_revenue").values[2026] == pytest.approx(30.0)


def test_check_says_the_unnamed_values_on_stderr(tmp_path) -> None:
    panel = tmp_path / "p.csv"
    lines = (REPO / "tests" / "cli" / "small_panel.csv").read_text("utf-8").splitlines()
    lines[1] = lines[1].replace("南京西路", "南京西路街道")
    panel.write_text("\n".join(lines) + "\n", "utf-8")
    result = runner.invoke(app, ["check", str(panel), "--format", "json"])
    assert result.exit_code == 0
    assert (
        'note: zone "南京西路街道" (1 row) is not a zone the plan names (nearest named: '
        '"南京西路"): no zone= filter selects its rows'
    ) in result.stderr


def test_inspect_says_the_unnamed_values_too(tmp_path) -> None:
    panel = tmp_path / "p.csv"
    text = (REPO / "tests" / "cli" / "small_panel.csv").read_text("utf-8")
    panel.write_text(text.replace("南京西路,", "南京西路街道,"), "utf-8")
    result = runner.invoke(app, ["inspect", str(panel)])
    assert result.exit_code == 0
    assert (
        'note: zone "南京西路街道" (4 rows) is not a zone the plan names (nearest named: '
        '"南京西路"): no zone= filter selects its rows'
    ) in result.stderr
    assert (
        'note: the plan names zone "南京西路", which no used row has (nearest in the data: '
        '"南京西路街道"): its figures count nothing'
    ) in result.stderr
