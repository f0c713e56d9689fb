"""Contract §7: the mirror images of §5 (``<=``, ``<``, ``decreasing``) and every-year targets,
status by status at every boundary, worked out by hand; comparisons on values rounded to 9
decimals (half to even)."""

from __future__ import annotations

import pytest

from jingan_kpi.compute.assess import assess, years_held
from jingan_kpi.plan.model import Target

Y0, YT = 2025, 2028
# From 100, a fall of 20% a year for three years reaches 100 × 0.8³ = 51.2.
CEILING = Target(op="<=", value=51.2, year=YT)


def status(target: Target, values: dict[int, float], as_of: int) -> str:
    return assess(target, values, baseline_year=Y0, as_of=as_of).status


@pytest.mark.parametrize(
    ("v_2026", "expected"),
    [
        # ratio = r_act / r_req = (V/100 − 1) / (−0.2)
        (81.0, "on_track"),  # −19% ÷ −20% = 0.95 on paper (−0.18999999999999995 in floats)
        (81.01, "moderate"),  # 0.9495
        (88.0, "moderate"),  # −12% ÷ −20% = 0.60 on paper
        (88.01, "insufficient"),  # 0.5995
        (100.0, "insufficient"),  # ratio 0
        (100.5, "moving_away"),  # ratio < 0: risen since the baseline
        (51.2, "met"),  # reached before the target year
        (30.0, "met"),
    ],
)
def test_ceiling_thresholds(v_2026, expected):
    assert status(CEILING, {2025: 100.0, 2026: v_2026}, 2026) == expected


def test_ceiling_numbers():
    a = assess(CEILING, {2025: 100.0, 2026: 88.0}, baseline_year=Y0, as_of=2026)
    assert a.required_growth == pytest.approx(-0.2)
    assert a.actual_growth == pytest.approx(-0.12)
    assert a.progress_ratio == pytest.approx(0.6)
    assert a.projected == pytest.approx(88.0 * 0.88**2)


@pytest.mark.parametrize(
    ("v_2028", "expected"),
    [
        (51.2, "met"),
        (51.2 + 4e-10, "met"),  # rounds to 51.2
        (51.200000001, "missed"),  # 1e-9 above: not equal after rounding
        (60.0, "missed"),
        (0.0, "met"),
    ],
)
def test_ceiling_in_the_target_year(v_2028, expected):
    values = {2025: 100.0, 2026: 90.0, 2027: 80.0, 2028: v_2028}
    assert status(CEILING, values, 2028) == expected
    assert status(CEILING, values, 2030) == expected  # assessed at the target year


@pytest.mark.parametrize(
    ("values", "as_of", "expected"),
    [
        ({2025: 100.0}, 2025, "not_assessable"),  # t = Y0
        ({2026: 90.0}, 2026, "not_assessable"),  # no baseline value
        ({2025: 0.0, 2026: 90.0}, 2026, "not_assessable"),  # baseline ≤ 0
        ({2025: -5.0, 2026: 90.0}, 2026, "not_assessable"),
        ({2025: 50.0, 2026: 60.0}, 2026, "moving_away"),  # the baseline had met it
        ({2025: 51.2, 2026: 51.3}, 2026, "moving_away"),
        ({2025: 100.0}, 2026, "not_assessable"),  # no value in t
        ({2025: 100.0, 2026: 90.0}, 2024, "not_assessable"),  # t < Y0
    ],
)
def test_ceiling_not_assessable_and_moving_away(values, as_of, expected):
    assert status(CEILING, values, as_of) == expected


BELOW_ZERO = Target(op="<", value=0.0, year=YT)


@pytest.mark.parametrize(
    ("value", "as_of", "expected"),
    [
        (-0.1, 2028, "met"),
        (0.0, 2028, "missed"),
        (-4e-10, 2028, "missed"),  # rounds to −0.0, which is not < 0
        (-1e-9, 2028, "met"),
        (-1.0, 2026, "on_track"),  # provisional
        (0.0, 2026, "insufficient"),
        (3.0, 2027, "insufficient"),
        (-1.0, 2025, "not_assessable"),  # t = Y0
    ],
)
def test_below(value, as_of, expected):
    values = dict.fromkeys(range(2025, 2029), value)
    assert status(BELOW_ZERO, values, as_of) == expected


FALLING = Target(op="decreasing", year=YT)


@pytest.mark.parametrize(
    ("values", "as_of", "expected"),
    [
        ({2025: 10.0, 2026: 9.0, 2027: 8.0}, 2027, "on_track"),
        ({2025: 10.0, 2026: 9.0, 2027: 8.0, 2028: 7.0}, 2028, "met"),
        ({2025: 10.0, 2026: 9.0, 2027: 8.0, 2028: 7.0, 2029: 9.0}, 2029, "met"),  # at YT
        ({2025: 10.0, 2026: 10.0}, 2026, "missed"),  # flat
        ({2025: 10.0, 2026: 10.0 - 4e-10}, 2026, "missed"),  # flat after rounding
        ({2025: 10.0, 2026: 10.0 - 1e-9}, 2026, "on_track"),
        ({2025: 10.0, 2026: 9.0, 2027: 9.5}, 2027, "missed"),  # rose
        ({2025: 10.0}, 2025, "not_assessable"),
        ({2025: 10.0, 2027: 8.0}, 2027, "not_assessable"),  # 2026 has no value
    ],
)
def test_decreasing(values, as_of, expected):
    assert status(FALLING, values, as_of) == expected


def test_decreasing_reasons():
    a = assess(FALLING, {2025: 10.0, 2026: 11.0}, baseline_year=Y0, as_of=2026)
    assert a.reason == "the value rose from 2025 to 2026"
    a = assess(FALLING, {2025: 10.0, 2026: 10.0}, baseline_year=Y0, as_of=2026)
    assert a.reason == "the value stayed flat from 2025 to 2026"


FIRST_EVERY_YEAR = Target(op="<=", value=1, year=YT, every_year=True)
SHARE_EVERY_YEAR = Target(op=">=", value=0.6, year=YT, every_year=True)


@pytest.mark.parametrize(
    ("target", "values", "as_of", "expected"),
    [
        (FIRST_EVERY_YEAR, {2026: 1, 2027: 1}, 2027, "on_track"),
        (FIRST_EVERY_YEAR, {2026: 1, 2027: 1, 2028: 1}, 2028, "met"),
        (FIRST_EVERY_YEAR, {2025: 3, 2026: 1, 2027: 1, 2028: 1}, 2028, "met"),  # Y0 not judged
        (FIRST_EVERY_YEAR, {2026: 1, 2027: 2, 2028: 1}, 2028, "missed"),
        (FIRST_EVERY_YEAR, {2026: 2}, 2026, "missed"),
        (FIRST_EVERY_YEAR, {2025: 1}, 2025, "not_assessable"),  # t = Y0
        (FIRST_EVERY_YEAR, {2026: 2, 2028: 1}, 2028, "not_assessable"),  # 2027 has no value
        (SHARE_EVERY_YEAR, {2026: 0.6 - 4e-10, 2027: 0.7}, 2027, "on_track"),  # rounds to 0.6
        (SHARE_EVERY_YEAR, {2026: 0.6 - 1e-9, 2027: 0.7}, 2027, "missed"),
        (Target(op=">", value=0, year=YT, every_year=True), {2026: 0.1, 2027: 0}, 2027, "missed"),
        (Target(op="<", value=5, year=YT, every_year=True), {2026: 4.9, 2027: 1}, 2027, "on_track"),
    ],
)
def test_every_year(target, values, as_of, expected):
    assert status(target, values, as_of) == expected


def test_years_held():
    values = {2025: 10.0, 2026: 11.0, 2027: 10.5}
    assert years_held(Target(op="increasing", year=YT), values, Y0, 2027) == (1, 2)
    assert years_held(Target(op="decreasing", year=YT), values, Y0, 2027) == (1, 2)
    assert years_held(FIRST_EVERY_YEAR, {2026: 1, 2027: 2}, Y0, 2027) == (1, 2)
    assert years_held(CEILING, values, Y0, 2027) is None  # a level target shows progress
