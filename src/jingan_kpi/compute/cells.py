"""The panel functions of the formula language, computed in one pass over the panel.

Every call of ``revenue``, ``count``, ``top_share`` and ``hhi`` in the plan is turned into a
:class:`PanelCall`; all of them are computed by a single ``group_by("year").agg(...)`` over the
clean panel (each call is a filtered aggregation; top-N shares use a per-group ``top_k``, not a
sort), so the data is scanned once however many indicators the plan has.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from jingan_kpi.compute.exact import REVENUE_UNITS, from_units, revenue_digits, units_column
from jingan_kpi.plan import ast
from jingan_kpi.plan.model import Plan

PANEL_FUNCTIONS = frozenset({"revenue", "count", "top_share", "hhi"})


@dataclass(frozen=True, slots=True)
class PanelCall:
    """One panel function applied to one sector with its filters."""

    func: str
    sector: str
    prefixes: tuple[str, ...]
    zones: frozenset[str] | None = None
    hq: bool | None = None
    min_revenue: float | None = None
    n: int | None = None

    @property
    def cell_key(self) -> str:
        """The key of the magnitude cell behind the call: ``revenue(sector, filters)``."""
        return _key("revenue", self.sector, None, self.zones, self.hq, self.min_revenue)

    @property
    def key(self) -> str:
        return _key(self.func, self.sector, self.n, self.zones, self.hq, self.min_revenue)

    def needs_columns(self) -> set[str]:
        cols = set()
        if self.zones is not None:
            cols.add("zone")
        if self.hq is not None:
            cols.add("hq_type")
        return cols

    def mask(self) -> pl.Expr:
        """Which rows (enterprise-years) the call counts."""
        code = pl.col("industry_code")
        cond = code.str.starts_with(self.prefixes[0])
        for p in self.prefixes[1:]:
            cond = cond | code.str.starts_with(p)
        if self.zones is not None:
            cond = cond & pl.col("zone").is_in(sorted(self.zones))
        if self.hq is True:
            cond = cond & pl.col("hq_type").is_not_null()
        elif self.hq is False:
            cond = cond & pl.col("hq_type").is_null()
        if self.min_revenue is not None:
            cond = cond & (pl.col("revenue") >= self.min_revenue)
        return cond


def _key(
    func: str,
    sector: str,
    n: int | None,
    zones: frozenset[str] | None,
    hq: bool | None,
    min_revenue: float | None,
) -> str:
    parts = [sector]
    if n is not None:
        parts.append(str(n))
    if zones is not None:
        parts.append("zone=" + json.dumps(sorted(zones), ensure_ascii=False))
    if hq is not None:
        parts.append(f"hq={'true' if hq else 'false'}")
    if min_revenue is not None:
        parts.append(f"min_revenue={min_revenue:g}")
    return f"{func}({', '.join(parts)})"


def panel_call(node: ast.Call, plan: Plan) -> PanelCall:
    """Resolve a validated call node into a :class:`PanelCall` (names → prefixes and zones)."""
    sector_node = node.args[0]
    assert isinstance(sector_node, ast.Name)
    sector = sector_node.name
    n = None
    if node.func == "top_share":
        n_node = node.args[1]
        assert isinstance(n_node, ast.Number)
        n = int(n_node.value)
    zones: frozenset[str] | None = None
    zone_node = node.kwarg("zone")
    if isinstance(zone_node, ast.String):
        zones = frozenset({zone_node.value})
    elif isinstance(zone_node, ast.ListOf):
        zones = frozenset(i.value for i in zone_node.items if isinstance(i, ast.String))
    elif isinstance(zone_node, ast.Name):
        zones = frozenset(plan.zones[zone_node.name])
    hq: bool | None = None
    hq_node = node.kwarg("hq")
    if isinstance(hq_node, ast.Name):
        hq = ast.BOOLEAN_WORDS[hq_node.name]
    min_revenue: float | None = None
    mr_node = node.kwarg("min_revenue")
    if isinstance(mr_node, ast.Number):
        min_revenue = mr_node.value
    return PanelCall(
        func=node.func,
        sector=sector,
        prefixes=tuple(plan.sectors[sector].codes),
        zones=zones,
        hq=hq,
        min_revenue=min_revenue,
        n=n,
    )


def collect_calls(formulas: Iterable[ast.Node], plan: Plan) -> dict[str, PanelCall]:
    """Every panel call in the formulas, keyed by :attr:`PanelCall.key` (each computed once)."""
    found: dict[str, PanelCall] = {}

    def walk(node: ast.Node) -> None:
        if isinstance(node, ast.Call):
            if node.func in PANEL_FUNCTIONS:
                call = panel_call(node, plan)
                found.setdefault(call.key, call)
            for a in node.args:
                walk(a)
        elif isinstance(node, ast.BinOp):
            walk(node.left)
            walk(node.right)
        elif isinstance(node, ast.Neg):
            walk(node.operand)

    for f in formulas:
        walk(f)
    return found


class _CellMasks:
    """The cells' row masks, judged once per distinct value rather than once per row.

    A panel has few distinct industry codes (at most the 1381 classes) and zones, so which code
    prefixes and zone sets each value matches is decided in Python over the distinct values, and
    the rows get it through one hash lookup per column (``replace_strict`` to a bit set); each
    cell's mask is then a bit test. Same result as ``PanelCall.mask``, far fewer string scans.
    """

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self._bits: dict[tuple[str, tuple[Any, ...]], int] = {}

    def _bit(self, column: str, test: tuple[Any, ...]) -> pl.Expr:
        key = (column, test)
        bit = self._bits.setdefault(key, len(self._bits))
        return (pl.col(f"_bits{bit // 63}") & (1 << (bit % 63))) != 0

    def mask(self, call: PanelCall) -> pl.Expr:
        cond = self._bit("industry_code", call.prefixes)
        if call.zones is not None:
            cond = cond & self._bit("zone", tuple(sorted(call.zones)))
        if call.hq is True:
            cond = cond & pl.col("hq_type").is_not_null()
        elif call.hq is False:
            cond = cond & pl.col("hq_type").is_null()
        if call.min_revenue is not None:
            cond = cond & (pl.col("revenue") >= call.min_revenue).fill_null(False)
        return cond

    def columns(self) -> dict[str, pl.Expr]:
        """The bit-set columns ``_bits0``, ``_bits1``…: bit b set where the row passes test b."""
        words: dict[int, list[pl.Expr]] = {}
        for column in ("industry_code", "zone"):
            tests = [(t, b) for (c, t), b in self._bits.items() if c == column]
            if not tests:
                continue
            values = [v for v in self.frame.get_column(column).unique().to_list() if v is not None]
            for word in {b // 63 for _, b in tests}:
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
            for word, parts in words.items()
        }


def _matches(column: str, value: str, test: tuple[Any, ...]) -> bool:
    if column == "industry_code":
        return any(value.startswith(p) for p in test)
    return value in test


@dataclass(frozen=True, slots=True)
class CellTable:
    """The results of the one pass: per call key, per year, the figures the functions need."""

    years: tuple[int, ...]
    sums: dict[str, dict[int, float]]
    counts: dict[str, dict[int, int]]
    top_sums: dict[str, dict[int, float]]
    square_sums: dict[str, dict[int, float]]


def compute_cells(
    frame: pl.DataFrame | pl.LazyFrame,
    calls: Mapping[str, PanelCall],
    available_columns: Iterable[str],
    years: Sequence[int],
) -> CellTable:
    """Every call that the panel's columns allow, from as few passes over the rows as possible.

    Sums, counts and sums of squares of the cells without ``min_revenue`` come from one small
    table: the panel grouped by year, class code, zone and HQ flag (≈ 1k rows however many rows
    the panel has), each cell then being a filtered sum of that table. Only what needs the rows
    themselves reads them again: the top-N sums, and the cells with a ``min_revenue`` filter.
    """
    available = set(available_columns)
    data = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    # Every sum is an integer sum of exact revenue units (compute/exact.py): same bits
    # whatever the row order.
    digits = revenue_digits(data.get_column("revenue"))
    data = data.with_columns(units_column(digits))
    cube_cells: dict[str, PanelCall] = {}
    hhi_cells: set[str] = set()
    row_calls: list[PanelCall] = []
    for call in calls.values():
        if not call.needs_columns() <= available:
            continue
        if call.min_revenue is None:
            cube_cells.setdefault(call.cell_key, call)
            if call.func == "hhi":
                hhi_cells.add(call.cell_key)
            if call.func == "top_share" and call.n is not None:
                row_calls.append(call)
        else:
            row_calls.append(call)
    outs: list[pl.DataFrame] = []
    if cube_cells:
        outs.append(_cube_pass(data, cube_cells, hhi_cells))
    if row_calls:
        outs.append(_row_pass(data, row_calls, skip_cells=set(cube_cells)))
    table = CellTable(years=tuple(sorted(years)), sums={}, counts={}, top_sums={}, square_sums={})
    targets: dict[str, dict[str, Any]] = {
        "sum": table.sums,
        "count": table.counts,
        "top": table.top_sums,
        "sq": table.square_sums,
    }
    # The one conversion from exact units: sums in 10^-digits, squares in 10^-2·digits.
    scale = {"sum": digits, "top": digits, "sq": 2 * digits}
    for out in outs:
        by_year = {int(r["year"]): r for r in out.iter_rows(named=True)}
        for col in out.columns:
            if col == "year":
                continue
            kind, key = col.split("|", 1)
            per_year: dict[int, Any] = {}
            for y in table.years:
                row = by_year.get(y)
                v = (row[col] if row is not None else 0) or 0
                per_year[y] = v if kind == "count" else from_units(v, scale[kind])
            targets[kind][key] = per_year
    return table


def _cube_pass(
    data: pl.DataFrame, cells: Mapping[str, PanelCall], hhi_cells: set[str]
) -> pl.DataFrame:
    """Sum, count (and sum of squares) of each cell per year, from the grouped small table."""
    keys: list[pl.Expr] = [pl.col("year"), pl.col("industry_code")]
    if "zone" in data.columns:
        keys.append(pl.col("zone"))
    if "hq_type" in data.columns:
        keys.append(pl.col("hq_type").is_not_null().alias("_hq"))
    revenue = pl.col(REVENUE_UNITS)
    cube = (
        data.lazy()
        .group_by(keys)
        .agg(_s=revenue.sum(), _q=(revenue * revenue).sum(), _n=pl.len())
        .collect()
    )
    masks = _CellMasks(cube)
    exprs: list[pl.Expr] = []
    for cell, call in cells.items():
        mask = masks.mask(dataclasses.replace(call, hq=None))
        if call.hq is True:
            mask = mask & pl.col("_hq")
        elif call.hq is False:
            mask = mask & ~pl.col("_hq")
        exprs.append(pl.col("_s").filter(mask).sum().alias(f"sum|{cell}"))
        exprs.append(pl.col("_n").filter(mask).sum().cast(pl.Int64).alias(f"count|{cell}"))
        if cell in hhi_cells:
            exprs.append(pl.col("_q").filter(mask).sum().alias(f"sq|{cell}"))
    return cube.lazy().with_columns(**masks.columns()).group_by("year").agg(exprs).collect()


def _row_pass(data: pl.DataFrame, calls: Sequence[PanelCall], skip_cells: set[str]) -> pl.DataFrame:
    """What needs the rows: top-N sums, and the cells with a ``min_revenue`` filter."""
    masks = _CellMasks(data)
    # Each cell's revenue is computed once as a column (0 outside the cell), so the group_by has
    # only plain sums and top-k's: no filter or mask repeated inside the aggregation. Revenue is
    # never negative (contract §1), so the zeros change no sum, and a top-N sum over the
    # zero-filled column equals the top-N sum over the cell's rows (all of them where there are
    # fewer than N).
    cell_columns: dict[str, pl.Expr] = {}
    exprs: list[pl.Expr] = []
    seen: dict[str, int] = {}
    for call in calls:
        cell = call.cell_key
        if cell not in seen:
            index = seen[cell] = len(seen)
            mask = masks.mask(call)
            cell_columns[f"_m{index}"] = mask
            cell_columns[f"_r{index}"] = pl.when(mask).then(pl.col(REVENUE_UNITS)).otherwise(0)
            if cell not in skip_cells:
                exprs.append(pl.col(f"_r{index}").sum().alias(f"sum|{cell}"))
                exprs.append(pl.col(f"_m{index}").sum().alias(f"count|{cell}"))
        rev = pl.col(f"_r{seen[cell]}")
        if call.func == "top_share" and call.n is not None:
            # An exact integer sum: the top-N sums of one cell never fall as N grows, and equal
            # the cell's sum where it has fewer than N enterprises.
            top_sum = rev.top_k(call.n).sum()
            exprs.append(top_sum.alias(f"top|{call.key}"))
        elif call.func == "hhi" and cell not in skip_cells:
            exprs.append((rev * rev).sum().alias(f"sq|{cell}"))
    lazy = data.lazy().with_columns(**masks.columns())
    return lazy.select(pl.col("year"), **cell_columns).group_by("year").agg(exprs).collect()
