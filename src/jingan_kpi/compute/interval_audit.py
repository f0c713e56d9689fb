"""The interval audit of a suppression pattern: how far can an outsider narrow a withheld value?

Secondary suppression (:mod:`jingan_kpi.compute.disclosure`) makes sure that no withheld value is
an exact linear combination of published ones. An outsider can still *bound* it: revenue is
never negative, so with the published cells fixed, a withheld cell's value lies in an interval
[lower, upper], the minimum and the maximum of a linear programme (the "attacker's LP" of
τ-ARGUS and the ESS Handbook on Statistical Disclosure Control, §4.2):

    min / max  Σ_{j ∈ s} a_j   subject to   Σ_{j ∈ c} a_j = value(c) for every published cell c,
                                            a_j ≥ 0 for every atom j,

where the atoms are the groups of enterprises sharing one membership signature (each cell is a
union of atoms). The rules ask for a *protection level* P around an unsafe value X: with
contributions x1 ≥ x2 ≥ … (τ-ARGUS's levels, both taken and the larger kept, never below 0)

* p% rule: P = p/100 · x1 − (X − x1 − x2): the second largest contributor, who knows its own
  x2, must not bound x1 within p%;
* (n,k) dominance: P = 100/k · (x1 + … + xn) − X: the n largest must not be shown to exceed k%.

The pattern protects the value when ``upper ≥ X + P`` and ``lower ≤ max(X − P, 0)``, and every
withheld value (unsafe or not) has ``upper > lower``: none is pinned down.

The solver is HiGHS through :func:`scipy.optimize.linprog` (the ``publish`` extra), imported only
when an audit runs, so the rest of the tool does not need SciPy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from jingan_kpi.errors import UsageError

SOLVER_MISSING = (
    "--publish and audit-disclosure check every withheld value with an interval audit (linear "
    "programming, SciPy's HiGHS solver), and SciPy is not installed; nothing is published "
    "unaudited. Install it with: pip install 'jingan-kpi[publish]'"
)

RELATIVE_TOLERANCE = 1e-9
"""Bounds within this fraction of the table's scale are taken as reaching the protection (the
solver works in floating point; a bound exactly on the protection level passes)."""

Vector = tuple[int, ...]


def protection_level(
    x1: Fraction, x2: Fraction, top_n: Fraction, total: Fraction, p: Fraction, k: Fraction
) -> Fraction:
    """τ-ARGUS's protection level of a cell: the larger of the p% and (n,k) levels, at least 0.

    ``top_n`` is x1 + … + xn for the dominance rule's n; ``p`` and ``k`` are in percent.

    >>> protection_level(Fraction(1977), Fraction(0), Fraction(1977), Fraction(1977),
    ...                  Fraction(10), Fraction(85)) == Fraction(1977 * 15, 85)
    True
    >>> protection_level(Fraction(50), Fraction(45), Fraction(95), Fraction(200), 10, 85)
    Fraction(0, 1)
    """
    p_level = p / 100 * x1 - (total - x1 - x2)
    nk_level = 100 / Fraction(k) * top_n - total if k > 0 else Fraction(0)
    return max(p_level, nk_level, Fraction(0))


@dataclass(frozen=True, slots=True)
class Interval:
    """What the published cells tell about one withheld value (in the panel's money unit)."""

    value: float
    required: float
    """The protection level P the rules ask for (0 for a value withheld only as a complement,
    which must merely not be pinned down)."""
    lower: float
    upper: float | None
    """``None``: no published figure bounds the value from above."""
    protected: bool
    """``upper ≥ value + P``, ``lower ≤ max(value − P, 0)`` and ``upper > lower``."""

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "protection_required": self.required,
            "lower": self.lower,
            "upper": self.upper,
            "protected": self.protected,
        }


def load_solver() -> Callable[..., Any]:
    """``scipy.optimize.linprog``, or a :class:`UsageError` (exit 2) saying how to install it."""
    try:
        # By name: SciPy is an optional extra and ships no type stubs.
        optimize = importlib.import_module("scipy.optimize")
    except ImportError:
        raise UsageError(SOLVER_MISSING) from None
    linprog: Callable[..., Any] = optimize.linprog
    return linprog


@dataclass(frozen=True, slots=True)
class LpSolution:
    """min and max of a target (scaled), and the duals of the published rows at each: how much
    the bound moves per unit of each row's value."""

    rows: tuple[Vector, ...]
    low: float
    high: float | None
    dual_low: tuple[float, ...]
    dual_high: tuple[float, ...]


class IntervalAuditor:
    """The attacker's LP over one year's atoms, solved for many published sets and targets.

    ``atom_totals`` are the atoms' exact totals; results are cached by (published set, target)
    because the suppression search asks the same questions again.
    """

    def __init__(self, atom_totals: Sequence[Fraction]) -> None:
        self._linprog = load_solver()
        self._totals = [float(t) for t in atom_totals]
        self._exact = list(atom_totals)
        scale = max((abs(t) for t in self._totals), default=0.0)
        self._scale = scale if scale > 0 else 1.0
        self._tolerance = RELATIVE_TOLERANCE * self._scale * max(1, len(self._totals))
        self._cache: dict[tuple[frozenset[Vector], Vector], LpSolution] = {}

    @property
    def scale(self) -> float:
        """The largest atom total: the LPs are solved in this unit."""
        return self._scale

    @property
    def grand_total(self) -> float:
        return sum(abs(t) for t in self._totals)

    @property
    def epsilon(self) -> float:
        """The smallest protection asked in the scaled LPs: a value must not be pinned."""
        return 1e-6

    def row_value(self, row: Vector) -> float:
        return sum(t for t, m in zip(self._totals, row, strict=True) if m)

    def solve(self, published: frozenset[Vector], target: Vector) -> LpSolution:
        """The attacker's LP, scaled to the largest atom (so that HiGHS's absolute tolerances
        act as relative ones), with the duals of the published rows; cached."""
        key = (published, target)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        rows = tuple(sorted(published))
        a_eq = [[float(x) for x in row] for row in rows] or None
        b_eq = [self.row_value(row) / self._scale for row in rows] or None
        cost = [float(x) for x in target]
        kw = {"A_eq": a_eq, "b_eq": b_eq, "bounds": (0, None), "method": "highs"}
        low = self._linprog(cost, **kw)
        high = self._linprog([-c for c in cost], **kw)
        if low.status != 0 or high.status not in (0, 3):
            message = low.message if low.status != 0 else high.message
            msg = f"internal error: the interval audit's LP has no solution ({message})"
            raise RuntimeError(msg)
        dual_low = tuple(float(y) for y in low.eqlin.marginals) if rows else ()
        if high.status == 3:  # unbounded: no published figure caps the value
            solution = LpSolution(
                rows, max(float(low.fun), 0.0), None, dual_low, (0.0,) * len(rows)
            )
        else:
            dual_high = tuple(-float(y) for y in high.eqlin.marginals) if rows else ()
            solution = LpSolution(
                rows, max(float(low.fun), 0.0), -float(high.fun), dual_low, dual_high
            )
        self._cache[key] = solution
        return solution

    def value(self, target: Vector) -> Fraction:
        return sum((t for t, m in zip(self._exact, target, strict=True) if m), Fraction(0))

    def bounds(self, published: frozenset[Vector], target: Vector) -> tuple[float, float | None]:
        """(min, max) of the target's value given the published cells (max ``None``:
        unbounded)."""
        solution = self.solve(published, target)
        upper = None if solution.high is None else solution.high * self._scale
        return solution.low * self._scale, upper

    def interval(
        self, published: frozenset[Vector], target: Vector, required: Fraction
    ) -> Interval:
        """The target's interval and whether it gives the protection ``required``."""
        lower, upper = self.bounds(published, target)
        value = float(self.value(target))
        need = float(required)
        tol = self._tolerance
        reaches_up = upper is None or upper >= value + need - tol
        reaches_down = lower <= max(value - need, 0.0) + tol
        open_ = upper is None or upper - lower > tol
        return Interval(value, need, lower, upper, reaches_up and reaches_down and open_)

    def shortfall(self, published: frozenset[Vector], target: Vector, required: Fraction) -> float:
        """How far the interval falls short of the protection (0 when protected), in money."""
        iv = self.interval(published, target, required)
        if iv.protected:
            return 0.0
        up = 0.0 if iv.upper is None else max(iv.value + iv.required - iv.upper, 0.0)
        down = max(iv.lower - max(iv.value - iv.required, 0.0), 0.0)
        return max(up, down, self._tolerance * 2)


def load_milp() -> Callable[..., Any]:
    """``scipy.optimize.milp`` (HiGHS's branch and bound), loaded like :func:`load_solver`."""
    load_solver()
    milp: Callable[..., Any] = importlib.import_module("scipy.optimize").milp
    return milp


_CUTS_PER_ROUND = 4
"""Targets found short before the master problem is solved again: the last round asks every
target, so fewer LPs are solved in the rounds before it."""


def fewest_withheld(
    auditor: IntervalAuditor,
    candidates: Sequence[Vector],
    weights: Sequence[float],
    targets: Sequence[tuple[Vector, Fraction]],
    *,
    max_rounds: int = 60,
) -> frozenset[int] | None:
    """The cheapest set of ``candidates`` to withhold so that every target keeps its interval.

    Fischetti and Salazar's model (the one τ-ARGUS's optimal and modular methods solve) with
    Benders cuts: a master problem chooses which candidates to withhold (0/1, minimum total
    weight); for each target and direction, the attacker's LP on the cells left published
    gives, through its dual, a bound that is linear in the choice and valid for every choice
    ("withholding cell c lets the bound move by coef_c"); a bound short of the protection
    becomes a constraint of the master, which is solved again, until every target is
    protected. Withheld cells are modelled as free between 0 and their value plus the whole
    table (at least as free as that: the final pattern is audited without that cap).

    Returns the indices of the candidates to withhold, or ``None`` when the rounds run out or
    the solver fails (the caller then falls back on its greedy search).
    """
    milp = load_milp()
    optimize = importlib.import_module("scipy.optimize")
    n = len(candidates)
    if n == 0:
        return frozenset()
    scale = auditor.scale
    room = 4.0 * (auditor.grand_total / scale + 1.0)  # U: how far a withheld cell may move
    cuts: list[tuple[list[float], float]] = []
    chosen: frozenset[int] = frozenset()
    order = list(range(len(targets)))
    for _ in range(max_rounds):
        published = frozenset(v for i, v in enumerate(candidates) if i not in chosen)
        index = {v: i for i, v in enumerate(candidates)}
        new_cuts = 0
        violated: list[int] = []
        for t in order:
            before = new_cuts
            target, need = targets[t]
            value = float(auditor.value(target)) / scale
            want = max(float(need) / scale, auditor.epsilon)
            lp = auditor.solve(published, target)
            row_values = [auditor.row_value(r) / scale for r in lp.rows]
            if lp.high is not None and lp.high < value + want - auditor.epsilon / 10:
                coef = [0.0] * n
                for row, y, v in zip(lp.rows, lp.dual_high, row_values, strict=True):
                    coef[index[row]] = y * room if y > 0 else -y * v
                cuts.append((coef, value + want - lp.high))
                new_cuts += 1
            floor = max(value - want, 0.0)
            if lp.low > floor + auditor.epsilon / 10:
                coef = [0.0] * n
                for row, y, v in zip(lp.rows, lp.dual_low, row_values, strict=True):
                    coef[index[row]] = y * v if y > 0 else -y * room
                cuts.append((coef, lp.low - floor))
                new_cuts += 1
            if new_cuts > before:
                violated.append(t)
            if len(violated) >= _CUTS_PER_ROUND:
                break
        # Targets found short are asked first next round: the last round must ask them all.
        order = violated + [t for t in order if t not in violated]
        if new_cuts == 0:
            return chosen
        matrix = [c for c, _ in cuts]
        lower = [r for _, r in cuts]
        result = milp(
            list(weights),
            integrality=[1] * n,
            bounds=optimize.Bounds([0.0] * n, [1.0] * n),
            constraints=optimize.LinearConstraint(matrix, lower, [float("inf")] * len(cuts)),
            options={"mip_rel_gap": 0.0},
        )
        if result.status != 0 or result.x is None:
            return None
        chosen = frozenset(i for i, x in enumerate(result.x) if x > 0.5)
    return None
