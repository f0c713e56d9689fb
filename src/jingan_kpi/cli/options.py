"""Shared typer options, defined once (``inspect``, ``check``, ...), and the checks of their
values that need no data (:func:`preflight`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jingan_kpi.errors import UsageError

PanelFiles = Annotated[
    list[str],
    typer.Argument(
        help="Panel files: CSV, Parquet or .xlsx; several files or glob patterns (quoted) are "
        "read as one panel.",
        show_default=False,
    ),
]
UnitOption = Annotated[
    str | None,
    typer.Option(
        "--unit",
        help="Revenue unit of the files where the header does not say: 元, 千元, 万元 or 亿元 "
        "(default: the plan's input unit). A header unit that disagrees is an error.",
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option("--encoding", help="CSV encoding instead of detection: utf-8 or gb18030 (gbk)."),
]
ColumnOption = Annotated[
    list[str] | None,
    typer.Option(
        "--column",
        metavar="HEADER=COLUMN",
        help="Read the file's HEADER as COLUMN (credit_code, name, industry_code, year, "
        "revenue, zone, hq_type), e.g. --column 本年营业收入=revenue; repeat for more columns. "
        "For that column, other headers that would match it are not read.",
        show_default=False,
    ),
]
SheetOption = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        help="Read this .xlsx sheet, hidden or not (default: every visible sheet with the header).",
    ),
]
RejectsOption = Annotated[
    Path | None,
    typer.Option(
        "--rejects",
        help="Write every rejected row (file, line, reason, original values) to this CSV.",
        dir_okay=False,
    ),
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Treat any rejected row as an error (exit 2).")
]
ReferenceOption = Annotated[
    Path | None,
    typer.Option(
        "--reference",
        help="Reference series CSV (series,year,value,unit,source): district growth, city totals.",
        dir_okay=False,
    ),
]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="table (for people; the default), json, csv (UTF-8 with a BOM, for Excel), "
        "csv-utf8 (without a BOM, for scripts), markdown or xlsx; each command has those that "
        "fit its result. Default: from the --output file's extension (.json, .csv, .md, .xlsx, "
        ".txt), else table.",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the result to FILE (atomically) instead of standard output; its extension "
        "gives the format where --format is not given. Never one of the input files.",
        dir_okay=False,
    ),
]
PlanOption = Annotated[
    Path | None,
    typer.Option(
        "--plan",
        help="Plan file (default: the plan shipped with jingan-kpi, plan_2026_2028.yaml).",
        dir_okay=False,
    ),
]
YearOption = Annotated[
    int | None,
    typer.Option(
        "--year",
        help="Assess as of this year (1949–2100, a year the panel covers; default: the "
        "latest). Every year is still read and reported.",
    ),
]


def preflight(
    files: list[str],
    *,
    outputs: dict[str, Path | None],
    plan: Path | None = None,
    reference: Path | None = None,
    unit: str | None = None,
    year: int | None = None,
    encoding: str | None = None,
) -> None:
    """Every check of the options that needs no data, before the panel is read (a long read
    must not end in "--unit yuan is not a unit"): units, encodings, the year's range, and
    output files that do not fit or would overwrite an input or each other."""
    from jingan_kpi.atomic import check_outputs
    from jingan_kpi.panel.encoding import canonical_encoding
    from jingan_kpi.panel.load import expand_sources
    from jingan_kpi.panel.units import check_unit
    from jingan_kpi.years import YEAR_MAX, YEAR_MIN

    if unit is not None:
        check_unit(unit, "--unit")
    if encoding is not None:
        canonical_encoding(encoding)
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        msg = (
            f"--year {year} is not a year the panel covers: it is outside {YEAR_MIN}–{YEAR_MAX}, "
            "the years a panel can hold; give a year of the panel"
        )
        raise UsageError(msg)
    inputs: dict[str, list[str | Path]] = {"panel file": list(expand_sources(files))}
    if reference is not None:
        inputs["reference file (--reference)"] = [reference]
    if plan is not None:
        inputs["plan file (--plan)"] = [plan]
    check_outputs(outputs, inputs)
