"""Enterprise dynamics (contract §8): entrants, exits, crossers and high-growth enterprises.

These functions look at one enterprise across years, so unlike the cell sums they need the
enterprise's key. The panel is sorted once by (key, year); as an enterprise has at most one used
row a year (contract §1's duplicate rule), its row in t−j, if there is one, is one of the j rows
just above its row in t, so every function is a few ``shift``s over that one sorted frame and
one ``group_by("year")`` counts them all together, however many calls the plan makes.

The key is whatever identifies an enterprise: the credit code itself where the frame has it
(``explain``), or its 64-bit hash (:data:`KEY_COLUMN`, 8 bytes a row instead of an 18-character
string) where ``check`` keeps only that. Two different codes share a hash with probability about
n² / 2⁶⁵ (3·10⁻⁸ for a million enterprises).

Rules, all from contract §8, in year t:

* member: a used row in t in the sector that passes the call's filters (zone, HQ type) and, for
  ``entrants``, ``exits`` and ``crossed``, ``min_revenue`` (revenue rounded to 9 decimals ≥ X);
* ``entrants``: members in t that were not members in t−1;
* ``exits``: members in t−1 that are not members in t;
* ``crossed``: members in t whose used row in t−1 has revenue < X (no row in t−1: not counted);
* ``high_growth``: members in t (``min_revenue`` not applied in t) whose used row in t−K has
  revenue ≥ X and > 0, with (rev_t / rev_{t−K})^(1/K) − 1, rounded to 9 decimals, > R;
* no value in a year t whose t−1 (``high_growth``: t−K) the panel does not cover. The earlier
  row may be in any sector, zone or HQ type of the panel (the panel holds the plan's scope).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from jingan_kpi.panel.rules import credit_key
from jingan_kpi.panel.types import KEY_COLUMN
from jingan_kpi.plan.functions import HIGH_GROWTH_RATE, HIGH_GROWTH_YEARS

__all__ = [
    "ENTERPRISE_FUNCTIONS",
    "KEY_COLUMN",
    "EnterpriseSpec",
    "ListedEnterprise",
    "counts_by_year",
    "credit_key",
    "enterprise_counts",
    "enterprise_rows",
    "key_expr",
    "listed_enterprises",
]

EnterpriseFunc = Literal["entrants", "exits", "crossed", "high_growth"]
ENTERPRISE_FUNCTIONS: tuple[EnterpriseFunc, ...] = ("entrants", "exits", "crossed", "high_growth")

DECIMALS = 9
"""Comparisons are made on values rounded to 9 decimals, half to even (contract §5, §7, §8)."""


@dataclass(frozen=True, slots=True)
class EnterpriseSpec:
    """One call of an enterprise function.

    ``member`` is the row mask of the sector and the call's zone and HQ-type filters, *without*
    ``min_revenue``, which the function applies itself (to the year t for ``entrants``,
    ``exits`` and ``crossed``, to the base year t−K for ``high_growth``).
    """

    func: EnterpriseFunc
    member: pl.Expr
    min_revenue: float | None = None
    rate: float = HIGH_GROWTH_RATE
    years: int = HIGH_GROWTH_YEARS

    @property
    def lag(self) -> int:
        """How far back the function looks: 1, or K for ``high_growth``."""
        return self.years if self.func == "high_growth" else 1

    def value_years(self, covered: Sequence[int]) -> list[int]:
        """The years t with a value: covered, and t − lag covered too."""
        have = set(covered)
        return [t for t in sorted(have) if t - self.lag in have]


def key_expr(columns: Sequence[str]) -> pl.Expr:
    """The enterprise key of a panel frame: :data:`KEY_COLUMN` if kept, else the credit code."""
    if KEY_COLUMN in columns:
        return pl.col(KEY_COLUMN)
    if "credit_code" in columns:
        return pl.col("credit_code")
    msg = f"the enterprise functions need the panel's credit_code or {KEY_COLUMN} column"
    raise ValueError(msg)


def flagged(
    frame: pl.DataFrame | pl.LazyFrame,
    specs: Sequence[EnterpriseSpec],
    *,
    key: pl.Expr,
    extra: Mapping[str, pl.Expr] | None = None,
    keep: Sequence[str] = (),
    presorted: bool = False,
) -> pl.LazyFrame:
    """The panel sorted by (key, year), with for each spec ``i`` a boolean column ``_f{i}``: the
    row counts for that call (for ``exits`` the row is the one in t−1, counted in t), and
    ``_base{i}`` for a lagged revenue (the revenue in t−1 or t−K the test compared).

    ``extra`` adds columns the ``member`` masks read (e.g. bit sets); ``keep`` carries other
    columns of the frame along (names, sources for ``explain``). ``presorted``: the frame is
    already sorted by key and year (one sort shared by several calls).
    """
    lazy = frame.lazy()
    if extra:
        lazy = lazy.with_columns(**extra)
    members = {f"_m{i}": spec.member.fill_null(False) for i, spec in enumerate(specs)}
    lazy = lazy.select(
        key.alias("_key"), pl.col("year"), pl.col("revenue"), *map(pl.col, keep), **members
    )
    if not presorted:
        lazy = lazy.sort("_key", "year")
    rev = pl.col("revenue")
    rev9 = rev.round(DECIMALS)
    year = pl.col("year")

    def at(j: int) -> pl.Expr:
        """The row j above is the same enterprise j years earlier (j < 0: below, later)."""
        return (
            (pl.col("_key").shift(j) == pl.col("_key")) & (year.shift(j) == year - j)
        ).fill_null(False)

    def lagged(k: int) -> pl.Expr:
        """Revenue in t−k, where the enterprise has a used row then (null where not)."""
        return pl.coalesce(
            [
                pl.when(
                    (pl.col("_key").shift(j) == pl.col("_key")) & (year.shift(j) == year - k)
                ).then(rev.shift(j))
                for j in range(1, k + 1)
            ]
        )

    columns: dict[str, pl.Expr] = {}
    for i, spec in enumerate(specs):
        m = pl.col(f"_m{i}")
        x = spec.min_revenue
        if spec.func == "high_growth":
            base = lagged(spec.years)
            base9 = base.round(DECIMALS)
            growth = ((rev / base).pow(1.0 / spec.years) - 1.0).round(DECIMALS)
            ok_base = base9 > 0 if x is None else (base9 >= x) & (base9 > 0)
            columns[f"_f{i}"] = (m & ok_base & (growth > spec.rate)).fill_null(False)
            columns[f"_base{i}"] = base
            continue
        member = m if x is None else m & (rev9 >= x)
        if spec.func == "entrants":
            columns[f"_f{i}"] = member & ~(at(1) & member.shift(1).fill_null(False))
            columns[f"_base{i}"] = pl.when(at(1)).then(rev.shift(1))
        elif spec.func == "exits":
            columns[f"_f{i}"] = member & ~(at(-1) & member.shift(-1).fill_null(False))
            columns[f"_base{i}"] = pl.when(at(-1)).then(rev.shift(-1))
        else:  # crossed
            if x is None:
                msg = "crossed() needs min_revenue"
                raise ValueError(msg)
            columns[f"_f{i}"] = member & at(1) & (rev9.shift(1) < x).fill_null(False)
            columns[f"_base{i}"] = pl.when(at(1)).then(rev.shift(1))
    return lazy.with_columns(**columns)


def enterprise_counts(
    frame: pl.DataFrame | pl.LazyFrame,
    specs: Mapping[str, EnterpriseSpec],
    years: Sequence[int],
    *,
    key: pl.Expr,
    extra: Mapping[str, pl.Expr] | None = None,
) -> dict[str, dict[int, int]]:
    """Per call (its key in ``specs``), per year t with a value, the number of enterprises.

    Every call is counted from one sort of the panel and one ``group_by``.

    Examples
    --------
    >>> frame = pl.DataFrame({
    ...     "credit_code": ["A", "A", "B", "C"],
    ...     "year": [2024, 2025, 2025, 2024],
    ...     "revenue": [1.0, 2.0, 3.0, 4.0],
    ... })
    >>> specs = {
    ...     "in": EnterpriseSpec("entrants", pl.lit(True)),
    ...     "out": EnterpriseSpec("exits", pl.lit(True)),
    ... }
    >>> enterprise_counts(frame, specs, [2024, 2025], key=pl.col("credit_code"))
    {'in': {2025: 1}, 'out': {2025: 1}}
    """
    names = list(specs)
    spec_list = [specs[n] for n in names]
    if not spec_list:
        return {}
    lazy = flagged(frame, spec_list, key=key, extra=extra)
    per_year = (
        lazy.group_by("year")
        .agg(pl.col(f"_f{i}").sum().alias(f"_f{i}") for i in range(len(spec_list)))
        .collect()
    )
    totals = {int(r["year"]): r for r in per_year.iter_rows(named=True)}
    out: dict[str, dict[int, int]] = {}
    for i, (name, spec) in enumerate(zip(names, spec_list, strict=True)):
        # An exit is flagged on its row in t−1 and counted in t.
        shift = 1 if spec.func == "exits" else 0
        values: dict[int, int] = {}
        for t in spec.value_years(years):
            row = totals.get(t - shift)
            values[t] = int(row[f"_f{i}"]) if row is not None else 0
        out[name] = values
    return out


def counts_by_year(frame: pl.LazyFrame, spec: EnterpriseSpec, *, key: pl.Expr) -> pl.LazyFrame:
    """One call's counts, ``year`` and ``value``, from a frame already sorted by key and year
    (the one pass sorts once for every call). Years without a flagged enterprise are absent
    (they count 0); years without a value (t − lag not covered) are the caller's to drop
    (:meth:`EnterpriseSpec.value_years`)."""
    shift = 1 if spec.func == "exits" else 0
    return (
        flagged(frame, [spec], key=key, presorted=True)
        .group_by((pl.col("year") + shift).alias("year"))
        .agg(pl.col("_f0").sum().alias("value"))
    )


def enterprise_rows(
    frame: pl.DataFrame,
    spec: EnterpriseSpec,
    years: Sequence[int],
    *,
    key: pl.Expr,
    keep: Sequence[str] = (),
    extra: Mapping[str, pl.Expr] | None = None,
) -> pl.DataFrame:
    """The enterprises behind one call's counts (for ``explain``): one row per enterprise and
    year t counted, with ``year`` (t), ``revenue`` (in t; null for an exit without a used row
    in t), ``base_year``
    and ``base_revenue`` (t−1 or t−K; for an entrant without a row in t−1, null), and ``keep``
    (taken from the row in t, for an exit from the row in t−1)."""
    lazy = flagged(frame, [spec], key=key, extra=extra, keep=keep)
    rows = lazy.filter(pl.col("_f0"))
    if spec.func == "exits":
        rows = rows.select(
            (pl.col("year") + 1).alias("year"),
            pl.col("_base0").alias("revenue"),
            pl.col("year").alias("base_year"),
            pl.col("revenue").alias("base_revenue"),
            *map(pl.col, keep),
        )
    else:
        rows = rows.select(
            pl.col("year"),
            pl.col("revenue"),
            (pl.col("year") - spec.lag).alias("base_year"),
            pl.col("_base0").alias("base_revenue"),
            *map(pl.col, keep),
        )
    counted = spec.value_years(years)
    # Largest first: by revenue in t, for an exit by its revenue in t−1.
    size = ["base_revenue", "revenue"] if spec.func == "exits" else ["revenue", "base_revenue"]
    return (
        rows.filter(pl.col("year").is_in(counted))
        .sort(
            ["year", *size, *keep],
            descending=[False, True, True] + [False] * len(keep),
            nulls_last=True,
        )
        .collect()
    )


@dataclass(frozen=True, slots=True)
class ListedEnterprise:
    """One enterprise behind an enterprise function's count in year t (``explain``)."""

    credit_code: str
    name: str | None
    revenue: float | None
    """Revenue in t (none for an exit without a used row in t: it left the plan's scope)."""
    base_year: int
    base_revenue: float | None
    """Revenue in t−1 (t−K for ``high_growth``; for an exit, its row in t−1), none where the
    enterprise had no used row then."""
    source: str = ""
    """Where the row in t (for an exit, in t−1) was read: ``file:line``."""


def listed_enterprises(
    frame: pl.DataFrame, spec: EnterpriseSpec, years: Sequence[int]
) -> dict[int, tuple[ListedEnterprise, ...]]:
    """Per year with a value, the enterprises the call counts, largest revenue first (for an
    exit, largest revenue in t−1). ``frame`` is the full panel (credit code, name, sources)."""
    keep = [c for c in ("credit_code", "name", "source_file", "source_line") if c in frame.columns]
    rows = enterprise_rows(frame, spec, years, key=pl.col("credit_code"), keep=keep)
    out: dict[int, list[ListedEnterprise]] = {t: [] for t in spec.value_years(years)}
    for r in rows.iter_rows(named=True):
        source = f"{r['source_file']}:{r['source_line']}" if "source_file" in r else ""
        out[int(r["year"])].append(
            ListedEnterprise(
                credit_code=r["credit_code"],
                name=r.get("name"),
                revenue=r["revenue"],
                base_year=int(r["base_year"]),
                base_revenue=r["base_revenue"],
                source=source,
            )
        )
    return {t: tuple(v) for t, v in out.items()}
