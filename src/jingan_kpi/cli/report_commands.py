"""``report``: the HTML report for leadership, as a thin adapter over
:func:`jingan_kpi.render.report.render`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jingan_kpi.cli import app, err, guarded
from jingan_kpi.cli.check_commands import PublishOpt, evaluate_files
from jingan_kpi.cli.options import (
    ColumnOption,
    EncodingOption,
    PanelFiles,
    PlanOption,
    ReferenceOption,
    RejectsOption,
    SheetOption,
    StrictOption,
    UnitOption,
    YearOption,
)

ReportOutputOpt = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="The HTML file to write (atomically), e.g. report.html.",
        dir_okay=False,
    ),
]


@app.command(short_help="A self-contained HTML report with charts, for leadership.")
@guarded
def report(
    files: PanelFiles,
    output: ReportOutputOpt,
    reference: ReferenceOption = None,
    year: YearOption = None,
    publish: PublishOpt = False,
    plan: PlanOption = None,
    unit: UnitOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    rejects: RejectsOption = None,
    strict: StrictOption = False,
    column: ColumnOption = None,
) -> None:
    """Write one self-contained HTML file: summary of every target, a chart per targeted
    indicator, structure charts, data quality, method and legend. It opens offline (no link,
    script or font to fetch); set SOURCE_DATE_EPOCH for byte-identical reruns.

    Example: jingan-kpi report data/samples/panel_2024_2026.csv --reference
    data/samples/reference.csv --output report.html
    """
    from jingan_kpi.atomic import write_atomically
    from jingan_kpi.render.report import render, run_time

    when = run_time()  # a bad SOURCE_DATE_EPOCH is refused before the panel is read
    loaded, panel, ev = evaluate_files(
        files,
        output=output,
        reference=reference,
        year=year,
        publish=publish,
        plan=plan,
        unit=unit,
        encoding=encoding,
        sheet=sheet,
        rejects=rejects,
        strict=strict,
        column=column,
    )
    html = render(ev, plan=loaded, inputs=[s.path for s in panel.sources], generated=when)
    write_atomically(output, lambda path: path.write_text(html, encoding="utf-8"))
    err(f"wrote {output}")
