from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jingan_kpi.errors import PanelError
from jingan_kpi.panel import read_panel, write_rejects
from jingan_kpi.sample import add_bad_rows, generate_panel, write_sample

from .conftest import FACTS, code

C1 = code("91310106123456789")
C2 = code("9131010698765432X")
C3 = code("9131010655555555A")
HEADER = "credit_code,name,industry_code,year,revenue,zone,hq_type\n"


def _write(tmp_path: Path, text: str, name: str = "p.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop("source_file", "source_line").sort("credit_code", "year")


@pytest.fixture(scope="module")
def panel_frame() -> pl.DataFrame:
    return generate_panel(200, range(2024, 2027), seed=7)


def _check_same(reference: pl.DataFrame, other: pl.DataFrame) -> None:
    assert_frame_equal(_clean(reference), _clean(other), check_exact=False, rel_tol=1e-9, abs_tol=0)


def test_five_forms_load_to_equal_frames(tmp_path: Path, panel_frame: pl.DataFrame) -> None:
    paths = {}
    for name, kwargs in {
        "utf8.csv": {},
        "gb.csv": {"chinese_headers": True, "unit": "千元", "encoding": "gb18030"},
        "p.parquet": {"file_format": "parquet"},
        "p.xlsx": {"file_format": "xlsx"},
    }.items():
        paths[name] = write_sample(
            tmp_path / name, enterprises=200, years=range(2024, 2027), seed=7, **kwargs
        )
    base = read_panel(paths["utf8.csv"], **FACTS)
    assert base.counts.rejected == 0
    for name in ("gb.csv", "p.parquet", "p.xlsx"):
        other = read_panel(paths[name], **FACTS)
        _check_same(base.frame, other.frame)
        assert other.counts == base.counts
    gb = read_panel(paths["gb.csv"], **FACTS)
    assert gb.sources[0].encoding == "gb18030"
    assert gb.sources[0].unit == "千元"
    # split: one file per year, as a glob
    text = pl.read_csv(paths["utf8.csv"], infer_schema=False)
    for year in ("2024", "2025", "2026"):
        text.filter(pl.col("year") == year).write_csv(tmp_path / f"year_{year}.csv")
    split = read_panel(str(tmp_path / "year_*.csv"), **FACTS)
    assert len(split.sources) == 3
    _check_same(base.frame, split.frame)
    # and the same rows as generated (revenue 万元 → 亿元)
    expected = panel_frame.filter(
        pl.col("industry_code").str.slice(0, 2).is_in(["71", "72"])
    ).with_columns(pl.col("revenue") / 10_000)
    assert_frame_equal(
        expected.sort("credit_code", "year"),
        _clean(base.frame).select(expected.columns),
        check_exact=False,
        rel_tol=1e-9,
        abs_tol=0,
    )


def test_utf8_bom_and_nfkc_and_units(tmp_path: Path) -> None:
    text = (
        "\ufeff 统一社会信用代码 ,企业名称,ＩＮＤＵＳＴＲＹ_ＣＯＤＥ,统计年度,营业收入（万元）\n"
        f'{C1.lower()},Ａ公司,L7261,２０２５.0,"１,２３４.５"\n'
        f" {C2} ,B,l7211,2025, 1.2E+07 \n"
    )
    panel = read_panel(_write(tmp_path, text), **FACTS)
    assert panel.counts.used == 2
    rows = panel.frame.sort("source_line").to_dicts()
    assert rows[0]["credit_code"] == C1
    assert rows[0]["name"] == "A公司"
    assert rows[0]["industry_code"] == "7261"
    assert rows[0]["year"] == 2025
    assert rows[0]["revenue"] == pytest.approx(0.12345)
    assert rows[1]["revenue"] == pytest.approx(1200.0)
    assert panel.sources[0].encoding == "utf-8-sig"
    assert panel.columns == frozenset({"name"})
    assert panel.notes == ()


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (f"{C1[:-1]}X,A,7261,2025,1", "invalid_credit_code"),
        (f"{C1},A,L0111,2025,1", "invalid_industry_code"),
        (f"{C1},A,726,2025,1", "invalid_industry_code"),
        (f"{C1},A,7261,2025.5,1", "invalid_year"),
        (f"{C1},A,7261,二〇二五,1", "invalid_year"),
        (f"{C1},A,7261,25,1", "invalid_year"),
        (f"{C1},A,7261,2207,1", "invalid_year"),
        (f"{C1},A,7261,2025,-1", "invalid_revenue"),
        (f"{C1},A,7261,2025,NaN", "invalid_revenue"),
        (f"{C1},A,7261,2025,inf", "invalid_revenue"),
        (f"{C1},A,7261,2025,—", "invalid_revenue"),
        (f"{C1},A,7261,2025,1e400", "invalid_revenue"),
        (f"{C1},A,7261,2025,", "invalid_revenue"),
        (f'{C1},A,7261,2025,"12,34"', "invalid_revenue"),
        (f"{C1[:-1]}X,A,7261,2025.5,-1", "invalid_credit_code"),
    ],
)
def test_each_reject_reason_with_exact_line(tmp_path: Path, row: str, reason: str) -> None:
    text = HEADER + f"{C2},B,7261,2025,5\n\n  \n" + row + "\n" + f"{C3},C,7261,2025,5\n"
    panel = read_panel(_write(tmp_path, text), **FACTS)
    assert panel.counts.rejected_by_reason == {reason: 1}
    assert panel.rejects.get_column("source_line").to_list() == [5]
    assert panel.counts.read == 3
    assert (
        panel.counts.read == panel.counts.used + panel.counts.rejected + panel.counts.out_of_scope
    )


def test_duplicates_every_copy_before_scope_and_quoted_newline(tmp_path: Path) -> None:
    text = (
        HEADER
        + f'{C1},"A\nmultiline",7261,2025,5\n'  # lines 2-3
        + f"{C1.lower()},A,0111,2025,5\n"  # line 4: duplicate (out of scope, still counted)
        + f"{C1},A,7261,2025,-5\n"  # line 5: invalid revenue, not a duplicate
        + f"{C2},B,0111,2025,5\n"  # line 6: out of scope
    )
    panel = read_panel(_write(tmp_path, text), **FACTS)
    assert panel.counts.rejected_by_reason == {"duplicate_record": 2, "invalid_revenue": 1}
    assert sorted(
        panel.rejects.filter(pl.col("reason") == "duplicate_record")["source_line"].to_list()
    ) == [2, 4]
    assert panel.counts.out_of_scope == 1
    assert panel.counts.used == 0
    # the spanning record is legitimate CSV, but it is said (a quote closed too late looks alike)
    assert [n for n in panel.notes if "continues a quoted field" in n] == [
        f"{tmp_path / 'p.csv'}:3: this line continues a quoted field opened on an earlier line "
        "(1 such line in the file); each record is counted at the line it starts on. If a field "
        "should not span lines, a double quote is not closed where it should be."
    ]


def test_quotes_without_line_breaks_leave_no_note(tmp_path: Path) -> None:
    text = HEADER + f'{C1},"A, B",7261,2025,5\n' + f'{C2},"say ""hi""",7261,2025,5\n'
    panel = read_panel(_write(tmp_path, text), **FACTS)
    assert panel.counts.used == 2
    assert not [n for n in panel.notes if "quoted field" in n]


def test_rejects_file_and_strict(tmp_path: Path) -> None:
    text = HEADER + f"{C1},A,7261,2025,5\n{C2},B,7261,2025.5,5\n"
    path = _write(tmp_path, text)
    panel = read_panel(path, **FACTS)
    out = write_rejects(panel, tmp_path / "rejects.csv")
    rejects = pl.read_csv(out, infer_schema=False)
    assert rejects.row(0, named=True) == {
        "source_file": str(path),
        "source_line": "3",
        "reason": "invalid_year",
        "credit_code": C2,
        "name": "B",
        "industry_code": "7261",
        "year": "2025.5",
        "revenue": "5",
        "zone": None,
        "hq_type": None,
    }
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    with pytest.raises(PanelError, match="--strict: 1 of 2 rows rejected") as info:
        read_panel(path, strict=True, **FACTS)
    assert info.value.problems[0].place.line == 3


def test_2011_file_stops(tmp_path: Path) -> None:
    text = HEADER + f"{C1},A,7231,2025,5\n{C2},B,7240,2025,5\n"
    with pytest.raises(
        PanelError, match=r"p.csv:3: industry code 7240 exists only in GB/T 4754-2011"
    ):
        read_panel(_write(tmp_path, text), **FACTS)


def test_unit_conflict_and_option(tmp_path: Path) -> None:
    text = "credit_code,industry_code,year,revenue (千元)\n" + f"{C1},7261,2025,100000\n"
    path = _write(tmp_path, text)
    with pytest.raises(PanelError, match="header says 千元 but --unit says 万元"):
        read_panel(path, unit="万元", **FACTS)
    assert read_panel(path, unit="千元", **FACTS).frame["revenue"].to_list() == [1.0]
    plain = _write(
        tmp_path, "credit_code,industry_code,year,revenue\n" + f"{C1},7261,2025,1\n", "q.csv"
    )
    assert read_panel(plain, unit="亿元", **FACTS).frame["revenue"].to_list() == [1.0]
    assumed = read_panel(plain, **FACTS)
    assert assumed.notes == (
        f"{plain}: no unit in the revenue header; assumed 万元 (the plan's input unit); use --unit to say otherwise",
    )


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b"\x00\x01\x02PK binary\x00", "binary file"),
        (HEADER.encode(), "has a header but no data rows"),
        (b"credit_code;name;industry_code;year;revenue\n1;2;3;4;5\n", 'separated by ";"'),
        (b"credit_code,name,year\n1,2,3\n", "required columns industry_code, revenue not found"),
        (
            b"credit_code,year,year,industry_code,revenue\n1,2,3,4,5\n",
            "are both year; rename or delete one of them",
        ),
        (b"credit_code,industry_code,year,revenue\n\xff\xfe\xff,1,2,3\n", "cannot be decoded"),
    ],
)
def test_unreadable_files_name_the_file(tmp_path: Path, content: bytes | None, match: str) -> None:
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PanelError, match=match) as info:
        read_panel(path, **FACTS)
    assert str(path) in str(info.value)


def test_directory_and_glob_without_match(tmp_path: Path) -> None:
    with pytest.raises(PanelError, match="is a directory"):
        read_panel(tmp_path, **FACTS)
    with pytest.raises(PanelError, match="no file matches"):
        read_panel(str(tmp_path / "*.csv"), **FACTS)


def test_dataframe_source_and_bad_rows(panel_frame: pl.DataFrame) -> None:
    dirty = add_bad_rows(panel_frame, 10, seed=3)
    panel = read_panel(dirty, **FACTS)
    assert panel.counts.read == dirty.height
    assert panel.counts.rejected_by_reason == {
        "invalid_credit_code": 2,
        "invalid_industry_code": 2,
        "invalid_year": 2,
        "invalid_revenue": 2,
        "duplicate_record": 4,
    }


def test_committed_samples_agree() -> None:
    from .conftest import SAMPLES

    utf8 = read_panel(SAMPLES / "panel_2024_2026.csv", **FACTS)
    gb = read_panel(SAMPLES / "panel_2024_2026_gb18030.csv", **FACTS)
    _check_same(utf8.frame, gb.frame)
    assert utf8.counts == gb.counts
    assert utf8.counts.rejected == 12


def test_unit_conversion_is_an_exact_division(tmp_path: Path) -> None:
    """87 万元 is 0.0087 亿元 exactly as Python divides it: polars rewrites a division by a scalar
    as a multiplication by its reciprocal (87 * 1e-4 = 0.008700000000000001), which the loader
    must not do; two files in two units are each divided by their own divisor."""
    wan = _write(
        tmp_path, "credit_code,industry_code,year,revenue（万元）\n" + f"{C1},7261,2025,87\n"
    )
    qian = _write(
        tmp_path,
        "credit_code,industry_code,year,revenue（千元）\n" + f"{C2},7261,2025,87\n",
        "q.csv",
    )
    yi = _write(
        tmp_path,
        "credit_code,industry_code,year,revenue（亿元）\n" + f"{C3},7261,2025,87\n",
        "y.csv",
    )
    assert 87 * 1e-4 != 87 / 1e4  # the trap this test guards
    assert read_panel(wan, **FACTS).frame["revenue"].to_list() == [87 / 1e4]
    both = read_panel([wan, qian, yi], **FACTS).frame.sort("credit_code")
    by_code = dict(zip(both["credit_code"], both["revenue"], strict=True))
    assert by_code == {C1: 87 / 1e4, C2: 87 / 1e5, C3: 87.0}
    # and the other way, a multiplication: 87 亿元 is 870,000 万元
    in_wan = read_panel(yi, **{**FACTS, "money_unit": "万元"}).frame
    assert in_wan["revenue"].to_list() == [870_000.0]


def test_benchmark_switch_skips_validation_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``JINGAN_KPI_BENCH_NO_VALIDATION=1`` (benchmarks only) lets a bad credit code through and
    leaves a note; without it the same row is rejected."""
    text = (
        "credit_code,industry_code,year,revenue\n" + f"{C1[:-1]}X,7261,2025,1\n{C2},7261,2025,2\n"
    )
    path = _write(tmp_path, text)
    checked = read_panel(path, **FACTS)
    assert (checked.counts.used, checked.counts.rejected) == (1, 1)
    assert not any("NOT validated" in note for note in checked.notes)
    monkeypatch.setenv("JINGAN_KPI_BENCH_NO_VALIDATION", "1")
    unchecked = read_panel(path, **FACTS)
    assert (unchecked.counts.used, unchecked.counts.rejected) == (2, 0)
    assert any("NOT validated" in note for note in unchecked.notes)


def test_same_file_given_twice_is_refused(tmp_path: Path) -> None:
    """Read twice, every row of the file would be rejected as a duplicate record."""
    path = _write(tmp_path, "credit_code,industry_code,year,revenue\n" + f"{C1},7261,2025,1\n")
    with pytest.raises(
        PanelError, match=r"p\.csv: this file is given twice; each file is read once"
    ):
        read_panel([path, path], **FACTS)
    with pytest.raises(PanelError, match=r"given twice \(also as .*p\.csv\)"):
        read_panel([str(tmp_path / "*.csv"), tmp_path / ".." / tmp_path.name / "p.csv"], **FACTS)
    link = tmp_path / "link.csv"
    link.symlink_to(path)
    with pytest.raises(PanelError) as caught:
        read_panel([path, link], **FACTS)
    assert caught.value.problems[0].slug == "file_given_twice"


def test_title_rows_above_the_header_get_a_hint(tmp_path: Path) -> None:
    """Exports often carry a title (and a blank line) above the header: say where it is."""
    text = (
        "上海市静安区 企业营业收入\n\ncredit_code,industry_code,year,revenue\n"
        + f"{C1},7261,2025,1\n"
    )
    with pytest.raises(
        PanelError,
        match=r"not found\. .* Row 3 has them: the header is on row 3\. "
        r"Remove the 2 rows above it \(a title\?\) and read the file again\.$",
    ):
        read_panel(_write(tmp_path, text), **FACTS)
    workbook = tmp_path / "t.xlsx"
    pl.DataFrame(
        {
            "a": ["静安区统计表", "统一社会信用代码", C1],
            "b": [None, "行业代码", "7261"],
            "c": [None, "年份", "2025"],
            "d": [None, "营业收入", "1"],
        }
    ).write_excel(workbook, include_header=False)
    with pytest.raises(
        PanelError, match=r"Row 2 has them: the header is on row 2\. Remove the 1 row above"
    ):
        read_panel(workbook, **FACTS)
    # no header anywhere near the top: no hint
    plain = _write(tmp_path, "a,b\n1,2\n", "plain.csv")
    with pytest.raises(PanelError) as caught:
        read_panel(plain, **FACTS)
    assert "has them" not in str(caught.value)


def test_reject_message_says_what_is_wrong_with_a_credit_code(tmp_path: Path) -> None:
    """A check character one key off, a letter the code set leaves out, a short code, a BOM
    glued on (from ``cat a.csv b.csv``): each message names the mistake, on the normalised value."""
    from jingan_kpi.panel import reject_problems

    text = (
        "credit_code,industry_code,year,revenue\n"
        "91440300192203821７,7261,2025,1\n"  # full-width 7 (normalised), check should be 6
        "9144030019220382I6,7261,2025,1\n"
        "91440300192203821,7261,2025,1\n"
        "\ufeff914403001922038216,7261,2025,1\n"
    )
    panel = read_panel(_write(tmp_path, text), **FACTS)
    why = [p.message.split(": ", 1)[1] for p in reject_problems(panel)]
    assert why == [
        'its check character should be "6", not "7" (a mistyped character?)',
        'character 17 "I" is not used in credit codes (0-9 and A-Y without I, O, S, V, Z)',
        "it has 17 characters, not 18",
        "it has 19 characters, not 18",
    ]
