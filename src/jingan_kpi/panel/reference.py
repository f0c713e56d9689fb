"""Reference series (contract §2): ``series,year,value,unit,source`` — levels in a money unit or
published growth rates in %, each with its source. Small files: read with the csv module so
every problem carries its line number."""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Literal

from jingan_kpi.errors import Place, Problem, ReferenceSeriesError
from jingan_kpi.panel.text import normalize_header
from jingan_kpi.panel.types import References, ReferenceSeries, group_member
from jingan_kpi.panel.units import YUAN_PER_UNIT, check_unit
from jingan_kpi.years import YEAR_MAX, YEAR_MIN

REFERENCE_COLUMNS: tuple[str, ...] = ("series", "year", "value", "unit", "source")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$")
_YEAR = re.compile(r"^[0-9]{4}(?:\.0+)?$")


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    msg = f"{path}: the reference file is neither UTF-8 nor GB18030; save it as CSV UTF-8"
    raise ReferenceSeriesError(msg, [Problem("undecodable_bytes", msg, Place(str(path)))])


def _records(reader: Iterator[list[str]], name: str) -> Iterator[list[str]]:
    """The csv reader's records; its errors (a field over the csv module's size limit, a NUL in
    strict mode) become a ReferenceSeriesError naming the line, never a crash."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = getattr(reader, "line_num", 0) or None
            msg = f"{name}:{line}: the reference file cannot be read as CSV ({exc})"
            raise ReferenceSeriesError(
                msg, [Problem("unreadable_file", msg, Place(name, line))]
            ) from None
        yield row


def read_reference(
    path: str | Path,
    *,
    money_unit: str = "亿元",
    declared: Mapping[str, str] | None = None,
) -> References:
    """Read and validate a reference series file; levels converted to ``money_unit``.

    ``declared`` (the plan's ``references:``, name → ``level`` or ``rate``) adds the checks
    against the plan: a series whose unit is of the wrong kind for its declaration (a level in
    %, a growth rate in 亿元) is a problem of its line; a series the plan does not declare is
    said in ``References.notes`` (with the nearest declared name). A series ``GROUP[MEMBER]``
    (contract §8) is a member of the group ``GROUP`` and takes its declaration.

    Raises
    ------
    ReferenceSeriesError
        With one :class:`~jingan_kpi.errors.Problem` per bad line (file, line, column, value).
    """
    money_unit = check_unit(money_unit, "the money unit")
    file = Path(path)
    name = str(file)
    if not file.is_file():
        what = (
            "is a directory"
            if file.is_dir()
            else "is not a regular file (a pipe or device)"
            if file.exists()
            else "does not exist"
        )
        msg = f"{name}: the reference series file {what}; give a CSV with columns {','.join(REFERENCE_COLUMNS)}"
        raise ReferenceSeriesError(msg, [Problem("file_not_found", msg, Place(name))])
    reader = csv.reader(io.StringIO(_decode(file), newline=""))
    header = next(_records(reader, name), None)
    if not header:
        msg = f"{name}: the reference file is empty; expected the header {','.join(REFERENCE_COLUMNS)}"
        raise ReferenceSeriesError(msg, [Problem("empty_file", msg, Place(name))])
    keys = [normalize_header(h) for h in header]
    missing = [c for c in REFERENCE_COLUMNS if c not in keys]
    if missing:
        msg = (
            f"{name}:1: column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing; "
            f"found {', '.join(header)}; expected {','.join(REFERENCE_COLUMNS)}"
        )
        raise ReferenceSeriesError(msg, [Problem("missing_column", msg, Place(name, 1))])
    position = {c: keys.index(c) for c in REFERENCE_COLUMNS}
    problems: list[Problem] = []
    rows: dict[str, list[tuple[int, int, float, str, str]]] = {}
    seen: dict[tuple[str, int], int] = {}
    undeclared: dict[str, int] = {}

    def problem(slug: str, line: int, column: str, text: str) -> None:
        col = position[column] + 1
        problems.append(
            Problem(slug, f"{name}:{line}:{col}: {text}", Place(name, line, col, column))
        )

    for row in _records(reader, name):
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in position.items()}
        series, year_text, value_text, unit, source = (cells[c] for c in REFERENCE_COLUMNS)
        bad = False
        if not series:
            problem("missing_series", line, "series", "series name is empty")
            bad = True
        if not _YEAR.match(year_text) or not YEAR_MIN <= int(year_text[:4]) <= YEAR_MAX:
            msg = f'year "{year_text}" is not a year {YEAR_MIN}-{YEAR_MAX}'
            problem("invalid_year", line, "year", msg)
            bad = True
        value = math.nan
        if _NUMBER.match(value_text):
            value = float(value_text.replace(",", ""))
        if not math.isfinite(value):
            problem("invalid_value", line, "value", f'value "{value_text}" is not a finite number')
            bad = True
        if unit != "%" and unit not in YUAN_PER_UNIT:
            problem(
                "invalid_unit",
                line,
                "unit",
                f'unit "{unit}" is neither % nor a money unit ({", ".join(YUAN_PER_UNIT)})',
            )
            bad = True
        elif unit != "%" and math.isfinite(value) and value < 0:
            problem("invalid_value", line, "value", f'level "{value_text}" {unit} is negative')
            bad = True
        if not source:
            problem(
                "missing_source", line, "source", "source is empty; say where the figure comes from"
            )
            bad = True
        if bad:
            continue
        parts = group_member(series)
        if parts is not None:
            series = f"{parts[0]}[{parts[1]}]"
        kind_of_row = "rate" if unit == "%" else "level"
        declared_kind = None if declared is None else declared.get(parts[0] if parts else series)
        if declared_kind is not None and declared_kind != kind_of_row:
            problem("wrong_unit_kind", line, "unit", _wrong_kind(series, declared_kind, unit))
            continue
        if declared is not None and declared_kind is None:
            # One note per undeclared series, or per undeclared group (not per member).
            undeclared.setdefault(f"{parts[0]}[…]" if parts else series, line)
        year = int(year_text[:4])
        if (series, year) in seen:
            problem(
                "duplicate_reference",
                line,
                "year",
                f"{series} {year} is given twice (first on line {seen[(series, year)]}); keep one",
            )
            continue
        seen[(series, year)] = line
        rows.setdefault(series, []).append((line, year, value, unit, source))

    result: dict[str, ReferenceSeries] = {}
    for series, entries in rows.items():
        kinds = {("rate" if unit == "%" else "level") for _, _, _, unit, _ in entries}
        if len(kinds) > 1:
            first_line = entries[0][0]
            lines = ", ".join(str(e[0]) for e in entries)
            problem(
                "mixed_series_kind",
                first_line,
                "unit",
                f"series {series} mixes levels and % growth rates (lines {lines}); use one kind per series",
            )
            continue
        kind: Literal["level", "rate"] = "rate" if kinds == {"rate"} else "level"
        values: dict[int, float] = {}
        for _, year, value, unit, _ in entries:
            if kind == "level":
                values[year] = value * YUAN_PER_UNIT[unit] / YUAN_PER_UNIT[money_unit]
            else:
                values[year] = value
        units = sorted({e[3] for e in entries})
        sources = list(dict.fromkeys(e[4] for e in entries))
        result[series] = ReferenceSeries(
            name=series,
            kind=kind,
            values=dict(sorted(values.items())),
            unit=units[0] if len(units) == 1 else "/".join(units),
            source="; ".join(sources),
        )
    if problems:
        problems.sort(key=lambda p: (p.place.line or 0, p.place.column or 0))
        msg = f"{name}: {len(problems)} problem{'s' if len(problems) > 1 else ''} in the reference series file; first: {problems[0].message}"
        raise ReferenceSeriesError(msg, problems)
    notes = tuple(
        _undeclared_note(name, series, line, declared or {}) for series, line in undeclared.items()
    )
    return References(series=result, path=name, notes=notes)


def _wrong_kind(series: str, kind: str, unit: str) -> str:
    if kind == "level":
        return (
            f"{series} is declared a level in the plan (kind: level), so its unit is a money "
            f'unit ({", ".join(YUAN_PER_UNIT)}), not "{unit}"; give the level, or declare the '
            "series kind: rate"
        )
    return (
        f'{series} is declared a growth rate in the plan (kind: rate), so its unit is "%", not '
        f'"{unit}"; give the published rate in %, or declare the series kind: level'
    )


def _undeclared_note(path: str, series: str, line: int, declared: Mapping[str, str]) -> str:
    group = series.endswith("[…]")
    name = series.removesuffix("[…]")
    close = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.6)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    what = f"group {name} (series {series})" if group else series
    return (
        f"{path}:{line}: reference series {what} is not declared under the plan's "
        f"references:{hint}; no formula uses it"
    )
