"""load_plan / validate_plan: the shipped plan, the LoadedPlan API, YAML-only extensions,
hostile YAML, and every problem at once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jingan_kpi.errors import PlanError
from jingan_kpi.plan import LoadedPlan, load_plan, shipped_plan_path, validate_plan
from jingan_kpi.plan.ast import Call, Name
from jingan_kpi.plan.industry import class_codes, is_code_prefix
from jingan_kpi.plan.source import MAX_FILE_BYTES

HERE = Path(__file__).parent

# The targets of ../shared/plan/README.md: id → (op, value, section).
TARGETS = {
    "lbs_revenue": (">=", 2300, "一(一)"),
    "hr_revenue": (">=", 700, "二.1"),
    "org_revenue": (">=", 450, "二.2"),
    "consulting_revenue": (">=", 420, "二.3"),
    "legal_revenue": (">=", 35, "二.4"),
    "advertising_revenue": (">=", 600, "二.5"),
    "lbs_top20_share": (">=", 0.60, "一(二)"),
    "lbs_growth_vs_district": (">", 0, "一(一)"),
    "lbs_growth_vs_city": (">", 0, "一(一)"),
    "lbs_city_share": ("increasing", None, "一(一)"),
    "professional_growth_vs_district": (">", 0, "一(二)"),
    "professional_growth_vs_city": (">", 0, "一(二)"),
    "professional_revenue": ("increasing", None, "一(二)"),
    "hq_count": ("increasing", None, "一(二)"),
}


@pytest.fixture(scope="module")
def plan() -> LoadedPlan:
    return load_plan()


def test_every_target_of_the_plan_is_encoded(plan: LoadedPlan) -> None:
    for ind_id, (op, value, section) in TARGETS.items():
        ind = plan.indicator(ind_id)
        assert ind.target is not None
        assert (ind.target.op, ind.target.value, ind.target.year) == (op, value, 2028)
        assert ind.section == section
        assert ind.name_zh and ind.name_en


def test_plan_metadata(plan: LoadedPlan) -> None:
    meta = plan.model.plan
    assert meta.document == "静府办发〔2026〕3号"
    assert meta.issued == "2026-03-30"
    assert (meta.period_start, meta.period_end) == (2026, 2028)
    assert (meta.baseline_year, meta.target_year) == (2025, 2028)
    assert (meta.money_unit, meta.input_unit) == ("亿元", "万元")


def test_sectors_and_scope(plan: LoadedPlan) -> None:
    assert plan.sector_prefixes() == {
        "lbs": ("71", "72"),
        "hr": ("726",),
        "org": ("721",),
        "consulting": ("724",),
        "legal": ("723",),
        "advertising": ("725",),
        "professional": ("721", "723", "724", "725", "726"),
        "rest_of_lbs": ("711", "712", "713", "722", "727", "728", "729"),
    }
    assert set(plan.scope_prefixes) >= {"71", "72"}
    # rest_of_lbs and the five core groups cover section L exactly once
    rest = set(plan.sector_prefixes()["rest_of_lbs"])
    core = set(plan.sector_prefixes()["professional"])
    section_l = {c[:3] for c in class_codes() if c[:2] in {"71", "72"}}
    assert rest | core == section_l
    assert not rest & core


def test_formulas_and_order(plan: LoadedPlan) -> None:
    assert plan.formulas["hq_count"] == Call(
        "count", (Name("professional", 6),), (("hq", Name("true", 23)),), 0
    )
    assert set(plan.formulas) == {ind.id for ind in plan.model.indicators}
    order = plan.order
    assert sorted(order) == sorted(plan.formulas)
    for later, earlier in [
        ("lbs_city_share", "lbs_revenue"),
        ("core_zone_share", "core_zone_revenue"),
        ("professional_growth_vs_city", "professional_revenue"),
    ]:
        assert order.index(earlier) < order.index(later)


def test_zone_indicators(plan: LoadedPlan) -> None:
    for zone, ind_id in [
        ("南京西路", "zone_nanjingxilu_revenue"),
        ("苏河湾", "zone_suhewan_revenue"),
        ("市北高新", "zone_shibei_revenue"),
        ("大宁", "zone_daning_revenue"),
    ]:
        assert plan.indicator(ind_id).formula == f'revenue(lbs, zone="{zone}")'
    # 其他区域 is the rest of section L, so that the zone figures partition it (contract §8).
    assert plan.indicator("zone_other_revenue").formula == "lbs_revenue - revenue(lbs, zone=named)"
    assert plan.model.zones == {
        "core": ["南京西路", "苏河湾"],
        "named": ["南京西路", "苏河湾", "市北高新", "大宁"],
        "other": ["其他"],
    }


def test_unknown_indicator_lookup_suggests(plan: LoadedPlan) -> None:
    with pytest.raises(KeyError, match='did you mean "lbs_revenue"'):
        plan.indicator("lbs_revenu")


def test_path_none_and_explicit_path_agree(plan: LoadedPlan) -> None:
    again = load_plan(shipped_plan_path())
    assert again.model == plan.model
    assert again.path == str(shipped_plan_path())


def test_class_codes() -> None:
    codes = class_codes()
    assert len(codes) == 1381
    assert "0111" in codes
    assert {"7231", "7261", "7299"} <= codes
    assert not {"7233", "7240", "7250"} & codes  # 2011-only classes
    assert is_code_prefix("72") and is_code_prefix("7261")
    assert not is_code_prefix("7240") and not is_code_prefix("L72") and not is_code_prefix("")


# -- a new indicator needs a YAML edit only ---------------------------------------------------------


def _with_indicators(tmp_path: Path, extra: str) -> Path:
    text = shipped_plan_path().read_text(encoding="utf-8") + extra
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_new_indicators_by_yaml_alone(tmp_path: Path) -> None:
    path = _with_indicators(
        tmp_path,
        """
  - id: advertising_cr10
    name_zh: 广告业前10强营收占比
    name_en: advertising CR10
    unit: share
    formula: top_share(advertising, 10)
    target: {op: ">=", value: 0.5, year: 2028}
  - id: core_share_of_lbs
    name_zh: 核心区占租赁和商务服务业营收比重
    name_en: core zone share of section L revenue
    unit: share
    formula: revenue(lbs, zone=["南京西路", "苏河湾"]) / revenue(lbs)
  - id: big_hr_firms
    name_zh: 营收1亿元以上的人力资源服务企业数
    name_en: HR services enterprises with revenue of 1 亿元 or more
    unit: count
    formula: count(hr, min_revenue=1, hq=false)
""",
    )
    assert validate_plan(path) == []
    loaded = load_plan(path)
    assert loaded.formulas["advertising_cr10"] == Call(
        "top_share", (Name("advertising", 10), loaded.formulas["advertising_cr10"].args[1]), (), 0
    )
    assert loaded.indicator("core_share_of_lbs").unit == "share"


# -- every problem at once; load_plan raises ---------------------------------------------------------


def test_every_problem_at_once(tmp_path: Path) -> None:
    path = _with_indicators(
        tmp_path,
        """
  - id: bad_one
    name_zh: 坏
    name_en: bad
    unit: share
    formula: top_share(advertsing, 0) + nothing
    target: {op: ">=", value: 2, year: 2031}
""",
    )
    problems = validate_plan(path)
    slugs = sorted(p.slug for p in problems)
    assert slugs == [
        "share_target_out_of_range",
        "target_year_outside_period",
        "unknown_indicator",
        "unknown_sector",
        "wrong_arguments",
    ]
    assert len({p.place.line for p in problems}) == 2
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert info.value.problems == problems
    assert "5 problems" in str(info.value)


def test_formula_column_points_inside_the_formula(tmp_path: Path) -> None:
    path = _with_indicators(
        tmp_path,
        """
  - id: bad_col
    name_zh: 坏
    name_en: bad
    unit: money
    formula: revenue(lbs) + revenue(lsb)
""",
    )
    [problem] = validate_plan(path)
    line = path.read_text(encoding="utf-8").splitlines()[problem.place.line - 1]
    assert problem.place.column is not None
    assert line[problem.place.column - 1 :].startswith("lsb)")


def test_formula_column_inside_double_quotes(tmp_path: Path) -> None:
    path = _with_indicators(
        tmp_path,
        """
  - id: bad_col
    name_zh: 坏
    name_en: bad
    unit: money
    formula: "revenue(lbs, zone=\\"大宁\\") + nope"
""",
    )
    [problem] = validate_plan(path)
    assert problem.slug == "unknown_indicator"
    line = path.read_text(encoding="utf-8").splitlines()[problem.place.line - 1]
    assert problem.place.column == line.index("+ nope") + 3


def test_missing_file_and_not_yaml_raise() -> None:
    with pytest.raises(PlanError) as info:
        validate_plan(HERE / "missing.yaml")
    assert info.value.problems[0].slug == "file_not_found"
    with pytest.raises(PlanError) as info:
        validate_plan(HERE / "hostile" / "not_yaml.yaml")
    assert info.value.problems[0].slug == "invalid_yaml"


def test_not_a_mapping() -> None:
    [problem] = validate_plan(HERE / "hostile" / "not_a_mapping.yaml")
    assert (problem.slug, problem.place.line) == ("invalid_value", 1)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing\n", encoding="utf-8")
    assert [p.slug for p in validate_plan(path)] == ["empty_plan"]


# -- hostile YAML -------------------------------------------------------------------------------------


def test_billion_laughs_refused_fast() -> None:
    start = time.perf_counter()
    problems = validate_plan(HERE / "hostile" / "billion_laughs.yaml")
    assert [p.slug for p in problems] == ["too_many_nodes"]
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("depth", [60, 100_000])
def test_deep_nesting_refused(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    problems = validate_plan(path)
    assert [p.slug for p in problems] == ["too_deep"]
    assert problems[0].place.line == 1


def test_oversized_file_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    with pytest.raises(PlanError) as info:
        validate_plan(path)
    assert info.value.problems[0].slug == "file_too_large"


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object/apply:os.system ['echo PWNED']",
        "!!python/name:os.system",
        "!custom 1",
        "!!binary aGVsbG8=",
    ],
)
def test_tags_other_than_plain_types_are_refused(tmp_path: Path, tagged: str) -> None:
    text = (
        shipped_plan_path()
        .read_text(encoding="utf-8")
        .replace("document: 静府办发〔2026〕3号", f"document: {tagged}")
    )
    path = tmp_path / "tagged.yaml"
    path.write_text(text, encoding="utf-8")
    problems = validate_plan(path)
    assert [p.slug for p in problems] == ["unsafe_tag"]


def test_duplicate_key_reports_both_lines(tmp_path: Path) -> None:
    text = (
        shipped_plan_path()
        .read_text(encoding="utf-8")
        .replace("  period_end: 2028\n", "  period_end: 2028\n  period_end: 2029\n")
    )
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    [problem] = validate_plan(path)
    assert problem.slug == "duplicate_key"
    assert problem.place.key == "plan.period_end"
    first = text.splitlines().index("  period_end: 2028") + 1
    assert f"first at line {first}" in problem.message
    assert problem.place.line == first + 1


# -- docs/formulas.md ------------------------------------------------------------------------------


def _doc_formulas() -> list[str]:
    doc = (HERE.parent.parent / "docs" / "formulas.md").read_text(encoding="utf-8")
    block = doc.split("```formula\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_the_documented_examples_validate(tmp_path: Path) -> None:
    formulas = _doc_formulas()
    assert len(formulas) >= 15
    extra = "".join(
        f"""
  - id: doc_example_{i}
    name_zh: 例{i}
    name_en: example {i}
    unit: {"share" if "top_share" in f else "count" if f.startswith("count") else "index" if f.startswith("hhi") else "pp" if f.startswith("growth_diff") else "rate" if f.startswith(("yoy", "cagr")) else "share" if "/" in f else "money"}
    formula: '{f}'
"""
        for i, f in enumerate(formulas)
    )
    path = _with_indicators(tmp_path, extra)
    assert validate_plan(path) == []
