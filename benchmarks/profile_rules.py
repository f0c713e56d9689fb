"""Cost of each row rule and each piece of text normalisation, on a text panel held in memory.

Reads the panel's columns as text once (polars, all String), then times each expression of
``jingan_kpi.panel.rules`` / ``text`` / ``credit_code`` alone with ``DataFrame.select`` (best
of ``--repeat``), so the numbers do not depend on how the optimiser fuses the whole plan.

    python benchmarks/profile_rules.py benchmarks/data/panel_10000000.csv
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl


def best(frame: pl.DataFrame, expr: pl.Expr | list[pl.Expr], repeat: int) -> tuple[float, float]:
    """Best wall and best CPU (process time, all threads) of ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        frame.select(expr)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def credit_code_valid_array(frame: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """The first stop's check (replaced by the word tables): the 18 bytes as one ``Array(UInt8, 18)``, one
    ``gather`` over all bytes, the weighted sum as one array product (no per-position pass).

    The character values are materialised once as a column (``_values``) and then used three
    times; written as one expression they would be computed three times (that form is as slow
    as the shipped check).
    """
    from jingan_kpi.panel.credit_code import BYTE_VALUE, WEIGHTS

    code = pl.col(column)
    length_ok = code.str.len_bytes() == 18
    fixed = pl.when(length_ok).then(code).otherwise(pl.lit("0" * 18)).cast(pl.Binary)
    flat = fixed.bin.reinterpret(dtype=pl.Array(pl.UInt8, 18)).explode().cast(pl.UInt32)
    values = pl.lit(BYTE_VALUE).gather(flat).cast(pl.UInt32).reshape((-1, 18))
    weights = pl.lit(pl.Series([[*WEIGHTS, 0]], dtype=pl.Array(pl.UInt32, 18)))
    v = pl.col("_values")
    expected = (31 - (v * weights).arr.sum() % 31) % 31
    return frame.with_columns(_values=values, _length_ok=length_ok).select(
        (pl.col("_length_ok") & (v.arr.max() < 31) & (expected == v.arr.get(17)))
        .fill_null(False)
        .alias("credit_ok")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from jingan_kpi.panel.classification import class_codes
    from jingan_kpi.panel.credit_code import (
        credit_code_sums,
        credit_code_valid,
        credit_code_valid_from_sums,
        credit_code_words,
    )
    from jingan_kpi.panel.rules import REVENUE_PATTERN
    from jingan_kpi.panel.text import normalize_text

    start = time.perf_counter()
    frame = pl.read_csv(args.file, infer_schema=False)
    print(
        f"read_csv all String: {time.perf_counter() - start:.2f} s, {frame.height:,} rows, "
        f"{frame.estimated_size('mb'):,.0f} MB"
    )

    raw = pl.col("credit_code").cast(pl.Binary)
    codes = pl.Series(sorted(class_codes()), dtype=pl.String).implode()
    code4 = pl.col("industry_code").str.strip_prefix("L").str.strip_prefix("l")
    rev = pl.col("revenue")
    year = pl.col("year")
    cases: dict[str, pl.Expr | list[pl.Expr]] = {
        "normalize_text, all 7 columns": [
            normalize_text(pl.col(c)).alias(c) for c in frame.columns
        ],
        "normalize_text(credit_code)": normalize_text(pl.col("credit_code")),
        "normalize_text(name)": normalize_text(pl.col("name")),
        "  .replace('', None) (credit_code)": pl.col("credit_code").replace("", None),
        "  when(pl.col(c) == '').then(None) (credit_code)": pl.when(pl.col("credit_code") == "")
        .then(None)
        .otherwise(pl.col("credit_code")),
        "  full-width/strip probes .any() (credit_code)": (
            raw.bin.contains(b"\xef\xbc")
            | raw.bin.contains(b"\xef\xbd")
            | raw.bin.contains(b"\xe3\x80\x80")
        ).any(),
        "  replace_many + strip_chars (credit_code)": pl.col("credit_code")
        .str.replace_many(
            [chr(c) for c in range(0xFF01, 0xFF5F)],
            [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)],
        )
        .str.strip_chars(),
        "credit_code_valid (word tables, one expression)": credit_code_valid(pl.col("credit_code")),
        "credit contains_any lower .any()": pl.col("credit_code")
        .str.contains_any(list("abcdefghjklmnpqrtuwxy"))
        .any(),
        "industry: strip L + is_in 1381 classes": code4.is_in(codes),
        "year: slice+cast+checks": (
            year.str.slice(0, 4).cast(pl.Int32, strict=False).is_between(1949, 2100)
            & (year.str.len_bytes() == 4)
        ),
        "revenue: regex REVENUE_PATTERN": rev.str.contains(REVENUE_PATTERN),
        "revenue: replace ',' + cast Float64": rev.str.replace_all(",", "", literal=True).cast(
            pl.Float64, strict=False
        ),
        "revenue: cast Float64 only": rev.cast(pl.Float64, strict=False),
        "duplicate: len().over(code, year) > 1": pl.len().over("credit_code", "year") > 1,
        "duplicate: is_duplicated on struct(code, year)": pl.struct(
            "credit_code", "year"
        ).is_duplicated(),
        "duplicate: (hash(code) ^ hash(year)).is_duplicated()": (
            pl.col("credit_code").hash() ^ pl.col("year").hash()
        ).is_duplicated(),
        "scope: starts_with 71|72": pl.col("industry_code").str.starts_with("71")
        | pl.col("industry_code").str.starts_with("72"),
    }
    start, cpu = time.perf_counter(), time.process_time()
    candidate = credit_code_valid_array(frame.lazy(), "credit_code").collect().to_series()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"{'credit: Array(UInt8, 18) gather (earlier, 2 steps)':<55} wall {wall:6.2f} s  cpu {cpu:6.2f} s"
    )
    code = pl.col("credit_code")
    start, cpu = time.perf_counter(), time.process_time()
    shipped = (
        frame.lazy()
        .with_columns(_words=credit_code_words(code))
        .with_columns(_sums=credit_code_sums(pl.col("_words")))
        .select(credit_code_valid_from_sums(code, pl.col("_sums")).alias("credit_ok"))
        .collect(engine="in-memory")
        .to_series()
    )
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"{'credit: 9 word-table lookups (shipped, 2 steps)':<55} wall {wall:6.2f} s  cpu {cpu:6.2f} s"
    )
    print(f"  both agree on every row: {candidate.equals(shipped)}")
    for label, expr in cases.items():
        wall, cpu = best(frame, expr, args.repeat)
        print(f"{label:<55} wall {wall:6.2f} s  cpu {cpu:6.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
