"""Enterprise dynamics (contract §8) on a small hand-made panel, and against a plain-Python
reading of §8 on random panels.

Panel (revenue in 亿元; sector hr = 726x), 2022–2026:

=====  =====================================================================================
A      7263 南京西路 1.0, 1.2, 1.5, 2.0, 2.5 (high growth in 2025 and 2026)
B      7241 (consulting) 苏河湾 0.05 in 2022, then 7263 苏河湾 0.08, 0.12, 7263 南京西路 0.2 in
       2025; gone in 2026 (switches sector, then zone, then leaves)
C      7262 大宁 0.5 in 2022, absent 2023, back 0.5, 0.4 in 2024–2025, gone in 2026
D      7263 苏河湾 from 2023: 0.15, 0.09, 0.11, 0.11 (crosses 0.1 down, then up)
E      7269 其他 0.0, 0.0, 0.02, 5.0, 5.0 (zero revenue at the start)
F      7263 南京西路 from 2023: 1.0, 1.1, 1.3, 1.728 (exactly 20% a year: not above)
G      7263 南京西路 from 2024: 0.05, 0.0999999999996 (≥ 0.1 once rounded), 0.0999999
H      7211 (org) 1.0 in 2022–2025, 7263 3.0 in 2026 (its history is in another sector)
I      7241 0.05 in 2025, 7263 0.3 in 2026 (crosses 0.1 while changing sector)
=====  =====================================================================================
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingan_kpi.compute.enterprise import (
    EnterpriseSpec,
    credit_key,
    enterprise_counts,
    enterprise_rows,
)

ROWS: list[tuple[str, str, int, float, str]] = [
    ("A", "7263", 2022, 1.0, "南京西路"),
    ("A", "7263", 2023, 1.2, "南京西路"),
    ("A", "7263", 2024, 1.5, "南京西路"),
    ("A", "7263", 2025, 2.0, "南京西路"),
    ("A", "7263", 2026, 2.5, "南京西路"),
    ("B", "7241", 2022, 0.05, "苏河湾"),
    ("B", "7263", 2023, 0.08, "苏河湾"),
    ("B", "7263", 2024, 0.12, "苏河湾"),
    ("B", "7263", 2025, 0.2, "南京西路"),
    ("C", "7262", 2022, 0.5, "大宁"),
    ("C", "7262", 2024, 0.5, "大宁"),
    ("C", "7262", 2025, 0.4, "大宁"),
    ("D", "7263", 2023, 0.15, "苏河湾"),
    ("D", "7263", 2024, 0.09, "苏河湾"),
    ("D", "7263", 2025, 0.11, "苏河湾"),
    ("D", "7263", 2026, 0.11, "苏河湾"),
    ("E", "7269", 2022, 0.0, "其他"),
    ("E", "7269", 2023, 0.0, "其他"),
    ("E", "7269", 2024, 0.02, "其他"),
    ("E", "7269", 2025, 5.0, "其他"),
    ("E", "7269", 2026, 5.0, "其他"),
    ("F", "7263", 2023, 1.0, "南京西路"),
    ("F", "7263", 2024, 1.1, "南京西路"),
    ("F", "7263", 2025, 1.3, "南京西路"),
    ("F", "7263", 2026, 1.728, "南京西路"),
    ("G", "7263", 2024, 0.05, "南京西路"),
    ("G", "7263", 2025, 0.0999999999996, "南京西路"),
    ("G", "7263", 2026, 0.0999999, "南京西路"),
    ("H", "7211", 2022, 1.0, "其他"),
    ("H", "7211", 2023, 1.0, "其他"),
    ("H", "7211", 2024, 1.0, "其他"),
    ("H", "7211", 2025, 1.0, "其他"),
    ("H", "7263", 2026, 3.0, "其他"),
    ("I", "7241", 2025, 0.05, "苏河湾"),
    ("I", "7263", 2026, 0.3, "苏河湾"),
]
YEARS = [2022, 2023, 2024, 2025, 2026]
HR = pl.col("industry_code").str.starts_with("726")
SUHEWAN = HR & (pl.col("zone") == "苏河湾")


def frame(rows: list[tuple[str, str, int, float, str]] = ROWS) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "credit_code": pl.String,
            "industry_code": pl.String,
            "year": pl.Int32,
            "revenue": pl.Float64,
            "zone": pl.String,
        },
        orient="row",
    )


def counts(
    spec: EnterpriseSpec, rows: list[tuple[str, str, int, float, str]] = ROWS
) -> dict[int, int]:
    years = sorted({r[2] for r in rows})
    return enterprise_counts(frame(rows), {"x": spec}, years, key=pl.col("credit_code"))["x"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # members 2022 A C E; 2023 A B D E F; 2024 A-G; 2025 A-G; 2026 A D E F G H I
        (EnterpriseSpec("entrants", HR), {2023: 3, 2024: 2, 2025: 0, 2026: 2}),
        (EnterpriseSpec("exits", HR), {2023: 1, 2024: 0, 2025: 0, 2026: 2}),
        # ≥ 0.1: 2022 A C; 2023 A D F; 2024 A B C F; 2025 A-G; 2026 A D E F H I
        (EnterpriseSpec("entrants", HR, min_revenue=0.1), {2023: 2, 2024: 2, 2025: 3, 2026: 2}),
        (EnterpriseSpec("exits", HR, min_revenue=0.1), {2023: 1, 2024: 1, 2025: 0, 2026: 3}),
        # 2024 B (0.08 before); 2025 D, E, G; 2026 I (0.05 in consulting before)
        (EnterpriseSpec("crossed", HR, min_revenue=0.1), {2023: 0, 2024: 1, 2025: 3, 2026: 1}),
        # 2025: A (1.0 → 2.0); 2026: A (1.2 → 2.5), H (1.0 in org → 3.0); F is exactly 20%
        (EnterpriseSpec("high_growth", HR, min_revenue=0.1), {2025: 1, 2026: 2}),
        # without a minimum, B's 0.05 (in consulting) → 0.2 counts too; E's 0 never does
        (EnterpriseSpec("high_growth", HR), {2025: 2, 2026: 2}),
        # +50% in one year: 2023 B; 2024 none (B's 0.08 → 0.12 is exactly +50%); 2025 B, E, G;
        # 2026 H, I
        (
            EnterpriseSpec("high_growth", HR, rate=0.5, years=1),
            {2023: 1, 2024: 0, 2025: 3, 2026: 2},
        ),
        (EnterpriseSpec("entrants", SUHEWAN), {2023: 2, 2024: 0, 2025: 0, 2026: 1}),
        (EnterpriseSpec("exits", SUHEWAN), {2023: 0, 2024: 0, 2025: 1, 2026: 0}),
    ],
)
def test_hand_computed(spec: EnterpriseSpec, expected: dict[int, int]) -> None:
    assert counts(spec) == expected


def test_high_growth_one_year_names_the_enterprises() -> None:
    rows = enterprise_rows(
        frame(),
        EnterpriseSpec("high_growth", HR, rate=0.5, years=1),
        YEARS,
        key=pl.col("credit_code"),
        keep=["credit_code"],
    )
    assert rows.select("year", "credit_code", "base_year").rows() == [
        (2023, "B", 2022),
        (2025, "E", 2024),
        (2025, "B", 2024),
        (2025, "G", 2024),
        (2026, "H", 2025),
        (2026, "I", 2025),
    ]


def test_no_value_where_the_earlier_year_is_not_covered() -> None:
    gap = [r for r in ROWS if r[2] != 2024]
    # 2025 has no value: 2024 is not covered
    assert counts(EnterpriseSpec("entrants", HR), gap) == {2023: 3, 2026: 2}
    assert counts(EnterpriseSpec("exits", HR), gap) == {2023: 1, 2026: 2}
    # 2025's t−3 = 2022 is covered; 2026's 2023 too
    assert counts(EnterpriseSpec("high_growth", HR, min_revenue=0.1), gap) == {2025: 1, 2026: 2}
    assert counts(EnterpriseSpec("high_growth", HR), ROWS[:1]) == {}


def test_hashed_key_gives_the_same_counts() -> None:
    data = frame().with_columns(credit_key=credit_key(pl.col("credit_code"))).drop("credit_code")
    specs = {
        "in": EnterpriseSpec("entrants", HR, min_revenue=0.1),
        "out": EnterpriseSpec("exits", HR),
        "up": EnterpriseSpec("crossed", HR, min_revenue=0.1),
        "hg": EnterpriseSpec("high_growth", HR, min_revenue=0.1),
    }
    hashed = enterprise_counts(data, specs, YEARS, key=pl.col("credit_key"))
    plain = enterprise_counts(frame(), specs, YEARS, key=pl.col("credit_code"))
    assert hashed == plain
    assert hashed["up"] == {2023: 0, 2024: 1, 2025: 3, 2026: 1}


def test_rows_behind_the_counts() -> None:
    rows = enterprise_rows(
        frame(),
        EnterpriseSpec("crossed", HR, min_revenue=0.1),
        YEARS,
        key=pl.col("credit_code"),
        keep=["credit_code", "industry_code"],
    )
    assert rows.select("year", "credit_code", "revenue", "base_year", "base_revenue").rows() == [
        (2024, "B", 0.12, 2023, 0.08),
        (2025, "E", 5.0, 2024, 0.02),
        (2025, "D", 0.11, 2024, 0.09),
        (2025, "G", 0.0999999999996, 2024, 0.05),
        (2026, "I", 0.3, 2025, 0.05),
    ]
    exits = enterprise_rows(
        frame(), EnterpriseSpec("exits", HR), YEARS, key=pl.col("credit_code"), keep=["credit_code"]
    )
    assert exits.select("year", "credit_code", "revenue", "base_year", "base_revenue").rows() == [
        (2023, "C", None, 2022, 0.5),
        (2026, "C", None, 2025, 0.4),
        (2026, "B", None, 2025, 0.2),
    ]


def oracle(
    rows: list[tuple[str, str, int, float, str]],
    func: str,
    member: Callable[[str, str], bool],
    x: float | None,
    rate: float = 0.2,
    k: int = 3,
) -> dict[int, int]:
    """Contract §8 read literally, one enterprise at a time, in plain Python."""
    by = {(r[0], r[2]): r for r in rows}
    years = sorted({r[2] for r in rows})
    firms = sorted({r[0] for r in rows})

    def is_member(firm: str, year: int, with_min: bool = True) -> bool:
        r = by.get((firm, year))
        if r is None or not member(r[1], r[4]):
            return False
        return not (with_min and x is not None) or round(r[3], 9) >= x

    out: dict[int, int] = {}
    lag = k if func == "high_growth" else 1
    for t in years:
        if t - lag not in years:
            continue
        n = 0
        for f in firms:
            if func == "entrants":
                n += is_member(f, t) and not is_member(f, t - 1)
            elif func == "exits":
                n += is_member(f, t - 1) and not is_member(f, t)
            elif func == "crossed":
                before = by.get((f, t - 1))
                n += is_member(f, t) and before is not None and round(before[3], 9) < (x or 0)
            else:
                base = by.get((f, t - k))
                if not is_member(f, t, with_min=False) or base is None:
                    continue
                b = round(base[3], 9)
                if b >= (x or 0.0) and b > 0:
                    growth = (by[(f, t)][3] / base[3]) ** (1 / k) - 1
                    n += round(growth, 9) > rate
        out[t] = n
    return out


_REVENUES = st.sampled_from([0.0, 0.05, 0.0999999999996, 0.1, 0.12, 0.2, 0.5, 1.0, 1.728, 3.0])


@st.composite
def panels(draw: st.DrawFn) -> list[tuple[str, str, int, float, str]]:
    rows = []
    for firm in "ABCDEFGH"[: draw(st.integers(1, 8))]:
        for year in range(2020, 2026):
            if draw(st.booleans()):
                code = draw(st.sampled_from(["7263", "7262", "7241", "7211"]))
                zone = draw(st.sampled_from(["苏河湾", "大宁"]))
                rows.append((firm, code, year, draw(_REVENUES), zone))
    return rows


@settings(max_examples=60, deadline=None)
@given(
    rows=panels(),
    func=st.sampled_from(["entrants", "exits", "crossed", "high_growth"]),
    x=st.sampled_from([None, 0.1, 0.5]),
    k=st.integers(1, 3),
    zoned=st.booleans(),
)
def test_agrees_with_a_literal_reading(
    rows: list[tuple[str, str, int, float, str]], func: str, x: float | None, k: int, zoned: bool
) -> None:
    if not rows:
        return
    if func == "crossed" and x is None:
        x = 0.1

    def member(code: str, zone: str) -> bool:
        return code.startswith("726") and (not zoned or zone == "苏河湾")

    mask = SUHEWAN if zoned else HR
    spec = EnterpriseSpec(func, mask, min_revenue=x, years=k)  # type: ignore[arg-type]
    assert counts(spec, rows) == oracle(rows, func, member, x, k=k)


@settings(max_examples=40, deadline=None)
@given(rows=panels(), x=st.sampled_from([None, 0.1]))
def test_entrants_minus_exits_is_the_change_in_members(
    rows: list[tuple[str, str, int, float, str]], x: float | None
) -> None:
    if not rows:
        return
    entered = counts(EnterpriseSpec("entrants", HR, min_revenue=x), rows)
    left = counts(EnterpriseSpec("exits", HR, min_revenue=x), rows)
    members: dict[int, int] = {}
    for _, code, year, revenue, _ in rows:
        if code.startswith("726") and (x is None or round(revenue, 9) >= x):
            members[year] = members.get(year, 0) + 1
    for t in entered:
        assert entered[t] - left[t] == members.get(t, 0) - members.get(t - 1, 0)
    if x is not None:
        crossed = counts(EnterpriseSpec("crossed", HR, min_revenue=x), rows)
        assert all(crossed[t] <= entered[t] for t in crossed)


def test_sample_panels_have_enterprise_dynamics() -> None:
    from polars.testing import assert_frame_equal

    from jingan_kpi.sample import generate_panel

    years = range(2021, 2027)
    panel = generate_panel(1500, years, seed=11).with_columns(pl.col("revenue") / 10_000)
    assert_frame_equal(
        panel, generate_panel(1500, years, seed=11).with_columns(pl.col("revenue") / 10_000)
    )
    lbs = pl.col("industry_code").str.slice(0, 2).is_in(["71", "72"])
    specs = {
        "in": EnterpriseSpec("entrants", lbs),
        "out": EnterpriseSpec("exits", lbs),
        "up": EnterpriseSpec("crossed", lbs, min_revenue=0.1),
        "hg": EnterpriseSpec("high_growth", lbs, min_revenue=0.1),
    }
    found = enterprise_counts(panel, specs, list(years), key=pl.col("credit_code"))
    assert sorted(found["hg"]) == [2024, 2025, 2026]
    assert all(v > 0 for per_year in found.values() for v in per_year.values()), found
    firms = panel.group_by("credit_code").agg(
        codes=pl.col("industry_code").n_unique(),
        zones=pl.col("zone").n_unique(),
        gap=(pl.col("year").max() - pl.col("year").min() + 1) > pl.len(),
    )
    assert firms.filter(pl.col("codes") > 1).height > 0
    assert firms.filter(pl.col("zones") > 1).height > 0
    assert firms.filter(pl.col("gap")).height > 0
    private_hq = panel.filter(pl.col("hq_type") == "民营企业总部", pl.col("zone") == "市北高新")
    assert private_hq.height > 0


@pytest.mark.parametrize("func", ["entrants", "exits", "crossed", "high_growth"])
def test_counts_by_year_on_a_sorted_frame_agree(func: str) -> None:
    from jingan_kpi.compute.enterprise import counts_by_year

    spec = EnterpriseSpec(func, pl.col("member"), min_revenue=0.1)  # type: ignore[arg-type]
    data = frame().with_columns(member=HR).sort("credit_code", "year")
    got = dict(counts_by_year(data.lazy(), spec, key=pl.col("credit_code")).collect().rows())
    expected = counts(EnterpriseSpec(func, HR, min_revenue=0.1))  # type: ignore[arg-type]
    assert {t: got.get(t, 0) for t in spec.value_years(YEARS)} == expected


def test_listed_enterprises_carry_names_and_sources() -> None:
    from jingan_kpi.compute.enterprise import ListedEnterprise, listed_enterprises

    data = frame().with_columns(
        name=pl.concat_str(pl.lit("企业"), pl.col("credit_code")),
        source_file=pl.lit("p.csv"),
        source_line=pl.int_range(2, pl.len() + 2),
    )
    got = listed_enterprises(data, EnterpriseSpec("crossed", HR, min_revenue=0.1), YEARS)
    assert got[2023] == ()
    assert got[2024] == (ListedEnterprise("B", "企业B", 0.12, 2023, 0.08, "p.csv:9"),)
    assert [e.credit_code for e in got[2025]] == ["E", "D", "G"]
    exits = listed_enterprises(data, EnterpriseSpec("exits", HR), YEARS)
    assert exits[2026][0] == ListedEnterprise("C", "企业C", None, 2025, 0.4, "p.csv:13")


def test_an_exit_still_present_shows_its_revenue_in_t() -> None:
    rows = enterprise_rows(
        frame(),
        EnterpriseSpec("exits", HR, min_revenue=0.1),
        YEARS,
        key=pl.col("credit_code"),
        keep=["credit_code"],
    )
    # D fell below the line (0.15 → 0.09); G to 0.0999999; B and C left
    assert rows.select("year", "credit_code", "revenue", "base_revenue").rows() == [
        (2023, "C", None, 0.5),
        (2024, "D", 0.09, 0.15),
        (2026, "C", None, 0.4),
        (2026, "B", None, 0.2),
        (2026, "G", 0.0999999, 0.0999999999996),
    ]
    # explain's order: largest in t−1 first


def test_the_one_column_sort_falls_back_where_hashes_share_their_high_bits() -> None:
    from jingan_kpi.compute.cells import sort_by_key_and_year

    # 0x100 and 0x101 differ only in the 8 low bits the year takes over: they would interleave.
    rows = pl.DataFrame(
        {
            "key": [0x101, 0x100, 0x100, 0x101, 0x9900],
            "year": [2025, 2025, 2024, 2024, 2024],
            "revenue": [1.0, 2.0, 3.0, 4.0, 5.0],
        },
        schema={"key": pl.UInt64, "year": pl.Int32, "revenue": pl.Float64},
    )
    expected = rows.sort("key", "year")
    assert sort_by_key_and_year(rows.lazy(), 2024).equals(expected)
    apart = rows.with_columns(key=pl.col("key") * 256)
    assert sort_by_key_and_year(apart.lazy(), 2024).equals(apart.sort("key", "year"))
    # a text key (explain reads the credit code itself) is ordered through its hash
    text = rows.with_columns(key=pl.col("key").cast(pl.String))
    got = sort_by_key_and_year(text.lazy(), 2024)
    starts = got.select((pl.col("key") != pl.col("key").shift(1)).fill_null(True).sum()).item()
    assert starts == 3  # each enterprise's rows together
    years = got.group_by("key", maintain_order=True).agg("year").get_column("year").to_list()
    assert sorted(years) == [[2024], [2024, 2025], [2024, 2025]]  # and in year order
