"""``rank(EXPR, among=GROUP)`` (contract §8) worked out by hand."""

from __future__ import annotations

from jingan_kpi.compute.rank import rank_among
from jingan_kpi.compute.series import YearSeries
from jingan_kpi.panel.types import ReferenceSeries


def member(name: str, values: dict[int, float]) -> ReferenceSeries:
    return ReferenceSeries(f"g[{name}]", "level", values, "亿元", f"bureau of {name}")


MEMBERS = {
    "黄浦区": member("黄浦区", {2024: 1800.0, 2025: 2000.0, 2026: 2100.0}),
    "浦东新区": member("浦东新区", {2024: 3000.0, 2025: 3100.0, 2026: 3300.0}),
    "徐汇区": member("徐汇区", {2024: 900.0, 2025: 1900.000000000_4, 2026: 1000.0}),
    "静安区": member("静安区", {2024: 1.0, 2025: 99_999.0}),
}
OWN = YearSeries({2024: 1850.0, 2025: 1900.0, 2026: 2200.0})


def test_one_plus_the_members_strictly_greater() -> None:
    got = rank_among(OWN, "g", MEMBERS, district="静安区")
    # 2024: 浦东 3000 > 1850 → 2; 2025: 黄浦 2000, 浦东 3100 > 1900, 徐汇 1900.0000000004 is a
    # tie once rounded to 9 decimals → 3; 2026: only 浦东 → 2. 静安区 itself is left out (it has
    # no 2026 value, which would otherwise leave 2026 without a rank).
    assert got.values == {2024: 2, 2025: 3, 2026: 2}
    assert all(isinstance(v, int) for v in got.values.values())
    assert "g: bureau of 黄浦区" in got.sources
    assert "g: bureau of 静安区" not in got.sources


def test_the_own_district_is_matched_after_nfkc() -> None:
    # Full-width spaces around the plan's name: still the same district.
    got = rank_among(OWN, "g", MEMBERS, district="\u3000静安区 ")
    assert got.values == {2024: 2, 2025: 3, 2026: 2}


def test_without_the_district_named_it_counts_as_a_member() -> None:
    got = rank_among(OWN, "g", MEMBERS)
    # 2026 has no value: 静安区's member has none that year
    assert got.values == {2024: 2, 2025: 4}
    assert got.missing == ("reference group 'g': 静安区 has no value in 2026",)


def test_no_value_where_the_own_figure_or_a_member_has_none() -> None:
    own = YearSeries({2025: 1900.0, 2026: 5000.0, 2027: 1.0})
    got = rank_among(own, "g", MEMBERS, district="静安区")
    assert got.values == {2025: 3, 2026: 1}
    assert "徐汇区, 浦东新区, 黄浦区 has no value in 2027" in got.missing[0]


def test_missing_group_is_a_reason() -> None:
    got = rank_among(OWN, "g", {}, district="静安区", where=" in ref.csv")
    assert got.values == {}
    assert got.missing == ("reference group 'g' not supplied in ref.csv (series g[MEMBER])",)
    only_own = {"静安区": MEMBERS["静安区"]}
    assert (
        "has no members other than the plan's own district"
        in rank_among(OWN, "g", only_own, district="静安区").missing[0]
    )
