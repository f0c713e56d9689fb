"""``read_panel``: files in, a clean panel and the account of every row out (contract §1)."""

from __future__ import annotations

import glob
import math
import os
import re
import tempfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from jingan_kpi.columns import (
    CANONICAL_COLUMNS,
    COLUMNS,
    FILE_INDEX,
    KEY_CODE,
    KEY_YEAR,
    OPTIONAL_COLUMNS,
    REJECT_REASONS,
    SOURCE_FILE,
    SOURCE_LINE,
)
from jingan_kpi.errors import PanelError, Place, Problem
from jingan_kpi.panel.batches import (
    Reading,
    Rows,
    concat,
    read_again,
    read_in_batches,
    rejected_rows,
    used_schema,
    without,
)
from jingan_kpi.panel.classification import (
    class_codes,
    codes_2011_only_in,
    division_sections,
    meaning_changed,
)
from jingan_kpi.panel.credit_code import why_invalid
from jingan_kpi.panel.encoding import canonical_encoding
from jingan_kpi.panel.headers import HeaderNames, header_names
from jingan_kpi.panel.readers import RawSource, read_frame_source, read_source
from jingan_kpi.panel.rules import copies, hash_candidates
from jingan_kpi.panel.text import normalize_text, normalize_value
from jingan_kpi.panel.types import KEY_SCHEMA, PANEL_SCHEMA, Panel, RowCounts, SourceFile
from jingan_kpi.panel.units import check_unit, in_money_unit
from jingan_kpi.years import YEAR_MAX, YEAR_MIN

if TYPE_CHECKING:
    from jingan_kpi.plan import LoadedPlan

MAX_PROBLEMS = 20

Sources = str | Path | Sequence[str | Path] | pl.DataFrame

REJECT_COLUMNS: tuple[str, ...] = (SOURCE_FILE, SOURCE_LINE, "reason", *CANONICAL_COLUMNS)


def expand_sources(sources: str | Path | Sequence[str | Path]) -> list[Path]:
    """Paths and glob patterns → files, in the order given (each pattern's matches sorted)."""
    items = [sources] if isinstance(sources, str | Path) else list(sources)
    if not items:
        msg = "no panel file given; name one or more CSV, Parquet or .xlsx files"
        raise PanelError(msg)
    paths: list[Path] = []
    for item in items:
        text = str(item)
        if glob.has_magic(text) and not Path(text).exists():
            matches = sorted(glob.glob(text, recursive=True))  # noqa: PTH207 - absolute patterns too
            if not matches:
                msg = f"{text}: no file matches this pattern"
                raise PanelError(msg, [Problem("file_not_found", msg, Place(text))])
            paths.extend(Path(m) for m in matches)
        else:
            paths.append(Path(text))
    _refuse_repeats(paths)
    return paths


def _refuse_repeats(paths: list[Path]) -> None:
    """The same file given twice (``data/*.csv data/2025.csv``, or through a symlink) would
    reject every one of its rows as a duplicate record; say so instead."""
    seen: dict[str, Path] = {}
    for path in paths:
        key = os.path.realpath(path)
        if key in seen:
            first = seen[key]
            also = "" if str(first) == str(path) else f" (also as {first})"
            msg = (
                f"{path}: this file is given twice{also}; each file is read once, so remove "
                "the repeated name or pattern"
            )
            raise PanelError(msg, [Problem("file_given_twice", msg, Place(str(path)))])
        seen[key] = path


def _facts(
    plan: LoadedPlan | None,
    scope_prefixes: Sequence[str] | None,
    money_unit: str | None,
    input_unit: str | None,
) -> tuple[tuple[str, ...], str, str, dict[str, list[str]]]:
    """Scope, money unit, input unit and the plan's ``columns:``; what is not given comes from
    the plan (the shipped plan when none is given)."""
    if plan is None:
        from jingan_kpi.plan import load_plan

        plan = load_plan()
    meta = plan.model.plan
    scope = tuple(scope_prefixes) if scope_prefixes is not None else tuple(plan.scope_prefixes)
    plan_columns = dict(getattr(plan.model, "columns", None) or {})
    return scope, money_unit or meta.money_unit, input_unit or meta.input_unit, plan_columns


def read_panel(
    sources: Sources,
    *,
    plan: LoadedPlan | None = None,
    unit: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    strict: bool = False,
    scope_prefixes: Sequence[str] | None = None,
    money_unit: str | None = None,
    input_unit: str | None = None,
    columns: Collection[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Panel:
    """Read one or more panel files (CSV, Parquet, .xlsx; glob patterns allowed) as one panel.

    Every value is read as text and parsed by the rules of contract §1. Rows that break a rule
    are counted under one reason and kept in ``Panel.rejects``; rows outside every plan sector
    are counted as out of scope. ``read = used + rejected + out_of_scope``.

    Parameters
    ----------
    sources
        A path, a glob pattern, a list of them, or a polars DataFrame of text columns.
    plan
        The loaded plan: gives the scope (its sectors' code prefixes), the money unit, the
        input unit and the headers of its ``columns:``. Without it, the shipped plan's;
        ``scope_prefixes``/``money_unit``/``input_unit`` override the plan's.
    unit
        The revenue unit of the files (``--unit``); a header unit that disagrees is an error.
    encoding
        Override the CSV encoding detection: ``utf-8`` (``utf-8-sig``) or ``gb18030`` (``gbk``,
        ``gb2312``, ``cp936``); any other is refused.
    sheet
        The sheet of an ``.xlsx`` workbook to read, hidden or not (default: every visible sheet
        whose first row is the panel's header, as one panel; see
        :mod:`jingan_kpi.panel.readers.xlsx`).
    strict
        Raise :class:`PanelError` if any row is rejected.
    columns
        The columns of :data:`~jingan_kpi.panel.types.PANEL_SCHEMA` to keep in ``Panel.frame``
        (default: all; ``year``, ``industry_code`` and ``revenue`` are always kept). Every rule
        still runs on every column and the rejects keep every original value; a column left
        out only saves memory (and, for ``name``, its normalisation). ``jingan-kpi check``
        keeps what its figures need. ``Panel.columns`` lists the optional columns kept.
    headers
        Header → column for this read (``--column HEADER=COLUMN``): for each column named,
        that header is the column, and the catalogue's and the plan's headers of that column
        are not read.

    Raises
    ------
    PanelError
        A file cannot be read (missing, empty, binary, no header, a required column missing,
        coded in GB/T 4754-2011, a unit conflict), or ``strict`` and a row was rejected.
    """
    scope, money, default_unit, plan_columns = _facts(plan, scope_prefixes, money_unit, input_unit)
    names = HeaderNames.of(plan_columns, headers)
    keep = _kept_columns(columns)
    money = check_unit(money, "the money unit")
    default_unit = check_unit(default_unit, "the plan's input unit")
    option_unit = check_unit(unit) if unit is not None else None
    if encoding is not None:
        canonical_encoding(encoding)  # refuse an encoding the reader does not support at once
    with tempfile.TemporaryDirectory(prefix="jingan-kpi-") as workdir:
        if isinstance(sources, pl.DataFrame):
            with header_names(names):
                raws = [read_frame_source(sources.cast(pl.String))]
            return _build_panel(raws, scope, money, default_unit, option_unit, strict, keep)
        paths = expand_sources(sources)
        with header_names(names):
            raws = [
                raw
                for path in paths
                for raw in read_source(path, encoding=encoding, sheet=sheet, workdir=Path(workdir))
            ]
        return _build_panel(raws, scope, money, default_unit, option_unit, strict, keep)


ALWAYS_KEPT = ("industry_code", "year", "revenue")


def _kept_columns(columns: Collection[str] | None) -> tuple[str, ...]:
    """The panel columns to keep, in :data:`PANEL_SCHEMA` order."""
    if columns is None:
        return tuple(PANEL_SCHEMA)
    if isinstance(columns, str):
        columns = [columns]
    known = (*PANEL_SCHEMA, *KEY_SCHEMA)
    unknown = sorted(set(columns) - set(known))
    if unknown:
        msg = f"columns: {', '.join(unknown)} not panel columns ({', '.join(known)})"
        raise ValueError(msg)
    wanted = set(columns) | set(ALWAYS_KEPT)
    return tuple(c for c in known if c in wanted)


def _validation_off() -> bool:
    """Benchmark-only switch, never for real data and not part of the user interface.

    ``JINGAN_KPI_BENCH_NO_VALIDATION=1`` makes :func:`read_panel` skip the row rules of
    contract §1: every row counts as valid, year and revenue are plain casts (invalid → null),
    no normalisation, no credit-code, class-code or duplicate check; scope is still judged by
    code prefix. It exists so the benchmark (issue 5) can report what validation costs.
    """
    return os.environ.get("JINGAN_KPI_BENCH_NO_VALIDATION", "") == "1"


def _file_unit(
    raw: RawSource, option_unit: str | None, default_unit: str, notes: list[str]
) -> tuple[str, Literal["header", "option", "plan"]]:
    """The revenue unit of one file and where it comes from: its header, ``--unit``, or the
    plan's input unit (with a note); a header and ``--unit`` that disagree are an error."""
    if raw.header_unit is not None and option_unit is not None and raw.header_unit != option_unit:
        msg = (
            f"{raw.path}:1: the revenue header says {raw.header_unit} but --unit says "
            f"{option_unit}; drop --unit or correct the header"
        )
        raise PanelError(msg, [Problem("unit_conflict", msg, Place(raw.path, 1))])
    if raw.header_unit is not None:
        return raw.header_unit, "header"
    if option_unit is not None:
        return option_unit, "option"
    notes.append(
        f"{raw.path}: no unit in the revenue header; assumed {default_unit} "
        "(the plan's input unit); use --unit to say otherwise"
    )
    return default_unit, "plan"


def _build_panel(
    raws: list[RawSource],
    scope: tuple[str, ...],
    money_unit: str,
    default_unit: str,
    option_unit: str | None,
    strict: bool,
    keep: tuple[str, ...],
) -> Panel:
    notes: list[str] = []
    units: list[tuple[str, Literal["header", "option", "plan"]]] = []
    validate = not _validation_off()
    if not validate:
        notes.append(
            "JINGAN_KPI_BENCH_NO_VALIDATION=1: rows were NOT validated (a benchmark-only "
            "switch); do not use these figures"
        )
    how = Reading(class_codes(), scope, validate, keep, several=len(raws) > 1)
    rows = Rows()
    for index, raw in enumerate(raws):
        notes.extend(raw.notes)
        units.append(_file_unit(raw, option_unit, default_unit, notes))
        read_in_batches(rows, raw, index, how)
        if rows.read[-1] == 0:
            msg = f"{raw.path}: has a header but no data rows"
            raise PanelError(msg, [Problem("no_data_rows", msg, Place(raw.path))])

    reads = rows.read
    # The duplicate rule: candidates by key hash, then the exact count on their keys, read
    # again with their original text (only when there are candidates).
    candidates = hash_candidates(rows.used + rows.other) if validate else None
    found_copies = None
    if candidates is not None and candidates.height:
        found_copies = copies(read_again(raws, candidates, how), code=KEY_CODE, year=KEY_YEAR)
    rejects = rejected_rows(raws, rows.rejected, found_copies)
    _check_2011(rejects, scope, rows.used)

    if found_copies is not None and found_copies.height:
        # Part by part, so that at most one part is copied at a time.
        rows.used = [without(part, found_copies) for part in rows.used]
    used = concat(rows.used, used_schema(keep, len(raws) > 1))
    del rows
    # Revenue is read in each file's unit and converted here, once, exactly (see in_money_unit).
    file_units = [file_unit for file_unit, _ in units]
    row_unit: str | pl.Series
    if len(set(file_units)) == 1:
        row_unit = file_units[0]
    else:
        row_unit = pl.Series(file_units, dtype=pl.String).gather(used.get_column(FILE_INDEX))
    paths = pl.Series([raw.path for raw in raws], dtype=pl.String)
    made: dict[str, pl.Expr | pl.Series] = {
        "revenue": in_money_unit(used.get_column("revenue"), row_unit, money_unit),
        SOURCE_FILE: (
            pl.lit(raws[0].path, dtype=pl.String)
            if len(raws) == 1
            else pl.col(FILE_INDEX).map_batches(paths.gather, return_dtype=pl.String)
        ),
        SOURCE_LINE: pl.col(SOURCE_LINE).cast(pl.Int64),
    }
    _check_overflow(used, made["revenue"], raws, money_unit)  # type: ignore[arg-type]
    frame = used.select(made[c].alias(c) if c in made else pl.col(c) for c in keep)
    del used

    found = dict(rejects.group_by("reason").len().iter_rows())
    by_reason = {reason: int(found[reason]) for reason in REJECT_REASONS if reason in found}
    read = sum(reads)
    counts = RowCounts(
        read=read,
        used=frame.height,
        rejected=rejects.height,
        out_of_scope=read - frame.height - rejects.height,
        rejected_by_reason=by_reason,
    )
    sources = tuple(
        SourceFile(raw.path, raw.format, raw.encoding, unit_, source, n)
        for raw, (unit_, source), n in zip(raws, units, reads, strict=True)
    )
    # The optional columns every file had and the frame holds (a column left out with
    # ``columns=`` is not there to compute from).
    columns = (
        frozenset.intersection(*(raw.present for raw in raws))
        & frozenset(OPTIONAL_COLUMNS)
        & frozenset(frame.columns)
    )
    panel = Panel(
        frame=frame,
        counts=counts,
        rejects=rejects,
        sources=sources,
        columns=columns,
        money_unit=money_unit,
        notes=tuple(notes),
    )
    if strict and counts.rejected:
        problems = reject_problems(panel, limit=MAX_PROBLEMS)
        summary = ", ".join(f"{n} {reason}" for reason, n in by_reason.items())
        msg = (
            f"--strict: {counts.rejected} of {counts.read} rows rejected ({summary}); "
            "fix them or run without --strict (see --rejects FILE for every row)"
        )
        raise PanelError(msg, problems)
    return panel


def _check_2011(rejects: pl.DataFrame, scope: tuple[str, ...], used: list[pl.DataFrame]) -> None:
    """Contract §7: a file holding a class code that exists only in GB/T 4754-2011 within the
    plan's scope stops the run, naming the code and its first line; outside the scope such a
    code is an ordinary invalid code."""
    if rejects.is_empty():
        return
    trap = codes_2011_only_in(scope)
    if not trap:
        return
    text = normalize_text(pl.col("industry_code"))
    # A section letter is stripped where it is the code's own section (as for a 2017 code).
    letter = text.str.slice(0, 1).str.to_uppercase()
    digits = text.str.slice(1)
    section = digits.str.slice(0, 2).replace_strict(
        division_sections(), default=None, return_dtype=pl.String
    )
    code = pl.when((text.str.len_chars() == 5) & (letter == section)).then(digits).otherwise(text)
    hits = rejects.filter(
        (pl.col("reason") == "invalid_industry_code")
        & code.is_in(pl.Series(sorted(trap), dtype=pl.String).implode()).fill_null(False)
    ).with_columns(code=code)
    if hits.is_empty():
        return
    # The codes read as 2017 that mean another industry in 2011: what the file would move.
    changed = meaning_changed()
    present = sorted(
        {code for part in used for code in part.get_column("industry_code").unique().to_list()}
        & set(changed)
    )
    moved = ""
    if present:
        shown = ", ".join(
            f"{c} (its 2011 class is now {'/'.join(changed[c])})" for c in present[:5]
        )
        more = f" and {len(present) - 5} more" if len(present) > 5 else ""
        moved = f" Read as 2017, its codes {shown}{more} would count under other industries."
    problems = []
    for file, group in hits.group_by(SOURCE_FILE, maintain_order=True):
        first = group.row(0, named=True)
        found_codes = ", ".join(sorted(set(group.get_column("code").to_list())))
        msg = (
            f"{file[0]}:{first[SOURCE_LINE]}: industry code {first['industry_code']} exists only "
            f"in GB/T 4754-2011 (this file has {found_codes} in the plan's scope), so the file "
            "is coded in the 2011 edition. Many class codes exist in both editions with another "
            f"meaning, so read as 2017 it would move revenue between industries.{moved} Recode "
            "the file to GB/T 4754-2017 with the official 2011→2017 correspondence table, then "
            "run again."
        )
        problems.append(Problem("gbt4754_2011_codes", msg, Place(str(file[0]), first[SOURCE_LINE])))
    raise PanelError(problems[0].message, problems)


def _check_overflow(
    used: pl.DataFrame, revenue: pl.Series, raws: list[RawSource], money_unit: str
) -> None:
    """Every figure is a sum of revenues (or, for the HHI, of their squares) within a year: a
    year whose sum is not a finite 64-bit float would have no value, silently. Stop instead,
    naming the largest rows of that year (issue 13: never "no value" for an overflow)."""
    if revenue.is_empty():
        return
    # Revenue is never negative, so a year's sums are at most the whole panel's: two
    # reductions settle the usual case; only an overflow is looked at year by year.
    if math.isfinite(float(revenue.sum())) and math.isfinite(float((revenue * revenue).sum())):
        return
    per_year = (
        pl.DataFrame({"year": used.get_column("year"), "revenue": revenue})
        .group_by("year")
        .agg(total=pl.col("revenue").sum(), squares=(pl.col("revenue") ** 2).sum())
    )
    bad = per_year.filter(~pl.col("total").is_finite() | ~pl.col("squares").is_finite())
    if bad.is_empty():
        return
    year = int(bad.get_column("year").min())  # type: ignore[arg-type]
    rows = (
        used.with_columns(revenue)
        .filter(pl.col("year") == year)
        .sort("revenue", descending=True)
        .head(5)
    )
    files = rows.get_column(FILE_INDEX) if FILE_INDEX in rows.columns else None
    places = [
        f"{raws[0 if files is None else int(files[i])].path}:{line}"
        for i, line in enumerate(rows.get_column(SOURCE_LINE).to_list())
    ]
    msg = (
        f"{places[0]}: the revenue of {year} is too large to add up ({money_unit}; the sum or "
        f"the sum of squares exceeds 1.8e308), so no figure of {year} could be computed. The "
        f"largest rows: {', '.join(places)}. Check their revenue and the unit (--unit)."
    )
    raise PanelError(msg, [Problem("revenue_overflow", msg, Place(places[0].rsplit(":", 1)[0]))])


_REASON_TEXT = {c.reason: (c.name, c.rule) for c in COLUMNS.values() if c.reason is not None}


def reject_problems(panel: Panel, limit: int | None = None) -> list[Problem]:
    """The rejected rows as problems: ``file:line: [reason] column "value" ...``."""
    rejects = panel.rejects if limit is None else panel.rejects.head(limit)
    problems = []
    for row in rejects.iter_rows(named=True):
        reason = row["reason"]
        place = Place(row[SOURCE_FILE], row[SOURCE_LINE])
        if reason in _REASON_TEXT:
            column, text = _REASON_TEXT[reason]
            value = row[column]
            raw = "" if value is None else str(value)
            shown = "empty" if not raw.strip() else f'"{_visible(raw)}"'
            message = f"{column} {shown} {text}"
            if reason == "invalid_credit_code" and raw.strip():
                message += f": {why_invalid(normalize_value(raw))}"
            elif reason == "invalid_industry_code":
                message += _wrong_section(normalize_value(raw))
            if reason == "invalid_year":
                message += _date_hint(raw)
        else:
            message = (
                f'credit_code "{row["credit_code"]}" appears more than once for year '
                f"{row['year']}; every copy is rejected: keep one row per enterprise and year"
            )
        problems.append(Problem(reason, message, place))
    return problems


def _wrong_section(code: str) -> str:
    """Why a class code with a section letter is refused, where the letter is the only fault."""
    letter, digits = code[:1].upper(), code[1:]
    if len(code) != 5 or not letter.isalpha() or digits not in class_codes():
        return ""
    section = division_sections().get(digits[:2])
    return f": {digits} is a class of section {section}, not {letter}; write {digits} or {section}{digits}"


_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00:00(?:\.0+)?)?\s*")


def _date_hint(value: str) -> str:
    """A year cell an Excel reader hands over as a date: say so, and what it held."""
    match = _DATE.fullmatch(value)
    if match is None:
        return ""
    import datetime

    try:
        day = datetime.date(*map(int, match.groups()))
    except ValueError:
        return ""
    serial = (day - datetime.date(1899, 12, 30)).days
    held = f" (the cell holds {serial} shown as a date)" if YEAR_MIN <= serial <= YEAR_MAX else ""
    return (
        f": the cell is a date{held}. Format the year column as Number or Text in Excel and "
        "write the year as four digits (2025), then save"
    )


def _visible(value: str, most: int = 60) -> str:
    """A value for a message: bounded (a 10 MB value must not make a 10 MB message), and with
    invisible characters spelled out (a BOM glued to a code shows as \\uFEFF, not as nothing)."""
    import unicodedata

    shown = "".join(
        f"\\u{ord(ch):04X}" if unicodedata.category(ch) in ("Cc", "Cf") else ch
        for ch in value[:most]
    )
    return shown + ("…" if len(value) > most else "")


def write_rejects(panel: Panel, path: str | Path) -> Path:
    """Write every rejected row (file, line, reason, original values) as UTF-8 CSV, atomically
    (:func:`jingan_kpi.atomic.write_atomically`)."""
    from jingan_kpi.atomic import write_atomically

    columns = list(REJECT_COLUMNS)
    return write_atomically(
        path, lambda temp: panel.rejects.select(columns).write_csv(temp), what="reject report"
    )
