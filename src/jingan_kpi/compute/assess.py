"""How a target is assessed: contract §5, rule by rule and in its order, and §7's mirror images
(``<=``, ``<``, ``decreasing``) and every-year targets (保持).

The method is the one Eurostat's SDG monitoring report and Statistics Canada / Open SDG use for
indicators with a quantitative target: actual compound growth since the baseline against the
growth required to reach the target, with thresholds 0.95, 0.60 and 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from jingan_kpi.compute.series import compound_growth
from jingan_kpi.plan.model import COMPARATIVE_OPS, TREND_OPS, Target

Status = Literal[
    "met", "missed", "on_track", "moderate", "insufficient", "moving_away", "not_assessable"
]
STATUSES: tuple[str, ...] = (
    "met",
    "on_track",
    "moderate",
    "insufficient",
    "moving_away",
    "missed",
    "not_assessable",
)

ON_TRACK_RATIO = 0.95
MODERATE_RATIO = 0.60


def r9(x: float) -> float:
    """Contract §5: comparisons are made on values rounded to 9 decimal places (half to even)."""
    return round(x, 9)


@dataclass(frozen=True, slots=True)
class Assessment:
    status: Status
    reason: str | None
    year: int
    """The year the assessment is made at: min(as-of year, target year)."""
    required_growth: float | None = None
    actual_growth: float | None = None
    progress_ratio: float | None = None
    """actual ÷ required growth (level targets)."""
    projected: float | None = None
    """The value in the target year at the actual pace (level targets)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "required_growth": self.required_growth,
            "actual_growth": self.actual_growth,
            "progress_ratio": self.progress_ratio,
            "projected": self.projected,
        }


def assess(
    target: Target,
    values: dict[int, float],
    *,
    baseline_year: int,
    as_of: int,
    missing_reason: str | None = None,
) -> Assessment:
    """Assess one target against an indicator's values (contract §5, mirrored by §7)."""
    y0, yt = baseline_year, target.year
    t = min(as_of, yt)

    def na(reason: str, **kw: Any) -> Assessment:
        return Assessment("not_assessable", reason, t, **kw)

    if t < y0:
        return na(f"the as-of year {t} is before the baseline year {y0}")
    why_missing = f" ({missing_reason})" if missing_reason else ""
    if target.op in TREND_OPS:
        return _trend(values, y0, yt, t, why_missing, rising=target.op == "increasing")
    goal = float(target.value if target.value is not None else 0.0)
    holds = _comparison(target.op)
    if target.every_year:
        return _every_year(values, goal, holds, y0, yt, t, why_missing)
    v_t = values.get(t)
    if v_t is None:
        return na(f"no value in {t}{why_missing}")
    if target.op in COMPARATIVE_OPS:
        return _comparative(v_t, goal, holds, y0, yt, t)
    return _level(values, v_t, goal, holds, y0, yt, t, upward=target.op == ">=")


def _comparison(op: str) -> Callable[[float, float], bool]:
    """The target's comparison of a value with the goal, on values rounded to 9 decimals."""
    compare: dict[str, Callable[[float, float], bool]] = {
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b,
    }
    test = compare[op]
    return lambda v, goal: test(r9(v), r9(goal))


def _level(
    values: dict[int, float],
    v_t: float,
    goal: float,
    holds: Callable[[float, float], bool],
    y0: int,
    yt: int,
    t: int,
    *,
    upward: bool,
) -> Assessment:
    if t == yt:
        return Assessment("met" if holds(v_t, goal) else "missed", None, t)
    if holds(v_t, goal):
        return Assessment("met", "the target value is already reached", t)
    if t == y0:
        return Assessment("not_assessable", f"{t} is the baseline year: no growth to assess yet", t)
    v_0 = values.get(y0)
    # A fall towards a ceiling (<=) is measured as a growth rate too, so the baseline must be
    # positive; a rise towards a floor (>=) needs a baseline that is not 0.
    if v_0 is None or v_0 == 0 or (not upward and r9(v_0) <= 0):
        what = "no value" if v_0 is None else f"a value of {v_0:g}"
        return Assessment("not_assessable", f"{what} in the baseline year {y0}", t)
    if holds(v_0, goal):
        verb = "fallen below" if upward else "risen above"
        return Assessment(
            "moving_away", f"the baseline {y0} had met the target and {t} has {verb} it", t
        )
    r_req = compound_growth(goal, v_0, yt - y0)
    r_act = compound_growth(v_t, v_0, t - y0)
    if r_req is None or r_act is None or r_req == 0:
        return Assessment("not_assessable", "growth rates cannot be computed from these values", t)
    ratio = r_act / r_req
    projected = v_t * (1.0 + r_act) ** (yt - t)
    kw = {
        "required_growth": r_req,
        "actual_growth": r_act,
        "progress_ratio": ratio,
        "projected": projected,
    }
    q = r9(ratio)
    if q >= ON_TRACK_RATIO:
        return Assessment("on_track", None, t, **kw)
    if q >= MODERATE_RATIO:
        return Assessment("moderate", None, t, **kw)
    if q >= 0:
        return Assessment("insufficient", None, t, **kw)
    verb = "fallen" if upward else "risen"
    return Assessment("moving_away", f"the value has {verb} since the baseline", t, **kw)


def _comparative(
    v_t: float, goal: float, holds: Callable[[float, float], bool], y0: int, yt: int, t: int
) -> Assessment:
    if t == yt:
        return Assessment("met" if holds(v_t, goal) else "missed", None, t)
    if y0 < t < yt:
        if holds(v_t, goal):
            return Assessment("on_track", "provisional: the target year is not reached yet", t)
        return Assessment("insufficient", "provisional: the target year is not reached yet", t)
    return Assessment("not_assessable", f"{t} is the baseline year: no growth to compare yet", t)


def _every_year(
    values: dict[int, float],
    goal: float,
    holds: Callable[[float, float], bool],
    y0: int,
    yt: int,
    t: int,
    why_missing: str,
) -> Assessment:
    """Contract §7 (保持): the comparison must hold in every year from Y0+1 to t."""
    if t == y0:
        return Assessment("not_assessable", f"{t} is the baseline year: no year to judge yet", t)
    gaps = [y for y in range(y0 + 1, t + 1) if y not in values]
    if gaps:
        years = ", ".join(map(str, gaps))
        return Assessment("not_assessable", f"no value in {years}{why_missing}", t)
    for y in range(y0 + 1, t + 1):
        if not holds(values[y], goal):
            return Assessment("missed", f"the target did not hold in {y}", t)
    if t == yt:
        return Assessment("met", None, t)
    return Assessment("on_track", None, t)


def _trend(
    values: dict[int, float], y0: int, yt: int, t: int, why_missing: str, *, rising: bool
) -> Assessment:
    if t == y0:
        return Assessment("not_assessable", f"{t} is the baseline year: no trend yet", t)
    gaps = [y for y in range(y0, t + 1) if y not in values]
    if gaps:
        years = ", ".join(map(str, gaps))
        return Assessment("not_assessable", f"no value in {years}{why_missing}", t)
    for y in range(y0, t):
        before, after = r9(values[y]), r9(values[y + 1])
        if (after <= before) if rising else (after >= before):
            verb = "stayed flat" if after == before else ("fell" if after < before else "rose")
            return Assessment("missed", f"the value {verb} from {y} to {y + 1}", t)
    if t == yt:
        return Assessment("met", None, t)
    return Assessment("on_track", None, t)


def years_held(
    target: Target, values: dict[int, float], baseline_year: int, as_of: int
) -> tuple[int, int] | None:
    """For a trend or every-year target: (years that went the target's way, years judged) from
    the baseline to the assessment year; None for other targets or a year without a value."""
    t = min(as_of, target.year)
    if t <= baseline_year:
        return None
    span = range(baseline_year + 1, t + 1)
    if any(y not in values for y in span):
        return None
    if target.op in TREND_OPS:
        if baseline_year not in values:
            return None
        sign = 1 if target.op == "increasing" else -1
        held = sum(1 for y in span if sign * (r9(values[y]) - r9(values[y - 1])) > 0)
        return held, len(span)
    if target.every_year:
        holds = _comparison(target.op)
        goal = float(target.value or 0.0)
        return sum(1 for y in span if holds(values[y], goal)), len(span)
    return None
