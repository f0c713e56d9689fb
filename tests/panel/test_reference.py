from __future__ import annotations

from pathlib import Path

import pytest

from jingan_kpi.errors import ReferenceSeriesError
from jingan_kpi.panel import read_reference

from .conftest import SAMPLES


def test_committed_reference() -> None:
    refs = read_reference(SAMPLES / "reference.csv")
    assert refs.series["district_economy"].kind == "rate"
    assert refs.series["city_lbs_revenue"].values[2025] == 13400.0
    assert "not official" in refs.series["city_lbs_revenue"].source


def test_levels_converted(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        'series,year,value,unit,source\ncity,2025,"1,000,000",万元,x\n', encoding="utf-8"
    )
    assert read_reference(path).series["city"].values == {2025: 100.0}


def test_problems_have_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "series,year,value,unit,source\n"
        "a,2025,1,%,s\n"
        "a,2025,2,%,s\n"
        "b,2025,1,%,s\n"
        "b,2026,1,亿元,s\n"
        "c,20x5,abc,美元,\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceSeriesError) as info:
        read_reference(path)
    found = [(p.slug, p.place.line) for p in info.value.problems]
    assert ("duplicate_reference", 3) in found
    assert ("mixed_series_kind", 4) in found
    assert {
        ("invalid_year", 6),
        ("invalid_value", 6),
        ("invalid_unit", 6),
        ("missing_source", 6),
    } <= set(found)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReferenceSeriesError, match="does not exist"):
        read_reference(tmp_path / "nope.csv")


DECLARED = {
    "district_economy": "rate",
    "city_lbs_revenue": "level",
    "district_lbs_revenue": "level",
}


def test_group_members_take_the_group_kind_and_their_own_units(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "series,year,value,unit,source\n"
        "district_lbs_revenue[黄浦区],2025,1500,亿元,s\n"
        'district_lbs_revenue[ 浦东新区 ],2025,"30,000,000",万元,s\n'
        "district_lbs_revenue[静安区],2025,1.9e11,元,s\n"
        "city_lbs_revenue,2025,13400,亿元,s\n",
        encoding="utf-8",
    )
    refs = read_reference(path, declared=DECLARED)
    assert refs.notes == ()
    members = refs.members("district_lbs_revenue")
    assert {m: r.values for m, r in members.items()} == {
        "黄浦区": {2025: 1500.0},
        "浦东新区": {2025: 3000.0},
        "静安区": {2025: 1900.0},
    }
    assert all(r.kind == "level" for r in members.values())
    assert refs.members("city_lbs_revenue") == {}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "district_economy,2025,5.1,亿元,s",
            "r.csv:2:4: district_economy is declared a growth rate in the plan (kind: rate), so "
            'its unit is "%", not "亿元"',
        ),
        (
            "city_lbs_revenue,2025,5.1,%,s",
            "r.csv:2:4: city_lbs_revenue is declared a level in the plan (kind: level), so its "
            'unit is a money unit (元, 千元, 万元, 亿元), not "%"',
        ),
        (
            "district_lbs_revenue[黄浦区],2025,3.2,%,s",
            "r.csv:2:4: district_lbs_revenue[黄浦区] is declared a level in the plan",
        ),
    ],
)
def test_unit_of_the_wrong_kind_names_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(f"series,year,value,unit,source\n{row}\n", encoding="utf-8")
    with pytest.raises(ReferenceSeriesError) as info:
        read_reference(path, declared=DECLARED)
    problem = info.value.problems[0]
    assert problem.slug == "wrong_unit_kind"
    assert (problem.place.line, problem.place.column) == (2, 4)
    assert problem.message.startswith(str(tmp_path / message))
    # without the plan's declarations the file is valid
    assert read_reference(path).series


def test_undeclared_series_are_noted_with_the_nearest_name(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "series,year,value,unit,source\n"
        "city_lbs_revenue,2025,13400,亿元,s\n"
        "city_lbs_revenu,2025,13400,亿元,s\n"
        "city_lbs_revenu,2026,13400,亿元,s\n"
        "district_lbs_revenu[黄浦区],2025,1,亿元,s\n"
        "district_lbs_revenu[徐汇区],2025,1,亿元,s\n"
        "gdp,2025,1,亿元,s\n",
        encoding="utf-8",
    )
    refs = read_reference(path, declared=DECLARED)
    assert refs.notes == (
        f"{path}:3: reference series city_lbs_revenu is not declared under the plan's "
        'references: (did you mean "city_lbs_revenue"?); no formula uses it',
        f"{path}:5: reference series group district_lbs_revenu (series district_lbs_revenu[…]) "
        "is not declared under the plan's references: (did you mean "
        '"district_lbs_revenue"?); no formula uses it',
        f"{path}:7: reference series gdp is not declared under the plan's references:; "
        "no formula uses it",
    )
