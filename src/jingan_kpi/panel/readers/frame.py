"""An in-memory frame of text columns (the Python API)."""

from __future__ import annotations

import polars as pl

from jingan_kpi.errors import PanelError, Place, Problem
from jingan_kpi.panel.headers import match_headers
from jingan_kpi.panel.readers.base import RawSource, present, select_columns


def read_frame_source(frame: pl.DataFrame, name: str = "<dataframe>") -> RawSource:
    """The frame's rows, read as text; lines as for a CSV with a header (the first row is
    line 2). A column of lists, structs or objects is refused (an InputError, not a polars
    error): a panel frame holds one value per cell."""
    header_map = match_headers(list(frame.columns), name)
    for column, dtype in frame.schema.items():
        if dtype.is_nested() or dtype == pl.Object:
            msg = (
                f"{name}: column {column!r} holds {dtype} values; a panel frame holds one text "
                "(or number) value per cell: explode or join the values first"
            )
            raise PanelError(msg, [Problem("unreadable_file", msg, Place(name))])
    frame = frame.cast(pl.String)
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
