"""Every indicator kind on a hand-made panel, with the answers worked out by hand.

The panel (亿元), see conftest.SMALL_ROWS:

    year  A hr   B hr   C legal  E legal(HQ)  D leasing   lbs   hr   legal  professional
    2024  50     -      -        -            50          100   50   0      50
    2025  60     30     10       -            100         200   90   10     100
    2026  80     30     10       5            125         250   110  15     125
"""

from __future__ import annotations

import pytest

from jingan_kpi import evaluate
from jingan_kpi.compute.result import Evaluation

from .conftest import SMALL_ROWS, make_panel, make_refs


@pytest.fixture
def ev(small_plan, small_panel) -> Evaluation:
    refs = make_refs(district={2025: 4.0, 2026: 5.0}, city={2025: 1000.0, 2026: 1100.0})
    return evaluate(small_panel, plan=small_plan, reference=refs)


def values(ev: Evaluation, ind: str) -> dict[int, float]:
    return ev.indicator(ind).values


def test_sector_totals(ev):
    assert values(ev, "lbs_revenue") == {2024: 100.0, 2025: 200.0, 2026: 250.0}
    assert values(ev, "hr_revenue") == {2024: 50.0, 2025: 90.0, 2026: 110.0}
    # A sector with no rows in a covered year has revenue 0 (contract §4).
    assert values(ev, "legal_revenue") == {2024: 0.0, 2025: 10.0, 2026: 15.0}
    assert values(ev, "professional_revenue") == {2024: 50.0, 2025: 100.0, 2026: 125.0}
    assert values(ev, "rest_revenue") == {2024: 50.0, 2025: 100.0, 2026: 125.0}


def test_top_share_and_hhi(ev):
    # 2024: D 50 + A 50 of 100; 2025: D 100 + A 60 of 200; 2026: D 125 + A 80 of 250.
    assert values(ev, "lbs_top2_share") == pytest.approx({2024: 1.0, 2025: 0.8, 2026: 0.82})
    # 2025 shares 30%, 15%, 5%, 50% → 900 + 225 + 25 + 2500.
    assert values(ev, "lbs_hhi")[2025] == pytest.approx(3650.0)
    assert values(ev, "lbs_hhi")[2024] == pytest.approx(5000.0)


def test_count_with_condition(ev):
    assert values(ev, "hq_count") == {2024: 0, 2025: 0, 2026: 1}
    assert ev.to_dict()["indicators"][6]["values"] == {"2024": 0, "2025": 0, "2026": 1}


def test_growth(ev):
    assert values(ev, "lbs_yoy") == pytest.approx({2025: 1.0, 2026: 0.25})
    assert values(ev, "lbs_cagr") == pytest.approx({2026: 0.25})


def test_reference_comparisons(ev):
    # 100 × (0.25 − 0.05) and 100 × (0.25 − (1100/1000 − 1)).
    assert values(ev, "lbs_growth_vs_district") == pytest.approx({2026: 20.0})
    assert values(ev, "lbs_growth_vs_city") == pytest.approx({2026: 15.0})
    assert values(ev, "lbs_city_share") == pytest.approx({2025: 0.2, 2026: 250 / 1100})
    assert ev.indicator("lbs_growth_vs_city").sources == ("city_lbs_revenue: test city bureau",)


def test_zone_share(ev):
    assert values(ev, "core_share") == pytest.approx({2024: 0.5, 2025: 0.45, 2026: 0.46})


def test_statuses(ev):
    status = {i.id: i.status for i in ev.indicators}
    assert status["lbs_revenue"] == "on_track"
    assert status["hr_revenue"] == "met"
    assert status["professional_revenue"] == "on_track"
    assert status["lbs_growth_vs_district"] == "on_track"
    assert status["lbs_city_share"] == "on_track"
    assert status["hq_count"] == "on_track"  # the trend counts from Y0 = 2025: 0 → 1
    assert status["lbs_hhi"] is None
    a = ev.indicator("lbs_revenue").assessment
    assert a.required_growth == pytest.approx(1.5 ** (1 / 3) - 1)
    assert a.actual_growth == pytest.approx(0.25)
    assert a.projected == pytest.approx(250 * 1.25**2)


def test_assessed_at_the_target_year(small_plan):
    """A panel reaching 2028: level targets are met or missed, trends met."""
    rows = [
        ("A", "7263", y, v, None, None)
        for y, v in ((2025, 60.0), (2026, 70.0), (2027, 80.0), (2028, 110.0))
    ]
    rows += [
        ("C", "7231", y, v, None, None)
        for y, v in ((2025, 10.0), (2026, 12.0), (2027, 15.0), (2028, 19.0))
    ]
    ev = evaluate(make_panel(rows), plan=small_plan)
    status = {i.id: i.status for i in ev.indicators}
    assert ev.as_of == 2028
    assert status["hr_revenue"] == "met"  # 110 ≥ 100
    assert status["legal_revenue"] == "missed"  # 19 < 20
    assert status["lbs_revenue"] == "missed"  # 129 < 300
    assert status["professional_revenue"] == "met"
    assert ev.indicator("lbs_revenue").assessment.year == 2028


def test_missing_baseline_year(small_plan):
    rows = [("A", "7263", 2026, 60.0, None, None), ("A", "7263", 2027, 70.0, None, None)]
    ev = evaluate(make_panel(rows), plan=small_plan)
    lbs = ev.indicator("lbs_revenue")
    assert lbs.status == "not_assessable"
    assert lbs.reason == "no value in the baseline year 2025"
    trend = ev.indicator("professional_revenue")
    assert (trend.status, trend.reason) == ("not_assessable", "no value in 2025")


def test_panel_without_hq_type_column(small_plan):
    panel = make_panel(SMALL_ROWS, columns=frozenset({"name", "zone"}))
    ev = evaluate(panel, plan=small_plan)
    hq = ev.indicator("hq_count")
    assert hq.values == {}
    assert hq.status == "not_assessable"
    assert "the panel has no hq_type column" in hq.reason


def test_as_of_must_be_covered(small_plan, small_panel):
    from jingan_kpi.errors import UsageError

    with pytest.raises(UsageError, match="as_of=2023 is not a year the panel covers"):
        evaluate(small_panel, plan=small_plan, as_of=2023)
