"""Header matching (contract §1): canonical English names and the Chinese headers, ignoring case,
surrounding spaces and full-width/half-width differences; a unit in the revenue header."""

from __future__ import annotations

import re
from dataclasses import dataclass

from jingan_kpi.errors import PanelError, Place, Problem
from jingan_kpi.panel.text import normalize_header
from jingan_kpi.panel.units import YUAN_PER_UNIT

REQUIRED_COLUMNS: tuple[str, ...] = ("credit_code", "industry_code", "year", "revenue")
OPTIONAL_COLUMNS: tuple[str, ...] = ("name", "zone", "hq_type")
CANONICAL_COLUMNS: tuple[str, ...] = (
    "credit_code",
    "name",
    "industry_code",
    "year",
    "revenue",
    "zone",
    "hq_type",
)
DICTIONARY_COLUMNS: tuple[str, ...] = ("industry_code", "year", "zone", "hq_type")
"""Columns with few distinct values. Every reader hands them over as ``Categorical`` (each file
and column its own :class:`polars.Categories`; the CSV reader parses them so, the others cast),
and ``rules.file_stage`` runs their rules once per distinct value, then gathers the results by
each row's category: far less work than row by row, for a little more in the reader (figures:
benchmarks/README.md, "Measurements behind the code"). A column with more than
``rules.DICTIONARY_LIMIT`` distinct values in a file gets the same rules row by row."""

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "credit_code": ("credit_code", "统一社会信用代码"),
    "name": ("name", "企业名称"),
    "industry_code": ("industry_code", "行业代码"),
    "year": ("year", "年份", "统计年度"),
    "revenue": ("revenue", "营业收入"),
    "zone": ("zone", "功能区", "所在区域"),
    "hq_type": ("hq_type", "总部类型"),
}
_ALIAS_TO_COLUMN = {
    normalize_header(alias): column
    for column, aliases in HEADER_ALIASES.items()
    for alias in aliases
}
# ``营业收入(千元)``, ``营业收入（万元）`` (NFKC makes the parentheses half-width),
# ``revenue (千元)``, ``营业收入(单位:万元)``, ``营业收入/万元``.
_REVENUE_WITH_UNIT = re.compile(r"^(revenue|营业收入)\s*(?:\((?:单位\s*:\s*)?([^)]*)\)|/\s*(\S+))$")


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Which position holds which canonical column, and the unit the revenue header names."""

    positions: dict[str, int]
    unit: str | None


def match_headers(headers: list[str | None], file: str) -> HeaderMap:
    """Map a file's header row to the canonical columns; PanelError where that is impossible."""
    positions: dict[str, int] = {}
    unit: str | None = None
    problems: list[Problem] = []
    for index, header in enumerate(headers):
        key = normalize_header(header)
        column = _ALIAS_TO_COLUMN.get(key)
        header_unit = None
        if column is None and (found := _REVENUE_WITH_UNIT.match(key)):
            column = "revenue"
            header_unit = (found.group(2) or found.group(3) or "").strip()
            if header_unit not in YUAN_PER_UNIT:
                msg = (
                    f'{file}:1:{index + 1}: the revenue header "{header}" names the unit '
                    f'"{header_unit}"; use one of {", ".join(YUAN_PER_UNIT)}'
                )
                problems.append(Problem("unknown_unit", msg, Place(file, 1, index + 1)))
                continue
        if column is None:
            continue
        if column in positions:
            first = headers[positions[column]]
            msg = (
                f'{file}:1:{index + 1}: header "{header}" is a second {column} column '
                f'(column {positions[column] + 1} is "{first}"); keep one of them'
            )
            problems.append(Problem("duplicate_header", msg, Place(file, 1, index + 1)))
            continue
        positions[column] = index
        if header_unit is not None:
            unit = header_unit
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        listed = _shown_headers(headers)
        expected = "; ".join(
            f"{column} ({' / '.join(HEADER_ALIASES[column][1:])})" for column in REQUIRED_COLUMNS
        )
        msg = (
            f"{file}:1: required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} not found. Found: {listed}. Expected: {expected}."
        )
        joined = "".join(h or "" for h in headers)
        if len(headers) == 1 and (sep := next((s for s in ";\t|" if s in joined), None)):
            shown = "a tab" if sep == "\t" else f'"{sep}"'
            msg += f" The header seems to be separated by {shown}: save the file comma-separated."
        problems.append(Problem("missing_column", msg, Place(file, 1)))
    if problems:
        raise PanelError(problems[0].message, problems)
    return HeaderMap(positions, unit)


def _shown_headers(headers: list[str | None], most: int = 20, width: int = 40) -> str:
    """The headers for a message, bounded: a 10,000-column or 10 MB header line must not make
    a 10 MB message. An empty cell shows as "" (not "None")."""

    def shown(header: str | None) -> str:
        text = header or ""
        return f'"{text[:width]}…"' if len(text) > width else f'"{text}"'

    listed = ", ".join(shown(h) for h in headers[:most])
    if len(headers) > most:
        listed += f" and {len(headers) - most:,} more"
    return listed or "nothing"
