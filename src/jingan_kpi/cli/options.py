"""Shared typer option types for panel input, defined once (``inspect``, ``check``, ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
PlanOption = Annotated[
    Path | None,
    typer.Option(
        "--plan",
        help="Plan file (default: the plan shipped with jingan-kpi, plan_2026_2028.yaml).",
        dir_okay=False,
    ),
]
