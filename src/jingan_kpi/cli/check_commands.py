"""``check``, ``explain`` and ``audit-disclosure``: the main job, as thin adapters."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jingan_kpi.cli import EXIT_PROBLEMS, app, err, guarded
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
)
from jingan_kpi.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from jingan_kpi.compute.result import Evaluation
    from jingan_kpi.panel.types import Panel, References
    from jingan_kpi.plan import LoadedPlan


class TableOrJson(StrEnum):
    table = "table"
    json = "json"


TableOrJsonOpt = Annotated[
    TableOrJson, typer.Option("--format", "-f", help="table (for people) or json.")
]
YearOpt = Annotated[
    int | None,
    typer.Option(
        "--year",
        help="Assess as of this year (a year the panel covers; default: the "
        "latest). Every year is still read and reported.",
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option("--format", "-f", help="table (for people), json, csv, markdown or xlsx."),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the result to FILE (atomically) instead of standard output. Required for xlsx.",
        dir_okay=False,
    ),
]
FailOnOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        metavar="STATUS[,STATUS...]",
        help="Exit 1 when any target has "
        "one of these statuses, e.g. missed,moving_away (for batch jobs and CI).",
    ),
]
PublishOpt = Annotated[
    bool,
    typer.Option(
        "--publish",
        help="Statistical disclosure control: withhold (x) every cell "
        "that could reveal an enterprise, and all that derives from it.",
    ),
]


def _load(
    files: list[str],
    plan_path: Path | None,
    unit: str | None,
    encoding: str | None,
    sheet: str | None,
    strict: bool,
    rejects: Path | None,
    reference: Path | None = None,
    columns: Callable[[LoadedPlan], tuple[str, ...]] | None = None,
    column_option: list[str] | None = None,
) -> tuple[LoadedPlan, Panel, References]:
    """Plan, reference series, then the panel: the small inputs first, so that their mistakes
    are reported before a large panel is read."""
    from jingan_kpi.compute.evaluate import as_references
    from jingan_kpi.panel import read_panel, write_rejects
    from jingan_kpi.panel.headers import parse_column_option
    from jingan_kpi.plan import load_plan

    headers = parse_column_option(column_option or ())
    plan = load_plan(plan_path)
    refs = as_references(reference, plan)
    for note in refs.notes:
        err(f"note: {note}")
    with _reading_status(files):
        panel = read_panel(
            files,
            plan=plan,
            unit=unit,
            encoding=encoding,
            sheet=sheet,
            strict=strict,
            columns=columns(plan) if columns is not None else None,
            headers=headers,
        )
    for note in panel.notes:
        err(f"note: {note}")
    c = panel.counts
    if c.rejected:
        reasons = ", ".join(f"{k}: {v:,}" for k, v in c.rejected_by_reason.items() if v)
        hint = "" if rejects else " (write them all with --rejects FILE)"
        err(f"{c.rejected:,} of {c.read:,} rows rejected — {reasons}{hint}")
    if rejects is not None:
        write_rejects(panel, rejects)
        err(f"rejected rows written to {rejects}")
    return plan, panel, refs


class _reading_status:
    """A spinner on stderr while input is read, only when stderr is a terminal."""

    def __init__(self, files: list[str]) -> None:
        self.files = files
        self._status: Any = None

    def __enter__(self) -> None:
        if sys.stderr.isatty():
            from rich.console import Console

            what = self.files[0] if len(self.files) == 1 else f"{len(self.files)} files"
            self._status = Console(stderr=True).status(f"Reading {what}…")
            self._status.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.__exit__(None, None, None)


def _check_format(fmt: str, output: Path | None) -> None:
    from jingan_kpi.render import FORMATS

    if fmt not in FORMATS:
        msg = f"--format {fmt!r} is not one of {', '.join(FORMATS)}"
        raise UsageError(msg)
    if fmt == "xlsx" and output is None:
        msg = "--format xlsx needs --output FILE.xlsx (a workbook is not text for a terminal)"
        raise UsageError(msg)


def _emit(ev: Evaluation, fmt: str, output: Path | None) -> None:
    from jingan_kpi.render import write_atomically, write_text_atomically

    if fmt == "xlsx":
        from jingan_kpi.render.xlsx import write_xlsx

        assert output is not None  # _check_format
        write_atomically(output, lambda p: write_xlsx(ev, p))
        err(f"wrote {output}")
        return
    if fmt == "table":
        from jingan_kpi.render.text import PIPED_WIDTH, make_console, render_text

        if output is None and sys.stdout.isatty():
            render_text(ev, make_console())
            return
        import io

        # Piped or to a file: plain text of a stable width, without the padding rich adds.
        buf = io.StringIO()
        render_text(ev, make_console(buf, width=PIPED_WIDTH))
        text = "".join(line.rstrip() + "\n" for line in buf.getvalue().splitlines())
    else:
        from jingan_kpi.render.data import to_csv, to_json, to_markdown

        text = {"json": to_json, "csv": to_csv, "markdown": to_markdown}[fmt](ev)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_text_atomically(output, text)
        err(f"wrote {output}")


def _fail_on(value: str | None) -> set[str]:
    from jingan_kpi.compute.assess import STATUSES

    if not value:
        return set()
    wanted = {s.strip() for s in value.split(",") if s.strip()}
    unknown = sorted(wanted - set(STATUSES))
    if unknown:
        msg = f"--fail-on: unknown status {', '.join(unknown)}; use any of {', '.join(STATUSES)}"
        raise UsageError(msg)
    return wanted


@app.command(short_help="Compute every indicator and assess every target.")
@guarded
def check(
    files: PanelFiles,
    reference: ReferenceOption = None,
    year: YearOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    publish: PublishOpt = False,
    plan: PlanOption = None,
    unit: UnitOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    rejects: RejectsOption = None,
    strict: StrictOption = False,
    column: ColumnOption = None,
) -> None:
    """Compute every indicator of the plan from enterprise data and assess every target.

    Example: jingan-kpi check data/samples/panel_2024_2026.csv --reference data/samples/reference.csv
    """
    from jingan_kpi.compute.evaluate import evaluate, figure_columns

    statuses = _fail_on(fail_on)
    _check_format(fmt, output)
    # Only the columns the figures need are kept: names are checked but not held (memory).
    loaded, panel, refs = _load(
        files,
        plan,
        unit,
        encoding,
        sheet,
        strict,
        rejects,
        reference,
        lambda p: figure_columns(p, publish=publish),
        column,
    )
    ev = evaluate(panel, plan=loaded, reference=refs, as_of=year, publish=publish)
    for note in ev.filter_notes:
        err(f"note: {note}")
    for warning in ev.warnings:
        err(f"warning: {warning}")
    _emit(ev, fmt, output)
    hit = sorted({i.status for i in ev.indicators if i.status is not None and i.status in statuses})
    if hit:
        err(f"--fail-on: found status {', '.join(hit)}")
        raise typer.Exit(EXIT_PROBLEMS)


@app.command(short_help="How one figure was computed, year by year (internal).")
@guarded
def explain(
    indicator: Annotated[str, typer.Argument(help="The indicator id, e.g. lbs_top20_share.")],
    files: PanelFiles,
    reference: ReferenceOption = None,
    year: YearOpt = None,
    fmt: TableOrJsonOpt = TableOrJson.table,
    plan: PlanOption = None,
    unit: UnitOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    column: ColumnOption = None,
) -> None:
    """Show how one figure was computed, year by year (internal: names enterprises).

    Prints the formula, each input per year, and for a top-N share the N enterprises with their
    revenue and cumulative share: what a statistician needs to audit a figure before publishing.
    """
    from jingan_kpi.compute.explain import explain as explain_indicator

    loaded, panel, refs = _load(
        files, plan, unit, encoding, sheet, False, None, reference, column_option=column
    )
    ex = explain_indicator(indicator, panel, plan=loaded, reference=refs, as_of=year)
    if fmt is TableOrJson.json:
        _print_json(ex.to_dict())
        return
    from jingan_kpi.render.explain import render_explanation
    from jingan_kpi.render.text import make_console

    render_explanation(ex, make_console())


@app.command("audit-disclosure", short_help="Which cells --publish withholds, and why (internal).")
@guarded
def audit_disclosure(
    files: PanelFiles,
    fmt: TableOrJsonOpt = TableOrJson.table,
    plan: PlanOption = None,
    unit: UnitOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    column: ColumnOption = None,
) -> None:
    """List the cells --publish withholds and the disclosure rule each breaks (internal use).

    Unsafe cells (minimum frequency, dominance, p% rule), unsafe top-N groups and HHIs, and the
    cells withheld only to protect them (secondary suppression).
    """
    from jingan_kpi.compute.evaluate import audit_disclosure as audit

    loaded, panel, _ = _load(files, plan, unit, encoding, sheet, False, None, column_option=column)
    report = audit(panel, plan=loaded)
    if fmt is TableOrJson.json:
        _print_json(report.to_dict())
        return
    from jingan_kpi.render.audit import render_audit
    from jingan_kpi.render.text import make_console

    render_audit(report, make_console())


def _print_json(data: object) -> None:
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
