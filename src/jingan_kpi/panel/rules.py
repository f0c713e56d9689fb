"""The row rules of contract §1 as polars expressions (no Python per row).

Order of the rules, first failure wins: ``invalid_credit_code``, ``invalid_industry_code``,
``invalid_year``, ``invalid_revenue`` (:func:`file_stage`, run on each batch of rows as it is
read); then ``duplicate_record`` for every copy of a (credit_code, year) pair among the rows
passing those four, in scope or not (:func:`hash_candidates` across every batch of every file,
then :func:`copies`); then scope.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from jingan_kpi.columns import (
    CANONICAL_COLUMNS,
    CATALOGUE,
    CODE4,
    CREDIT_SUMS,
    CREDIT_UPPER,
    CREDIT_WORDS,
    DICTIONARY_COLUMNS,
    DUP_HASH,
    FILE_INDEX,
    INDUSTRY_OK,
    REASON4,
    REJECT_REASONS,
    REVENUE_VALUE,
    SOURCE_LINE,
    YEAR_OK,
    YEAR_VALUE,
    normalised,
)
from jingan_kpi.panel.classification import division_sections
from jingan_kpi.panel.credit_code import (
    credit_code_has_lower,
    credit_code_sums,
    credit_code_valid_from_sums,
    credit_code_words,
)
from jingan_kpi.panel.readers import EXTRA_NULL
from jingan_kpi.panel.text import normalize_text
from jingan_kpi.years import YEAR_MAX, YEAR_MIN

REASON = pl.Enum(list(REJECT_REASONS))

# Digits with or without thousands separators in groups of three, an optional decimal part, an
# optional exponent (Excel writes 1.2E+07); no sign. ``[0-9]``, not ``\d``: the regex engine's
# ``\d`` is Unicode and would admit Arabic-Indic or full-width digits without normalising them.
# A first group of 1–3 digits not starting with 0, then groups of exactly three (contract §1:
# ``0,123`` and ``1,23`` are not numbers).
REVENUE_PATTERN = r"^(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$"
YEAR_PATTERN = r"^[0-9]{4}(?:\.0+)?$"

FileStage = Callable[..., pl.LazyFrame]

DICTIONARY_LIMIT = 10_000
"""Distinct values of a dictionary column in one file above which its rules run row by row. The
per-value results are made again whenever a batch brings new values (≈ 10 ms for 10,000
values), which pays only while they are few: a "zone" column holding every enterprise's address
is not a dictionary. (Class codes number ≈ 1,400; years, zones and HQ types far fewer.)"""


def file_stage(
    batch: pl.DataFrame, *, class_codes: Iterable[str], keep_name: bool = True
) -> pl.LazyFrame:
    """Per batch of rows of one file: drop blank rows, normalise, parse, and find the first
    failed field rule (see :mod:`jingan_kpi.panel.batches`).

    Output columns: the canonical columns as read (original text; the dictionary columns may be
    ``Categorical``), their normalised values (``_credit_code``, ``_name``, …), the parsed values
    ``_credit_upper``, ``_code4`` (section letter stripped), ``_year_value`` (Int32) and
    ``_revenue_value`` (Float64 in the file's unit; ``read_panel`` converts it at the end, see
    :func:`~jingan_kpi.panel.units.in_money_unit`), ``reason4`` (the first failed field rule)
    and ``source_line``. With ``keep_name=False``, ``_name`` is the name as read: no rule reads
    it, and the caller does not keep it.
    """
    codes = frozenset(class_codes)
    steps = _stage_steps(codes, keep_name)
    frame = batch.lazy()
    gathered: list[pl.Expr] = []
    per_row: list[list[pl.Expr]] = [list(steps.normalised)]
    for column, stages in steps.values.items():
        dtype = batch.schema[column]
        if isinstance(dtype, pl.Categorical):
            table = _dictionary(batch, column, dtype, codes)
            if table is not None:
                gathered += _gather(table, pl.col(column).to_physical())
                continue
            # Too many distinct values: as text, row by row.
            frame = frame.with_columns(pl.col(column).cast(pl.String))
        for depth, stage in enumerate(stages):
            if depth == len(per_row):
                per_row.append([])
            per_row[depth].extend(stage)
    frame = frame.with_columns(*per_row[0], *gathered)
    for stage in per_row[1:]:
        frame = frame.with_columns(stage)
    return (
        frame.filter(steps.not_blank)
        # Parsed values once, as columns; the rules and the outputs then read the columns
        # (written inline, each would be parsed once per use).
        .with_columns(steps.parsed)
        .with_columns(steps.sums)
        .with_columns(steps.outcome)
    )


def _dictionary(
    batch: pl.DataFrame, column: str, dtype: pl.Categorical, codes: frozenset[str]
) -> pl.DataFrame | None:
    """The rules' results for every category of a ``Categorical`` column, in the order of the
    categories' physical values (so a row's results are a gather by its physical value), or
    None when the file has too many distinct values for that to pay."""
    largest = batch.get_column(column).to_physical().max()
    if largest is not None and int(largest) >= DICTIONARY_LIMIT:  # type: ignore[arg-type]
        return None
    # Every category of this file's column so far. The reader, reading ahead, may have added
    # those of later batches (judged now too) and reserved one it has not written yet (None:
    # no row of this batch has it).
    values = dtype.categories.to_series().to_list()
    if len(values) > 2 * DICTIONARY_LIMIT:
        return None
    return _value_table(codes, column, tuple(values))


def _gather(table: pl.DataFrame, index: pl.Expr) -> list[pl.Expr]:
    """Each row's results from ``table`` by its category's physical value."""
    if table.is_empty():
        # No category: the column is null throughout. (Gathers from empty literal Series are
        # merged into one by polars' common-subexpression elimination whatever their dtype,
        # and the query panics: "cannot get ref String from Boolean", polars 2.1.)
        return [pl.lit(None, dtype=dtype).alias(out) for out, dtype in table.schema.items()]
    return [pl.lit(table.get_column(out)).gather(index).alias(out) for out in table.columns]


@functools.lru_cache(maxsize=32)
def _value_table(
    codes: frozenset[str], column: str, values: tuple[str | None, ...]
) -> pl.DataFrame:
    """What the rules of ``column`` make (``_StageSteps.values``) for each of ``values``: the
    same rules as row by row, on a frame of the distinct values (cached: a file's categories
    rarely grow after its first batch)."""
    stages = _stage_steps(codes, True).values[column]
    frame = pl.LazyFrame({column: pl.Series(values, dtype=pl.String)})
    for stage in stages:
        frame = frame.with_columns(stage)
    return frame.select(expr.meta.output_name() for stage in stages for expr in stage).collect()


@dataclass(frozen=True, slots=True)
class _StageSteps:
    normalised: list[pl.Expr]
    """The normalised row columns (credit code, name, revenue)."""
    values: dict[str, list[list[pl.Expr]]]
    """Per dictionary column, the rules that read that column alone, step by step (each step
    reads the columns the one before made): per distinct value or row by row."""
    not_blank: pl.Expr
    parsed: list[pl.Expr]
    sums: list[pl.Expr]
    outcome: list[pl.Expr]


@functools.lru_cache(maxsize=8)
def _stage_steps(class_codes: frozenset[str], keep_name: bool) -> _StageSteps:
    """The expressions of :func:`file_stage`, built once per (class codes, keep_name) and used
    for every batch (building them costs ≈ 5 ms, a batch ≈ 75 ms)."""
    raw = {column: pl.col(column) for column in CANONICAL_COLUMNS}
    norm = {column: normalize_text(expr) for column, expr in raw.items()}
    # On the normalised columns once made (on ``norm`` it would normalise every column again).
    others_blank = pl.all_horizontal(
        pl.col(normalised(c)).is_null() for c in CANONICAL_COLUMNS if c != "name"
    ) & pl.col(EXTRA_NULL)
    if keep_name:
        blank = others_blank & pl.col(normalised("name")).is_null()
    else:
        # The name is not kept (``keep_name=False``), so it is not normalised (10 M names: 1 s
        # less). Whether it is empty after normalisation is whether it is all white space: the
        # full-width map turns no other character into white space.
        norm["name"] = raw["name"]
        blank = others_blank & (raw["name"].is_null() | (raw["name"].str.strip_chars() == ""))

    credit = pl.col(normalised("credit_code"))
    # The 9 words once, as a column (``_credit_words``), their sums once (``_credit_sums``),
    # then the check and the lower-case test on those (no second pass over the text).
    credit_ok = credit_code_valid_from_sums(credit, pl.col(CREDIT_SUMS))
    has_lower = credit_code_has_lower(pl.col(CREDIT_SUMS)).any()
    credit_upper = pl.when(has_lower).then(credit.str.to_uppercase()).otherwise(credit)

    # GB/T 4754-2017 class, with an optional section letter (either case) only before a class
    # of that section (``I6513``, ``l7211``; the sections are package data).
    industry = pl.col(normalised("industry_code"))
    industry_len = industry.str.len_bytes()
    starts_with_letter = industry.str.contains("^[A-Za-z]")
    # Only a column with a letter somewhere is rewritten.
    code4_parsed = (
        pl.when(starts_with_letter.any())
        .then(pl.when(starts_with_letter).then(industry.str.slice(1)).otherwise(industry))
        .otherwise(industry)
    )
    code4 = pl.col(CODE4)
    section = code4.str.slice(0, 2).replace_strict(
        division_sections(), default=None, return_dtype=pl.String
    )
    # fill_null: an empty code is invalid, not "unknown" (a null here once let the row through
    # every rule and be counted out of scope instead of rejected).
    industry_ok = (
        code4.is_in(pl.Series(sorted(class_codes), dtype=pl.String).implode())
        & (
            (industry_len == 4)
            | ((industry_len == 5) & (industry.str.slice(0, 1).str.to_uppercase() == section))
        )
    ).fill_null(False)

    # Four digits, or four digits and a decimal point followed only by zeros (``2025.00``, as
    # Excel or pandas write a year); the range is checked on the number.
    year_text = pl.col(normalised("year"))
    year_parsed = year_text.str.slice(0, 4).cast(pl.Int32, strict=False)
    year_value = pl.col(YEAR_VALUE)
    year_ok = (
        year_text.str.contains(YEAR_PATTERN) & year_value.is_between(YEAR_MIN, YEAR_MAX)
    ).fill_null(False)

    revenue_text = pl.col(normalised("revenue"))
    revenue_parsed = revenue_text.str.replace_all(",", "", literal=True).cast(
        pl.Float64, strict=False
    )
    revenue_value = pl.col(REVENUE_VALUE)
    revenue_ok = (revenue_text.str.contains(REVENUE_PATTERN) & revenue_value.is_finite()).fill_null(
        False
    )

    def reason(name: str) -> pl.Expr:
        return pl.lit(name, dtype=REASON)

    # fill_null: a row whose dictionary value is null gathers null for its verdict.
    # Each column's rule, applied in the catalogue's order (contract §1: the first failed
    # rule is the reason).
    valid = {
        "credit_code": credit_ok,
        "industry_code": pl.col(INDUSTRY_OK).fill_null(False),
        "year": pl.col(YEAR_OK).fill_null(False),
        "revenue": revenue_ok,
    }
    reason4 = pl.lit(None, dtype=REASON)
    for column in reversed(CATALOGUE):
        if column.reason is not None:
            reason4 = pl.when(~valid[column.name]).then(reason(column.reason)).otherwise(reason4)

    def normalised_column(column: str) -> pl.Expr:
        return norm[column].alias(normalised(column))

    return _StageSteps(
        normalised=[normalised_column(c) for c in CANONICAL_COLUMNS if c not in DICTIONARY_COLUMNS],
        values={
            # Every dictionary column is normalised per value; some have more rules.
            **{c: [[normalised_column(c)]] for c in DICTIONARY_COLUMNS},
            "industry_code": [
                [normalised_column("industry_code")],
                [code4_parsed.alias(CODE4)],
                [industry_ok.alias(INDUSTRY_OK)],
            ],
            "year": [
                [normalised_column("year")],
                [year_parsed.alias(YEAR_VALUE)],
                [year_ok.alias(YEAR_OK)],
            ],
        },
        not_blank=~blank,
        parsed=[
            credit_code_words(credit).alias(CREDIT_WORDS),
            revenue_parsed.alias(REVENUE_VALUE),
        ],
        sums=[credit_code_sums(pl.col(CREDIT_WORDS)).alias(CREDIT_SUMS)],
        outcome=[reason4.alias(REASON4), credit_upper.alias(CREDIT_UPPER)],
    )


def key_hash(code: pl.Expr, year: pl.Expr) -> pl.Expr:
    """The 64-bit hash of a (credit code, year) key, made per batch for :func:`hash_candidates`."""
    return pl.struct(code, year).hash()


def credit_key(code: pl.Expr) -> pl.Expr:
    """The compact enterprise key (contract §8): the 64-bit hash of the upper-case credit code.
    Two codes share a hash with probability about n² / 2⁶⁵ (3·10⁻⁸ for a million enterprises)."""
    return code.hash(seed=0)


IDENTITY: dict[str, pl.DataType] = {FILE_INDEX: pl.UInt32(), SOURCE_LINE: pl.Int64()}
"""A row's identity across files: the file's position among the inputs and its line."""


def hash_candidates(parts: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """The rows whose (credit code, year) key hash occurs more than once, across all ``parts``.

    Each part holds rows that passed the four field rules: ``_dup_hash`` (:func:`key_hash`,
    made as the part was read) and the row's identity (:func:`identity`). Every copy of a
    repeated key is a candidate, since equal keys hash alike; a candidate is a copy unless two
    different keys share its hash, which :func:`copies` settles on the candidates' keys.

    The exact rule over all rows would be a count per key, a hash table of every key (2.1–3.6 s
    on 10 M rows). Here the hashes (8 bytes a row) are sorted and those seen twice in a row are
    kept: 0.5 s, and usually no candidate at all.
    """
    empty = pl.DataFrame(schema=IDENTITY)
    if not parts:
        return empty
    hashes = pl.concat([part.get_column(DUP_HASH) for part in parts]).sort()
    seen_twice = hashes.filter(hashes == hashes.shift(1)).unique()
    if seen_twice.is_empty():
        return empty
    candidate = pl.col(DUP_HASH).is_in(seen_twice.implode())
    found = [part.filter(candidate).select(identity(part)) for part in parts]
    return pl.concat(found).cast(IDENTITY)  # type: ignore[arg-type,unused-ignore]


def identity(part: pl.DataFrame) -> list[pl.Expr]:
    """The identity columns of a part; a part without ``_file`` comes from the only file (0)."""
    file = pl.col(FILE_INDEX) if FILE_INDEX in part.columns else pl.lit(0, dtype=pl.UInt32)
    return [file.alias(FILE_INDEX), pl.col(SOURCE_LINE)]


def copies(keys: pl.DataFrame, *, code: str = "credit_code", year: str = "year") -> pl.DataFrame:
    """The rows of ``keys`` whose (code, year) occurs more than once among them: the duplicate
    rule, exact, on the candidates of :func:`hash_candidates` with their keys."""
    return keys.filter(pl.len().over(code, year) > 1)


def parse_only_stage(batch: pl.DataFrame, *, class_codes: Iterable[str]) -> pl.LazyFrame:
    """:func:`file_stage` without the row rules: benchmark only.

    Used by ``read_panel`` under ``JINGAN_KPI_BENCH_NO_VALIDATION=1`` (see
    ``jingan_kpi.panel.load._validation_off``), which also skips the duplicate rule: no
    normalisation, no credit-code, class-code, year/revenue pattern or duplicate check; year and
    revenue are plain casts (invalid → null) and scope is judged by code prefix, so the outputs
    have the same columns as with the rules.
    """
    del class_codes
    text = {c: pl.col(c).cast(pl.String) for c in CANONICAL_COLUMNS}
    return batch.lazy().with_columns(
        *(text[c].alias(normalised(c)) for c in CANONICAL_COLUMNS),
        reason4=pl.lit(None, dtype=REASON),
        _credit_upper=text["credit_code"],
        _code4=text["industry_code"],
        _year_value=text["year"].cast(pl.Int32, strict=False),
        _revenue_value=text["revenue"].cast(pl.Float64, strict=False),
    )
