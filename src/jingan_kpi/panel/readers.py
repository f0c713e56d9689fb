"""Readers: one input file → a lazy frame of the canonical columns as text, with physical lines.

Every reader hands over text only (contract §1): CSV with an all-String schema and no inference,
Parquet columns cast to String, Excel cells read as strings by fastexcel (calamine), so an
18-digit code never passes through a float and ``0111`` keeps its zero. The dictionary columns
(:data:`~jingan_kpi.panel.headers.DICTIONARY_COLUMNS`) are handed over as ``Categorical``: the
same text, each distinct value stored once (the CSV reader parses them so; the others cast).

``source_line`` is the physical line in a CSV file (the header is line 1): the record index + 2,
since polars keeps a blank line as an all-null record, and, where the file holds a double quote
(so a quoted field may span lines), a map from record to line computed from quote parity. For an
``.xlsx`` sheet it is the sheet row (header in row 1; a sheet whose table starts lower is counted
from its first used row); for Parquet, the 1-based row number.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from jingan_kpi.errors import PanelError, Place, Problem
from jingan_kpi.panel.encoding import TextFile, assume_utf8, prepare_text_file
from jingan_kpi.panel.headers import (
    CANONICAL_COLUMNS,
    DICTIONARY_COLUMNS,
    OPTIONAL_COLUMNS,
    HeaderMap,
    match_headers,
)

EXTRA_NULL = "__extra_null"
"""True where every column the tool does not use is empty (part of the blank-row test)."""


@dataclass(frozen=True, slots=True)
class RawSource:
    """One file as text: canonical columns (String), ``source_line`` and :data:`EXTRA_NULL`."""

    path: str
    format: Literal["csv", "parquet", "xlsx"]
    encoding: str | None
    header_unit: str | None
    present: frozenset[str]
    """The optional columns this file has."""
    frame: pl.LazyFrame
    utf8_unverified: bool = False
    """A CSV file taken for UTF-8 without a Python decode: an "invalid utf-8" error while
    collecting ``frame`` means: read it again with ``verify_utf8=True``."""
    notes: tuple[str, ...] = ()
    """Lines for stderr about how the file was read (records spanning lines)."""


def _fail(path: Path | str, message: str, slug: str, line: int | None = None) -> PanelError:
    full = f"{path}{f':{line}' if line else ''}: {message}"
    return PanelError(full, [Problem(slug, full, Place(str(path), line))])


HEADER_SEARCH_ROWS = 10
"""How many rows below the first are searched for the real header when it is missing."""


def _match_or_hint(
    headers: list[str | None], file: str, below: Callable[[], list[list[str | None]]]
) -> HeaderMap:
    """:func:`match_headers`; if the required columns are missing from the first row but one of
    the next rows (``below()``: rows 2, 3, …) has them all, say so: an export with a title or a
    blank row above the header is common, and "not found" alone does not tell what to fix."""
    try:
        return match_headers(headers, file)
    except PanelError as exc:
        if not any(problem.slug == "missing_column" for problem in exc.problems):
            raise
        for offset, row in enumerate(below()[: HEADER_SEARCH_ROWS - 1], start=2):
            try:
                match_headers(row, file)
            except PanelError:
                continue
            above = offset - 1
            hint = (
                f" Row {offset} has them: the header is on row {offset}. Remove the "
                f"{above} row{'s' if above > 1 else ''} above it (a title?) and read the file again."
            )
            problems = [
                Problem(p.slug, p.message + hint, p.place) if p.slug == "missing_column" else p
                for p in exc.problems
            ]
            raise PanelError(problems[0].message, problems) from None
        raise


def _as_text(row: tuple[object, ...] | list[object]) -> list[str | None]:
    """A row of cells as header texts (an empty cell stays None)."""
    return [None if v is None else str(v) for v in row]


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


def sniff_format(path: Path) -> Literal["csv", "parquet", "xlsx"]:
    """The file's format from its first bytes (not its name); PanelError if it can't be read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise _fail(path, "no such file", "file_not_found") from None
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror})", "unreadable_file") from None
    if stat.S_ISDIR(mode):
        raise _fail(
            path,
            "is a directory, not a data file; give the files in it (e.g. dir/*.csv)",
            "not_a_file",
        )
    if not stat.S_ISREG(mode):
        raise _fail(
            path,
            "is not a regular file (a pipe or device); save the data to a file first",
            "not_a_file",
        )
    try:
        with path.open("rb") as f:
            head = f.read(65536)
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror})", "unreadable_file") from None
    if not head.strip():
        raise _fail(path, "is empty; expected a header line and data rows", "empty_file")
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(
            path, "is an old Excel .xls workbook; save it as .xlsx or CSV", "unsupported_format"
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(
            path,
            'is UTF-16 text (Excel\'s "Unicode text"); save it from Excel as "CSV UTF-8"',
            "unsupported_encoding",
        )
    if b"\x00" in head:
        raise _fail(
            path,
            "is a binary file, not CSV, Parquet or .xlsx (it contains NUL bytes)",
            "binary_file",
        )
    return "csv"


def _select(frame: pl.LazyFrame, names: list[str], header_map: HeaderMap) -> pl.LazyFrame:
    """The canonical columns as String (absent optional ones null) and the extra-null flag; the
    dictionary columns as Categorical, each its own categories (a reader may already read them
    so), see :data:`~jingan_kpi.panel.headers.DICTIONARY_COLUMNS`."""
    schema = frame.collect_schema()
    used = set(header_map.positions.values())
    columns = []
    for column in CANONICAL_COLUMNS:
        if column in header_map.positions:
            name = names[header_map.positions[column]]
            source = pl.col(name)
            if column not in DICTIONARY_COLUMNS:
                source = source.cast(pl.String)
            elif not isinstance(schema[name], pl.Categorical):
                source = source.cast(pl.String).cast(pl.Categorical(pl.Categories.random()))
            columns.append(source.alias(column))
        else:
            columns.append(pl.lit(None, dtype=pl.String).alias(column))
    extras = [pl.col(name).is_null() for i, name in enumerate(names) if i not in used]
    extra_null = pl.all_horizontal(extras) if extras else pl.lit(True)
    return frame.select(*columns, pl.col("source_line"), extra_null.alias(EXTRA_NULL))


def _present(header_map: HeaderMap) -> frozenset[str]:
    return frozenset(c for c in OPTIONAL_COLUMNS if c in header_map.positions)


def read_csv_source(
    path: Path, *, encoding: str | None, workdir: Path, verify_utf8: bool = True
) -> RawSource:
    """A CSV file as text. ``verify_utf8=False`` (no ``encoding``): take the file for UTF-8 and
    let polars check it while parsing (see :func:`~jingan_kpi.panel.encoding.assume_utf8`)."""
    fast = encoding is None and not verify_utf8
    text = assume_utf8(path) if fast else prepare_text_file(path, encoding, workdir)
    try:
        header_row = pl.read_csv(
            text.path, has_header=False, n_rows=1, infer_schema=False, truncate_ragged_lines=True
        )
    except pl.exceptions.PolarsError as exc:
        if fast and not isinstance(exc, pl.exceptions.NoDataError):
            return read_csv_source(path, encoding=encoding, workdir=workdir)
        raise _header_failure(path, text.path, exc) from None
    try:
        return _csv_source(path, text, header_row)
    except pl.exceptions.PolarsError:
        if fast:  # _continued_lines parses the whole file: not UTF-8 after all
            return read_csv_source(path, encoding=encoding, workdir=workdir)
        raise


def _header_failure(path: Path, text_path: Path, exc: pl.exceptions.PolarsError) -> PanelError:
    if isinstance(exc, pl.exceptions.NoDataError):
        return _fail(path, "is empty; expected a header line and data rows", "empty_file")
    found = csv_trouble(text_path, "utf-8")
    if found is not None:
        return _fail(path, f"cannot be read: {found[1]}", "unreadable_file", found[0])
    return _fail(path, f"is not a readable CSV file ({_first_line(exc)})", "unreadable_file", 1)


def _csv_source(path: Path, text: TextFile, header_row: pl.DataFrame) -> RawSource:
    if header_row.height == 0:
        # polars reads no record at all when the header opens a quote it never closes.
        raise _fail(
            path,
            "the header line cannot be read: a double quote in it is never closed",
            "unreadable_file",
            1,
        )
    headers = _as_text(header_row.row(0))
    header_map = _match_or_hint(headers, str(path), lambda: _peek_rows(text.path))
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
        _present(header_map),
        _select(frame, names, header_map),
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


def csv_trouble(path: Path, encoding: str | None) -> tuple[int, str] | None:
    """The first line where a CSV file breaks (a quote never closed or misplaced, a record
    longer than the header), by a strict RFC 4180 reading. Error path only: it is slow."""
    import csv
    import sys

    # A 10 MB value is over the csv module's field limit: lift it, for this reading only.
    previous = csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        return _first_break(path, encoding)
    finally:
        csv.field_size_limit(previous)


def _first_break(path: Path, encoding: str | None) -> tuple[int, str] | None:
    import csv

    end, width = 0, None
    consumed: list[str] = []
    try:
        with path.open(encoding=encoding or "utf-8", errors="replace", newline="") as handle:

            def lines() -> Iterator[str]:
                for text in handle:
                    consumed.append(text)
                    yield text

            reader = csv.reader(lines(), strict=True)
            for record in reader:
                start, end = end + 1, reader.line_num
                raw = "".join(consumed)
                consumed.clear()
                if '"' in raw and _stray_quote(raw):
                    return start, (
                        "a double quote inside a value that is not itself quoted; write the "
                        'value in quotes and double the quote inside it (N"0 → "N""0")'
                    )
                if width is None:
                    width = len(record)
                elif len(record) > width:
                    return start, (
                        f"this row has {len(record)} fields but the header has {width} "
                        "(an unquoted comma in a value? quote the value or remove the comma)"
                    )
    except csv.Error as exc:
        return end + 1, (
            f"a double quote opened on this line is never closed, or a quoted value is followed "
            f'by more text ({exc}); close the quote, or double a quote inside a value ("")'
        )
    except (OSError, LookupError):
        return None
    return None


def _stray_quote(raw: str) -> bool:
    """True where a double quote appears inside an unquoted field of this record's text."""
    quoted, at_start, i = False, True, 0
    while i < len(raw):
        char = raw[i]
        if quoted:
            if char == '"':
                if raw.startswith('""', i):
                    i += 2
                    continue
                quoted = False
        elif char == '"':
            if not at_start:
                return True
            quoted, at_start = True, False
        else:
            at_start = char in ",\r\n"
        i += 1
    return False


def read_parquet_source(path: Path) -> RawSource:
    try:
        frame = pl.scan_parquet(path)
        names = frame.collect_schema().names()
    except pl.exceptions.PolarsError as exc:
        raise _fail(
            path, f"is not a readable Parquet file ({_first_line(exc)})", "unreadable_file"
        ) from None
    header_map = match_headers(list(names), str(path))
    frame = frame.with_row_index("__record").with_columns(
        source_line=pl.col("__record").cast(pl.Int64) + 1
    )
    return RawSource(
        str(path),
        "parquet",
        None,
        header_map.unit,
        _present(header_map),
        # The dictionary columns are cast to Categorical in the scan: 10 M rows, 0.45 s more
        # to read, ≈ 1 s less of rules.
        _select(frame, names, header_map),
    )


def read_xlsx_source(path: Path, *, sheet: str | None) -> RawSource:
    try:
        import fastexcel
    except ImportError:  # pragma: no cover - a declared dependency
        msg = "reading .xlsx needs the fastexcel package: pip install fastexcel"
        raise PanelError(msg) from None
    try:
        workbook = fastexcel.read_excel(path)
        data = workbook.load_sheet(
            sheet if sheet is not None else 0, header_row=None, dtypes="string"
        ).to_polars()
    except Exception as exc:  # fastexcel raises its own hierarchy
        detail = _first_line(exc)
        if "not found" in detail.lower() and sheet is not None:
            available = ", ".join(f'"{s}"' for s in fastexcel.read_excel(path).sheet_names)
            raise _fail(
                path, f'has no sheet "{sheet}"; its sheets are {available}', "sheet_not_found"
            ) from None
        raise _fail(
            path, f"is not a readable .xlsx workbook ({detail})", "unreadable_file"
        ) from None
    if data.height == 0:
        raise _fail(path, "the sheet is empty; expected a header row and data rows", "empty_file")
    headers = _as_text(data.row(0))
    header_map = _match_or_hint(
        headers, str(path), lambda: [_as_text(r) for r in data.slice(1, HEADER_SEARCH_ROWS).rows()]
    )
    names = data.columns
    frame = (
        data.slice(1)
        .lazy()
        .with_row_index("__record")
        .with_columns(source_line=pl.col("__record").cast(pl.Int64) + 2)
    )
    return RawSource(
        str(path),
        "xlsx",
        None,
        header_map.unit,
        _present(header_map),
        _select(frame, names, header_map),
    )


def read_frame_source(frame: pl.DataFrame, name: str = "<dataframe>") -> RawSource:
    """An in-memory frame (the Python API), read as text; lines as for a CSV with a header."""
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
        _present(header_map),
        _select(lazy, frame.columns, header_map),
    )


def read_source(
    path: Path,
    *,
    encoding: str | None,
    sheet: str | None,
    workdir: Path,
    verify_utf8: bool = True,
) -> RawSource:
    """Any supported file, by its content: CSV, Parquet or .xlsx."""
    kind = sniff_format(path)
    if kind == "parquet":
        return read_parquet_source(path)
    if kind == "xlsx":
        return read_xlsx_source(path, sheet=sheet)
    return read_csv_source(path, encoding=encoding, workdir=workdir, verify_utf8=verify_utf8)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def unreadable(raw: RawSource, exc: pl.exceptions.PolarsError) -> PanelError:
    """Name the file and, for a CSV file, the line where it stops being CSV."""
    found = csv_trouble(Path(raw.path), raw.encoding) if raw.format == "csv" else None
    if found is not None:
        line, what = found
        msg = f"{raw.path}:{line}: cannot be read: {what}"
        return PanelError(msg, [Problem("unreadable_file", msg, Place(raw.path, line))])
    text = str(exc).strip().splitlines()
    hint = ""
    if "field" in str(exc).lower() or "ragged" in str(exc).lower():
        hint = "; a row has more fields than the header (an unquoted comma in a value?)"
    msg = f"{raw.path}: cannot be read ({text[0][:300] if text else 'error'}){hint}"
    return PanelError(msg, [Problem("unreadable_file", msg, Place(raw.path))])
