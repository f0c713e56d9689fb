"""``read_panel``: files in, a clean panel and the account of every row out (contract §1)."""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from jingan_kpi.errors import PanelError, Place, Problem
from jingan_kpi.panel.classification import class_codes, codes_2011_only
from jingan_kpi.panel.credit_code import why_invalid
from jingan_kpi.panel.headers import CANONICAL_COLUMNS, OPTIONAL_COLUMNS
from jingan_kpi.panel.readers import RawSource, csv_trouble, read_frame_source, read_source
from jingan_kpi.panel.rules import file_stage, panel_stage, parse_only_stages
from jingan_kpi.panel.text import normalize_text, normalize_value
from jingan_kpi.panel.types import PANEL_SCHEMA, REJECT_REASONS, Panel, RowCounts, SourceFile
from jingan_kpi.panel.units import check_unit, in_money_unit

if TYPE_CHECKING:
    from jingan_kpi.plan import LoadedPlan

# What the shipped plan declares; used when neither a plan nor the facts are given.
DEFAULT_SCOPE_PREFIXES: tuple[str, ...] = ("71", "72")
DEFAULT_MONEY_UNIT = "亿元"
DEFAULT_INPUT_UNIT = "万元"
MAX_PROBLEMS = 20

Sources = str | Path | Sequence[str | Path] | pl.DataFrame

REJECT_COLUMNS: tuple[str, ...] = ("source_file", "source_line", "reason", *CANONICAL_COLUMNS)


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
) -> tuple[tuple[str, ...], str, str]:
    if plan is not None:
        meta = plan.model.plan
        scope = tuple(scope_prefixes) if scope_prefixes is not None else tuple(plan.scope_prefixes)
        return scope, money_unit or meta.money_unit, input_unit or meta.input_unit
    return (
        tuple(scope_prefixes) if scope_prefixes is not None else DEFAULT_SCOPE_PREFIXES,
        money_unit or DEFAULT_MONEY_UNIT,
        input_unit or DEFAULT_INPUT_UNIT,
    )


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
        The loaded plan: gives the sector code prefixes, the money unit and the input unit.
        Without it, ``scope_prefixes``/``money_unit``/``input_unit`` (default: section L,
        ``亿元``, ``万元``, as in the shipped plan).
    unit
        The revenue unit of the files (``--unit``); a header unit that disagrees is an error.
    encoding
        Override the CSV encoding detection (``utf-8``, ``gb18030``, ``gbk``).
    sheet
        The sheet of an ``.xlsx`` workbook (default: the first).
    strict
        Raise :class:`PanelError` if any row is rejected.

    Raises
    ------
    PanelError
        A file cannot be read (missing, empty, binary, no header, a required column missing,
        coded in GB/T 4754-2011, a unit conflict), or ``strict`` and a row was rejected.
    """
    scope, money, default_unit = _facts(plan, scope_prefixes, money_unit, input_unit)
    money = check_unit(money, "the money unit")
    default_unit = check_unit(default_unit, "the plan's input unit")
    option_unit = check_unit(unit) if unit is not None else None
    with tempfile.TemporaryDirectory(prefix="jingan-kpi-") as workdir:
        if isinstance(sources, pl.DataFrame):
            raws = [read_frame_source(sources.cast(pl.String))]
            return _build_panel(raws, scope, money, default_unit, option_unit, strict)
        paths = expand_sources(sources)
        # First take CSV files for UTF-8 and let polars check the bytes as it parses them (no
        # Python decode of the whole file); if one is not UTF-8, read them all again with the
        # full detection (GB18030, damaged files with the line of the bad bytes).
        for verify in (False, True):
            raws = [
                read_source(path, encoding=encoding, sheet=sheet, workdir=Path(workdir),
                            verify_utf8=verify)
                for path in paths
            ]  # fmt: skip
            try:
                return _build_panel(raws, scope, money, default_unit, option_unit, strict)
            except _NotUtf8:
                continue
        msg = "unreachable: the verified read does not raise _NotUtf8"  # pragma: no cover
        raise AssertionError(msg)  # pragma: no cover


class _NotUtf8(Exception):
    """A CSV file taken for UTF-8 (:func:`~jingan_kpi.panel.encoding.assume_utf8`) is not."""


def _validation_off() -> bool:
    """Benchmark-only switch, never for real data and not part of the user interface.

    ``JINGAN_KPI_BENCH_NO_VALIDATION=1`` makes :func:`read_panel` skip the row rules of
    contract §1: every row counts as valid, year and revenue are plain casts (invalid → null),
    no normalisation, no credit-code, class-code or duplicate check; scope is still judged by
    code prefix. It exists so the benchmark (issue 5) can report what validation costs.
    """
    return os.environ.get("JINGAN_KPI_BENCH_NO_VALIDATION", "") == "1"


def _build_panel(
    raws: list[RawSource],
    scope: tuple[str, ...],
    money_unit: str,
    default_unit: str,
    option_unit: str | None,
    strict: bool,
) -> Panel:
    notes: list[str] = []
    staged: list[pl.LazyFrame] = []
    units: list[tuple[str, Literal["header", "option", "plan"]]] = []
    codes = class_codes()
    per_file_stage, all_files_stage = file_stage, panel_stage
    if _validation_off():
        per_file_stage, all_files_stage = parse_only_stages()
        notes.append(
            "JINGAN_KPI_BENCH_NO_VALIDATION=1: rows were NOT validated (a benchmark-only "
            "switch); do not use these figures"
        )
    for raw in raws:
        notes.extend(raw.notes)
        if (
            raw.header_unit is not None
            and option_unit is not None
            and raw.header_unit != option_unit
        ):
            msg = (
                f"{raw.path}:1: the revenue header says {raw.header_unit} but --unit says "
                f"{option_unit}; drop --unit or correct the header"
            )
            raise PanelError(msg, [Problem("unit_conflict", msg, Place(raw.path, 1))])
        unit_source: Literal["header", "option", "plan"]
        if raw.header_unit is not None:
            file_unit, unit_source = raw.header_unit, "header"
        elif option_unit is not None:
            file_unit, unit_source = option_unit, "option"
        else:
            file_unit, unit_source = default_unit, "plan"
            notes.append(
                f"{raw.path}: no unit in the revenue header; assumed {default_unit} "
                "(the plan's input unit); use --unit to say otherwise"
            )
        units.append((file_unit, unit_source))
        with_file = raw.frame.with_columns(source_file=pl.lit(raw.path, dtype=pl.String))
        staged.append(per_file_stage(with_file, class_codes=codes))
    combined = pl.concat(staged, how="vertical") if len(staged) > 1 else staged[0]
    try:
        # The in-memory engine: 2-3x faster than the streaming default on this plan, which
        # cannot stream anyway (column-wide any() and the duplicate window need whole columns).
        rows = all_files_stage(combined, scope_prefixes=scope).collect(engine="in-memory")
    except pl.exceptions.PolarsError as exc:
        if any(raw.utf8_unverified for raw in raws) and "utf-8" in str(exc).lower():
            raise _NotUtf8 from None
        raise _locate_failure(raws, exc) from None

    # Revenue is read in each file's unit and converted here, once, exactly (see in_money_unit).
    file_units = {raw.path: file_unit for raw, (file_unit, _) in zip(raws, units, strict=True)}
    if len(set(file_units.values())) == 1:
        row_unit: str | pl.Series = units[0][0]
    else:
        row_unit = rows.get_column("source_file").replace_strict(file_units)
    rows = rows.with_columns(in_money_unit(rows.get_column("revenue"), row_unit, money_unit))
    if len(raws) == 1:
        per_file = {raws[0].path: rows.height}
    else:
        per_file = dict(rows.group_by("source_file").len().iter_rows())
    for raw in raws:
        if per_file.get(raw.path, 0) == 0:
            msg = f"{raw.path}: has a header but no data rows"
            raise PanelError(msg, [Problem("no_data_rows", msg, Place(raw.path))])

    ok = pl.col("reason").is_null()
    rejects = rows.filter(~ok).select(
        "source_file", "source_line", pl.col("reason").cast(pl.String),
        *(pl.col(f"{c}_text").alias(c) if c in ("year", "revenue") else pl.col(c) for c in CANONICAL_COLUMNS),
    )  # fmt: skip
    _check_2011(rejects)

    used_count = int(rows.get_column("in_scope").sum())
    if used_count == rows.height:
        frame = rows.select(list(PANEL_SCHEMA))
    else:
        frame = rows.filter(pl.col("in_scope")).select(list(PANEL_SCHEMA))
    by_reason_frame = rejects.group_by("reason").len()
    found = dict(by_reason_frame.iter_rows())
    by_reason = {reason: int(found[reason]) for reason in REJECT_REASONS if reason in found}
    counts = RowCounts(
        read=rows.height,
        used=used_count,
        rejected=rejects.height,
        out_of_scope=rows.height - used_count - rejects.height,
        rejected_by_reason=by_reason,
    )
    del rows
    frame = frame.cast(PANEL_SCHEMA)  # type: ignore[arg-type,unused-ignore]
    sources = tuple(
        SourceFile(
            raw.path, raw.format, raw.encoding, unit_, source, int(per_file.get(raw.path, 0))
        )
        for raw, (unit_, source) in zip(raws, units, strict=True)
    )
    columns = frozenset.intersection(*(raw.present for raw in raws)) & frozenset(OPTIONAL_COLUMNS)
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


def _check_2011(rejects: pl.DataFrame) -> None:
    """Contract §1: a file holding a class that exists only in GB/T 4754-2011 stops the run."""
    if rejects.is_empty():
        return
    only_2011 = pl.Series(sorted(codes_2011_only()), dtype=pl.String)
    code = normalize_text(pl.col("industry_code")).str.strip_prefix("L").str.strip_prefix("l")
    hits = rejects.filter(
        (pl.col("reason") == "invalid_industry_code") & code.is_in(only_2011.implode())
    ).with_columns(code=code)
    if hits.is_empty():
        return
    problems = []
    for file, group in hits.group_by("source_file", maintain_order=True):
        first = group.row(0, named=True)
        found_codes = ", ".join(sorted(set(group.get_column("code").to_list())))
        msg = (
            f"{file[0]}:{first['source_line']}: industry code {first['industry_code']} exists only "
            f"in GB/T 4754-2011 (this file has {found_codes}), so the file is coded in the 2011 "
            "edition. Its 7231/7232/7239 mean consulting in 2011 but legal services in 2017, and "
            "its 7221/7222 mean legal services in 2011 but park management in 2017: read as 2017 "
            "it would move consulting revenue into legal services. Recode the file to "
            "GB/T 4754-2017 with the official 2011→2017 correspondence table, then run again."
        )
        problems.append(
            Problem("gbt4754_2011_codes", msg, Place(str(file[0]), first["source_line"]))
        )
    raise PanelError(problems[0].message, problems)


_REASON_TEXT = {
    "invalid_credit_code": ("credit_code", "is not a valid unified social credit code (GB 32100-2015)"),
    "invalid_industry_code": ("industry_code", "is not a GB/T 4754-2017 class code (4 digits, e.g. 7261; an L prefix only before a section L class)"),
    "invalid_year": ("year", "is not a year (four digits 1949-2100, optionally 2025.0)"),
    "invalid_revenue": ("revenue", "is not a revenue figure (digits, optional thousands separators, decimal part and exponent; no sign; finite)"),
}  # fmt: skip


def reject_problems(panel: Panel, limit: int | None = None) -> list[Problem]:
    """The rejected rows as problems: ``file:line: [reason] column "value" ...``."""
    rejects = panel.rejects if limit is None else panel.rejects.head(limit)
    problems = []
    for row in rejects.iter_rows(named=True):
        reason = row["reason"]
        place = Place(row["source_file"], row["source_line"])
        if reason in _REASON_TEXT:
            column, text = _REASON_TEXT[reason]
            value = row[column]
            raw = "" if value is None else str(value)
            shown = "empty" if not raw.strip() else f'"{_visible(raw)}"'
            message = f"{column} {shown} {text}"
            if reason == "invalid_credit_code" and raw.strip():
                message += f": {why_invalid(normalize_value(raw))}"
        else:
            message = (
                f'credit_code "{row["credit_code"]}" appears more than once for year '
                f"{row['year']}; every copy is rejected: keep one row per enterprise and year"
            )
        problems.append(Problem(reason, message, place))
    return problems


def _visible(value: str, most: int = 60) -> str:
    """A value for a message: bounded (a 10 MB value must not make a 10 MB message), and with
    invisible characters spelled out (a BOM glued to a code shows as \\uFEFF, not as nothing)."""
    import unicodedata

    shown = "".join(
        f"\\u{ord(ch):04X}" if unicodedata.category(ch) in ("Cc", "Cf") else ch
        for ch in value[:most]
    )
    return shown + ("…" if len(value) > most else "")


def _locate_failure(raws: list[RawSource], exc: pl.exceptions.PolarsError) -> PanelError:
    """A polars error while reading several files: find the file and say what went wrong."""
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    for raw in raws:
        try:
            # The whole frame, not a row count: counting rows does not parse the fields.
            raw.frame.collect()
        except pl.exceptions.PolarsError as file_exc:
            return _unreadable(raw, file_exc)
    if len(raws) == 1:
        return _unreadable(raws[0], exc)
    msg = f"the panel cannot be read ({detail})"
    return PanelError(msg)


def _unreadable(raw: RawSource, exc: pl.exceptions.PolarsError) -> PanelError:
    """Name the file and, for a CSV file, the line where it stops being CSV."""
    found = csv_trouble(Path(raw.path), raw.encoding) if raw.format == "csv" else None
    if found is not None:
        line, what = found
        msg = f"{raw.path}:{line}: cannot be read: {what}"
        return PanelError(msg, [Problem("unreadable_file", msg, Place(raw.path, line))])
    text = str(exc).strip().splitlines()
    hint = ""
    if "field" in str(exc).lower() or "ragged" in str(exc).lower():
        hint = "; a row has more fields than the header (an unquoted comma in a value?)"
    msg = f"{raw.path}: cannot be read ({text[0][:300] if text else 'error'}){hint}"
    return PanelError(msg, [Problem("unreadable_file", msg, Place(raw.path))])


def write_rejects(panel: Panel, path: str | Path) -> Path:
    """Write every rejected row (file, line, reason, original values) as UTF-8 CSV, atomically
    (:func:`jingan_kpi.atomic.write_atomically`)."""
    from jingan_kpi.atomic import write_atomically

    columns = list(REJECT_COLUMNS)
    return write_atomically(
        path, lambda temp: panel.rejects.select(columns).write_csv(temp), what="reject report"
    )
