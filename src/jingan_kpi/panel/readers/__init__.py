"""Readers: one input file → a lazy frame of the canonical columns as text, with physical lines.

Every reader hands over text only (contract §1): CSV with an all-String schema and no inference,
Parquet columns cast to String, Excel cells read as strings by fastexcel (calamine), so an
18-digit code never passes through a float and ``0111`` keeps its zero. The dictionary columns
(:data:`~jingan_kpi.panel.headers.DICTIONARY_COLUMNS`) are handed over as ``Categorical``: the
same text, each distinct value stored once (the CSV reader parses them so; the others cast).

``source_line`` is where the row is in its file: the physical line of a CSV file, Excel's row
number in a sheet, the 1-based row number in Parquet.

One module per format, each a function to :class:`~.base.RawSource`: :mod:`.csv` (with the
strict RFC 4180 reading that names a broken line in :mod:`.rfc4180`), :mod:`.parquet`,
:mod:`.xlsx` (bounded first by :mod:`.workbook`), :mod:`.frame`. This module names the format
of a file from its first bytes and hands it to its reader.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Literal

import polars as pl

from jingan_kpi.errors import PanelError, Place, Problem
from jingan_kpi.panel.encoding import utf8_trouble
from jingan_kpi.panel.readers.base import EXTRA_NULL, RawSource, fail
from jingan_kpi.panel.readers.csv import read_csv_source
from jingan_kpi.panel.readers.frame import read_frame_source
from jingan_kpi.panel.readers.parquet import read_parquet_source
from jingan_kpi.panel.readers.rfc4180 import csv_trouble, unreadable_csv

__all__ = [
    "EXTRA_NULL",
    "RawSource",
    "csv_trouble",
    "read_csv_source",
    "read_frame_source",
    "read_parquet_source",
    "read_source",
    "sniff_format",
    "unreadable",
]


def sniff_format(path: Path) -> Literal["csv", "parquet", "xlsx"]:
    """The file's format from its first bytes (not its name); PanelError if it can't be read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise fail(path, "no such file", "file_not_found") from None
    except OSError as exc:
        raise fail(path, f"cannot be read ({exc.strerror})", "unreadable_file") from None
    if stat.S_ISDIR(mode):
        raise fail(
            path,
            "is a directory, not a data file; give the files in it (e.g. dir/*.csv)",
            "not_a_file",
        )
    if not stat.S_ISREG(mode):
        raise fail(
            path,
            "is not a regular file (a pipe or device); save the data to a file first",
            "not_a_file",
        )
    try:
        with path.open("rb") as f:
            head = f.read(65536)
    except OSError as exc:
        raise fail(path, f"cannot be read ({exc.strerror})", "unreadable_file") from None
    if not head.strip():
        raise fail(path, "is empty; expected a header line and data rows", "empty_file")
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise fail(
            path, "is an old Excel .xls workbook; save it as .xlsx or CSV", "unsupported_format"
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail(
            path,
            'is UTF-16 text (Excel\'s "Unicode text"); save it from Excel as "CSV UTF-8"',
            "unsupported_encoding",
        )
    if b"\x00" in head:
        line = head.count(b"\n", 0, head.index(b"\x00")) + 1
        raise fail(
            path,
            "this line holds a NUL (zero) byte: the file is damaged, or is a binary file rather "
            "than CSV, Parquet or .xlsx (real exports hold no NUL). Export the file again",
            "nul_byte",
            line,
        )
    return "csv"


def read_source(
    path: Path,
    *,
    encoding: str | None,
    sheet: str | None,
    workdir: Path,
) -> list[RawSource]:
    """Any supported file, by its content: CSV, Parquet or .xlsx (one source per sheet read)."""
    kind = sniff_format(path)
    if kind == "parquet":
        return [read_parquet_source(path)]
    if kind == "xlsx":
        # imported here: zipfile and the XML parser are start-up time a CSV run does not need
        from jingan_kpi.panel.readers.xlsx import read_xlsx_sources

        return read_xlsx_sources(path, sheet=sheet)
    return [read_csv_source(path, encoding=encoding, workdir=workdir)]


def unreadable(raw: RawSource, exc: pl.exceptions.PolarsError) -> PanelError:
    """Name the file and, for a CSV file, the line where it stops being CSV (or UTF-8)."""
    if raw.format == "csv":
        trouble = utf8_trouble(Path(raw.path)) if raw.utf8_unverified else None
        return trouble or unreadable_csv(Path(raw.path), raw.encoding, exc)
    text = str(exc).strip().splitlines()
    msg = f"{raw.path}: cannot be read ({text[0][:300] if text else 'error'})"
    return PanelError(msg, [Problem("unreadable_file", msg, Place(raw.path))])
