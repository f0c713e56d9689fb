"""What every reader hands over: :class:`RawSource`, and the helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from jingan_kpi.errors import PanelError, Place, Problem
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
    """A CSV file taken for UTF-8 without a Python decode: an error while collecting ``frame``
    is explained by :func:`~jingan_kpi.panel.encoding.utf8_trouble`."""
    notes: tuple[str, ...] = ()
    """Lines for stderr about how the file was read (records spanning lines)."""


def fail(path: Path | str, message: str, slug: str, line: int | None = None) -> PanelError:
    full = f"{path}{f':{line}' if line else ''}: {message}"
    return PanelError(full, [Problem(slug, full, Place(str(path), line))])


HEADER_SEARCH_ROWS = 10
"""How many rows below the first are searched for the real header when it is missing."""


class HeaderBelow(PanelError):
    """The panel's header is not on the first row but on one below it (a title above)."""


def match_or_hint(
    headers: list[str | None],
    file: str,
    below: Callable[[], list[list[str | None]]],
    first_row: int = 1,
) -> HeaderMap:
    """:func:`match_headers`; if the required columns are missing from the first row but one of
    the next rows (``below()``: rows 2, 3, …) has them all, say so: an export with a title or a
    blank row above the header is common, and "not found" alone does not tell what to fix.
    ``first_row`` is the number of the first row in the file (an Excel sheet's table may start
    lower); the error is then a :class:`HeaderBelow`."""
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
            row_number = offset + first_row - 1
            hint = (
                f" Row {row_number} has them: the header is on row {row_number}. Remove the "
                f"{above} row{'s' if above > 1 else ''} above it (a title?) and read the file again."
            )
            problems = [
                Problem(p.slug, p.message + hint, p.place) if p.slug == "missing_column" else p
                for p in exc.problems
            ]
            raise HeaderBelow(problems[0].message, problems) from None
        raise


def as_text(row: tuple[object, ...] | list[object]) -> list[str | None]:
    """A row of cells as header texts (an empty cell stays None)."""
    return [None if v is None else str(v) for v in row]


def select_columns(frame: pl.LazyFrame, names: list[str], header_map: HeaderMap) -> pl.LazyFrame:
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


def present(header_map: HeaderMap) -> frozenset[str]:
    return frozenset(c for c in OPTIONAL_COLUMNS if c in header_map.positions)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def refuse_bom_in_header(path: Path | str, headers: list[str | None], row: int = 1) -> None:
    """A byte-order mark left in a header (a second BOM, or files joined) would make the column
    look right and not match: name it, visibly."""
    for number, header in enumerate(headers, start=1):
        if header is not None and "\ufeff" in header:
            shown = header.replace("\ufeff", "\\uFEFF")
            raise fail(
                path,
                f'header {number} is "{shown}": it holds a byte-order mark (BOM, \\uFEFF), '
                "invisible in most editors (a file that starts with two, or files joined "
                'together?). Remove it (save the file again as "CSV UTF-8") and run again',
                "bom_in_header",
                row,
            )
