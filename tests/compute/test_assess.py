"""Contract §5, branch by branch, with the boundaries (ratio exactly 0.95, 0.60, 0)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jingan_kpi.compute.assess import assess
from jingan_kpi.plan.model import Target

Y0, YT = 2025, 2028
LEVEL = Target(op=">=", value=172.8, year=YT)  # from 100: required growth 20% a year (1.2³ = 1.728)


def status(target: Target, values: dict[int, float], as_of: int) -> str:
    return assess(target, values, baseline_year=Y0, as_of=as_of).status


@pytest.mark.parametrize(
    ("v_2026", "expected"),
    [
        (119.0, "on_track"),  # actual 19% ÷ required 20% = 0.95 exactly on paper
        (118.99, "moderate"),
        (112.0, "moderate"),  # 12% ÷ 20% = 0.60 exactly on paper
        (111.99, "insufficient"),
        (100.0, "insufficient"),  # ratio 0
        (99.0, "moving_away"),  # ratio < 0
        (172.8, "met"),  # reached before the target year
    ],
)
def test_level_thresholds(v_2026, expected):
    assert status(LEVEL, {2025: 100.0, 2026: v_2026}, 2026) == expected


def test_level_numbers():
    a = assess(LEVEL, {2025: 100.0, 2026: 112.0}, baseline_year=Y0, as_of=2026)
    assert a.required_growth == pytest.approx(0.2)
    assert a.actual_growth == pytest.approx(0.12)
    assert a.progress_ratio == pytest.approx(0.6)
    assert a.projected == pytest.approx(112.0 * 1.12**2)


def test_level_at_target_year():
    assert status(LEVEL, {2025: 100.0, 2028: 172.8}, 2028) == "met"
    assert status(LEVEL, {2025: 100.0, 2028: 172.7}, 2028) == "missed"
    # After the target year the assessment is made at the target year.
    a = assess(LEVEL, {2025: 100.0, 2028: 180.0, 2029: 1.0}, baseline_year=Y0, as_of=2029)
    assert (a.status, a.year) == ("met", 2028)


def test_level_not_assessable():
    assert status(LEVEL, {2025: 100.0}, 2025) == "not_assessable"  # t = baseline
    assert status(LEVEL, {2026: 120.0}, 2026) == "not_assessable"  # no baseline value
    assert status(LEVEL, {2025: 0.0, 2026: 120.0}, 2026) == "not_assessable"  # baseline 0
    assert status(LEVEL, {2025: 100.0}, 2026) == "not_assessable"  # no value in t
    assert status(LEVEL, {2024: 100.0}, 2024) == "not_assessable"  # t < baseline
    a = assess(LEVEL, {}, baseline_year=Y0, as_of=2026, missing_reason="no reference")
    assert a.reason == "no value in 2026 (no reference)"


def test_level_baseline_already_met():
    assert status(LEVEL, {2025: 180.0, 2026: 170.0}, 2026) == "moving_away"


def test_met_at_baseline_year():
    # V(t) ≥ T wins over "t = baseline" (the rules apply in order).
    assert status(LEVEL, {2025: 200.0}, 2025) == "met"


COMPARE = Target(op=">", value=0, year=YT)


def test_comparative():
    assert status(COMPARE, {2026: 0.5}, 2026) == "on_track"
    assert status(COMPARE, {2026: 0.0}, 2026) == "insufficient"
    assert status(COMPARE, {2026: -1.0}, 2026) == "insufficient"
    assert status(COMPARE, {2028: 0.1}, 2028) == "met"
    assert status(COMPARE, {2028: 0.0}, 2028) == "missed"
    assert status(COMPARE, {2025: 1.0}, 2025) == "not_assessable"
    assert status(COMPARE, {}, 2026) == "not_assessable"


TREND = Target(op="increasing", year=YT)


def test_trend():
    assert status(TREND, {2025: 1.0}, 2025) == "not_assessable"
    assert status(TREND, {2025: 1.0, 2026: 2.0}, 2026) == "on_track"
    assert status(TREND, {2025: 1.0, 2026: 1.0}, 2026) == "missed"  # flat
    assert status(TREND, {2025: 1.0, 2026: 2.0, 2027: 1.5}, 2027) == "missed"
    assert status(TREND, {2025: 1, 2026: 2, 2027: 3, 2028: 4}, 2028) == "met"
    assert status(TREND, {2025: 1.0, 2027: 2.0}, 2027) == "not_assessable"  # a gap
    assert status(TREND, {2026: 1.0, 2027: 2.0}, 2027) == "not_assessable"  # no baseline
    # Equal after rounding to 9 decimals counts as flat.
    assert status(TREND, {2025: 0.1 + 0.2, 2026: 0.3}, 2026) == "missed"


@given(
    v0=st.floats(1, 1e6),
    growth=st.floats(-0.5, 1.0),
    scale=st.floats(0.001, 1000),
)
def test_status_is_scale_free(v0, growth, scale):
    """Multiplying values and target by a constant leaves the status unchanged (level)."""
    target = Target(op=">=", value=v0 * 1.5, year=YT)
    scaled = Target(op=">=", value=v0 * 1.5 * scale, year=YT)
    vals = {2025: v0, 2026: v0 * (1 + growth)}
    a = assess(target, vals, baseline_year=Y0, as_of=2026)
    b = assess(scaled, {y: v * scale for y, v in vals.items()}, baseline_year=Y0, as_of=2026)
    # Away from the thresholds, where rounding to 9 decimals cannot tip the verdict:
    ratio = a.progress_ratio
    assume(ratio is None or min(abs(ratio - th) for th in (0.95, 0.6, 0.0)) > 1e-6)
    assume(abs(growth - 0.5) > 1e-6)
    assert a.status == b.status
