"""Per-year values and the arithmetic of the formula language over them.

A :class:`YearSeries` is what every formula node evaluates to: a value for each year that has
one, and for each of those years the set of panel cells the value was derived from (so that
``--publish`` can withhold everything derived from a suppressed cell). A year without a value is
simply absent; ``missing`` says why values are absent where that is known (a reference series not
supplied, a column the panel lacks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True, order=True)
class Dep:
    """What a value reveals of the panel in a year, for ``--publish``: a cell's revenue total
    (``cell``), the sum of the N largest enterprises of a cell (``top``, with ``n``), or a cell's
    sum of squares (``hhi``)."""

    kind: Literal["cell", "top", "hhi"]
    cell: str
    """The cell's key, e.g. ``revenue(legal)``."""
    year: int
    n: int | None = None


@dataclass(frozen=True, slots=True)
class YearSeries:
    values: dict[int, float]
    deps: dict[int, frozenset[Dep]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    """Why some or all years have no value (for the ``reason`` of ``not_assessable``)."""
    sources: tuple[str, ...] = ()
    """Reference series used, as ``name: source``, for labelling comparisons."""
    const: float | None = None
    """Set for a number literal: a value in every year."""

    @staticmethod
    def constant(value: float) -> YearSeries:
        return YearSeries(values={}, const=value)

    def get(self, year: int) -> float | None:
        if self.const is not None:
            return self.const
        return self.values.get(year)

    def dep(self, year: int) -> frozenset[Dep]:
        return self.deps.get(year, frozenset())

    def years(self) -> set[int] | None:
        """The years with a value, or None for a constant (every year)."""
        return None if self.const is not None else set(self.values)


def _merge_meta(parts: Iterable[YearSeries]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    missing: list[str] = []
    sources: list[str] = []
    for p in parts:
        missing.extend(m for m in p.missing if m not in missing)
        sources.extend(s for s in p.sources if s not in sources)
    return tuple(missing), tuple(sources)


def combine(
    left: YearSeries,
    right: YearSeries,
    op: Callable[[float, float], float | None],
) -> YearSeries:
    """Apply ``op`` year by year where both sides have a value (None from ``op``: no value)."""
    missing, sources = _merge_meta((left, right))
    if left.const is not None and right.const is not None:
        out = op(left.const, right.const)
        if out is None:
            return YearSeries(values={}, missing=missing, sources=sources)
        return YearSeries(values={}, const=out, missing=missing, sources=sources)
    ly, ry = left.years(), right.years()
    if ly is None:
        years = ry or set()
    elif ry is None:
        years = ly
    else:
        years = ly & ry
    values: dict[int, float] = {}
    deps: dict[int, frozenset[Dep]] = {}
    for y in sorted(years):
        a, b = left.get(y), right.get(y)
        if a is None or b is None:
            continue
        v = op(a, b)
        if v is None:
            continue
        values[y] = v
        deps[y] = left.dep(y) | right.dep(y)
    return YearSeries(values=values, deps=deps, missing=missing, sources=sources)


def add(a: float, b: float) -> float:
    return a + b


def sub(a: float, b: float) -> float:
    return a - b


def mul(a: float, b: float) -> float:
    return a * b


def div(a: float, b: float) -> float | None:
    # Contract §4: a ratio whose denominator is 0 has no value.
    return None if b == 0 else a / b


def compound_growth(v_t: float, v_0: float, years: int) -> float | None:
    """(V(t)/V(Y0))^(1/(t−Y0)) − 1; None where the base is 0 or the ratio is negative."""
    if v_0 == 0 or years <= 0:
        return None
    ratio = v_t / v_0
    if ratio < 0:
        return None
    return float(ratio ** (1.0 / years) - 1.0)


def yoy(s: YearSeries) -> YearSeries:
    """Year-on-year growth V(t)/V(t−1) − 1; no value where the year before has none or 0."""
    values: dict[int, float] = {}
    deps: dict[int, frozenset[Dep]] = {}
    for y, v in s.values.items():
        prev = s.values.get(y - 1)
        if prev is None or prev == 0:
            continue
        values[y] = v / prev - 1.0
        deps[y] = s.dep(y) | s.dep(y - 1)
    return YearSeries(values=values, deps=deps, missing=s.missing, sources=s.sources)


def cagr(s: YearSeries, base: int) -> YearSeries:
    """Compound annual growth since ``base``, (V(t)/V(Y0))^(1/(t−Y0)) − 1, for t > base."""
    values: dict[int, float] = {}
    deps: dict[int, frozenset[Dep]] = {}
    v0 = s.values.get(base)
    if v0 is not None:
        for y, v in s.values.items():
            if y <= base:
                continue
            g = compound_growth(v, v0, y - base)
            if g is not None:
                values[y] = g
                deps[y] = s.dep(y) | s.dep(base)
    missing = s.missing if v0 is not None else (*s.missing, f"no value in the baseline year {base}")
    return YearSeries(values=values, deps=deps, missing=missing, sources=s.sources)
