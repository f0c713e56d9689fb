"""Invariants on any table: where a sheet's table starts, and how its zone cells are merged,
changes neither the figures nor the line numbers (Excel's rows)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from jingan_kpi import read_panel
from tests.inputs.conftest import CODES, HEADER
from tests.inputs.workbooks import Sheet, letters, table, write_workbook

ZONES = ["南京西路", "苏河湾", "大宁", "市北高新"]


@settings(max_examples=25, deadline=None)
@given(
    first_row=st.integers(1, 40),
    first_column=st.integers(1, 30),
    zones=st.lists(st.sampled_from(ZONES), min_size=1, max_size=4),
    runs=st.lists(st.integers(1, 3), min_size=1, max_size=4),
    revenues=st.lists(st.integers(1, 10**9), min_size=4, max_size=4),
)
def test_offset_and_merged_zones_read_as_excel_shows_them(
    first_row: int,
    first_column: int,
    zones: list[str],
    runs: list[int],
    revenues: list[int],
) -> None:
    # each zone written once over a run of rows (merged), as in a hand-made sheet
    shown: list[str] = []
    written: list[str | None] = []
    merges: list[str] = []
    zone_column = letters(first_column + 5)
    for zone, run in zip(zones, runs, strict=False):
        top = first_row + 1 + len(shown)
        shown += [zone] * run
        written += [zone] + [None] * (run - 1)
        if run > 1:
            merges.append(f"{zone_column}{top}:{zone_column}{top + run - 1}")
    n = len(shown)
    codes = [CODES[i % 4] for i in range(n)]
    years = [str(2020 + i // 4) for i in range(n)]
    rows: list[list[object]] = [HEADER] + [
        [codes[i], f"企业{i}", "7261", years[i], revenues[i % 4], written[i]] for i in range(n)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_workbook(
            Path(tmp) / "w.xlsx", [Sheet("S", table(rows, first_row, first_column), merged=merges)]
        )
        panel = read_panel(path, unit="元")
    frame = panel.frame.sort("source_line")
    assert panel.counts.read == n
    assert frame.get_column("source_line").to_list() == [first_row + 1 + i for i in range(n)]
    assert frame.get_column("zone").to_list() == shown
    assert frame.get_column("revenue").to_list() == [revenues[i % 4] / 1e8 for i in range(n)]
    assert frame.select(pl.col("year").cast(pl.String)).to_series().to_list() == years
