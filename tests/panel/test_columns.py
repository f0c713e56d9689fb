"""Contract §1 and §7 as seen from the column catalogue: scope from the plan's sectors, section
letters, the 2011 trap within the scope, survey-form headers, ``columns:`` and ``--column``,
and the value rules (full NFKC, ``2025.00``, thousands groups)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jingan_kpi import evaluate, load_plan
from jingan_kpi.cli import app
from jingan_kpi.columns import HEADER_ALIASES
from jingan_kpi.errors import PanelError, UsageError
from jingan_kpi.panel import read_panel
from jingan_kpi.panel.classification import (
    class_codes,
    codes_2011_only,
    codes_2011_only_in,
    division_sections,
)
from jingan_kpi.panel.headers import match_headers
from jingan_kpi.panel.text import normalize_text, normalize_value

from .conftest import FACTS, code

HERE = Path(__file__).parent
SECTION_I_PLAN = HERE / "section_i" / "plan_section_i.yaml"
runner = CliRunner()

CODES = [code(f"91310000MA1FL{i:04d}") for i in range(1, 30)]


def _frame(industry: list[str], **columns: list[str]) -> pl.DataFrame:
    n = len(industry)
    data = {
        "credit_code": CODES[:n],
        "industry_code": industry,
        "year": columns.pop("year", ["2025"] * n),
        "revenue": columns.pop("revenue", ["100"] * n),
    }
    return pl.DataFrame({**data, **columns})


@pytest.fixture(scope="module")
def section_i() -> object:
    return load_plan(SECTION_I_PLAN)


# --- scope and section letters ------------------------------------------------------------


def test_section_letter_only_before_a_class_of_its_own_section(section_i: object) -> None:
    # I6513 and i6511 carry their own section; L6513 and Z6513 do not; 7211 is valid but
    # outside the section-I plan's scope.
    frame = _frame(["I6513", "i6511", "6512", "L6513", "Z6513", "7211", "I7211"])
    panel = read_panel(frame, plan=section_i)  # type: ignore[arg-type]
    assert panel.frame.get_column("industry_code").to_list() == ["6513", "6511", "6512"]
    assert panel.counts.rejected_by_reason == {"invalid_industry_code": 3}
    assert panel.rejects.get_column("industry_code").to_list() == ["L6513", "Z6513", "I7211"]
    assert panel.counts.out_of_scope == 1


def test_section_l_letter_still_accepted_under_the_shipped_plan() -> None:
    panel = read_panel(_frame(["L7261", "l7211", "I7211", "7261"]))
    assert panel.counts.used == 3
    assert panel.counts.rejected_by_reason == {"invalid_industry_code": 1}


def test_read_panel_takes_its_scope_from_the_plan(section_i: object) -> None:
    frame = _frame(["6513", "6511", "7261"])
    assert read_panel(frame).counts.used == 1  # the shipped plan: section L
    panel = read_panel(frame, plan=section_i)  # type: ignore[arg-type]
    assert (panel.counts.used, panel.counts.out_of_scope) == (2, 1)


# --- the 2011 trap, within the plan's scope -----------------------------------------------


def test_2011_only_codes_come_from_the_reference_lists() -> None:
    assert len(codes_2011_only()) == 158
    assert codes_2011_only_in(("71", "72")) == {"7233", "7240", "7250"}
    assert codes_2011_only_in(("63", "64", "65")) == {"6330", "6420", "6510", "6530", "6592"}


def test_2011_code_of_the_plans_section_stops_the_run(section_i: object) -> None:
    frame = _frame(["6513", "6511", "I6330", "6330"])
    with pytest.raises(PanelError) as info:
        read_panel(frame, plan=section_i)  # type: ignore[arg-type]
    message = str(info.value)
    # The first line holding one: the header is line 1, so the third row is line 4.
    assert message.startswith("<dataframe>:4: industry code I6330 exists only in GB/T 4754-2011")
    assert "this file has 6330 in the plan's scope" in message


def test_2011_code_outside_the_scope_never_stops(section_i: object) -> None:
    # 7240 (2011 advertising) under the section-I plan; 6330 under the shipped plan.
    panel = read_panel(_frame(["6513", "7240"]), plan=section_i)  # type: ignore[arg-type]
    assert panel.counts.rejected_by_reason == {"invalid_industry_code": 1}
    panel = read_panel(_frame(["7261", "6330"]))
    assert panel.counts.rejected_by_reason == {"invalid_industry_code": 1}


def test_cli_section_i_file_coded_2011_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "i2011.csv"
    path.write_text(
        "credit_code,industry_code,year,revenue\n"
        f"{CODES[0]},6513,2025,10\n{CODES[1]},6330,2025,20\n{CODES[2]},6330,2025,20\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", str(path), "--plan", str(SECTION_I_PLAN)])
    assert result.exit_code == 2
    assert f"{path}:3: [gbt4754_2011_codes] industry code 6330 exists only in" in result.stderr


# --- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "unit"),
    [
        (["纳税人识别号", "单位名称", "国民经济行业代码", "年度", "本年营业收入"], "万元"),
        (
            ["社会信用代码", "单位名称", "行业代码(GB/T 4754-2017)", "报告期", "营业收入合计"],
            "万元",
        ),
        (
            [
                "社会信用代码",
                "企业名称",
                "行业代码（GB/T 4754-2017）",
                "年度",
                "本年营业收入(千元)",
            ],
            "千元",
        ),
        (["统一社会信用代码", "企业名称", " 行业代码 ", "统计年度", "营业收入合计（元）"], "元"),
        (
            [
                "社会信用代码",
                "单位名称",
                "行业代码 （GB/T 4754-2017）",
                "年度",
                "本年营业收入 / 万元",
            ],
            "万元",
        ),
        (["CREDIT_CODE", "Name", "Industry_Code", "ＹＥＡＲ", "Revenue（亿元）"], "亿元"),
    ],
)
def test_survey_form_headers_out_of_the_box(headers: list[str], unit: str) -> None:
    values = [CODES[0], "某公司", "7261", "2025", "1,234.5"]
    panel = read_panel(pl.DataFrame({h: [v] for h, v in zip(headers, values, strict=True)}))
    assert panel.counts.used == 1
    assert panel.sources[0].unit == unit
    assert panel.frame.get_column("name").to_list() == [values[1]]


def test_brackets_without_a_money_unit_are_part_of_the_name() -> None:
    frame = pl.DataFrame(
        {
            "credit_code": [CODES[0]],
            "industry_code": ["7261"],
            "year": ["2025"],
            "营业收入(含税)": ["10"],
        }
    )
    with pytest.raises(PanelError, match="required column revenue not found"):
        read_panel(frame)


def test_bracketed_unit_that_is_not_a_money_unit_is_named() -> None:
    frame = _frame(["7261"]).rename({"revenue": "营业收入(美元)"})
    with pytest.raises(PanelError, match='names the unit "美元"; use one of 元, 千元, 万元, 亿元'):
        read_panel(frame)


def test_plan_columns_add_headers(section_i: object) -> None:
    frame = _frame(["6513"]).rename({"revenue": "主营业务收入（千元）"})
    panel = read_panel(frame, plan=section_i)  # type: ignore[arg-type]
    assert panel.counts.used == 1
    assert panel.sources[0].unit == "千元"
    # The shipped plan does not know that header.
    with pytest.raises(PanelError, match="required column revenue not found"):
        read_panel(frame)


def test_two_headers_for_one_column_stop_the_run_naming_both_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text(
        f"credit_code,industry_code,year,营业收入,本年营业收入\n{CODES[0]},7261,2025,10,20\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f'{path}:1:5: [duplicate_header] headers "营业收入" (column 4) and "本年营业收入" '
        "(column 5) are both revenue; rename or delete one of them, or say which one to read, "
        'e.g. --column "营业收入=revenue"'
    )
    # The fix: --column chooses the header; the other is not read.
    result = runner.invoke(
        app, ["inspect", str(path), "--column", "本年营业收入=revenue", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]["used"] == 1
    panel = read_panel(path, headers={"本年营业收入": "revenue"}, **FACTS)  # type: ignore[arg-type]
    assert panel.frame.get_column("revenue").to_list() == [20 / 10_000]


def test_column_option_names_any_header(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(f"代码,行业,年,收入,园区\n{CODES[0]},7261,2025,10,大宁\n", encoding="utf-8")
    args = ["--column", "代码=credit_code", "--column", "行业=industry_code"]
    args += ["--column", "年=year", "--column", "收入=revenue", "--column", "园区=zone"]
    result = runner.invoke(app, ["inspect", str(path), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"]["used"] == 1
    assert report["columns"] == ["zone"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("收入", '--column "收入" is not HEADER=COLUMN'),
        ("收入=income", '--column: "income" is not a panel column; use one of credit_code,'),
    ],
)
def test_bad_column_option_is_a_usage_error(tmp_path: Path, value: str, message: str) -> None:
    path = tmp_path / "p.csv"
    path.write_text(f"credit_code,industry_code,year,revenue\n{CODES[0]},7261,2025,1\n")
    result = runner.invoke(app, ["check", str(path), "--column", value])
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ("  income: [主营业务收入]", "income: not a panel column; use one of credit_code,"),
        (
            "  revenue: [主营业务收入, Sales]\n  name: [ＳＡＬＥＳ]",
            'header "ＳＡＬＥＳ" is given for both revenue and name',
        ),
    ],
)
def test_plan_columns_key_is_checked(tmp_path: Path, columns: str, message: str) -> None:
    text = SECTION_I_PLAN.read_text(encoding="utf-8").replace("  revenue: [主营业务收入]", columns)
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:25:3: [invalid_value] columns:" in result.stdout + result.stderr
    assert message in result.stdout + result.stderr


# --- values ---------------------------------------------------------------------------------


def test_values_get_full_nfkc() -> None:
    # Circled digits are digits under NFKC; full-width letters and the ideographic space too.
    frame = _frame(
        ["７２６１", "7261", "7261"],
        revenue=["①②③", "1,234.5", "\u3000１２\u3000"],
        year=["２０２５", "2025", "2025"],
        zone=["ⅠⅡ区", "大宁", "㈠"],
    )
    panel = read_panel(frame, **FACTS)  # type: ignore[arg-type]
    assert panel.counts.used == 3
    assert panel.frame.get_column("revenue").to_list() == pytest.approx(
        [123 / 10_000, 1234.5 / 10_000, 12 / 10_000], rel=1e-15
    )
    assert panel.frame.get_column("zone").to_list() == ["III区", "大宁", "(一)"]


@pytest.mark.parametrize(
    ("year", "ok"),
    [
        ("2025", True),
        ("2025.0", True),
        ("2025.00", True),
        ("2025.000000", True),
        ("2025.", False),
        ("2025.01", False),
        ("2025年", False),
        ("1948", False),
        ("2101", False),
        ("2100.0", True),
        ("02025", False),
    ],
)
def test_year_rule(year: str, ok: bool) -> None:
    panel = read_panel(_frame(["7261"], year=[year]))
    assert panel.counts.used == int(ok)


@pytest.mark.parametrize(
    ("revenue", "value"),
    [
        ("123", 123.0),
        ("0123", 123.0),
        ("1,234", 1234.0),
        ("12,345,678.5", 12_345_678.5),
        ("1.2E+07", 1.2e7),
        ("0,123", None),
        ("1,23", None),
        ("1,2345", None),
        ("01,234", None),
        (",123", None),
        ("1,,234", None),
        ("-5", None),
    ],
)
def test_thousands_groups_must_be_well_formed(revenue: str, value: float | None) -> None:
    panel = read_panel(_frame(["7261"], revenue=[revenue]), money_unit="元", input_unit="元")
    if value is None:
        assert panel.counts.rejected_by_reason == {"invalid_revenue": 1}
    else:
        assert panel.frame.get_column("revenue").to_list() == [value]


# --- Panel.columns is the frame's -----------------------------------------------------------


def test_panel_columns_are_the_frames(section_i: object) -> None:
    frame = _frame(["6513", "6511"], zone=["南京西路", "大宁"], hq_type=["", "跨国公司地区总部"])
    panel = read_panel(frame, columns=["year"], plan=section_i)  # type: ignore[arg-type]
    assert panel.columns == frozenset()
    assert set(panel.frame.columns) == {"industry_code", "year", "revenue"}
    ev = evaluate(panel, plan=section_i)  # type: ignore[arg-type]
    assert ev.indicator("info_revenue").values == {2025: pytest.approx(200 / 10_000)}
    # The shipped plan's enterprise functions need the credit code: a clear input error.
    panel = read_panel(_frame(["7261", "7211"]), columns=["year"])
    with pytest.raises(UsageError, match="need the enterprise key"):
        evaluate(panel)


def test_unknown_panel_column_in_columns_is_refused() -> None:
    with pytest.raises((ValueError, UsageError), match="not panel columns"):
        read_panel(_frame(["7261"]), columns=["employees"])


# --- a sum that overflows is an error naming the rows ---------------------------------------


def test_overflowing_sum_names_the_rows() -> None:
    frame = _frame(["7261", "7211", "7261"], year=["2024", "2025", "2025"])
    frame = frame.with_columns(revenue=pl.Series(["5", "1.7E+308", "1e308"]))
    with pytest.raises(PanelError) as info:
        read_panel(frame, money_unit="元", input_unit="元")
    assert str(info.value) == (
        "<dataframe>:3: the revenue of 2025 is too large to add up (元; the sum or the sum of "
        "squares exceeds 1.8e308), so no figure of 2025 could be computed. The largest rows: "
        "<dataframe>:3, <dataframe>:4. Check their revenue and the unit (--unit)."
    )
    assert info.value.problems[0].slug == "revenue_overflow"


def test_a_job_needing_a_column_left_out_says_so() -> None:
    panel = read_panel(_frame(["7261", "7211"]), columns=["year"])
    with pytest.raises(UsageError) as info:
        evaluate(panel, publish=True)
    assert str(info.value) == (
        "--publish needs the panel column credit_code, which this panel was read without; read "
        "it with read_panel(..., columns=[...]) including credit_code, or without columns= to "
        "keep them all"
    )


def test_2011_message_names_the_codes_that_would_move() -> None:
    frame = _frame(["7231", "7240", "7221", "7261"])
    with pytest.raises(PanelError) as info:
        read_panel(frame)
    assert (
        "Read as 2017, its codes 7221 (its 2011 class is now 7231), 7231 (its 2011 class is now "
        "7241) would count under other industries." in str(info.value)
    )


# --- invariants ---------------------------------------------------------------------------


def _widen(text: str) -> str:
    """Half-width ASCII → full-width (what NFKC undoes)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([(c, h) for c, hs in HEADER_ALIASES.items() for h in hs]),
    st.sampled_from([str.upper, str.lower, str.title, _widen, lambda t: t]),
    st.sampled_from(["", " ", "\u3000", "  "]),
)
def test_every_accepted_header_matches_whatever_its_case_width_and_spaces(
    alias: tuple[str, str], change: object, pad: str
) -> None:
    column, header = alias
    headers = {"credit_code": "credit_code", "industry_code": "industry_code", "year": "year"}
    headers |= {"revenue": "revenue", column: pad + change(header) + pad}  # type: ignore[operator]
    found = match_headers(list(headers.values()), "f.csv")
    assert found.positions[column] == list(headers).index(column)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=8), min_size=1, max_size=20))
def test_vectorised_normalisation_is_nfkc_and_strip(values: list[str]) -> None:
    frame = pl.DataFrame({"v": values})
    got = frame.select(normalize_text(pl.col("v"))).to_series().to_list()
    want = [normalize_value(v) or None for v in values]
    # Python's str.strip() also strips the ASCII separators U+001C–U+001F, which are not
    # Unicode White_Space; the contract's "white space" is Unicode's.
    assume(not any(c in "\x1c\x1d\x1e\x1f" for v in values for c in v))
    assert got == want


def test_a_wrong_section_letter_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        f"credit_code,industry_code,year,revenue\n{CODES[0]},I7261,2025,1\n{CODES[1]},7261,2025,1\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        f'{path}:2: [invalid_industry_code] industry_code "I7261" is not a GB/T 4754-2017 class '
        "code (4 digits, e.g. 0111; a section letter only before a class of that section, e.g. "
        "A0111): 7261 is a class of section L, not I; write 7261 or L7261"
    ) in result.stderr


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_2011_trap_follows_any_scope(data: st.DataObject) -> None:
    """For any section's divisions as the scope: a 2011-only code inside it stops the run, one
    outside it is an ordinary invalid code, and a 2017 class with its own section letter is
    used."""
    sections = division_sections()
    letter = data.draw(st.sampled_from(sorted(set(sections.values()))))
    scope = tuple(d for d, s in sections.items() if s == letter)
    inside = sorted(codes_2011_only_in(scope))
    outside = sorted(codes_2011_only() - set(inside))
    own = sorted(c for c in class_codes() if c.startswith(scope))
    code = data.draw(st.sampled_from(own))
    facts = {"scope_prefixes": scope, "money_unit": "亿元", "input_unit": "万元"}
    other = data.draw(st.sampled_from(outside))
    panel = read_panel(_frame([letter.lower() + code, other]), **facts)  # type: ignore[arg-type]
    assert panel.counts.used == 1
    assert panel.counts.rejected_by_reason == {"invalid_industry_code": 1}
    if inside:
        trap = data.draw(st.sampled_from(inside))
        with pytest.raises(PanelError, match=f"industry code {trap} exists only in GB/T 4754-2011"):
            read_panel(_frame([code, trap]), **facts)  # type: ignore[arg-type]
