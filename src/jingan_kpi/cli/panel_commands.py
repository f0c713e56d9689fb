"""``sample`` and ``inspect``: thin adapters over :mod:`jingan_kpi.sample` and
:func:`jingan_kpi.panel.read_panel`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from jingan_kpi.cli import app, err, guarded
from jingan_kpi.cli.options import (
    ColumnOption,
    EncodingOption,
    PanelFiles,
    PlanOption,
    RejectsOption,
    SheetOption,
    StrictOption,
    UnitOption,
)
from jingan_kpi.errors import UsageError
from jingan_kpi.years import YEAR_MAX, YEAR_MIN


def _years(text: str) -> list[int]:
    found = re.fullmatch(r"\s*(\d{4})\s*(?:[-–:]\s*(\d{4}))?\s*", text)
    if not found:
        msg = f'--years "{text}" is not a year or a range like 2024-2026'
        raise UsageError(msg)
    first = int(found.group(1))
    last = int(found.group(2) or first)
    if last < first or not (first >= YEAR_MIN and last <= YEAR_MAX):
        msg = (
            f'--years "{text}": give an increasing range of years within {YEAR_MIN}-{YEAR_MAX}, '
            "e.g. 2024-2026"
        )
        raise UsageError(msg)
    return list(range(first, last + 1))


@app.command("sample", short_help="Write a seeded synthetic panel (illustrative data).")
@guarded
def sample_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.", dir_okay=False)],
    enterprises: Annotated[
        int, typer.Option("--enterprises", min=1, help="Number of enterprises.")
    ] = 3000,
    years: Annotated[str, typer.Option("--years", help="Years, e.g. 2024-2026.")] = "2024-2026",
    seed: Annotated[
        int,
        typer.Option("--seed", min=0, max=2**32 - 1, help="Random seed (same seed, same file)."),
    ] = 1,
    file_format: Annotated[
        str, typer.Option("--format", help="csv, parquet or xlsx (default: from the file name).")
    ] = "",
    chinese_headers: Annotated[
        bool, typer.Option("--chinese-headers", help="Chinese headers, unit in the revenue header.")
    ] = False,
    unit: Annotated[
        str, typer.Option("--unit", help="Revenue unit written: 元, 千元, 万元, 亿元.")
    ] = "万元",
    encoding: Annotated[
        str, typer.Option("--encoding", help="CSV encoding: utf-8 or gb18030.")
    ] = "utf-8",
    bad_rows: Annotated[
        int, typer.Option("--bad-rows", min=0, help="Append this many deliberately bad rows.")
    ] = 0,
    plan: PlanOption = None,
) -> None:
    """Write a seeded synthetic enterprise panel (illustrative data, not official figures).

    With --plan, the panel covers that plan's sectors, zones and HQ types (and some enterprises
    outside its scope); without it, the shipped plan's.
    """
    from jingan_kpi.panel.encoding import canonical_encoding
    from jingan_kpi.panel.units import check_unit
    from jingan_kpi.plan import load_plan
    from jingan_kpi.sample import write_sample

    kind = file_format or {".parquet": "parquet", ".xlsx": "xlsx"}.get(output.suffix.lower(), "csv")
    if kind not in ("csv", "parquet", "xlsx"):
        msg = f'--format "{file_format}" is not one of csv, parquet, xlsx'
        raise UsageError(msg)
    if not output.parent.is_dir():
        msg = f"--output {output}: directory {output.parent} does not exist"
        raise UsageError(msg)
    path = write_sample(
        output,
        enterprises=enterprises,
        years=_years(years),
        seed=seed,
        file_format=kind,  # type: ignore[arg-type]
        chinese_headers=chinese_headers,
        unit=check_unit(unit),
        encoding=canonical_encoding(encoding),
        bad_rows=bad_rows,
        plan=load_plan(plan) if plan is not None else None,
    )
    err(f"wrote {path}")


def panel_report(panel: Any) -> dict[str, Any]:
    """The row account of a panel as plain data (what ``inspect --format json`` prints)."""
    return {
        "rows": panel.counts.to_dict(),
        "years": panel.years,
        "money_unit": panel.money_unit,
        "columns": sorted(panel.columns),
        "files": [
            {
                "path": s.path,
                "format": s.format,
                "encoding": s.encoding,
                "unit": s.unit,
                "unit_source": s.unit_source,
                "rows": s.rows,
            }
            for s in panel.sources
        ],
        "notes": list(panel.notes),
    }


def render_account(report: dict[str, Any]) -> str:
    rows = report["rows"]
    lines = [
        f"rows read      {rows['read']}",
        f"used           {rows['used']}",
        f"rejected       {rows['rejected']}",
    ]
    lines += [f"  {reason:<24}{count}" for reason, count in rows["rejected_by_reason"].items()]
    lines.append(f"out of scope   {rows['out_of_scope']}")
    lines.append(f"years          {', '.join(map(str, report['years'])) or '-'}")
    lines.append(f"money unit     {report['money_unit']}")
    lines.append(f"columns        {', '.join(report['columns']) or '-'}")
    for f in report["files"]:
        encoding = f" {f['encoding']}" if f["encoding"] else ""
        lines.append(
            f"file           {f['path']} ({f['format']}{encoding}, {f['rows']} rows, unit {f['unit']} from {f['unit_source']})"
        )
    return "\n".join(lines)


@app.command("inspect", short_help="Load a panel and account for every row.")
@guarded
def inspect_command(
    files: PanelFiles,
    unit: UnitOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    rejects: RejectsOption = None,
    strict: StrictOption = False,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    plan: PlanOption = None,
    column: ColumnOption = None,
) -> None:
    """Load a panel and print the row account: read, used, rejected by reason, out of scope."""
    from jingan_kpi.compute.filter_values import filter_value_notes
    from jingan_kpi.panel import read_panel, reject_problems, write_rejects
    from jingan_kpi.panel.headers import parse_column_option
    from jingan_kpi.plan import load_plan

    fmt: Literal["text", "json"]
    if output_format not in ("text", "json"):
        msg = f'--format "{output_format}" is not one of text, json'
        raise UsageError(msg)
    fmt = output_format  # type: ignore[assignment]
    loaded = load_plan(plan)
    panel = read_panel(
        files,
        plan=loaded,
        unit=unit,
        encoding=encoding,
        sheet=sheet,
        strict=strict,
        headers=parse_column_option(column or ()),
    )
    for note in panel.notes:
        err(note)
    for note in filter_value_notes(loaded, panel):
        err(f"note: {note}")
    if panel.counts.rejected:
        summary = ", ".join(f"{n} {r}" for r, n in panel.counts.rejected_by_reason.items())
        err(f"{panel.counts.rejected} rows rejected: {summary}")
        for problem in reject_problems(panel, limit=10):
            err(problem.format())
    if rejects is not None:
        write_rejects(panel, rejects)
        err(f"wrote {panel.counts.rejected} rejected rows to {rejects}")
    report = panel_report(panel)
    if fmt == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render_account(report))
