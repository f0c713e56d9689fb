"""CSV files: encoding (:mod:`~jingan_kpi.panel.encoding`), header, and a lazy all-text scan.

``source_line`` is the physical line (the header is line 1): the record index + 2, since polars
keeps a blank line as an all-null record, and, where the file holds a double quote (so a quoted
field may span lines), a map from record to line computed from quote parity.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from jingan_kpi.errors import PanelError
from jingan_kpi.panel.encoding import (
    CR_NOTE,
    TextFile,
    assume_utf8,
    cr_only,
    prepare_text_file,
    starts_as_utf8,
    utf8_trouble,
)
from jingan_kpi.panel.headers import DICTIONARY_COLUMNS
from jingan_kpi.panel.readers.base import (
    HEADER_SEARCH_ROWS,
    RawSource,
    as_text,
    fail,
    first_line,
    match_or_hint,
    present,
    refuse_bom_in_header,
    select_columns,
)
from jingan_kpi.panel.readers.rfc4180 import csv_trouble, unreadable_csv


def _peek_rows(path: Path, count: int = HEADER_SEARCH_ROWS) -> list[list[str | None]]:
    """The first rows of a UTF-8 CSV file after the first, split on commas (for a hint only:
    a header has no quoted commas)."""
    rows: list[list[str | None]] = []
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        f.readline()
        for _ in range(count):
            line = f.readline(100_000)
            if not line:
                break
            rows.append([cell.strip().strip('"') for cell in line.rstrip("\r\n").split(",")])
    return rows


def read_csv_source(path: Path, *, encoding: str | None, workdir: Path) -> RawSource:
    """A CSV file as text. Without ``encoding``, a file whose first megabyte shows it is UTF-8
    (:func:`~jingan_kpi.panel.encoding.starts_as_utf8`) is handed to polars as it is, which
    checks the UTF-8 as it parses (no Python decode of the whole file); any other is decoded
    and, if GB18030, transcoded first (:func:`~jingan_kpi.panel.encoding.prepare_text_file`).
    Either way one reading: nothing is read again if a byte is not UTF-8."""
    mac = cr_only(path)
    fast = encoding is None and not mac and starts_as_utf8(path)
    text = assume_utf8(path) if fast else prepare_text_file(path, encoding, workdir)
    try:
        header_row = pl.read_csv(
            text.path, has_header=False, n_rows=1, infer_schema=False, truncate_ragged_lines=True
        )
    except pl.exceptions.PolarsError as exc:
        raise _header_failure(path, text.path, exc) from None
    try:
        source = _csv_source(path, text, header_row)
    except pl.exceptions.PolarsError as exc:
        # _continued_lines parses the whole file: a byte further on is not UTF-8
        trouble = utf8_trouble(path) if fast else None
        if trouble is None:
            raise unreadable_csv(path, text.encoding, exc) from None
        raise trouble from None
    if mac:
        notes = (CR_NOTE.format(path=path), *source.notes)
        source = RawSource(
            source.path,
            source.format,
            source.encoding,
            source.header_unit,
            source.present,
            source.frame,
            source.utf8_unverified,
            notes,
        )
    return source


def _header_failure(path: Path, text_path: Path, exc: pl.exceptions.PolarsError) -> PanelError:
    if isinstance(exc, pl.exceptions.NoDataError):
        return fail(path, "is empty; expected a header line and data rows", "empty_file")
    found = csv_trouble(text_path, "utf-8")
    if found is not None:
        return fail(path, f"cannot be read: {found[1]}", "unreadable_file", found[0])
    return fail(path, f"is not a readable CSV file ({first_line(exc)})", "unreadable_file", 1)


def _csv_source(path: Path, text: TextFile, header_row: pl.DataFrame) -> RawSource:
    if header_row.height == 0:
        # polars reads no record at all when the header opens a quote it never closes.
        raise fail(
            path,
            "the header line cannot be read: a double quote in it is never closed",
            "unreadable_file",
            1,
        )
    headers = as_text(header_row.row(0))
    refuse_bom_in_header(path, headers)
    header_map = match_or_hint(headers, str(path), lambda: _peek_rows(text.path))
    names = [f"c{i}" for i in range(len(headers))]
    # The dictionary columns (few distinct values) parsed as Categorical, each its own
    # categories: the rules then judge each distinct value once (headers.DICTIONARY_COLUMNS).
    schema: dict[str, pl.DataType] = dict.fromkeys(names, pl.String())
    for column in DICTIONARY_COLUMNS:
        if column in header_map.positions:
            schema[names[header_map.positions[column]]] = pl.Categorical(pl.Categories.random())
    frame = pl.scan_csv(
        text.path,
        has_header=False,
        skip_rows=1,
        schema=schema,
        infer_schema=False,
        missing_columns="insert",  # a short row: its missing fields are empty, the rules judge it
        # the BOM, if any, was on the header line that skip_rows drops
    ).with_row_index("__record")
    notes: tuple[str, ...] = ()
    continued, first = _continued_lines(text.path) if text.has_quotes else (0, None)
    if continued:
        notes = (
            f"{path}:{first}: this line continues a quoted field opened on an earlier line "
            f"({continued:,} such line{'s' if continued > 1 else ''} in the file); each record "
            "is counted at the line it starts on. If a field should not span lines, a double "
            "quote is not closed where it should be.",
        )
        frame = frame.join(
            _record_lines(text.path).lazy(), on="__record", how="left", maintain_order="left"
        ).with_columns(pl.col("source_line").fill_null(pl.col("__record").cast(pl.Int64) + 2))
    else:
        # Every line starts a record (quotes or not): the line is the record's index + 2.
        frame = frame.with_columns(source_line=pl.col("__record").cast(pl.Int64) + 2)
    return RawSource(
        str(path),
        "csv",
        text.encoding,
        header_map.unit,
        present(header_map),
        select_columns(frame, names, header_map),
        utf8_unverified=not text.verified,
        notes=notes,
    )


def _line_starts(path: Path) -> pl.LazyFrame:
    """Each physical line's number and whether a record starts on it, by quote parity (RFC 4180:
    a record starts on a line before which an even number of double quotes has been seen)."""
    lines = pl.scan_csv(
        path,
        has_header=False,
        separator="\x1f",
        quote_char=None,
        schema={"text": pl.String},
        truncate_ragged_lines=True,
        infer_schema=False,
    ).with_row_index("line", offset=1)
    quotes = pl.col("text").str.count_matches('"', literal=True).fill_null(0)
    return lines.select("line", starts=(quotes.cum_sum() - quotes) % 2 == 0)


def _continued_lines(path: Path) -> tuple[int, int | None]:
    """How many lines continue a record begun on an earlier line (a quoted field holding a line
    break), and the first of them: legitimate in CSV, but also what a quote closed lines too
    late looks like. One streaming pass that keeps no line (10M lines: 1.6 s, ≈ 0.5 GiB)."""
    found = (
        _line_starts(path)
        .filter(~pl.col("starts"))
        .select(pl.len().alias("n"), pl.col("line").first().alias("first"))
        .collect(engine="streaming")
    )
    n, first = found.row(0)
    return int(n), (int(first) if first is not None else None)


def _record_lines(path: Path) -> pl.DataFrame:
    """Record index → physical line of its first line, for a file where some records span
    lines (:func:`_continued_lines`)."""
    return (
        _line_starts(path)
        .filter(pl.col("starts"))
        .select(pl.col("line").cast(pl.Int64).alias("source_line"))
        .slice(1)  # the header's record
        .with_row_index("__record")
        .collect(engine="streaming")
    )
