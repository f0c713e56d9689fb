"""Is the panel's revenue unit plausible? Judged from the plan's own figures (issue 13 item 8).

A panel read in the wrong unit (``--unit 亿元`` on a file in 万元) gives every money figure off by
a power of ten, 10⁴ there: 20 million 亿元 against a 2,300 亿元 target, "883953%" progress. Nothing
in the data says so, but the plan does: its money targets say what size the figures should have
(without a money target, the reference series' levels, each against the money figure nearest to
it). Where the panel's money figures are off from all of them by a factor of 1,000 or more, the evaluation carries a warning naming the unit used and the unit that
would bring the figures in line. A factor of 1,000 is far beyond any real gap between a target
and its outcome or between a district and its city, and below the 10,000 of the usual mistake.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from jingan_kpi.compute.result import IndicatorResult
from jingan_kpi.panel.types import Panel, References
from jingan_kpi.panel.units import YUAN_PER_UNIT
from jingan_kpi.plan import LoadedPlan

IMPLAUSIBLE_FACTOR = 1_000.0


def unit_warnings(
    loaded: LoadedPlan, panel: Panel, results: Sequence[IndicatorResult], refs: References
) -> list[str]:
    """A warning where the money figures are off by ≥ 1,000× from every yardstick the plan and
    the reference series give; none where there is no yardstick or the figures fit."""
    money = [r for r in results if r.kind == "money" and r.values]
    if not money:
        return []
    evidence: list[tuple[float, str]] = []  # (figure ÷ yardstick, what was compared)
    for result in money:
        target = result.target
        value = target.value if target is not None else None
        if value is None or not value > 0:
            continue
        year = max(result.values)
        figure = result.values[year]
        if figure > 0:
            evidence.append(
                (
                    figure / value,
                    f"{result.id} {year}: {_shown(figure)} {result.unit} against the target "
                    f"{_shown(value)} {result.unit}",
                )
            )
    if not evidence:
        # No money target: each level reference series against the money figure nearest to
        # it (a reference may be a city total or one small industry of another district).
        evidence = _reference_evidence(money, refs)
    if not evidence:
        return []
    factors = [factor for factor, _ in evidence]
    too_large = all(f >= IMPLAUSIBLE_FACTOR for f in factors)
    too_small = all(f <= 1 / IMPLAUSIBLE_FACTOR for f in factors)
    if not (too_large or too_small):
        return []
    factor = math.exp(statistics.median(math.log(f) for f in factors))
    size = f"{factor:,.0f} times too large" if too_large else f"{1 / factor:,.0f} times too small"
    example = evidence[0][1]  # a target where there is one: the yardstick users know best
    return [f"the money figures look {size} ({example}). {_unit_hint(panel, factor)}"]


def _reference_evidence(
    money: Sequence[IndicatorResult], refs: References
) -> list[tuple[float, str]]:
    evidence = []
    for series in refs.series.values():
        if series.kind != "level":
            continue
        pairs = [
            (r.values[y] / series.values[y], r, y)
            for r in money
            for y in set(r.values) & set(series.values)
            if r.values[y] > 0 and series.values[y] > 0
        ]
        if not pairs:
            continue
        factor, result, year = min(pairs, key=lambda p: abs(math.log(p[0])))
        level = series.values[year]
        evidence.append(
            (
                factor,
                f"{result.id} {year}: {_shown(result.values[year])} {result.unit} against the "
                f"reference series {series.name} ({_shown(level)} {result.unit})",
            )
        )
    return evidence


def _shown(value: float) -> str:
    """A figure for the message: two decimals, or four significant digits below 1."""
    return f"{value:,.2f}" if value >= 1 else f"{value:.4g}"


def _unit_hint(panel: Panel, factor: float) -> str:
    """Which unit the files were read in, and which unit would make the figures fit."""
    units = {(s.unit, s.unit_source) for s in panel.sources}
    if len(units) != 1:
        return "Check each file's revenue unit (header, --unit)."
    unit, source = units.pop()
    said = {"header": "its header", "option": "--unit", "plan": "the plan's input unit"}[source]
    # The figures would be ``factor`` times smaller in a unit of 1/factor as many yuan.
    wanted = math.log10(YUAN_PER_UNIT[unit] / factor)
    likely = min(YUAN_PER_UNIT, key=lambda u: abs(math.log10(YUAN_PER_UNIT[u]) - wanted))
    hint = f"The panel's revenue was read in {unit} (from {said})"
    if likely == unit:
        return hint + "; check the data."
    fix = f"--unit {likely}" if source != "header" else f"a header saying {likely}"
    return hint + f"; if it is in {likely}, run again with {fix}."
