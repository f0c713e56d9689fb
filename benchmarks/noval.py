"""``jingan-kpi`` with the row rules of contract §1 switched off: what validation costs.

Benchmark only, never for real data. The shipped ``read_panel`` has no such switch; this script
composes it from the library: each batch goes through :func:`parse_only_stage` (below) instead
of ``rules.file_stage``, and the duplicate rule finds no candidates. No text normalisation,
credit-code check, class lookup, year/revenue pattern check or duplicate detection; year and
revenue are plain casts (invalid → null), scope is still judged by code prefix, the frame has
the same columns. Everything else is the shipped code, so ``check − check-noval`` is what
validation costs. A note on stderr says the rows were NOT validated.

Usage: ``python benchmarks/noval.py check FILE --format json`` (the CLI's arguments).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import polars as pl

from jingan_kpi.columns import (
    CANONICAL_COLUMNS,
    CODE4,
    CREDIT_UPPER,
    REASON4,
    REVENUE_VALUE,
    YEAR_VALUE,
    normalised,
)
from jingan_kpi.panel import batches, load
from jingan_kpi.panel.rules import REASON


def parse_only_stage(batch: pl.DataFrame, *, class_codes: Iterable[str]) -> pl.LazyFrame:
    """``rules.file_stage``'s output columns without its rules."""
    del class_codes
    text = {c: pl.col(c).cast(pl.String) for c in CANONICAL_COLUMNS}
    return batch.lazy().with_columns(
        *(text[c].alias(normalised(c)) for c in CANONICAL_COLUMNS),
        pl.lit(None, dtype=REASON).alias(REASON4),
        text["credit_code"].alias(CREDIT_UPPER),
        text["industry_code"].alias(CODE4),
        text["year"].cast(pl.Int32, strict=False).alias(YEAR_VALUE),
        text["revenue"].cast(pl.Float64, strict=False).alias(REVENUE_VALUE),
    )


def switch_validation_off() -> None:
    batches.Reading.stage = property(lambda self: parse_only_stage)  # type: ignore[assignment,method-assign]
    load.hash_candidates = lambda frames: None  # type: ignore[assignment]
    print("benchmarks/noval.py: rows were NOT validated; do not use these figures", file=sys.stderr)


if __name__ == "__main__":
    switch_validation_off()
    from jingan_kpi.cli import main

    sys.argv = ["jingan-kpi", *sys.argv[1:]]
    main()
