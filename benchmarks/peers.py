"""Hand-written peers of ``jingan-kpi check``: one polars lazy query and one DuckDB SQL query.

Both compute, from a panel written by ``jingan-kpi sample`` (CSV or Parquet, revenue in 万元),
the same figures the shipped plan computes from the panel, under the indicator ids of
``jingan-kpi check --format json`` and in its units (亿元, shares as fractions, HHI 0–10,000):

* ``core``: per-year revenue of section L (71, 72), of the groups 721, 723, 724, 725, 726 and of
  the five together (professional services), YoY of section L and of professional services,
  compound growth of section L since the baseline year 2025, the top-20 share of section L.
* ``plan`` (default: everything ``check`` computes from the panel): ``core`` plus the rest of
  section L, the HQ count, the HHI of section L and revenue by functional zone.

The peers do no row validation: they trust the file's types (what a hand-written script does).
DuckDB is a benchmark extra only, never a runtime dependency of jingan-kpi.

Usage (one run = one process, as the benchmark measures it)::

    python benchmarks/peers.py polars FILE [--figures plan|core] [--streaming]
    python benchmarks/peers.py duckdb FILE [--figures plan|core]

Prints ``{"indicator_id": {"year": value, ...}, ...}`` as JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

BASELINE_YEAR = 2025  # the shipped plan's baseline (plan.baseline_year)
YUAN_PER_WAN_TO_YI = 10_000.0  # the sample writes 万元; the plan reports 亿元 (÷ 10⁴)
TOP_N = 20

LBS = ("71", "72")
# (indicator id, code prefixes): sector revenue indicators of the shipped plan.
SECTORS_CORE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lbs_revenue", LBS),
    ("professional_revenue", ("721", "723", "724", "725", "726")),
    ("hr_revenue", ("726",)),
    ("org_revenue", ("721",)),
    ("consulting_revenue", ("724",)),
    ("legal_revenue", ("723",)),
    ("advertising_revenue", ("725",)),
)
SECTORS_PLAN_EXTRA: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("rest_of_lbs_revenue", ("711", "712", "713", "722", "727", "728", "729")),
)
# (indicator id, zones): section L revenue by functional zone.
ZONES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core_zone_revenue", ("南京西路", "苏河湾")),
    ("zone_nanjingxilu_revenue", ("南京西路",)),
    ("zone_suhewan_revenue", ("苏河湾",)),
    ("zone_shibei_revenue", ("市北高新",)),
    ("zone_daning_revenue", ("大宁",)),
    ("zone_other_revenue", ("其他",)),
)
PROFESSIONAL = SECTORS_CORE[1][1]


def figure_ids(figures: str) -> list[str]:
    """The indicator ids a peer reports for the figure set (what the harness compares)."""
    ids = [name for name, _ in SECTORS_CORE]
    ids += ["lbs_yoy", "lbs_cagr", "professional_yoy", "lbs_top20_share"]
    if figures == "plan":
        ids += [name for name, _ in SECTORS_PLAN_EXTRA]
        ids += ["hq_count", "lbs_hhi", "core_zone_share"]
        ids += [name for name, _ in ZONES]
    return ids


def _sectors(figures: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return SECTORS_CORE + (SECTORS_PLAN_EXTRA if figures == "plan" else ())


# --------------------------------------------------------------------------------------- polars


def polars_query(path: Path, figures: str = "plan", *, streaming: bool = False) -> dict[str, Any]:
    """The hand-written polars lazy query: scan, filter section L, one group_by over years."""
    import polars as pl

    if path.suffix == ".parquet":
        # The sample writes every column as text (like the CSV), so cast what is numeric.
        frame = pl.scan_parquet(path).select(
            "industry_code",
            "zone",
            "hq_type",
            pl.col("year").cast(pl.Int32),
            pl.col("revenue").cast(pl.Float64),
        )
    else:
        frame = pl.scan_csv(
            path,
            schema={
                "credit_code": pl.String,
                "name": pl.String,
                "industry_code": pl.String,
                "year": pl.Int32,
                "revenue": pl.Float64,
                "zone": pl.String,
                "hq_type": pl.String,
            },
        )
    code = pl.col("industry_code")
    rev = pl.col("rev")

    def prefixed(prefixes: tuple[str, ...]) -> pl.Expr:
        return pl.any_horizontal(code.str.starts_with(p) for p in prefixes)

    aggs = [rev.filter(prefixed(p)).sum().alias(name) for name, p in _sectors(figures)]
    aggs.append(rev.top_k(TOP_N).sum().alias("lbs_top"))
    if figures == "plan":
        aggs.append(
            (prefixed(PROFESSIONAL) & pl.col("hq_type").is_not_null()).sum().alias("hq_count")
        )
        aggs.append((rev * rev).sum().alias("lbs_sq"))
        aggs += [rev.filter(pl.col("zone").is_in(z)).sum().alias(name) for name, z in ZONES]
    lbs = pl.col("lbs_revenue")
    prof = pl.col("professional_revenue")
    base = lbs.filter(pl.col("year") == BASELINE_YEAR).first()
    derived = [
        (lbs / lbs.shift(1) - 1).alias("lbs_yoy"),
        (prof / prof.shift(1) - 1).alias("professional_yoy"),
        pl.when(pl.col("year") > BASELINE_YEAR)
        .then((lbs / base).pow(1 / (pl.col("year") - BASELINE_YEAR)) - 1)
        .alias("lbs_cagr"),
        (pl.col("lbs_top") / lbs).alias("lbs_top20_share"),
    ]
    if figures == "plan":
        derived.append((10_000 * pl.col("lbs_sq") / (lbs * lbs)).alias("lbs_hhi"))
        derived.append((pl.col("core_zone_revenue") / lbs).alias("core_zone_share"))
    query = (
        frame.filter(prefixed(LBS))
        .with_columns(rev=pl.col("revenue") / YUAN_PER_WAN_TO_YI)
        .group_by("year")
        .agg(aggs)
        .sort("year")
        .with_columns(derived)
    )
    out = query.collect(engine="streaming" if streaming else "auto")
    return _to_figures(out.to_dicts(), figures)


# --------------------------------------------------------------------------------------- duckdb


def _sql_prefixed(prefixes: tuple[str, ...]) -> str:
    return "(" + " OR ".join(f"starts_with(code, '{p}')" for p in prefixes) + ")"


def duckdb_sql(source: str, figures: str = "plan") -> str:
    """The hand-written DuckDB SQL: one GROUP BY year with FILTERed sums, top-k via max(x, n)."""
    sums = [
        f"coalesce(sum(rev) FILTER (WHERE {_sql_prefixed(p)}), 0) AS {name}"
        for name, p in _sectors(figures)
    ]
    sums.append(f"list_sum(max(rev, {TOP_N})) AS lbs_top")
    derived = [
        "lbs_revenue / lag(lbs_revenue) OVER w - 1 AS lbs_yoy",
        "professional_revenue / lag(professional_revenue) OVER w - 1 AS professional_yoy",
        f"CASE WHEN year > {BASELINE_YEAR} THEN pow(lbs_revenue / max(CASE WHEN year = "
        f"{BASELINE_YEAR} THEN lbs_revenue END) OVER (), 1.0 / (year - {BASELINE_YEAR})) - 1 END AS lbs_cagr",
        "lbs_top / lbs_revenue AS lbs_top20_share",
    ]
    if figures == "plan":
        sums.append(
            f"count(*) FILTER (WHERE {_sql_prefixed(PROFESSIONAL)} AND hq_type IS NOT NULL) AS hq_count"
        )
        sums.append("sum(rev * rev) AS lbs_sq")
        for name, zones in ZONES:
            listed = ", ".join(f"'{z}'" for z in zones)
            sums.append(f"coalesce(sum(rev) FILTER (WHERE zone IN ({listed})), 0) AS {name}")
        derived.append("10000 * lbs_sq / (lbs_revenue * lbs_revenue) AS lbs_hhi")
        derived.append("core_zone_revenue / lbs_revenue AS core_zone_share")
    return f"""
        WITH panel AS (
            SELECT industry_code AS code, CAST(year AS INTEGER) AS year,
                   CAST(revenue AS DOUBLE) / {YUAN_PER_WAN_TO_YI} AS rev, zone, hq_type
            FROM {source}
            WHERE {_sql_prefixed(LBS)}
        ),
        cells AS (SELECT year, {", ".join(sums)} FROM panel GROUP BY year)
        SELECT *, {", ".join(derived)} FROM cells WINDOW w AS (ORDER BY year) ORDER BY year
    """


def duckdb_query(path: Path, figures: str = "plan") -> dict[str, Any]:
    import duckdb

    quoted = str(path).replace("'", "''")
    if path.suffix == ".parquet":
        source = f"read_parquet('{quoted}')"
    else:
        source = (
            f"read_csv('{quoted}', header = true, columns = {{'credit_code': 'VARCHAR', "
            "'name': 'VARCHAR', 'industry_code': 'VARCHAR', 'year': 'INTEGER', "
            "'revenue': 'DOUBLE', 'zone': 'VARCHAR', 'hq_type': 'VARCHAR'})"
        )
    con = duckdb.connect()
    cursor = con.execute(duckdb_sql(source, figures))
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return _to_figures(rows, figures)


# --------------------------------------------------------------------------------------- output


def _to_figures(rows: list[dict[str, Any]], figures: str) -> dict[str, Any]:
    """Per indicator id, {year: value}; a missing value (no previous year, base 0) is left out,
    as in ``check --format json``."""
    out: dict[str, dict[str, Any]] = {name: {} for name in figure_ids(figures)}
    for row in rows:
        year = str(int(row["year"]))
        for name in out:
            value = row[name]
            if value is None or (isinstance(value, float) and value != value):
                continue
            out[name][year] = int(value) if name == "hq_count" else float(value)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["polars", "duckdb"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--figures", choices=["plan", "core"], default="plan")
    parser.add_argument("--streaming", action="store_true", help="polars: the streaming engine")
    args = parser.parse_args(argv)
    if args.engine == "polars":
        result = polars_query(args.file, args.figures, streaming=args.streaming)
    else:
        result = duckdb_query(args.file, args.figures)
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
