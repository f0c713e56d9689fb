"""A strict RFC 4180 reading of a CSV file, to name the first line where it breaks (the error
path only: it is slow)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from jingan_kpi.errors import PanelError, Place, Problem


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


def unreadable_csv(path: Path, encoding: str | None, exc: Exception) -> PanelError:
    """Name the file and the line where it stops being CSV (a strict reading), else polars' own
    words."""
    found = csv_trouble(path, encoding)
    if found is not None:
        line, what = found
        msg = f"{path}:{line}: cannot be read: {what}"
        return PanelError(msg, [Problem("unreadable_file", msg, Place(str(path), line))])
    text = str(exc).strip().splitlines()
    hint = ""
    if "field" in str(exc).lower() or "ragged" in str(exc).lower():
        hint = "; a row has more fields than the header (an unquoted comma in a value?)"
    msg = f"{path}: cannot be read ({text[0][:300] if text else 'error'}){hint}"
    return PanelError(msg, [Problem("unreadable_file", msg, Place(str(path)))])
