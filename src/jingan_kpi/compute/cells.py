"""The one pass over the panel: every statistic the plan's panel calls need.

The calls come from :func:`jingan_kpi.plan.functions.collect_calls`; what each needs is in its
function's registry entry (:class:`~jingan_kpi.plan.functions.Stat`). This module only walks
them: one ``group_by("year")`` over a small grouped table for the statistics that allow it, one
``group_by("year")`` over the rows for the rest (top-N sums, cells with ``min_revenue``), and,
only where the plan uses a function that follows enterprises across years, one pass over the
enterprise histories. The data is scanned the same number of times however many indicators the
plan has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from jingan_kpi.compute.enterprise import KEY_COLUMN, key_expr
from jingan_kpi.errors import UsageError
from jingan_kpi.plan.functions import (
    CELL_STATS,
    FILTERS,
    Cube,
    PanelCall,
    Stat,
    collect_calls,
    panel_call,
)

__all__ = ["CellMasks", "CellTable", "PanelCall", "collect_calls", "compute_cells", "panel_call"]


class CellMasks:
    """The cells' conditions, judged once per distinct value rather than once per row.

    A panel has few distinct industry codes (at most the 1381 classes), zones and HQ types, so
    which code prefixes and value sets each value matches is decided in Python over the distinct
    values, and the rows get it through one hash lookup per column (``replace_strict`` to a bit
    set); each condition is then a bit test. Same result as the direct test
    (:class:`~jingan_kpi.plan.functions.DirectTest`), far fewer string scans.
    """

    def __init__(self, frame: pl.DataFrame, flags: Mapping[str, pl.Expr] | None = None) -> None:
        self.frame = frame
        self._flags = dict(flags or {})
        self._bits: dict[tuple[str, tuple[str, ...]], int] = {}

    def _bit(self, column: str, test: tuple[str, ...]) -> pl.Expr:
        bit = self._bits.setdefault((column, test), len(self._bits))
        return (pl.col(f"_bits{bit // 63}") & (1 << (bit % 63))) != 0

    def codes(self, prefixes: tuple[str, ...]) -> pl.Expr:
        return self._bit("industry_code", prefixes)

    def values(self, column: str, values: frozenset[str]) -> pl.Expr:
        return self._bit(column, tuple(sorted(values)))

    def flag(self, column: str) -> pl.Expr:
        return self._flags.get(column, pl.col(column).is_not_null())

    def columns(self) -> dict[str, pl.Expr]:
        """The bit-set columns ``_bits0``, ``_bits1``…: bit b set where the row passes test b."""
        words: dict[int, list[pl.Expr]] = {}
        for column in dict.fromkeys(c for c, _ in self._bits):
            tests = [(t, b) for (c, t), b in self._bits.items() if c == column]
            values = [v for v in self.frame.get_column(column).unique().to_list() if v is not None]
            for word in sorted({b // 63 for _, b in tests}):
                mapping: dict[str, int] = {}
                for value in values:
                    bits = 0
                    for test, b in tests:
                        if b // 63 == word and _matches(column, value, test):
                            bits |= 1 << (b % 63)
                    if bits:
                        mapping[value] = bits
                words.setdefault(word, []).append(
                    pl.col(column).replace_strict(mapping, default=0, return_dtype=pl.Int64)
                )
        return {
            f"_bits{word}": parts[0] if len(parts) == 1 else pl.reduce(lambda a, b: a | b, parts)
            for word, parts in sorted(words.items())
        }


def _matches(column: str, value: str, test: tuple[str, ...]) -> bool:
    if column == "industry_code":
        return any(value.startswith(p) for p in test)
    return value in test


@dataclass(frozen=True, slots=True)
class CellTable:
    """The results of the one pass: per statistic and call (or cell) key, per year, a number."""

    years: tuple[int, ...]
    stats: dict[str, dict[int, float]]
    """Keyed by :meth:`Stat.key <jingan_kpi.plan.functions.Stat.key>`."""

    def series(self, stat: Stat, call: PanelCall) -> dict[int, float]:
        return self.stats[stat.key(call)]

    def of(self, call: PanelCall) -> CallStatsView:
        return CallStatsView(self, call)

    def cell_sums(self, call: PanelCall) -> dict[int, float]:
        """The revenue total of the call's cell, per year (``{}`` if it was not computed)."""
        return self.stats.get(CELL_STATS[0].key(call), {})


@dataclass(frozen=True, slots=True)
class CallStatsView:
    """The statistics of one call (:class:`~jingan_kpi.plan.functions.CallStats`)."""

    table: CellTable
    call: PanelCall

    @property
    def years(self) -> tuple[int, ...]:
        return self.table.years

    def get(self, stat: Stat, year: int) -> float:
        return self.table.stats[stat.key(self.call)][year]


def compute_cells(
    frame: pl.DataFrame | pl.LazyFrame,
    calls: Mapping[str, PanelCall],
    available_columns: Iterable[str],
    years: Sequence[int],
) -> CellTable:
    """Every statistic of every call that the panel's columns allow, in as few passes as possible.

    Statistics with a ``cube`` form, of cells without ``min_revenue``, come from one small table:
    the panel grouped by year, class code, zone and HQ (≈ 1k rows however many rows the panel
    has). Only what needs the rows reads them again; only functions over enterprise histories
    read those.
    """
    available = set(available_columns)
    data = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    cube: dict[str, tuple[Stat, PanelCall]] = {}
    rows: dict[str, tuple[Stat, PanelCall]] = {}
    history: dict[str, tuple[Stat, PanelCall]] = {}
    for call in calls.values():
        if not call.needs_columns() <= available:
            continue
        for stat in (*CELL_STATS, *call.rule.stats(call)):
            key = stat.key(call)
            if stat.history is not None:
                history.setdefault(key, (stat, call))
            elif stat.cube is not None and call.cell.min_revenue is None:
                cube.setdefault(key, (stat, call))
            else:
                rows.setdefault(key, (stat, call))
    outs: list[pl.DataFrame] = []
    if cube:
        outs.append(_cube_pass(data, cube))
    if rows:
        outs.append(_row_pass(data, rows))
    if history:
        outs.extend(_history_pass(data, history))
    table = CellTable(years=tuple(sorted(years)), stats={})
    for out in outs:
        by_year = {int(r["year"]): r for r in out.iter_rows(named=True)}
        for col in out.columns:
            if col == "year":
                continue
            per_year: dict[int, float] = {}
            for y in table.years:
                row = by_year.get(y)
                v = row[col] if row is not None else 0
                per_year[y] = v if v is not None else 0
            table.stats[col] = per_year
    return table


def _cube_pass(data: pl.DataFrame, stats: Mapping[str, tuple[Stat, PanelCall]]) -> pl.DataFrame:
    """Statistics from the small table: the panel grouped by year, class code, zone and HQ."""
    filtered = {FILTERS[k].column for _, call in stats.values() for k, _ in call.cell.values}
    keys: list[pl.Expr] = [pl.col("year"), pl.col("industry_code")]
    if "zone" in data.columns:
        keys.append(pl.col("zone"))
    keys += [pl.col(c) for c in sorted(filtered - {"zone", "hq_type"})]
    flags: dict[str, pl.Expr] = {}
    if "hq_type" in data.columns:
        # Grouped by the HQ flag only, unless a cell filters on the HQ type itself.
        if "hq_type" in filtered:
            keys.append(pl.col("hq_type"))
        else:
            keys.append(pl.col("hq_type").is_not_null().alias("_hq"))
            flags["hq_type"] = pl.col("_hq")
    revenue = pl.col("revenue")
    grouped = (
        data.lazy()
        .group_by(keys)
        .agg(_s=revenue.sum(), _q=(revenue * revenue).sum(), _n=pl.len())
        .collect()
    )
    masks = CellMasks(grouped, flags)
    columns = Cube(revenue=pl.col("_s"), squares=pl.col("_q"), rows=pl.col("_n"))
    exprs: list[pl.Expr] = []
    for key, (stat, call) in stats.items():
        assert stat.cube is not None
        exprs.append(stat.cube(call.cell.mask(masks), columns).alias(key))
    return grouped.lazy().with_columns(**masks.columns()).group_by("year").agg(exprs).collect()


def _row_pass(data: pl.DataFrame, stats: Mapping[str, tuple[Stat, PanelCall]]) -> pl.DataFrame:
    """Statistics that need the rows: top-N sums, and the cells with a ``min_revenue`` filter."""
    masks = CellMasks(data)
    # Each cell's revenue is computed once as a column (0 outside the cell), so the group_by has
    # only plain aggregations: no filter or mask repeated inside it.
    cell_columns: dict[str, pl.Expr] = {}
    index: dict[str, int] = {}
    exprs: list[pl.Expr] = []
    for key, (stat, call) in stats.items():
        cell = call.cell_key
        if cell not in index:
            i = index[cell] = len(index)
            mask = call.cell.mask(masks)
            cell_columns[f"_m{i}"] = mask
            cell_columns[f"_r{i}"] = pl.when(mask).then(pl.col("revenue")).otherwise(0.0)
        i = index[cell]
        assert stat.rows is not None
        exprs.append(stat.rows(pl.col(f"_r{i}"), pl.col(f"_m{i}"), call).alias(key))
    lazy = data.lazy().with_columns(**masks.columns())
    return lazy.select(pl.col("year"), **cell_columns).group_by("year").agg(exprs).collect()


_YEAR_BITS = 8
"""The low bits of the one-column sort order that hold the year (years span 1949–2100)."""


def sort_by_key_and_year(rows: pl.LazyFrame, first_year: int) -> pl.DataFrame:
    """``rows`` sorted by (``key``, ``year``), from a sort on one 64-bit column: the key's hash
    with its low 8 bits replaced by the year (a two-column sort costs about twice as much on
    10M rows). Two enterprises whose hashes differ only in those bits would interleave; then
    (checked on the sorted rows, never in practice) the rows are sorted by both columns."""
    key = pl.col("key")
    hashed = key if rows.collect_schema()["key"] == pl.UInt64 else key.hash(seed=0)
    high_bits = pl.lit((1 << 64) - (1 << _YEAR_BITS), dtype=pl.UInt64)
    order = (hashed & high_bits) | (pl.col("year") - first_year).cast(pl.UInt64)
    ordered = rows.with_columns(_order=order).sort("_order").collect()
    high = pl.col("_order") // (1 << _YEAR_BITS)
    interleaved = ordered.select(
        ((high == high.shift(1)) & (key != key.shift(1))).fill_null(False).any()
    ).item()
    if interleaved:
        return ordered.drop("_order").sort("key", "year")
    return ordered.drop("_order")


def _history_pass(
    data: pl.DataFrame, stats: Mapping[str, tuple[Stat, PanelCall]]
) -> list[pl.DataFrame]:
    """Statistics over enterprises across years (contract §8). The rows are sorted once by
    (enterprise key, year), each cell's membership a boolean column beside them, and every
    call reads that one frame: an enterprise's earlier rows are then just above its row."""
    try:
        key = key_expr(data.columns)
    except ValueError:
        msg = (
            "the enterprise functions (entrants, exits, crossed, high_growth) need the "
            "enterprise key: read the panel without columns=, or with credit_code or "
            f"{KEY_COLUMN} among them"
        )
        raise UsageError(msg) from None
    masks = CellMasks(data)
    members: dict[str, str] = {}
    member_columns: dict[str, pl.Expr] = {}
    for _stat, call in stats.values():
        if call.cell_key not in members:
            members[call.cell_key] = name = f"_m{len(members)}"
            member_columns[name] = call.cell.mask(masks)
    rows = (
        data.lazy()
        .with_columns(**masks.columns())
        .select(key.alias("key"), "year", "revenue", **member_columns)
    )
    base = sort_by_key_and_year(rows, int(data.select(pl.col("year").min()).item() or 0))
    outs: list[pl.DataFrame] = []
    for name, (stat, call) in stats.items():
        assert stat.history is not None
        frame = base.lazy().select(
            "key", "year", "revenue", pl.col(members[call.cell_key]).alias("member")
        )
        out = stat.history(frame, call).select("year", pl.col("value").alias(name)).collect()
        outs.append(out)
    return outs
