"""Contract §7's plan language: operators, every_year, units ratio and rank, and what a plan
may not hold (non-finite or overlong target values, identifiers that mix scripts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingan_kpi.cli import app
from jingan_kpi.plan import load_plan, shipped_plan_path, validate_plan

runner = CliRunner()
SAMPLE = Path(__file__).parent.parent.parent / "data" / "samples" / "panel_2024_2026.csv"
SHIPPED = shipped_plan_path().read_text("utf-8")
LBS_TARGET = 'target: {op: ">=", value: 2300, year: 2028}'


def plan_with(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SHIPPED
    path = tmp_path / "plan.yaml"
    path.write_text(SHIPPED.replace(old, new, 1), "utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN"])
def test_non_finite_target_values_are_plan_problems(tmp_path, value) -> None:
    path = plan_with(tmp_path, LBS_TARGET, f'target: {{op: ">=", value: {value}, year: 2028}}')
    problems = validate_plan(path)
    assert [p.slug for p in problems] == ["invalid_value"]
    assert "is not a finite number" in problems[0].message
    assert problems[0].place.line == line_of(path, f"value: {value}")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    result = runner.invoke(app, ["check", str(SAMPLE), "--plan", str(path)])
    assert result.exit_code == 2


def test_a_5000_digit_integer_is_a_plan_problem(tmp_path) -> None:
    path = plan_with(tmp_path, LBS_TARGET, f'target: {{op: ">=", value: {"9" * 5000}, year: 2028}}')
    problems = validate_plan(path)
    assert [p.slug for p in problems] == ["invalid_value"]
    assert "a whole number of 5,000 digits is too long to be a number" in problems[0].message
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 1


@pytest.mark.parametrize("op", ["<=", ">="])
@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_level_target_needs_a_value_above_zero(tmp_path, op, value) -> None:
    path = plan_with(tmp_path, LBS_TARGET, f'target: {{op: "{op}", value: {value}, year: 2028}}')
    problems = validate_plan(path)
    assert [p.slug for p in problems] == ["invalid_value"]
    assert f"a level target ({op}) needs a value above 0" in problems[0].message


def test_every_year_on_a_trend_target_is_a_plan_problem(tmp_path) -> None:
    path = plan_with(
        tmp_path,
        "target: {op: increasing, year: 2028}",
        "target: {op: decreasing, year: 2028, every_year: true}",
    )
    problems = validate_plan(path)
    assert [p.slug for p in problems] == ["invalid_value"]
    assert '"decreasing" already judges every year' in problems[0].message


def test_new_operators_load_and_serialise(tmp_path) -> None:
    path = plan_with(
        tmp_path, LBS_TARGET, 'target: {op: "<=", value: 2300, year: 2028, every_year: true}'
    )
    plan = load_plan(path)
    target = plan.indicator("lbs_revenue").target
    assert target is not None
    assert (target.op, target.value, target.every_year) == ("<=", 2300, True)


def test_money_over_money_may_be_a_share_or_a_ratio(tmp_path) -> None:
    old = """    unit: share
    formula: core_zone_revenue / lbs_revenue"""
    ratio = plan_with(tmp_path, old, old.replace("share", "ratio"))
    assert validate_plan(ratio) == []
    money = plan_with(tmp_path, old, old.replace("share", "money"))
    (problem,) = validate_plan(money)
    assert problem.slug == "unit_mismatch"
    assert problem.message == (
        'indicator "core_zone_share": unit is "money" but its formula gives "share or ratio"; '
        "set unit: share (a part of its whole) or ratio"
    )


def test_a_ratio_target_may_exceed_one_but_a_share_target_may_not(tmp_path) -> None:
    old = """    formula: core_zone_revenue / lbs_revenue
    table: zones"""
    target = '\n    target: {op: ">=", value: 1.5, year: 2028}'
    share = plan_with(tmp_path, old, old + target)
    assert [p.slug for p in validate_plan(share)] == ["share_target_out_of_range"]
    ratio = plan_with(tmp_path, old, old + target)
    ratio.write_text(
        ratio.read_text("utf-8").replace(
            "    unit: share\n    formula: core_zone_revenue",
            "    unit: ratio\n    formula: core_zone_revenue",
        ),
        "utf-8",
    )
    assert validate_plan(ratio) == []


def test_a_rank_target_is_a_whole_place(tmp_path) -> None:
    old = """    unit: count
    formula: count(professional, hq=true)
    target: {op: increasing, year: 2028}"""
    path = plan_with(
        tmp_path,
        old,
        """    unit: count
    formula: count(professional, hq=true)
    target: {op: "<=", value: 1.5, year: 2028, every_year: true}""".replace("count\n", "rank\n", 1),
    )
    problems = validate_plan(path)
    # count(...) gives a count, not a rank; and a place is a whole number
    assert sorted(p.slug for p in problems) == ["invalid_value", "unit_mismatch"]


def test_identifiers_that_mix_scripts_are_flagged(tmp_path) -> None:
    cyrillic_dze = "\u0455"
    path = plan_with(
        tmp_path,
        "  lbs:\n    name_zh: 租赁和商务服务业",
        f"  lb{cyrillic_dze}:\n    name_zh: 租赁和商务服务业",
    )
    text = path.read_text("utf-8").replace(
        "formula: revenue(lbs)\n", f"formula: revenue(lb{cyrillic_dze})\n", 1
    )
    path.write_text(text, "utf-8")
    problems = [p for p in validate_plan(path) if p.slug == "mixed_script"]
    assert len(problems) == 2
    assert problems[0].message == (
        f'sectors: identifier "lb{cyrillic_dze}" mixes scripts: "{cyrillic_dze}" '
        "(CYRILLIC SMALL LETTER DZE) among LATIN letters; retype it"
    )
    assert problems[0].place.line == line_of(path, f"  lb{cyrillic_dze}:")
    assert problems[1].place.line == line_of(path, f"formula: revenue(lb{cyrillic_dze})")


def test_an_every_year_target_may_keep_a_value_of_zero(tmp_path) -> None:
    path = plan_with(
        tmp_path,
        'formula: growth_diff(lbs_revenue, district_economy)\n    target: {op: ">", value: 0, year: 2028}',
        'formula: growth_diff(lbs_revenue, district_economy)\n    target: {op: ">=", value: 0, year: 2028, every_year: true}',
    )
    assert validate_plan(path) == []


def test_a_blank_filter_value_is_a_plan_problem(tmp_path) -> None:
    path = plan_with(
        tmp_path, 'formula: revenue(lbs, zone="大宁")', 'formula: revenue(lbs, zone="　")'
    )
    problems = validate_plan(path)
    assert [p.slug for p in problems] == ["wrong_arguments"]
    assert (
        problems[0].message
        == 'indicator "zone_daning_revenue": zone="　" names no zone (it is blank)'
    )
