"""What the panel loader hands to the calculator: a clean frame and the account of every row."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from jingan_kpi.columns import CATALOGUE, REJECT_REASONS, SOURCE_FILE, SOURCE_LINE
from jingan_kpi.errors import UsageError

__all__ = ["PANEL_SCHEMA", "REJECT_REASONS"]

PANEL_SCHEMA: dict[str, pl.DataType] = {
    **{column.name: getattr(pl, column.dtype)() for column in CATALOGUE},
    SOURCE_FILE: pl.String(),
    SOURCE_LINE: pl.Int64(),
}
"""The clean frame's columns, in order: the catalogue's, then the row's origin. Every used row
has a valid credit code (upper case), a valid GB/T 4754-2017 class code inside one of the plan's
sectors (4 digits, section letter stripped), a year, and revenue converted to the plan's money
unit. The optional text columns are NFKC-normalised, stripped, and null where empty or absent."""

KEY_COLUMN = "credit_key"
"""An optional column of the clean frame, kept only when asked for (``read_panel(columns=[...,
"credit_key"])``): the 64-bit hash of the credit code (:func:`~jingan_kpi.panel.rules.credit_key`),
the compact enterprise key of contract §8's functions (8 bytes a row instead of the code)."""
KEY_SCHEMA: dict[str, pl.DataType] = {KEY_COLUMN: pl.UInt64()}


@dataclass(frozen=True, slots=True)
class RowCounts:
    """read = used + rejected + out_of_scope, always (blank lines are not rows)."""

    read: int
    used: int
    rejected: int
    out_of_scope: int
    rejected_by_reason: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "read": self.read,
            "used": self.used,
            "rejected": self.rejected,
            "out_of_scope": self.out_of_scope,
            "rejected_by_reason": dict(self.rejected_by_reason),
        }


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One input file as read: what was detected and assumed about it."""

    path: str
    format: Literal["csv", "parquet", "xlsx"]
    encoding: str | None
    unit: str
    unit_source: Literal["header", "option", "plan"]
    rows: int


@dataclass(frozen=True, slots=True)
class Panel:
    """A clean enterprise-year panel and the account of every row read.

    ``frame`` holds the used rows only (columns :data:`PANEL_SCHEMA`). ``rejects`` holds every
    rejected row: ``source_file``, ``source_line``, ``reason`` and the original values as text
    under the canonical column names. ``columns`` lists the optional columns (``name``, ``zone``,
    ``hq_type``) that every file had; an indicator needing one that is missing is not assessable.
    """

    frame: pl.DataFrame
    counts: RowCounts
    rejects: pl.DataFrame
    sources: tuple[SourceFile, ...]
    columns: frozenset[str]
    money_unit: str
    notes: tuple[str, ...] = ()
    """Diagnostics for stderr, e.g. which unit was assumed for a file."""

    def require(self, columns: tuple[str, ...], what: str) -> None:
        """An InputError (exit 2) naming the columns ``what`` needs that ``frame`` lacks
        (a panel read with ``read_panel(columns=...)`` holds only those)."""
        missing = [c for c in columns if c not in self.frame.columns]
        if missing:
            msg = (
                f"{what} needs the panel column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)}, which this panel was read without; read it with "
                f"read_panel(..., columns=[...]) including {', '.join(missing)}, or without "
                "columns= to keep them all"
            )
            raise UsageError(msg)

    @property
    def years(self) -> list[int]:
        """The years the panel covers: the years of its used rows."""
        return sorted(self.frame.get_column("year").unique().to_list())


@dataclass(frozen=True, slots=True)
class ReferenceSeries:
    """One reference series (contract §2)."""

    name: str
    kind: Literal["level", "rate"]
    values: dict[int, float]
    """Levels converted to the plan's money unit; rates in % as published."""
    unit: str
    """The unit as given in the file (元…亿元, or %)."""
    source: str
    """The source(s) named in the file, joined with "; " where the rows differ."""


GROUP_MEMBER = re.compile(r"^(?P<group>[^\[\]]+)\[(?P<member>[^\[\]]+)\]$")
"""A member of a reference group (contract §8): ``GROUP[MEMBER]``, e.g.
``district_lbs_revenue[黄浦区]``."""


def group_member(series: str) -> tuple[str, str] | None:
    """``(GROUP, MEMBER)`` of a series named ``GROUP[MEMBER]`` (both stripped, the member
    NFKC-normalised as the panel's values are), or None for a plain series name.

    >>> group_member("district_lbs_revenue[ 黄浦区 ]")
    ('district_lbs_revenue', '黄浦区')
    >>> group_member("city_lbs_revenue") is None
    True
    """
    match = GROUP_MEMBER.match(series)
    if match is None:
        return None
    group = match["group"].strip()
    member = unicodedata.normalize("NFKC", match["member"]).strip()
    return (group, member) if group and member else None


@dataclass(frozen=True, slots=True)
class References:
    series: dict[str, ReferenceSeries] = field(default_factory=dict)
    path: str | None = None
    notes: tuple[str, ...] = ()
    """Diagnostics for stderr, e.g. a series the plan does not declare."""

    def members(self, group: str) -> dict[str, ReferenceSeries]:
        """The members of a reference group (series named ``GROUP[MEMBER]``), by member name."""
        found: dict[str, ReferenceSeries] = {}
        for name, ref in self.series.items():
            parts = group_member(name)
            if parts is not None and parts[0] == group:
                found[parts[1]] = ref
        return found
