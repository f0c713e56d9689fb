"""The row rules of contract §1 as polars expressions (no Python per row).

Order of the rules, first failure wins: ``invalid_credit_code``, ``invalid_industry_code``,
``invalid_year``, ``invalid_revenue``; then ``duplicate_record`` for every copy of a
(credit_code, year) pair among the rows passing those four, in scope or not; then scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

from jingan_kpi.panel.credit_code import (
    credit_code_has_lower,
    credit_code_sums,
    credit_code_valid_from_sums,
    credit_code_words,
)
from jingan_kpi.panel.headers import CANONICAL_COLUMNS
from jingan_kpi.panel.readers import EXTRA_NULL
from jingan_kpi.panel.text import normalize_text
from jingan_kpi.panel.types import REJECT_REASONS

REASON = pl.Enum(list(REJECT_REASONS))

# Digits with or without thousands separators in groups of three, an optional decimal part, an
# optional exponent (Excel writes 1.2E+07); no sign. ``[0-9]``, not ``\d``: the regex engine's
# ``\d`` is Unicode and would admit Arabic-Indic or full-width digits without normalising them.
REVENUE_PATTERN = r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$"
YEAR_MIN, YEAR_MAX = 1949, 2100

FileStage = Callable[..., pl.LazyFrame]
PanelStage = Callable[..., pl.LazyFrame]


def file_stage(frame: pl.LazyFrame, *, class_codes: Iterable[str]) -> pl.LazyFrame:
    """Per file: drop blank rows, normalise, parse, and find the first failed field rule.

    Output columns: the raw canonical columns (``raw_*``), their normalised values, ``year``
    (Int32), ``revenue`` (Float64 in the file's unit; ``read_panel`` converts it after the
    collect, see :func:`~jingan_kpi.panel.units.in_money_unit`), ``reason4`` (the first failed field rule),
    ``source_line``.
    """
    raw = {column: pl.col(column) for column in CANONICAL_COLUMNS}
    norm = {column: normalize_text(expr) for column, expr in raw.items()}
    # On the normalised columns once made (on ``norm`` it would normalise every column again).
    blank = pl.all_horizontal(pl.col(f"_{c}").is_null() for c in CANONICAL_COLUMNS) & pl.col(
        EXTRA_NULL
    )

    credit = pl.col("_credit_code")
    # The 9 words once, as a column (``_credit_words``), their sums once (``_credit_sums``),
    # then the check and the lower-case test on those (no second pass over the text).
    credit_ok = credit_code_valid_from_sums(credit, pl.col("_credit_sums"))
    has_lower = credit_code_has_lower(pl.col("_credit_sums")).any()
    credit_upper = pl.when(has_lower).then(credit.str.to_uppercase()).otherwise(credit)

    # GB/T 4754-2017 class, with an optional L (either case) only before a section L class.
    industry = pl.col("_industry_code")
    industry_len = industry.str.len_bytes()
    # Only a column with an L prefix somewhere is rewritten (10M rows: 0.3 s for the rewrite,
    # 0.1 s for the test).
    has_prefix = (industry.str.starts_with("L") | industry.str.starts_with("l")).any()
    code4_parsed = (
        pl.when(has_prefix)
        .then(industry.str.strip_prefix("L").str.strip_prefix("l"))
        .otherwise(industry)
    )
    code4 = pl.col("_code4")
    # fill_null: an empty code is invalid, not "unknown" (a null here once let the row through
    # every rule and be counted out of scope instead of rejected).
    industry_ok = (
        code4.is_in(pl.Series(sorted(class_codes), dtype=pl.String).implode())
        & (
            (industry_len == 4)
            | ((industry_len == 5) & (code4.str.starts_with("71") | code4.str.starts_with("72")))
        )
    ).fill_null(False)

    year_text = pl.col("_year")
    year_len = year_text.str.len_bytes()
    year_parsed = year_text.str.slice(0, 4).cast(pl.Int32, strict=False)
    year_value = pl.col("_year_value")
    year_ok = (
        ((year_len == 4) | ((year_len == 6) & year_text.str.ends_with(".0")))
        & year_value.is_between(YEAR_MIN, YEAR_MAX)
        & (year_text.str.starts_with("1") | year_text.str.starts_with("2"))
    ).fill_null(False)

    revenue_text = pl.col("_revenue")
    revenue_parsed = revenue_text.str.replace_all(",", "", literal=True).cast(
        pl.Float64, strict=False
    )
    revenue_value = pl.col("_revenue_value")
    revenue_ok = (revenue_text.str.contains(REVENUE_PATTERN) & revenue_value.is_finite()).fill_null(
        False
    )

    def reason(name: str) -> pl.Expr:
        return pl.lit(name, dtype=REASON)

    reason4 = (
        pl.when(~credit_ok).then(reason("invalid_credit_code"))
        .when(~industry_ok).then(reason("invalid_industry_code"))
        .when(~year_ok).then(reason("invalid_year"))
        .when(~revenue_ok).then(reason("invalid_revenue"))
        .otherwise(pl.lit(None, dtype=REASON))
    )  # fmt: skip
    return (
        frame.with_columns(*(norm[c].alias(f"_{c}") for c in CANONICAL_COLUMNS))
        .filter(~blank)
        # Parsed values once, as columns; the rules and the outputs then read the columns
        # (written inline, each would be parsed once per use).
        .with_columns(
            _credit_words=credit_code_words(credit),
            _code4=code4_parsed,
            _year_value=year_parsed,
            _revenue_value=revenue_parsed,
        )
        .with_columns(_credit_sums=credit_code_sums(pl.col("_credit_words")))
        .with_columns(reason4=reason4, _credit_upper=credit_upper)
    )


def panel_stage(frame: pl.LazyFrame, *, scope_prefixes: Iterable[str]) -> pl.LazyFrame:
    """Across all files: duplicates, scope, and the output columns.

    A used row carries normalised values; a rejected row keeps its original text (for the reject
    report) in the same columns, with its year and revenue text in ``year_text`` and
    ``revenue_text``.
    """
    passes = pl.col("reason4").is_null()
    frame = with_duplicate_flag(
        frame, passes=passes, code=pl.col("_credit_upper"), year=pl.col("_year_value")
    )
    reason = (
        pl.when(pl.col("_duplicate"))
        .then(pl.lit("duplicate_record", dtype=REASON))
        .otherwise(pl.col("reason4"))
    )
    prefixes = tuple(scope_prefixes)
    code4 = pl.col("_code4")
    in_scope = (
        pl.any_horizontal(code4.str.starts_with(p) for p in prefixes) if prefixes else pl.lit(False)
    )
    ok = pl.col("reason").is_null()

    def kept(normalised: str, original: str) -> pl.Expr:
        return pl.when(ok).then(pl.col(normalised)).otherwise(pl.col(original)).alias(original)

    return frame.with_columns(reason=reason).select(
        kept("_credit_upper", "credit_code"),
        kept("_name", "name"),
        kept("_code4", "industry_code"),
        pl.when(ok).then(pl.col("_year_value")).alias("year"),
        pl.when(ok).then(pl.col("_revenue_value")).alias("revenue"),
        kept("_zone", "zone"),
        kept("_hq_type", "hq_type"),
        pl.col("source_file"),
        pl.col("source_line"),
        pl.col("reason"),
        (ok & in_scope).alias("in_scope"),
        pl.when(~ok).then(pl.col("year")).alias("year_text"),
        pl.when(~ok).then(pl.col("revenue")).alias("revenue_text"),
    )


def _hash64(key: pl.Expr) -> pl.Expr:
    return key.hash()


def with_duplicate_flag(
    frame: pl.LazyFrame,
    *,
    passes: pl.Expr,
    code: pl.Expr,
    year: pl.Expr,
    key_hash: Callable[[pl.Expr], pl.Expr] = _hash64,
) -> pl.LazyFrame:
    """``frame`` with ``_duplicate``: True for every copy of a (code, year) pair that occurs more
    than once among the rows where ``passes``.

    The exact rule is a window, ``len().over(code, year) > 1``: a hash table of every key
    (2.1–3.6 s on 10 M rows). Instead each key is hashed to 64 bits (a column), the hashes are
    sorted, and those seen twice in a row make the candidates (a column): 0.5 s. A candidate is
    a real duplicate unless two different keys share a hash; that is checked on the candidates
    alone (as many distinct keys as distinct hashes among them), and only if it fails is the
    exact window computed (a scalar ``when``: the branch not taken is not evaluated). Written as
    one expression the hashes were computed once per use (3.2 s). ``key_hash`` is for tests: a
    weak hash forces the exact path.
    """
    hashed, candidate = pl.col("_dup_hash"), pl.col("_dup_candidate")
    ordered = hashed.drop_nulls().sort()
    seen_twice = ordered.filter(ordered == ordered.shift(1)).unique()
    no_collision = pl.struct(code, year).filter(candidate).n_unique() == hashed.filter(
        candidate
    ).n_unique()
    exact = passes & (pl.len().over(pl.when(passes).then(code), year) > 1)
    return (
        frame.with_columns(_dup_hash=pl.when(passes).then(key_hash(pl.struct(code, year))))
        .with_columns(_dup_candidate=hashed.is_in(seen_twice.implode()).fill_null(False))
        .with_columns(_duplicate=pl.when(no_collision).then(candidate).otherwise(exact))
        .drop("_dup_hash", "_dup_candidate")
    )


def parse_only_stages() -> tuple[FileStage, PanelStage]:
    """:func:`file_stage` and :func:`panel_stage` without the row rules: benchmark only.

    Used by ``read_panel`` under ``JINGAN_KPI_BENCH_NO_VALIDATION=1`` (see
    ``jingan_kpi.panel.load._validation_off``): no normalisation, no credit-code, class-code,
    year/revenue pattern or duplicate check; year and revenue are plain casts (invalid → null)
    and scope is judged by code prefix, so the outputs have the same columns as with the rules.
    """

    def parse_file(frame: pl.LazyFrame, *, class_codes: Iterable[str]) -> pl.LazyFrame:
        del class_codes
        return frame.with_columns(
            *(pl.col(c).alias(f"_{c}") for c in CANONICAL_COLUMNS),
            reason4=pl.lit(None, dtype=REASON),
            _credit_upper=pl.col("credit_code"),
            _code4=pl.col("industry_code"),
            _year_value=pl.col("year").cast(pl.Int32, strict=False),
            _revenue_value=pl.col("revenue").cast(pl.Float64, strict=False),
        )

    def parse_panel(frame: pl.LazyFrame, *, scope_prefixes: Iterable[str]) -> pl.LazyFrame:
        prefixes = tuple(scope_prefixes)
        code4 = pl.col("_code4")
        in_scope = (
            pl.any_horizontal(code4.str.starts_with(p) for p in prefixes)
            if prefixes
            else pl.lit(False)
        )
        return frame.select(
            pl.col("_credit_upper").alias("credit_code"),
            pl.col("_name").alias("name"),
            pl.col("_code4").alias("industry_code"),
            pl.col("_year_value").alias("year"),
            pl.col("_revenue_value").alias("revenue"),
            pl.col("_zone").alias("zone"),
            pl.col("_hq_type").alias("hq_type"),
            pl.col("source_file"),
            pl.col("source_line"),
            pl.lit(None, dtype=REASON).alias("reason"),
            in_scope.alias("in_scope"),
            pl.lit(None, dtype=pl.String).alias("year_text"),
            pl.lit(None, dtype=pl.String).alias("revenue_text"),
        )

    return parse_file, parse_panel
