"""``jingan-kpi`` with row validation switched off: a benchmark-only shim, never for real data.

It runs the real CLI (``jingan_kpi.cli.main``) after replacing the two row-rule stages that
``read_panel`` applies (``jingan_kpi.panel.rules.file_stage`` and ``panel_stage``, as imported
by ``jingan_kpi.panel.load``) with stages that only parse: no text normalisation, no credit-code
check, no GB/T 4754-2017 class lookup, no year/revenue pattern checks, no duplicate detection.
Year and revenue are cast (invalid → null), scope is still judged by code prefix, and the
frame handed to the calculator has the same columns as with validation on. Everything else
(reading, the panel frame, the one-pass aggregation, the rendering) is the shipped code, so the
difference between ``check`` and this shim is what validation costs.

If ``read_panel`` gains the environment switch proposed in ``benchmarks/README.md``
(``JINGAN_KPI_BENCH_NO_VALIDATION=1``) the harness can run ``jingan-kpi`` with it instead.

Usage: ``python benchmarks/check_noval.py check FILE --format json`` (same arguments as the CLI).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import polars as pl


def _install() -> None:
    from jingan_kpi.panel import load
    from jingan_kpi.panel.headers import CANONICAL_COLUMNS
    from jingan_kpi.panel.rules import REASON
    from jingan_kpi.panel.units import convert

    def file_stage(
        frame: pl.LazyFrame, *, class_codes: Iterable[str], file_unit: str, money_unit: str
    ) -> pl.LazyFrame:
        del class_codes  # no class lookup
        return frame.with_columns(
            *(pl.col(c).alias(f"_{c}") for c in CANONICAL_COLUMNS),
            reason4=pl.lit(None, dtype=REASON),
            _credit_upper=pl.col("credit_code"),
            _code4=pl.col("industry_code"),
            _year_value=pl.col("year").cast(pl.Int32, strict=False),
            _revenue_value=convert(
                pl.col("revenue").cast(pl.Float64, strict=False), file_unit, money_unit
            ),
        )

    def panel_stage(frame: pl.LazyFrame, *, scope_prefixes: Iterable[str]) -> pl.LazyFrame:
        prefixes = tuple(scope_prefixes)
        code4 = pl.col("_code4")
        in_scope = (
            pl.any_horizontal(code4.str.starts_with(p) for p in prefixes)
            if prefixes
            else pl.lit(False)
        )
        return frame.select(
            pl.col("_credit_upper").alias("credit_code"),
            pl.col("_name").alias("name"),
            pl.col("_code4").alias("industry_code"),
            pl.col("_year_value").alias("year"),
            pl.col("_revenue_value").alias("revenue"),
            pl.col("_zone").alias("zone"),
            pl.col("_hq_type").alias("hq_type"),
            pl.col("source_file"),
            pl.col("source_line"),
            pl.lit(None, dtype=REASON).alias("reason"),
            in_scope.alias("in_scope"),
            pl.lit(None, dtype=pl.String).alias("year_text"),
            pl.lit(None, dtype=pl.String).alias("revenue_text"),
        )

    load.file_stage = file_stage  # type: ignore[assignment]
    load.panel_stage = panel_stage  # type: ignore[assignment]


def main() -> None:
    _install()
    from jingan_kpi.cli import main as cli_main

    sys.argv[0] = "jingan-kpi"
    cli_main()


if __name__ == "__main__":
    main()
