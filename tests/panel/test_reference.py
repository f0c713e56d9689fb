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
