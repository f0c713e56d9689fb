"""Revenue summed exactly: the same panel gives the same figures to the last bit, whatever the
order of its rows, how they are split into files, or how polars spreads a sum over threads.

A float sum depends on the order of its terms (``1848.7609499999999`` in one run,
``1848.76095`` in the next), and statisticians reconcile totals to the last digit. So every sum
of revenue is taken in integers: each value in the plan's money unit is written as a whole
number of units of the panel's smallest decimal digit (``digits`` decimals: a panel in 万元
with two decimals is 10⁻⁶ 亿元), an integer sum is exact and independent of order, and it is
turned into a float once, by a correctly rounded division. Sums of squares (HHI) likewise, in
units of 10^(-2·digits).

This module decides the representation (:func:`revenue_digits`, :func:`units_column`) and the
conversion back (:func:`from_units`); :mod:`jingan_kpi.compute.cells` takes every sum on it.
"""

from __future__ import annotations

import polars as pl

REVENUE_UNITS = "_revenue_units"
"""The column of revenue as an integer number of 10^(-digits) of the plan's money unit."""

MAX_DIGITS = 15
_EXACT_LIMIT = 2.0**53
"""Integers up to 2**53 are exact as floats: a scaled value beyond it has no digit left to keep."""
_ULPS = 8 * 2.0**-52
"""A decimal read from text and divided by a unit factor is off by a few units in the last place
(ulps); a residue within this (relative) is such an error, not a further digit."""


def revenue_digits(revenue: pl.Series) -> int:
    """The number of decimals that write every revenue value exactly (at most what a float
    holds for the largest value, and at most :data:`MAX_DIGITS`).

    >>> revenue_digits(pl.Series([1.5, 0.123456, 20.0]))
    6
    >>> revenue_digits(pl.Series([3.0, 12.0]))
    0
    """
    values = revenue.drop_nulls().unique().cast(pl.Float64)
    values = values.filter(values.is_finite())
    if values.is_empty():
        return 0
    largest = float(values.abs().max())  # type: ignore[arg-type]
    for digits in range(MAX_DIGITS + 1):
        if largest * 10.0 ** (digits + 1) >= _EXACT_LIMIT:
            return digits
        scaled = values * 10.0**digits
        residue = (scaled - scaled.round()).abs()
        if bool((residue <= scaled.abs() * _ULPS + 1e-9).all()):
            return digits
    return MAX_DIGITS


def units_column(digits: int, revenue: str = "revenue") -> pl.Expr:
    """Revenue as a whole number of 10^(-digits) units (Int128: squares of large values fit)."""
    return (pl.col(revenue) * 10.0**digits).round().cast(pl.Int128).alias(REVENUE_UNITS)


def from_units(total: int | None, digits: int) -> float:
    """An exact integer sum back in the money unit: one correctly rounded division.

    >>> from_units(184876095, 5)
    1848.76095
    """
    if total is None:
        return 0.0
    value: float = int(total) / 10**digits
    return value
