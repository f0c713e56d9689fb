"""Contract §8's functions end to end: a CSV panel, a plan naming them, ``evaluate`` and the
CLI. The panel is tests/compute/test_enterprise.py's, with valid codes; the counts are the
ones worked out by hand there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingan_kpi import evaluate
from jingan_kpi.cli import app
from jingan_kpi.panel import check_character

from .test_enterprise import ROWS

HERE = Path(__file__).parent
PLAN = HERE / "plan_enterprise.yaml"


def code(firm: str) -> str:
    body = f"913101060000000{ord(firm) - 64:02d}"
    return body + check_character(body)


@pytest.fixture(scope="module")
def panel_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("enterprise") / "panel.csv"
    lines = ["credit_code,name,industry_code,year,revenue,zone,hq_type"]
    lines += [f"{code(f)},企业{f},{c},{y},{r!r},{z}," for f, c, y, r, z in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reference") / "ref.csv"
    # HR revenue of the panel: 2022 1.5, 2023 2.43, 2024 3.38, 2025 9.1099999999996,
    # 2026 12.7379999 (A–I's 726x rows)
    path.write_text(
        "series,year,value,unit,source\n"
        "district_hr_revenue[甲区],2024,3.0,亿元,s\n"
        "district_hr_revenue[甲区],2025,10.0,亿元,s\n"
        "district_hr_revenue[甲区],2026,12.0,亿元,s\n"
        "district_hr_revenue[乙区],2024,40000,万元,s\n"
        "district_hr_revenue[乙区],2025,1.0,亿元,s\n"
        "district_hr_revenue[乙区],2026,130000,万元,s\n",
        encoding="utf-8",
    )
    return path


EXPECTED = {
    "hr_entrants": {2023: 3, 2024: 2, 2025: 0, 2026: 2},
    "hr_exits": {2023: 1, 2024: 0, 2025: 0, 2026: 2},
    "hr_entrants_above": {2023: 2, 2024: 2, 2025: 3, 2026: 2},
    "hr_exits_above": {2023: 1, 2024: 1, 2025: 0, 2026: 3},
    "hr_crossed": {2023: 0, 2024: 1, 2025: 3, 2026: 1},
    "hr_high_growth": {2025: 1, 2026: 2},
    "hr_fast_one_year": {2023: 1, 2024: 0, 2025: 3, 2026: 2},
    "suhewan_entrants": {2023: 2, 2024: 0, 2025: 0, 2026: 1},
    # 2024: 乙 4.0 > 3.38 → 2; 2025: 甲 10 > 9.11 → 2; 2026: 乙 13.0 > 12.74 → 2; 2022–2023:
    # no member has a value
    "hr_rank": {2024: 2, 2025: 2, 2026: 2},
}


def test_evaluate_counts_as_worked_out_by_hand(panel_csv: Path, reference_csv: Path) -> None:
    ev = evaluate(panel_csv, plan=PLAN, reference=reference_csv)
    for ind_id, values in EXPECTED.items():
        assert ev.indicator(ind_id).values == values, ind_id
    rank = ev.indicator("hr_rank")
    assert rank.missing == (
        "reference group 'district_hr_revenue': 乙区, 甲区 has no value in 2022",
        "reference group 'district_hr_revenue': 乙区, 甲区 has no value in 2023",
    )


def test_cli_json_has_integer_counts_and_ranks(panel_csv: Path, reference_csv: Path) -> None:
    args = ["check", str(panel_csv), "--plan", str(PLAN), "--reference", str(reference_csv)]
    result = CliRunner().invoke(
        app,
        [*args, "--format", "json"],
        env={"NO_COLOR": "1"},
    )
    assert result.exit_code == 0, result.stderr
    out = {i["id"]: i for i in json.loads(result.stdout)["indicators"]}
    for ind_id, values in EXPECTED.items():
        assert out[ind_id]["values"] == {str(y): v for y, v in values.items()}, ind_id
        assert all(type(v) is int for v in out[ind_id]["values"].values())
    assert out["hr_crossed"]["unit"] == "count"
    assert out["hr_rank"]["unit"] == "rank"


def test_publish_keeps_the_counts_and_names_no_enterprise(
    panel_csv: Path, reference_csv: Path
) -> None:
    ev = evaluate(panel_csv, plan=PLAN, reference=reference_csv, publish=True)
    for ind_id in ("hr_entrants", "hr_exits", "hr_crossed", "hr_high_growth"):
        assert ev.indicator(ind_id).values == EXPECTED[ind_id]
        assert ev.indicator(ind_id).suppressed == ()
    text = json.dumps(ev.to_dict(), ensure_ascii=False)
    assert code("A") not in text
    assert "企业A" not in text


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("crossed(hr)", "crossed() needs min_revenue=: crossed(SECTOR, hq=..., hq_type=..., "),
        (
            "rank(hr_revenue, among=district_economy)",
            'among= needs a reference declared kind: level; "district_economy" is kind: rate',
        ),
        ("rank(hr_revenue)", "rank() needs among=: rank(EXPR, among=...)"),
        ("high_growth(hr, years=1.5)", "years= takes a positive whole number"),
        ("entrants(hr, rate=0.2)", 'entrants() has no keyword "rate"'),
    ],
)
def test_plan_problems(tmp_path: Path, formula: str, message: str) -> None:
    from jingan_kpi.plan import validate_plan

    text = PLAN.read_text(encoding="utf-8")
    bad = tmp_path / "plan.yaml"
    unit = "rank" if formula.startswith("rank") else "count"
    bad.write_text(
        text + f"  - {{id: bad, name_zh: 坏, name_en: bad, unit: {unit}, formula: '{formula}'}}\n",
        encoding="utf-8",
    )
    problems = validate_plan(bad)
    assert [p.slug for p in problems] == ["wrong_arguments"], problems
    assert message in problems[0].message


def test_the_key_column_is_spelled_once() -> None:
    from jingan_kpi.panel.types import KEY_COLUMN
    from jingan_kpi.plan import functions

    assert functions.KEY_COLUMN == KEY_COLUMN


def test_explain_lists_the_enterprises_behind_a_count(panel_csv: Path) -> None:
    from jingan_kpi import explain

    ex = explain("hr_crossed", panel_csv, plan=PLAN)
    listed = ex.enterprises["crossed(hr, min_revenue=0.1)"]
    assert sorted(listed) == [2023, 2024, 2025, 2026]
    assert listed[2023] == ()
    assert [
        (e.credit_code, e.name, e.revenue, e.base_year, e.base_revenue) for e in listed[2025]
    ] == [
        (code("E"), "企业E", 5.0, 2024, 0.02),
        (code("D"), "企业D", 0.11, 2024, 0.09),
        (code("G"), "企业G", 0.0999999999996, 2024, 0.05),
    ]
    assert listed[2024][0].source == f"{panel_csv}:9"
    out = ex.to_dict()["enterprises"]["crossed(hr, min_revenue=0.1)"]
    assert out["2026"] == [
        {
            "credit_code": code("I"),
            "name": "企业I",
            "revenue": 0.3,
            "base_year": 2025,
            "base_revenue": 0.05,
            "source": f"{panel_csv}:36",
        }
    ]


def test_explain_cli_prints_the_enterprises(panel_csv: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["explain", "hr_high_growth", str(panel_csv), "--plan", str(PLAN)],
        env={"NO_COLOR": "1", "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.stderr
    assert "high_growth(hr, min_revenue=0.1), 2026: the enterprises counted" in result.stdout
    assert "revenue 2023 亿元" in result.stdout
    assert code("H") in result.stdout


def test_explain_a_rank_shows_each_member(panel_csv: Path, reference_csv: Path) -> None:
    from jingan_kpi import explain

    ex = explain("hr_rank", panel_csv, plan=PLAN, reference=reference_csv)
    by_label = {i.label: i for i in ex.inputs}
    assert by_label["hr_revenue"].values[2025] == pytest.approx(9.1099999999996)
    assert by_label["district_hr_revenue[乙区]"].values == {2024: 4.0, 2025: 1.0, 2026: 13.0}
    assert by_label["district_hr_revenue[甲区]"].kind == "reference"
    assert ex.indicator.values == {2024: 2, 2025: 2, 2026: 2}
