"""Invariants of the calculator that must hold on any data (issue 6, part 1).

Every test generates panels (``strategies.panels``), runs them through ``jingan_kpi.evaluate``
with the shipped plan (or the shipped plan plus a few indicators), and checks the result against
an oracle computed from the generated rows, or against another run of the same data.
"""

from __future__ import annotations

import functools
import math
import re
import tempfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from jingan_kpi import evaluate
from jingan_kpi.compute.result import Evaluation
from jingan_kpi.panel.types import References, ReferenceSeries
from jingan_kpi.plan import LoadedPlan, load_plan, shipped_plan_path

from .strategies import OUT_OF_SCOPE, YEARS, ZONES, GenPanel, Row, bodies, credit_code, panels

REL = 1e-9
TOP_NS = (1, 2, 3, 5, 8, 13, 20, 50)
FACTORS = (2, 3, 10, 1000)
BASELINE, TARGET_YEAR = 2025, 2028

SHIPPED = load_plan()
PREFIXES = SHIPPED.sector_prefixes()
FIVE_CORE = ("hr", "org", "consulting", "legal", "advertising")
# Indicator id of each sector's revenue: the indicator whose formula is revenue(<sector>).
SECTOR_REVENUE = {
    m.group(1): ind.id
    for ind in SHIPPED.model.indicators
    if (m := re.fullmatch(r"revenue\((\w+)\)", ind.formula))
}
ZONE_REVENUE = {
    "南京西路": "zone_nanjingxilu_revenue",
    "苏河湾": "zone_suhewan_revenue",
    "市北高新": "zone_shibei_revenue",
    "大宁": "zone_daning_revenue",
    "其他": "zone_other_revenue",
}


def _plan_text(extra_indicators: str = "", money_factor: int = 1) -> str:
    text = shipped_plan_path().read_text(encoding="utf-8")
    if money_factor != 1:
        # Level targets in money (value: 2300 ...) scale with the data; the share target
        # (value: 0.60) and the comparative ones (value: 0) do not.
        text = re.sub(
            r'(target: \{op: ">=", value: )(\d+)(, year: 2028\})',
            lambda m: f"{m.group(1)}{int(m.group(2)) * money_factor}{m.group(3)}",
            text,
        )
        # So do the revenue lines of the enterprise counts (count(lbs, min_revenue=10), 升规 at
        # 0.1): a count above a line in 亿元 is the same count above the line × c.
        text = re.sub(
            r"min_revenue=([0-9.]+)",
            lambda m: f"min_revenue={Decimal(m.group(1)) * money_factor}",
            text,
        )
    return text.rstrip("\n") + "\n" + extra_indicators


def _write_plan(directory: Path, name: str, text: str) -> LoadedPlan:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return load_plan(path)


@functools.cache
def plans() -> dict[str, LoadedPlan]:
    """The shipped plan with top-N shares for several N, and copies with money targets × c.

    Not a fixture: Hypothesis prints every argument of a failing example, and a plan's repr is
    long. The files are needed only while loading.
    """
    top_n = "".join(
        f"  - id: lbs_top{n}_share_p\n    name_zh: 前{n}强占比\n    name_en: top {n} share\n"
        f"    unit: share\n    formula: top_share(lbs, {n})\n"
        for n in TOP_NS
    )
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        out = {"top_n": _write_plan(directory, "top_n.yaml", _plan_text(top_n))}
        for factor in FACTORS:
            out[f"x{factor}"] = _write_plan(
                directory, f"x{factor}.yaml", _plan_text(money_factor=factor)
            )
    return out


def _values(ev: Evaluation, indicator_id: str) -> dict[int, float]:
    return ev.indicator(indicator_id).values


def _close(a: float, b: float, rel: float = REL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


@st.composite
def references(draw: st.DrawFn, factor: int = 1) -> References:
    """Reference series for every year: a growth rate (%) and two levels (亿元)."""
    rate = {y: draw(st.integers(-50, 150)) / 10 for y in YEARS}
    city = {y: draw(st.integers(1, 10**6)) for y in YEARS}
    prof = {y: draw(st.integers(1, 10**6)) for y in YEARS}
    return _refs(rate, city, prof, factor)


def _refs(
    rate: Mapping[int, float], city: Mapping[int, int], prof: Mapping[int, int], factor: int
) -> References:
    return References(
        series={
            "district_economy": ReferenceSeries("district_economy", "rate", dict(rate), "%", "t"),
            "city_lbs_revenue": ReferenceSeries(
                "city_lbs_revenue", "level", {y: v * factor for y, v in city.items()}, "亿元", "t"
            ),
            "city_professional_revenue": ReferenceSeries(
                "city_professional_revenue",
                "level",
                {y: v * factor for y, v in prof.items()},
                "亿元",
                "t",
            ),
        },
        path="generated",
    )


# -- sums -----------------------------------------------------------------------------------------


@given(panels())
def test_each_sector_total_is_the_sum_of_its_classes(panel: GenPanel) -> None:
    ev = evaluate(panel.frame(), plan=SHIPPED)
    assert list(ev.years) == panel.years
    for sector, indicator_id in SECTOR_REVENUE.items():
        values = _values(ev, indicator_id)
        # A sector without rows in a covered year has revenue 0 there (a real value).
        assert sorted(values) == panel.years, indicator_id
        for year in panel.years:
            assert _close(values[year], panel.revenue(PREFIXES[sector], year)), (sector, year)


@given(panels())
def test_five_core_industries_sum_to_professional(panel: GenPanel) -> None:
    ev = evaluate(panel.frame(), plan=SHIPPED)
    professional = _values(ev, "professional_revenue")
    for year in panel.years:
        parts = sum(_values(ev, SECTOR_REVENUE[s])[year] for s in FIVE_CORE)
        assert _close(professional[year], parts)


@given(panels())
def test_section_l_is_leasing_plus_the_business_services_groups(panel: GenPanel) -> None:
    ev = evaluate(panel.frame(), plan=SHIPPED)
    lbs = _values(ev, "lbs_revenue")
    rest = _values(ev, "rest_of_lbs_revenue")
    professional = _values(ev, "professional_revenue")
    groups_72 = [f"72{g}" for g in range(1, 10)]  # 721 … 729
    for year in panel.years:
        by_parts = panel.revenue(["71"], year) + sum(panel.revenue([g], year) for g in groups_72)
        assert _close(lbs[year], by_parts)
        assert _close(lbs[year], professional[year] + rest[year])


@given(panels())
def test_zone_revenues_partition_section_l(panel: GenPanel) -> None:
    ev = evaluate(panel.frame(), plan=SHIPPED)
    lbs = _values(ev, "lbs_revenue")
    for year in panel.years:
        zones = {z: _values(ev, i)[year] for z, i in ZONE_REVENUE.items()}
        no_zone = panel.revenue(["71", "72"], year, [None])
        for zone, value in zones.items():
            if zone == "其他":
                # 其他区域 is the rest (contract §8): rows without a zone count there too. It
                # is section L less the named zones, so its error is relative to section L.
                expected = panel.revenue(["71", "72"], year, [zone]) + no_zone
                assert math.isclose(value, expected, rel_tol=REL, abs_tol=REL * lbs[year] + 1e-12)
            else:
                assert _close(value, panel.revenue(["71", "72"], year, [zone]))
        assert _close(lbs[year], sum(zones.values()))
        core = _values(ev, "core_zone_revenue")[year]
        assert _close(core, zones["南京西路"] + zones["苏河湾"])


# -- top-N shares ---------------------------------------------------------------------------------


@given(panels(max_enterprises=25))
def test_top_n_share_is_a_fraction_that_never_falls_as_n_grows(panel: GenPanel) -> None:
    ev = evaluate(panel.frame(), plan=plans()["top_n"])
    for year in panel.years:
        total = panel.revenue(["71", "72"], year)
        shares = [_values(ev, f"lbs_top{n}_share_p").get(year) for n in TOP_NS]
        if total == 0:
            # A ratio whose denominator is 0 has no value (contract §4).
            assert shares == [None] * len(TOP_NS)
            continue
        assert all(s is not None for s in shares)
        assert all(0.0 <= s <= 1.0 for s in shares), shares  # type: ignore[operator]
        assert shares == sorted(shares), shares  # type: ignore[type-var]
        enterprises = panel.enterprises(["71", "72"], year)
        for n, share in zip(TOP_NS, shares, strict=True):
            if n >= enterprises:
                assert share == 1.0, (n, enterprises, share)
        largest = max(r.revenue for r in panel.in_scope() if r.year == year) / 10_000
        assert _close(shares[0], largest / total)  # type: ignore[arg-type]


# -- scale invariance -----------------------------------------------------------------------------


def _near_a_threshold(ev: Evaluation) -> bool:
    """Whether a level target's comparison sits within rounding noise of a threshold.

    Statuses are compared on values rounded to 9 places (contract §5), so a scaled run can only
    differ where a ratio lands next to 0.95, 0.60, 0, or V next to T.
    """
    for ind in ev.indicators:
        target = ind.target
        if target is None or target.op != ">=" or target.value is None:
            continue
        t = min(ev.as_of, target.year)
        v_t, v_0 = ind.values.get(t), ind.values.get(BASELINE)
        tv = float(target.value)
        for v in (v_t, v_0):
            if v is not None and math.isclose(v, tv, rel_tol=1e-7, abs_tol=1e-9):
                return True
        if v_t is None or not v_0 or t <= BASELINE:
            continue
        r_req = (tv / v_0) ** (1 / (target.year - BASELINE)) - 1
        r_act = (v_t / v_0) ** (1 / (t - BASELINE)) - 1
        if abs(r_req) < 1e-7:
            return True
        ratio = r_act / r_req
        if any(abs(ratio - th) < 1e-6 for th in (0.95, 0.60, 0.0)):
            return True
    return False


@given(panels(), st.sampled_from(FACTORS), st.data())
def test_scaling_every_revenue_scales_totals_and_keeps_shares_growth_and_statuses(
    panel: GenPanel, factor: int, data: st.DataObject
) -> None:
    rate = {y: data.draw(st.integers(-50, 150), label=f"rate{y}") / 10 for y in YEARS}
    city = {y: data.draw(st.integers(1, 10**6), label=f"city{y}") for y in YEARS}
    prof = {y: data.draw(st.integers(1, 10**6), label=f"prof{y}") for y in YEARS}
    base = evaluate(panel.frame(), plan=SHIPPED, reference=_refs(rate, city, prof, 1))
    assume(not _near_a_threshold(base))
    scaled = evaluate(
        panel.scaled(factor).frame(),
        plan=plans()[f"x{factor}"],
        reference=_refs(rate, city, prof, factor),
    )
    assert scaled.years == base.years
    for before, after in zip(base.indicators, scaled.indicators, strict=True):
        assert sorted(before.values) == sorted(after.values), before.id
        for year, value in before.values.items():
            expected = value * factor if before.kind == "money" else value
            # Growth rates of nearly equal sums are differences of nearly equal numbers.
            assert math.isclose(after.values[year], expected, rel_tol=1e-9, abs_tol=1e-9), (
                before.id,
                year,
                value,
                after.values[year],
            )
        assert after.status == before.status, (before.id, before.reason, after.reason)


# -- irrelevant changes ---------------------------------------------------------------------------


@given(panels(), bodies, st.sampled_from(OUT_OF_SCOPE), st.sampled_from(YEARS), st.data())
def test_adding_an_out_of_scope_row_changes_no_indicator(
    panel: GenPanel, body: str, code: str, year: int, data: st.DataObject
) -> None:
    new_code = credit_code(body)
    assume(all(r.credit_code != new_code for r in panel.rows))
    row = Row(new_code, code, year, data.draw(st.integers(0, 10**9)), "南京西路", "总部")
    base = evaluate(panel.frame(), plan=SHIPPED)
    more = evaluate(panel.with_row(row).frame(), plan=SHIPPED)
    assert more.rows.read == base.rows.read + 1
    assert more.rows.out_of_scope == base.rows.out_of_scope + 1
    assert (more.rows.used, more.rows.rejected) == (base.rows.used, base.rows.rejected)
    assert more.years == base.years
    for before, after in zip(base.indicators, more.indicators, strict=True):
        # Equal up to the last bit: polars 2.1 divides a column by 10⁴ (万元 → 亿元) as a
        # multiplication by 1e-4 when the column has more than a row or two, so the row count
        # alone can move a value by one ulp. Statuses compare values rounded to 9 places.
        assert sorted(after.values) == sorted(before.values), before.id
        assert all(_close(after.values[y], v, 1e-12) for y, v in before.values.items()), before.id
        assert after.status == before.status, before.id


def _summary(ev: Evaluation) -> dict[str, tuple[dict[int, float], str | None]]:
    return {i.id: (i.values, i.status) for i in ev.indicators}


def _assert_same(a: Evaluation, b: Evaluation) -> None:
    assert a.rows == b.rows
    assert a.years == b.years
    for (id_a, (va, sa)), (id_b, (vb, sb)) in zip(
        _summary(a).items(), _summary(b).items(), strict=True
    ):
        assert id_a == id_b
        assert sorted(va) == sorted(vb), id_a
        # Summation order may change the last bit; nothing more.
        assert all(_close(va[y], vb[y]) for y in va), (id_a, va, vb)
        assert sa == sb, id_a


@given(panels(), st.randoms(use_true_random=False))
def test_shuffling_rows_or_splitting_by_year_into_files_changes_nothing(
    panel: GenPanel, rnd: object
) -> None:
    import random

    assert isinstance(rnd, random.Random)
    lines = [r.text() for r in panel.rows]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        from .strategies import write_csv

        base = evaluate(write_csv(directory / "all.csv", lines), plan=SHIPPED)
        shuffled_lines = lines[:]
        rnd.shuffle(shuffled_lines)
        shuffled = evaluate(write_csv(directory / "shuffled.csv", shuffled_lines), plan=SHIPPED)
        by_year: dict[str, list[dict[str, str | None]]] = {}
        for line in shuffled_lines:
            by_year.setdefault(str(line["year"]), []).append(line)
        files = [write_csv(directory / f"year_{y}.csv", rows) for y, rows in by_year.items()]
        rnd.shuffle(files)
        split = evaluate(files, plan=SHIPPED)
    _assert_same(base, shuffled)
    _assert_same(base, split)
    assert base.rows.read == len(panel.rows)


@given(panels(), st.data())
def test_equivalent_spellings_of_the_same_values_change_nothing(
    panel: GenPanel, data: st.DataObject
) -> None:
    """Thousands separators, exponents, full-width digits, ``2025.0``, an ``L`` prefix, lower
    case and surrounding spaces are the same values (contract §1)."""
    full = str.maketrans("0123456789", "０１２３４５６７８９")

    def spell(row: Row, i: int) -> dict[str, str | None]:
        text = row.text()
        revenue_forms = [
            f"{row.revenue:,}",
            f"{row.revenue:.6E}",
            str(row.revenue).translate(full),
            f"  {row.revenue}  ",
            f"{row.revenue}.000",
        ]
        if float(f"{row.revenue:.6E}") != row.revenue:
            revenue_forms.remove(f"{row.revenue:.6E}")
        text["revenue"] = data.draw(st.sampled_from(revenue_forms), label=f"revenue{i}")
        text["year"] = data.draw(st.sampled_from([f"{row.year}.0", str(row.year).translate(full)]))
        code = row.industry_code
        text["industry_code"] = data.draw(
            st.sampled_from([f"L{code}", f"l{code}"] if code[:2] in ("71", "72") else [code])
        )
        text["credit_code"] = data.draw(
            st.sampled_from([row.credit_code.lower(), f" {row.credit_code} "])
        )
        return text

    plain = evaluate(panel.frame(), plan=SHIPPED)
    import polars as pl

    from .strategies import HEADER

    spelled_rows = [spell(r, i) for i, r in enumerate(panel.rows)]
    spelled = evaluate(
        pl.DataFrame(spelled_rows, schema=dict.fromkeys(HEADER, pl.String)), plan=SHIPPED
    )
    _assert_same(plain, spelled)


def test_zone_names_cover_the_plan() -> None:
    """The zones the generator draws are the plan's zone indicators (guards the oracle)."""
    assert set(ZONE_REVENUE) == set(ZONES)
    assert set(ZONE_REVENUE.values()) <= {i.id for i in SHIPPED.model.indicators}
