"""An in-memory frame of text columns (the Python API)."""

from __future__ import annotations

import polars as pl

from jingan_kpi.panel.headers import match_headers
from jingan_kpi.panel.readers.base import RawSource, present, select_columns


def read_frame_source(frame: pl.DataFrame, name: str = "<dataframe>") -> RawSource:
    """The frame's rows; lines as for a CSV with a header (the first row is line 2)."""
    header_map = match_headers(list(frame.columns), name)
    lazy = (
        frame.lazy()
        .with_row_index("__record")
        .with_columns(source_line=pl.col("__record").cast(pl.Int64) + 2)
    )
    return RawSource(
        name,
        "csv",
        None,
        header_map.unit,
        present(header_map),
        select_columns(lazy, frame.columns, header_map),
    )
