"""Money units (contract §1): 元, 千元, 万元, 亿元. Revenue is converted exactly once, from the
file's unit to the plan's money unit, by one multiplication or division by a power of ten."""

from __future__ import annotations

import polars as pl

from jingan_kpi.errors import UsageError

# Yuan per unit (reference README "Units": 1 亿元 = 10⁴ 万元 = 10⁵ 千元 = 10⁸ 元).
YUAN_PER_UNIT: dict[str, int] = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}


def check_unit(unit: str, what: str = "--unit") -> str:
    """The unit, stripped and half-width; a UsageError naming the accepted units otherwise."""
    cleaned = unit.strip()
    if cleaned not in YUAN_PER_UNIT:
        accepted = ", ".join(YUAN_PER_UNIT)
        msg = f'{what} "{unit}" is not a money unit; use one of {accepted}'
        raise UsageError(msg)
    return cleaned


def convert(expr: pl.Expr, from_unit: str, to_unit: str) -> pl.Expr:
    """``expr`` (a number in ``from_unit``) in ``to_unit``: an exact power of ten, applied once."""
    source, target = YUAN_PER_UNIT[from_unit], YUAN_PER_UNIT[to_unit]
    if source == target:
        return expr
    if source > target:
        return expr * float(source // target)
    # Dividing by 10⁴ rounds once, correctly; multiplying by 1e-4 (inexact) would not.
    return expr / float(target // source)


def divisor(from_unit: str, to_unit: str) -> int | None:
    """The power of ten to divide by to go from ``from_unit`` to ``to_unit`` (None: no division).

    Polars divides a column by a scalar as a multiplication by the scalar's reciprocal (eager
    ``Series / float`` too, and the in-memory optimiser rewrites ``col / lit`` that way), which
    is not exact: 87 万元 would become 0.008700000000000001 亿元. Dividing a column by a column
    is a true division, so callers divide by a column of this value (see ``read_panel``).
    """
    source, target = YUAN_PER_UNIT[from_unit], YUAN_PER_UNIT[to_unit]
    return target // source if source < target else None
