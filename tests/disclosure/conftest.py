"""Hand-made clean panels for the disclosure tests (built as frames, no file reading)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl
import pytest

from jingan_kpi.panel.types import PANEL_SCHEMA

# (industry_code, year, revenue, zone[, hq_type]); credit codes are made up in row order.
Row = tuple[object, ...]


def build_frame(rows: Sequence[Row]) -> pl.DataFrame:
    records = []
    for i, row in enumerate(rows):
        code, year, revenue, zone, *rest = row
        records.append(
            {
                "credit_code": f"C{i:04d}",
                "name": f"firm {i}",
                "industry_code": code,
                "year": year,
                "revenue": float(revenue),  # type: ignore[arg-type]
                "zone": zone,
                "hq_type": rest[0] if rest else None,
                "source_file": "hand-made",
                "source_line": i + 2,
            }
        )
    return pl.DataFrame(records, schema=PANEL_SCHEMA)


@pytest.fixture(scope="session")
def make_frame() -> Callable[[Sequence[Row]], pl.DataFrame]:
    return build_frame
