"""Money units (contract §1): 元, 千元, 万元, 亿元. Revenue is converted exactly once, from the
file's unit to the plan's money unit, by one multiplication or division by a power of ten
(:func:`in_money_unit`, applied by ``read_panel`` after the row rules)."""

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


def in_money_unit(revenue: pl.Series, unit: str | pl.Series, money_unit: str) -> pl.Series:
    """``revenue`` in ``unit`` (one for all rows, or each row's) converted to ``money_unit``.

    A multiplication or a division by a power of ten, rounded once, and both applied as
    columns, never as scalars: polars divides a column by a scalar as a multiplication by the
    scalar's reciprocal (eager ``Series / float`` too, and the optimiser rewrites ``col / lit``
    that way), which is not exact — 87 万元 would become 0.008700000000000001 亿元. A division by
    a column is a true division.
    """
    if isinstance(unit, str):
        if unit == money_unit:
            return revenue
        multiplier, divisor = (
            pl.repeat(float(factor), revenue.len(), eager=True)
            for factor in _scale(unit, money_unit)
        )
    else:
        multiplier, divisor = (
            unit.replace_strict(
                {u: float(_scale(u, money_unit)[k]) for u in YUAN_PER_UNIT},
                return_dtype=pl.Float64,
            )
            for k in (0, 1)
        )
    return (revenue * multiplier / divisor).alias(revenue.name)


def _scale(from_unit: str, to_unit: str) -> tuple[int, int]:
    """``(multiplier, divisor)`` from ``from_unit`` to ``to_unit``: one of them is 1."""
    source, target = YUAN_PER_UNIT[from_unit], YUAN_PER_UNIT[to_unit]
    return (source // target, 1) if source >= target else (1, target // source)
