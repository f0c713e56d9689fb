"""The registry of the language's functions: one entry per function is all a new one needs.

``median`` is not a function of the language; registering it here for one test shows that an
entry (arguments, filters, the statistic of the one pass, the value, the disclosure and explain
treatment) is enough for the parser, ``validate``, the one pass, ``evaluate`` and ``explain``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from jingan_kpi import evaluate, explain
from jingan_kpi.plan import load_plan
from jingan_kpi.plan.functions import (
    FUNCTIONS,
    PANEL_FILTERS,
    CallStats,
    Function,
    PanelCall,
    PanelRule,
    Stat,
)

from .conftest import SMALL_ROWS, make_panel

HERE = Path(__file__).parent

MEDIAN = Stat(
    "median",
    rows=lambda revenue, member, _call: revenue.filter(member).median(),
)


def _median(_call: PanelCall, stats: CallStats, year: int) -> float:
    return stats.get(MEDIAN, year)


MEDIAN_FUNCTION = Function(
    "median",
    ("sector",),
    "money",
    "median revenue of the sector's enterprises, per year",
    filters=PANEL_FILTERS,
    panel=PanelRule(_median, stats=lambda _call: (MEDIAN,), explain_total=True),
)

PLAN_HEAD = (HERE / "plan_small.yaml").read_text("utf-8").split("indicators:")[0]


def write_plan(tmp_path: Path, indicators: str) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN_HEAD + "indicators:\n" + indicators, "utf-8")
    return path


def test_a_new_panel_function_is_one_registry_entry(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(FUNCTIONS, "median", MEDIAN_FUNCTION)
    plan = load_plan(
        write_plan(
            tmp_path,
            "  - {id: lbs_median, name_zh: 中位数, name_en: median, unit: money,"
            " formula: median(lbs)}\n"
            "  - {id: core_median, name_zh: 核心区中位数, name_en: core median, unit: money,"
            " formula: 'median(lbs, zone=core)'}\n",
        )
    )
    ev = evaluate(make_panel(SMALL_ROWS), plan=plan)
    # 2024: 50, 50; 2025: 10, 30, 60, 100; 2026: 5, 10, 30, 80, 125 (亿元)
    assert ev.indicator("lbs_median").values == {2024: 50.0, 2025: 45.0, 2026: 30.0}
    # core = 南京西路 + 苏河湾: 2024 A 50; 2025 A 60, B 30; 2026 A 80, B 30, E 5
    assert ev.indicator("core_median").values == {2024: 50.0, 2025: 45.0, 2026: 30.0}
    shown = explain("lbs_median", make_panel(SMALL_ROWS), plan=plan)
    assert [i.label for i in shown.inputs] == ["median(lbs)", "revenue(lbs)"]
    assert shown.inputs[1].values == {2024: 100.0, 2025: 200.0, 2026: 250.0}


def test_an_unregistered_function_is_refused_with_the_registered_ones(tmp_path) -> None:
    from jingan_kpi.plan import validate_plan

    problems = validate_plan(
        write_plan(
            tmp_path,
            "  - {id: lbs_median, name_zh: 中位数, name_en: median, unit: money,"
            " formula: median(lbs)}\n",
        )
    )
    assert [p.slug for p in problems] == ["unknown_function"]
    assert "the functions are " + ", ".join(sorted(FUNCTIONS)) in problems[0].message


HQ_PLAN = """\
  - {id: mnc_count, name_zh: 跨国公司地区总部数, name_en: MNC HQ count, unit: count,
     formula: 'count(lbs, hq_type="跨国公司地区总部")'}
  - {id: mnc_count_padded, name_zh: 同上, name_en: same with spaces, unit: count,
     formula: 'count(lbs, hq_type=" 跨国公司地区总部　")'}
  - {id: major_revenue, name_zh: 主要总部营收, name_en: major HQ revenue, unit: money,
     formula: 'revenue(lbs, hq_type=major_hq)'}
  - {id: major_core_revenue, name_zh: 核心区主要总部营收, name_en: major HQ revenue in the core,
     unit: money, formula: 'revenue(lbs, hq_type=major_hq, zone=core)'}
  - {id: private_count, name_zh: 民营总部数, name_en: private HQ count, unit: count,
     formula: 'count(lbs, hq_type=["民营企业总部"])'}
"""


def test_hq_type_filters_and_groups(tmp_path) -> None:
    path = write_plan(tmp_path, HQ_PLAN)
    path.write_text(
        path.read_text("utf-8").replace(
            "references:", "hq_types:\n  major_hq: [跨国公司地区总部, 国有企业总部]\nreferences:"
        ),
        "utf-8",
    )
    plan = load_plan(path)
    rows = [
        *SMALL_ROWS,
        ("F", "7211", 2026, 7.0, "大宁", "国有企业总部"),
        ("G", "7212", 2026, 3.0, "苏河湾", "民营企业总部"),
    ]
    ev = evaluate(make_panel(rows), plan=plan)
    assert ev.indicator("mnc_count").values == {2024: 0, 2025: 0, 2026: 1}
    # A filter value is compared after NFKC and strip, as the data are (contract §7).
    assert ev.indicator("mnc_count_padded").values == {2024: 0, 2025: 0, 2026: 1}
    assert ev.indicator("major_revenue").values == {2024: 0.0, 2025: 0.0, 2026: 12.0}
    assert ev.indicator("major_core_revenue").values == {2024: 0.0, 2025: 0.0, 2026: 5.0}
    assert ev.indicator("private_count").values == {2024: 0, 2025: 0, 2026: 1}


def test_an_unknown_hq_type_group_is_a_plan_problem(tmp_path) -> None:
    from jingan_kpi.plan import validate_plan

    problems = validate_plan(
        write_plan(
            tmp_path,
            "  - {id: x, name_zh: x, name_en: x, unit: count, formula: 'count(lbs, hq_type=major)'}\n",
        )
    )
    assert [p.slug for p in problems] == ["unknown_hq_type_group"]
    assert problems[0].message == (
        'indicator "x": HQ type group "major" is not defined under hq_types: '
        '(a single HQ type is written in quotes: hq_type="major")'
    )


def _repository_plans() -> list[Path]:
    root = HERE.parent.parent
    found = []
    for path in sorted(root.rglob("*.yaml")):
        if ".venv" in path.parts or "broken" in path.parts or "hostile" in path.parts:
            continue
        if path.name.startswith("."):
            continue
        found.append(path)
    return found


@pytest.mark.parametrize("plan_path", _repository_plans(), ids=lambda p: p.name)
def test_explain_works_for_every_indicator_of_every_plan(plan_path: Path) -> None:
    """Issue 14 item 5: explain crashed on every growth_diff (the reference was looked up as an
    indicator). Every indicator of every plan in the repository explains, with and without
    reference series."""
    from jingan_kpi.panel.types import References, ReferenceSeries

    plan = load_plan(plan_path)
    panel = make_panel(SMALL_ROWS)
    levels = {y: 1000.0 + 50 * (y - 2024) for y in (2024, 2025, 2026)}
    refs = References(
        series={
            name: ReferenceSeries(
                name,
                decl.kind,
                levels if decl.kind == "level" else {2025: 4.0, 2026: 5.0},
                "亿元" if decl.kind == "level" else "%",
                "test",
            )
            for name, decl in plan.model.references.items()
        }
    )
    for ind in plan.model.indicators:
        for reference in (None, refs):
            shown = explain(ind.id, panel, plan=plan, reference=reference)
            assert shown.indicator.id == ind.id
            assert shown.to_dict()["formula"] == ind.formula


def test_explain_shows_the_reference_growth_inputs(small_plan, small_panel) -> None:
    from .conftest import make_refs

    refs = make_refs(district={2025: 4.0, 2026: 5.0}, city={2025: 1000.0, 2026: 1100.0})
    shown = explain("lbs_growth_vs_city", small_panel, plan=small_plan, reference=refs)
    labels = [(i.label, i.kind) for i in shown.inputs]
    assert labels == [
        ("lbs_revenue", "indicator"),
        ("ref(city_lbs_revenue)", "reference"),
        ("growth_diff(lbs_revenue, city_lbs_revenue)", "expression"),
    ]
    assert shown.inputs[1].values == {2025: 1000.0, 2026: 1100.0}
    # 2026: 100 × ((250/200) − 1 − (1100/1000 − 1)) = 100 × (0.25 − 0.10) = 15 pp
    assert shown.inputs[2].values[2026] == pytest.approx(15.0, abs=1e-12)


def _newcomers_history(frame: pl.LazyFrame, _call: PanelCall) -> pl.LazyFrame:
    """Members in t whose enterprise has no member row in t − 1."""
    # The enterprise's identity: the credit code (or a compact key standing for it).
    who = "key" if "key" in frame.collect_schema().names() else "credit_code"
    members = frame.filter(pl.col("member")).select(who, "year")
    before = members.with_columns(year=pl.col("year") + 1, was=pl.lit(True))
    return (
        members.join(before, on=[who, "year"], how="left")
        .group_by("year")
        .agg(value=pl.col("was").is_null().sum())
    )


NEWCOMERS = Stat("newcomers", history=_newcomers_history)


def _newcomers(_call: PanelCall, stats: CallStats, year: int) -> float | None:
    if year - 1 not in stats.years:
        return None  # the year before is not covered: no value
    return stats.get(NEWCOMERS, year)


NEWCOMERS_FUNCTION = Function(
    "newcomers",
    ("sector",),
    "count",
    "enterprises of the cell in t that were not in it in t − 1",
    filters=PANEL_FILTERS,
    panel=PanelRule(
        _newcomers,
        stats=lambda _call: (NEWCOMERS,),
        disclosure="none",
        columns=frozenset({"credit_code"}),
        needs_history=True,
    ),
)


def test_a_function_over_enterprise_histories_is_one_registry_entry(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(FUNCTIONS, "newcomers", NEWCOMERS_FUNCTION)
    plan = load_plan(
        write_plan(
            tmp_path,
            "  - {id: lbs_new, name_zh: 新进, name_en: newcomers, unit: count,"
            " formula: newcomers(lbs)}\n"
            "  - {id: hr_new, name_zh: 人力新进, name_en: HR newcomers, unit: count,"
            " formula: newcomers(hr)}\n",
        )
    )
    from jingan_kpi.compute.evaluate import figure_columns

    assert "credit_code" in figure_columns(plan, publish=False)
    ev = evaluate(make_panel(SMALL_ROWS), plan=plan)
    # section L: 2025 B, C new (A, D were there); 2026 E new
    assert ev.indicator("lbs_new").values == {2025: 2, 2026: 1}
    # HR (726): A from 2024, B new in 2025
    assert ev.indicator("hr_new").values == {2025: 1, 2026: 0}


@pytest.mark.parametrize(
    "indicator",
    [
        "lbs_growth_vs_district",
        "lbs_growth_vs_city",
        "professional_growth_vs_district",
        "professional_growth_vs_city",
    ],
)
def test_explain_growth_gaps_from_the_cli(indicator: str) -> None:
    """Issue 14 item 5: these four ended with exit 3 (KeyError)."""
    from typer.testing import CliRunner

    from jingan_kpi.cli import app

    repo = HERE.parent.parent
    sample = repo / "data" / "samples"
    result = CliRunner().invoke(
        app,
        [
            "explain",
            indicator,
            str(sample / "panel_2024_2026.csv"),
            "--reference",
            str(sample / "reference.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"({indicator})" in result.stdout
    assert "reference" in result.stdout
