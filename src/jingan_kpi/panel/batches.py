"""Reading panel files batch by batch through the field rules (contract §1).

Each file is read by polars' streaming engine in batches of :data:`BATCH_ROWS` rows; each batch
goes through :func:`~jingan_kpi.panel.rules.file_stage` as it arrives and is sorted at once
(:func:`read_in_batches`) into used rows (their parsed values), out-of-scope rows (their
duplicate key hash and line) and rejected rows (their original text). No file is ever held
whole as text.

The duplicate rule needs every file: it runs after the last batch on the key hashes
(:func:`~jingan_kpi.panel.rules.hash_candidates`), and only rows whose hash repeats are read
again from their files (:func:`read_again`) for their exact key and original text.

The column-wide gates of the rules (``any()`` over a column: is there a lower-case credit code,
a section letter, a full-width character?) are judged per batch; they only decide whether a rewrite
is needed, never a result.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import polars as pl

from jingan_kpi.columns import (
    CANONICAL_COLUMNS,
    CODE4,
    CREDIT_UPPER,
    DUP_HASH,
    FILE_INDEX,
    IN_SCOPE,
    KEY_CODE,
    KEY_YEAR,
    OPTIONAL_COLUMNS,
    REASON4,
    REVENUE_VALUE,
    SOURCE_FILE,
    SOURCE_LINE,
    YEAR_VALUE,
    normalised,
)
from jingan_kpi.errors import PanelError, Place, Problem
from jingan_kpi.panel.readers import RawSource, unreadable
from jingan_kpi.panel.rules import (
    IDENTITY,
    FileStage,
    credit_key,
    file_stage,
    key_hash,
    parse_only_stage,
)
from jingan_kpi.panel.types import KEY_COLUMN, KEY_SCHEMA, PANEL_SCHEMA

BATCH_ROWS = 150_000
"""Rows validated at a time. The file is read by the streaming engine and each batch goes
through the field rules as it arrives, so no file is ever held whole as text; only the used
rows' values, in their parsed form, and the rejected rows' original text are kept.

The size trades memory for time: the rules' working memory grows with the batch, and each
batch has a fixed cost (≈ 7 ms). On the benchmark's 10 M-row CSV (``check``, 2 cores): 100,000
rows 13.6 s / 1.13 GB peak; 150,000 13.1 s / 1.22 GB; 250,000 12.8 s / 1.33 GB (the
hand-written polars query: 1.31 GB); see ``benchmarks/README.md``."""


@dataclass
class Rows:
    """What the batches of every file leave behind, before the duplicate rule."""

    used: list[pl.DataFrame] = field(default_factory=list)
    """In scope and past the four field rules (the duplicate rule may yet reject some): the
    kept panel columns, ``source_line``, ``_dup_hash`` (and ``_file`` with several files)."""
    other: list[pl.DataFrame] = field(default_factory=list)
    """Out of scope, past the field rules: the key hash and identity, for the duplicate rule."""
    rejected: list[pl.DataFrame] = field(default_factory=list)
    """Rejected by a field rule: ``_file``, ``source_line``, ``reason`` and the original text."""
    read: list[int] = field(default_factory=list)
    """Rows read per file (blank lines are not rows)."""


@dataclass(frozen=True, slots=True)
class Reading:
    """How the files of one ``read_panel`` call are read."""

    codes: frozenset[str]
    """The GB/T 4754-2017 class codes."""
    scope: tuple[str, ...]
    """The plan's sector code prefixes."""
    validate: bool = True
    """False under the benchmark switch: no duplicate key hashes either."""
    keep: tuple[str, ...] = tuple(PANEL_SCHEMA)
    """The panel columns to keep."""
    several: bool = True
    """More than one file: the used rows carry their file's position."""

    @property
    def stage(self) -> FileStage:
        """The field rules; without the name kept, names are not normalised. Under the
        benchmark switch (``validate`` False), the parse-only stage."""
        if not self.validate:
            return parse_only_stage
        return functools.partial(file_stage, keep_name="name" in self.keep)


def read_in_batches(rows: Rows, raw: RawSource, index: int, how: Reading) -> None:
    """Read the file ``raw`` (the ``index``-th input) batch by batch and sort its rows into
    ``rows``, keeping of the panel's columns only those in ``how.keep``."""
    scope, keep = how.scope, how.keep
    code4 = pl.col(CODE4)
    in_scope = (
        pl.any_horizontal(code4.str.starts_with(p) for p in scope) if scope else pl.lit(False)
    )
    dup_hash = (
        key_hash(pl.col(CREDIT_UPPER), pl.col(YEAR_VALUE))
        if how.validate
        else pl.lit(0, dtype=pl.UInt64)
    )
    file_id = pl.lit(index, dtype=pl.UInt32).alias(FILE_INDEX)
    # The used and out-of-scope rows carry their file's position only when there are several
    # files (4 bytes a row); alone, a file is file 0 (see :func:`~jingan_kpi.panel.rules.identity`).
    file_kept = [file_id] if how.several else []
    # Lines as UInt32 while the batches pile up (4 bytes a row less; 4 billion lines is more
    # than any file this reads), Int64 again in the panel.
    line = pl.col(SOURCE_LINE).cast(pl.UInt32)
    ok = pl.col(REASON4).is_null()
    # What each kind of row keeps of a batch.
    rejected = (file_id, pl.col(SOURCE_LINE), pl.col(REASON4).alias("reason"), *_AS_TEXT)
    used = (
        *([pl.col(CREDIT_UPPER).alias("credit_code")] if "credit_code" in keep else []),
        *([credit_key(pl.col(CREDIT_UPPER)).alias(KEY_COLUMN)] if KEY_COLUMN in keep else []),
        pl.col(CODE4).alias("industry_code"),
        pl.col(YEAR_VALUE).alias("year"),
        pl.col(REVENUE_VALUE).alias("revenue"),
        *(pl.col(normalised(c)).alias(c) for c in OPTIONAL_COLUMNS if c in keep),
        line,
        pl.col(DUP_HASH),
        *file_kept,
    )
    other = (line, pl.col(DUP_HASH), *file_kept)
    # Only the columns these read leave the batch's plan (the rules' helper columns do not:
    # fewer columns for the filters below to copy).
    made = {IN_SCOPE: in_scope, DUP_HASH: dup_hash}
    wanted = [
        name
        for name in dict.fromkeys(
            n for e in (*rejected, *used, *other) for n in e.meta.root_names()
        )
        if name not in made
    ]
    read = 0
    try:
        for chunk in raw.frame.collect_batches(chunk_size=BATCH_ROWS, engine="streaming"):
            batch = (
                how.stage(chunk, class_codes=how.codes)
                .select(*wanted, **made)
                .collect(engine="in-memory")
            )
            read += batch.height
            bad = batch.height - batch.get_column(REASON4).null_count()
            # Each kind of row takes only its own columns, selected before the rows are
            # filtered: a filter copies every column it is given, the original text included.
            if bad:
                # rechunk: a few rows kept from a batch must not keep the whole batch's text
                # alive (polars' string views share their batch's buffers; rechunk compacts).
                rows.rejected.append(_part(batch, ~ok, bad, rejected).rechunk())
            inside = int(batch.select((ok & pl.col(IN_SCOPE)).sum()).item())
            if inside:
                rows.used.append(_part(batch, ok & pl.col(IN_SCOPE), inside, used))
            outside = batch.height - bad - inside
            if outside:
                rows.other.append(_part(batch, ok & ~pl.col(IN_SCOPE), outside, other))
    except pl.exceptions.PolarsError as exc:
        raise unreadable(raw, exc) from None
    rows.read.append(read)


_AS_TEXT = [pl.col(c).cast(pl.String) for c in CANONICAL_COLUMNS]
"""The original text of a row (the dictionary columns may be read as Categorical)."""


def _part(
    batch: pl.DataFrame, rows: pl.Expr, count: int, columns: tuple[pl.Expr, ...]
) -> pl.DataFrame:
    """The ``columns`` of the ``count`` rows of ``batch`` where ``rows`` holds."""
    if count == batch.height:
        return batch.select(columns)
    return batch.lazy().filter(rows).select(columns).collect(engine="in-memory")


_SOURCE = (SOURCE_FILE, SOURCE_LINE)


def used_schema(keep: tuple[str, ...], several: bool) -> dict[str, pl.DataType]:
    """The columns of the used parts: the kept panel columns, the row's identity, its key hash."""
    return {
        **{c: t for c, t in PANEL_SCHEMA.items() if c in keep and c not in _SOURCE},
        **{c: t for c, t in KEY_SCHEMA.items() if c in keep},
        SOURCE_LINE: pl.UInt32(),
        DUP_HASH: pl.UInt64(),
        **({FILE_INDEX: pl.UInt32()} if several else {}),
    }


_REJECT_SCHEMA: dict[str, pl.DataType] = {
    **IDENTITY,
    "reason": pl.String(),
    **dict.fromkeys(CANONICAL_COLUMNS, pl.String()),
}


def concat(parts: list[pl.DataFrame], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The parts one under the other, as ``schema`` (an empty frame of it when none)."""
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts, how="vertical").cast(schema)  # type: ignore[arg-type,unused-ignore]


def read_again(raws: list[RawSource], wanted: pl.DataFrame, how: Reading) -> pl.DataFrame:
    """The rows ``wanted`` (``_file``, ``source_line``) read again from their files and put
    through the field rules again: their original text under the canonical column names, and
    their duplicate key as ``_key_code`` (normalised, upper case) and ``_key_year``.

    One more streaming pass over each file concerned: the used rows keep neither their original
    text nor (unless asked) their credit code, so this is how the duplicate rule gets both for
    its few candidates.
    """
    frames = []
    for (index,), lines in wanted.group_by(FILE_INDEX, maintain_order=True):
        raw = raws[index]
        # Batch by batch, each batch's few rows compacted at once (rechunk): collected whole,
        # the filtered rows would hold on to the text of every batch they came from.
        wanted_lines = pl.col(SOURCE_LINE).is_in(lines.get_column(SOURCE_LINE).implode())
        found = [
            batch.filter(wanted_lines).rechunk()
            for batch in raw.frame.collect_batches(chunk_size=BATCH_ROWS, engine="streaming")
        ]
        again = pl.concat(found) if found else raw.frame.head(0).collect()
        if again.height != lines.height:
            msg = (
                f"{raw.path}: the file changed while it was being read (a row read before is "
                "not there now); run again once it is written"
            )
            raise PanelError(msg, [Problem("unreadable_file", msg, Place(raw.path))])
        frames.append(
            how.stage(again, class_codes=how.codes)
            .select(
                pl.lit(index, dtype=pl.UInt32).alias(FILE_INDEX),
                SOURCE_LINE,
                *_AS_TEXT,
                pl.col(CREDIT_UPPER).alias(KEY_CODE),
                pl.col(YEAR_VALUE).alias(KEY_YEAR),
            )
            .collect(engine="in-memory")
        )
    return pl.concat(frames)


def without(part: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """``part`` (rows of one file) without the ``rows`` (``_file``, ``source_line``) it holds."""
    file = int(part.get_column(FILE_INDEX)[0]) if FILE_INDEX in part.columns and part.height else 0
    lines = rows.filter(pl.col(FILE_INDEX) == file).get_column(SOURCE_LINE)
    if lines.is_empty():
        return part
    drop = pl.col(SOURCE_LINE).is_in(lines.cast(pl.UInt32).implode())
    return part.filter(~drop) if part.select(drop.any()).item() else part


def rejected_rows(
    raws: list[RawSource], rejected: list[pl.DataFrame], copies: pl.DataFrame | None
) -> pl.DataFrame:
    """Every rejected row with its original text, in file order then line order: the rows a
    field rule rejected (they kept their text as their batch went by) and the ``copies`` of the
    duplicate rule (their text read again, :func:`read_again`)."""
    parts = [part.with_columns(pl.col("reason").cast(pl.String)) for part in rejected]
    if copies is not None and copies.height:
        parts.append(
            copies.select(
                FILE_INDEX,
                SOURCE_LINE,
                pl.lit("duplicate_record").alias("reason"),
                *CANONICAL_COLUMNS,
            )
        )
    frame = concat(parts, _REJECT_SCHEMA)
    if len(parts) > 1:
        frame = frame.sort(FILE_INDEX, SOURCE_LINE, maintain_order=True)
    paths = pl.Series([raw.path for raw in raws], dtype=pl.String)
    return frame.select(
        pl.col(FILE_INDEX).map_batches(paths.gather, return_dtype=pl.String).alias(SOURCE_FILE),
        pl.exclude(FILE_INDEX),
    )
