"""Header matching (contract §1, §7): the catalogue's headers, the plan's ``columns:`` and
``--column HEADER=COLUMN``, ignoring case, surrounding spaces and full-width/half-width
differences; a money unit in brackets after a revenue header."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from jingan_kpi.columns import (
    CANONICAL_COLUMNS,
    COLUMNS,
    DICTIONARY_COLUMNS,
    HEADER_ALIASES,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
)
from jingan_kpi.errors import PanelError, Place, Problem, UsageError
from jingan_kpi.panel.text import normalize_header
from jingan_kpi.panel.units import YUAN_PER_UNIT

__all__ = [
    "CANONICAL_COLUMNS",
    "DICTIONARY_COLUMNS",
    "HEADER_ALIASES",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "HeaderMap",
    "HeaderNames",
    "header_names",
    "match_headers",
    "parse_column_option",
]

# A unit after the name: ``营业收入(千元)``, ``营业收入（万元）`` (NFKC makes the parentheses
# half-width), ``revenue (千元)``, ``营业收入(单位:万元)``, ``营业收入/万元``.
_WITH_UNIT = re.compile(r"^(.+?)\s*(?:\((单位\s*:\s*)?([^()]*)\)|/\s*([^/\s]+))$")


@dataclass(frozen=True, slots=True)
class HeaderNames:
    """The headers accepted for each column in one run: the catalogue's, the plan's
    ``columns:`` (``added``), and ``--column HEADER=COLUMN`` (``chosen``: for the columns it
    names, the header given is *the* column, and other headers of that column are not read).
    Keys are normalised headers (:func:`~jingan_kpi.panel.text.normalize_header`)."""

    added: Mapping[str, str] = field(default_factory=dict)
    chosen: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        plan_columns: Mapping[str, Sequence[str]] | None = None,
        option: Iterable[str] | Mapping[str, str] | None = None,
    ) -> HeaderNames:
        """From the plan's ``columns:`` (column → headers) and ``--column`` values
        (``HEADER=COLUMN`` texts, or a header → column mapping)."""
        added: dict[str, str] = {}
        for column, headers in (plan_columns or {}).items():
            _known(column, "the plan's columns:")
            for header in headers:
                added[normalize_header(header)] = column
        chosen: dict[str, str] = {}
        pairs = option.items() if isinstance(option, Mapping) else map(_split, option or ())
        for header, column in pairs:
            _known(column, f'--column "{header}={column}"')
            chosen[normalize_header(header)] = column
        return cls(added, chosen)

    def column(self, key: str) -> tuple[str | None, bool]:
        """The column a normalised header names, and whether ``--column`` chose it."""
        if key in self.chosen:
            return self.chosen[key], True
        return self.added.get(key, _ALIAS_TO_COLUMN.get(key)), False


def _split(text: str) -> tuple[str, str]:
    header, sep, column = text.rpartition("=")
    if not sep or not header.strip() or not column.strip():
        msg = (
            f'--column "{text}" is not HEADER=COLUMN; write e.g. --column "本年营业收入=revenue" '
            f"(columns: {', '.join(CANONICAL_COLUMNS)})"
        )
        raise UsageError(msg)
    return header.strip(), column.strip()


def _known(column: str, where: str) -> None:
    if column not in COLUMNS:
        msg = (
            f'{where}: "{column}" is not a panel column; use one of {", ".join(CANONICAL_COLUMNS)}'
        )
        raise UsageError(msg)


def parse_column_option(values: Iterable[str]) -> dict[str, str]:
    """``--column HEADER=COLUMN`` values → header → column (UsageError on a malformed one)."""
    pairs = [_split(value) for value in values]
    for _, column in pairs:
        _known(column, "--column")
    return dict(pairs)


_ALIAS_TO_COLUMN = {
    normalize_header(alias): column
    for column, aliases in HEADER_ALIASES.items()
    for alias in aliases
}
_DEFAULT_NAMES = HeaderNames()
_NAMES: ContextVar[HeaderNames | None] = ContextVar("header_names", default=None)
"""The header names of the read in progress. ``read_panel`` sets them for its files
(:func:`header_names`), so every reader's :func:`match_headers` sees the plan's ``columns:`` and
``--column`` without each reader passing them along (the readers know formats, not columns)."""


@contextmanager
def header_names(names: HeaderNames) -> Iterator[None]:
    """Within the block, :func:`match_headers` accepts ``names`` besides the catalogue's."""
    token = _NAMES.set(names)
    try:
        yield
    finally:
        _NAMES.reset(token)


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Which position holds which canonical column, and the unit the revenue header names."""

    positions: dict[str, int]
    unit: str | None


def _looks_like_unit(text: str) -> bool:
    return text.endswith("元") or text.startswith("单位")


def _match_one(key: str, names: HeaderNames) -> tuple[str | None, bool, str | None, str | None]:
    """(column, chosen by --column, unit named, unit text that is not a money unit)."""
    column, chosen = names.column(key)
    if column is not None:
        return column, chosen, None, None
    found = _WITH_UNIT.match(key)
    if found is None:
        return None, False, None, None
    column, chosen = names.column(found.group(1).strip())
    if column is None or not COLUMNS[column].unit_in_header:
        return None, False, None, None
    unit = (found.group(3) or found.group(4) or "").strip()
    if unit in YUAN_PER_UNIT:
        return column, chosen, unit, None
    if found.group(2) or _looks_like_unit(unit):
        return column, chosen, None, unit
    # Brackets that hold no money unit are part of the name (contract §7).
    return None, False, None, None


def match_headers(
    headers: list[str | None], file: str, names: HeaderNames | None = None
) -> HeaderMap:
    """Map a file's header row to the canonical columns; PanelError where that is impossible.
    ``names``: the headers accepted besides the catalogue's (default: those of the read in
    progress, :func:`header_names`)."""
    names = names or _NAMES.get() or _DEFAULT_NAMES
    matched: list[tuple[int, str, bool, str | None]] = []
    problems: list[Problem] = []
    for index, header in enumerate(headers):
        column, chosen, found_unit, bad_unit = _match_one(normalize_header(header), names)
        if bad_unit is not None:
            msg = (
                f'{file}:1:{index + 1}: the {column} header "{header}" names the unit '
                f'"{bad_unit}"; use one of {", ".join(YUAN_PER_UNIT)}'
            )
            problems.append(Problem("unknown_unit", msg, Place(file, 1, index + 1)))
            continue
        if column is not None:
            matched.append((index, column, chosen, found_unit))
    # A column chosen with --column is read from that header alone.
    chosen_columns = {column for _, column, chosen, _ in matched if chosen}
    positions: dict[str, int] = {}
    unit: str | None = None
    for index, column, chosen, header_unit in matched:
        if column in chosen_columns and not chosen:
            continue
        if column in positions:
            first = positions[column]
            fix = "rename or delete one of them"
            if normalize_header(headers[first]) != normalize_header(headers[index]):
                fix += f', or say which one to read, e.g. --column "{headers[first]}={column}"'
            msg = (
                f'{file}:1:{index + 1}: headers "{headers[first]}" (column {first + 1}) and '
                f'"{headers[index]}" (column {index + 1}) are both {column}; {fix}'
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
            f"{', '.join(missing)} not found. Found: {listed}. Expected: {expected}; another "
            'header can be named with --column "HEADER=COLUMN" or the plan\'s columns:.'
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
