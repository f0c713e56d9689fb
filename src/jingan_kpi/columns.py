"""The column catalogue: every input column of the panel declared once (contract §1, §7).

Each :class:`Column` says what a column is called (its canonical name and the headers accepted
for it), what the clean frame holds (``dtype``), whether a file must have it, whether its rules
run once per distinct value (``dictionary``), which formula filter selects on it (``filter``),
and which reject reason its rule gives. ``headers``, ``readers``, ``rules``, ``batches``,
``load``, ``types`` (the clean frame's schema), ``sample``, ``compute`` and the plan's
``columns:`` key read the catalogue; none of them lists the columns again. It sits beside the
stages, not in one, and imports nothing heavy: ``validate`` reads it without polars.

Adding an input column usable as a filter (e.g. ``employees``): one :class:`Column` entry here
(``filter="employees"``), its rule in :mod:`jingan_kpi.panel.rules` (a step of
``_StageSteps.values`` for a dictionary column, else of ``normalised``/``parsed``), and, where
the formula language should accept ``employees=...``, the filter in the panel-function registry
(which reads :data:`FILTER_COLUMNS`).

The helper columns the rules make while a batch goes through them (``_code4``, ``reason4``,
``_dup_hash``, …) are named here too, as constants: a typo in one is then a NameError at import,
not a ``ColumnNotFoundError`` deep in a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jingan_kpi.years import YEAR_MAX, YEAR_MIN


@dataclass(frozen=True, slots=True)
class Column:
    """One input column of the panel."""

    name: str
    """The canonical name: the header in English, and the column of the clean frame."""
    headers: tuple[str, ...]
    """Headers accepted besides ``name`` (contract §1's Chinese headers, §7's survey forms).
    Matching ignores case, surrounding spaces and full-width/half-width differences."""
    dtype: Literal["String", "Int32", "Float64"]
    """The column's polars type in the clean frame (``Panel.frame``), by name: this module is
    read by the plan stage too, which does not import polars."""
    required: bool
    """A file without it cannot be read; an optional column may be absent (an indicator that
    needs it is then ``not_assessable``)."""
    dictionary: bool = False
    """Few distinct values: readers hand it over as ``Categorical`` and its rules run once per
    distinct value (:func:`jingan_kpi.panel.rules.file_stage`): far less work than row by row,
    for a little more in the reader (figures: benchmarks/README.md)."""
    filter: str | None = None
    """The formula filter keyword that selects rows by this column (``zone=``, ``hq_type=``),
    compared after the same NFKC-and-strip as the data; None if no filter reads it."""
    reason: str | None = None
    """The reject reason of the column's rule (contract §1 order = catalogue order)."""
    rule: str = ""
    """What a valid value looks like, for the message of a rejected row."""
    unit_in_header: bool = False
    """A header may carry the money unit in brackets (``营业收入(千元)``)."""


CATALOGUE: tuple[Column, ...] = (
    Column(
        "credit_code",
        ("统一社会信用代码", "纳税人识别号", "社会信用代码"),
        "String",
        required=True,
        reason="invalid_credit_code",
        rule="is not a valid unified social credit code (GB 32100-2015)",
    ),
    Column("name", ("企业名称", "单位名称"), "String", required=False),
    Column(
        "industry_code",
        ("行业代码", "国民经济行业代码", "行业代码(GB/T 4754-2017)"),
        "String",
        required=True,
        dictionary=True,
        reason="invalid_industry_code",
        rule=(
            "is not a GB/T 4754-2017 class code (4 digits, e.g. 0111; a section letter only "
            "before a class of that section, e.g. A0111)"
        ),
    ),
    Column(
        "year",
        ("年份", "统计年度", "年度", "报告期"),
        "Int32",
        required=True,
        dictionary=True,
        reason="invalid_year",
        rule=(
            f"is not a year (four digits {YEAR_MIN}-{YEAR_MAX}, optionally followed by a "
            "decimal point and zeros, e.g. 2025.0)"
        ),
    ),
    Column(
        "revenue",
        ("营业收入", "本年营业收入", "营业收入合计"),
        "Float64",
        required=True,
        reason="invalid_revenue",
        rule=(
            "is not a revenue figure (digits, optional thousands separators in groups of "
            "three, decimal part and exponent; no sign; finite)"
        ),
        unit_in_header=True,
    ),
    Column(
        "zone", ("功能区", "所在区域"), "String", required=False, dictionary=True, filter="zone"
    ),
    Column("hq_type", ("总部类型",), "String", required=False, dictionary=True, filter="hq_type"),
)

COLUMNS: dict[str, Column] = {column.name: column for column in CATALOGUE}
CANONICAL_COLUMNS: tuple[str, ...] = tuple(COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in CATALOGUE if c.required)
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(c.name for c in CATALOGUE if not c.required)
DICTIONARY_COLUMNS: tuple[str, ...] = tuple(c.name for c in CATALOGUE if c.dictionary)
FILTER_COLUMNS: dict[str, str] = {c.filter: c.name for c in CATALOGUE if c.filter}
"""Filter keyword → the column it selects on."""
HEADER_ALIASES: dict[str, tuple[str, ...]] = {c.name: (c.name, *c.headers) for c in CATALOGUE}

# The row's origin, kept with every used row and every reject.
SOURCE_FILE = "source_file"
SOURCE_LINE = "source_line"

DUPLICATE_RECORD = "duplicate_record"
REJECT_REASONS: tuple[str, ...] = (
    *(c.reason for c in CATALOGUE if c.reason is not None),
    DUPLICATE_RECORD,
)
"""Reasons a row is rejected, in the order the rules are applied (contract §1)."""


def normalised(column: str) -> str:
    """The helper column holding ``column``'s NFKC-normalised, stripped text (``_zone``)."""
    return f"_{column}"


# Helper columns of the rules (made per batch; none of them reaches the clean frame).
CREDIT_WORDS = "_credit_words"
CREDIT_SUMS = "_credit_sums"
CREDIT_UPPER = "_credit_upper"
"""The credit code normalised and upper-cased: the enterprise's key."""
CODE4 = "_code4"
"""The industry code with its section letter stripped (4 digits when valid)."""
INDUSTRY_OK = "_industry_ok"
YEAR_VALUE = "_year_value"
YEAR_OK = "_year_ok"
REVENUE_VALUE = "_revenue_value"
"""Revenue parsed, in the file's unit (converted to the plan's money unit at the end)."""
REASON4 = "reason4"
"""The first failed field rule of a row (null: it passed all four)."""
IN_SCOPE = "_in_scope"
DUP_HASH = "_dup_hash"
"""The 64-bit hash of a row's (credit code, year) key, for the duplicate rule."""
FILE_INDEX = "_file"
"""The file's position among the inputs."""
KEY_CODE = "_key_code"
KEY_YEAR = "_key_year"
