"""The one-pass aggregation (``compute_cells``) against two cheaper shapes of the same figures.

On the in-scope rows of a panel file (typed read, revenue in 亿元), times:

1. the shipped ``compute_cells``: one ``group_by("year")`` with a filtered sum/count per cell,
   each mask a ``str.starts_with`` over the class code;
2. the same aggregation with the class code as ``Int16`` and every prefix an integer range
   (``"726"`` → 7260 ≤ code < 7270), zone as Categorical;
3. a small cube: one ``group_by(year, class, zone, hq)`` with sum, sum of squares and count, plus
   one ``top_k(20)`` per year; every sector/zone/HQ cell is then a sum over the cube's rows.

    python benchmarks/profile_cells.py benchmarks/data/panel_10000000.csv
"""

from __future__ import annotations

import sys
import time

import polars as pl

from jingan_kpi.compute.cells import PanelCall, collect_calls, compute_cells
from jingan_kpi.plan import load_plan


def timed(label: str, func):  # type: ignore[no-untyped-def]
    best_wall, best_cpu, result = 1e9, 1e9, None
    for _ in range(2):
        wall, cpu = time.perf_counter(), time.process_time()
        result = func()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    print(f"{label:<58} wall {best_wall:6.2f} s  cpu {best_cpu:6.2f} s", flush=True)
    return result


def range_mask(call: PanelCall) -> pl.Expr:
    code = pl.col("industry_code")
    parts = []
    for prefix in call.prefixes:
        low = int(prefix.ljust(4, "0"))
        high = int(str(int(prefix) + 1).ljust(4, "0"))
        parts.append((code >= low) & (code < high))
    cond = pl.any_horizontal(parts)
    if call.zones is not None:
        cond = cond & pl.col("zone").is_in(sorted(call.zones))
    if call.hq is True:
        cond = cond & pl.col("hq_type").is_not_null()
    elif call.hq is False:
        cond = cond & pl.col("hq_type").is_null()
    if call.min_revenue is not None:
        cond = cond & (pl.col("revenue") >= call.min_revenue)
    return cond


def main() -> int:
    plan = load_plan(None)
    calls = collect_calls(plan.formulas.values(), plan.model)
    frame = (
        pl.read_csv(
            sys.argv[1],
            columns=["industry_code", "year", "revenue", "zone", "hq_type"],
            schema_overrides={"industry_code": pl.String, "year": pl.Int32, "revenue": pl.Float64},
        )
        .filter(
            pl.col("industry_code").str.starts_with("71")
            | pl.col("industry_code").str.starts_with("72")
        )
        .with_columns(pl.col("revenue") / 10_000.0)
    )
    years = sorted(frame.get_column("year").unique().to_list())
    print(f"{frame.height:,} in-scope rows, {len(calls)} panel calls")
    shipped = timed(
        "compute_cells (shipped: string prefixes)",
        lambda: compute_cells(frame, calls, {"zone", "hq_type"}, years),
    )

    ints = frame.with_columns(
        pl.col("industry_code").cast(pl.Int16), pl.col("zone").cast(pl.Categorical)
    )

    def ranges() -> pl.DataFrame:
        exprs, seen = [], set()
        for call in calls.values():
            mask = range_mask(call)
            rev = pl.col("revenue").filter(mask)
            if call.cell_key not in seen:
                seen.add(call.cell_key)
                exprs += [
                    rev.sum().alias(f"sum|{call.cell_key}"),
                    mask.sum().alias(f"count|{call.cell_key}"),
                ]
            if call.func == "top_share" and call.n is not None:
                exprs.append(rev.top_k(call.n).sum().alias(f"top|{call.key}"))
            elif call.func == "hhi":
                exprs.append(rev.pow(2).sum().alias(f"sq|{call.cell_key}"))
        return ints.lazy().group_by("year").agg(exprs).collect()

    timed("same aggregation, Int16 class code + integer ranges", ranges)

    def cube() -> list[pl.DataFrame]:
        lazy = ints.lazy()
        small = lazy.group_by(
            "year", "industry_code", "zone", pl.col("hq_type").is_not_null().alias("hq")
        ).agg(
            pl.col("revenue").sum().alias("sum"),
            pl.col("revenue").pow(2).sum().alias("sq"),
            pl.len().alias("n"),
        )
        top = lazy.group_by("year").agg(pl.col("revenue").top_k(20).sum().alias("top20"))
        return pl.collect_all([small, top])

    small, _ = timed("cube group_by(year, class, zone, hq) + one top_k(20)", cube)
    lbs = (
        small.filter(pl.col("industry_code").is_between(7100, 7299))
        .group_by("year")
        .agg(pl.col("sum").sum())
        .sort("year")
    )
    print(f"cube rows {small.height}; section L from the cube {lbs['sum'].to_list()}")
    print(f"section L from compute_cells {[shipped.stats['sum|revenue(lbs)'][y] for y in years]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
