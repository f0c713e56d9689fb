"""``check``, ``explain`` and ``audit-disclosure``: the main job, as thin adapters."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jingan_kpi.cli import EXIT_PROBLEMS, app, err, guarded
from jingan_kpi.cli.options import (
    ColumnOption,
    EncodingOption,
    FormatOption,
    OutputOption,
    PanelFiles,
    PlanOption,
    ReferenceOption,
    RejectsOption,
    SheetOption,
    StrictOption,
    UnitOption,
    YearOption,
    preflight,
)
from jingan_kpi.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from jingan_kpi.compute.result import Evaluation
    from jingan_kpi.panel.types import Panel, References
    from jingan_kpi.plan import LoadedPlan


FailOnOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        metavar="STATUS[,STATUS...]",
        help="Exit 1 when any target has one of these statuses, by name or label, e.g. "
        "missed,moving_away or 未达成,反向变动 (for batch jobs and CI); stderr names the "
        "indicators.",
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
    year: int | None = None,
    indicator: str | None = None,
    output: Path | None = None,
) -> tuple[LoadedPlan, Panel, References]:
    """The options checked (:func:`~jingan_kpi.cli.options.preflight`), then plan, reference
    series and panel: the small inputs first, so that their mistakes are reported before a
    large panel is read. ``--rejects`` is written before ``--strict`` fails, since its message
    sends the user to that file."""
    from jingan_kpi.compute.evaluate import as_references
    from jingan_kpi.compute.explain import indicator_formula
    from jingan_kpi.panel import read_panel, write_rejects
    from jingan_kpi.panel.headers import parse_column_option
    from jingan_kpi.panel.load import strict_failure
    from jingan_kpi.plan import load_plan

    preflight(
        files,
        outputs={"--output": output, "--rejects": rejects},
        plan=plan_path,
        reference=reference,
        unit=unit,
        year=year,
        encoding=encoding,
    )
    headers = parse_column_option(column_option or ())
    plan = load_plan(plan_path)
    if indicator is not None:
        indicator_formula(plan, indicator)
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
    failure = strict_failure(panel) if strict else None
    if failure is not None:
        raise failure
    if year is not None and panel.years and year not in panel.years:
        msg = (
            f"--year {year} is not a year the panel covers "
            f"({', '.join(map(str, panel.years))}); give one of those years"
        )
        raise UsageError(msg)
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


def _fail_on(value: str | None) -> set[str]:
    from jingan_kpi.render.format import parse_statuses

    return parse_statuses(value) if value else set()


def _report_fail_on(ev: Evaluation, statuses: set[str]) -> bool:
    """Say on stderr which indicators have a ``--fail-on`` status; True when any has."""
    from jingan_kpi.render.format import status_label

    hit: dict[str, list[str]] = {}
    for ind in ev.indicators:
        if ind.status is not None and ind.status in statuses:
            hit.setdefault(ind.status, []).append(ind.id)
    for status in sorted(hit):
        zh = status_label(status, lang="zh")
        err(f"--fail-on: found status {status} ({zh}) in {', '.join(hit[status])}")
    return bool(hit)


def evaluate_files(
    files: list[str],
    *,
    output: Path | None,
    reference: Path | None,
    year: int | None,
    publish: bool,
    plan: Path | None,
    unit: str | None,
    encoding: str | None,
    sheet: str | None,
    rejects: Path | None,
    strict: bool,
    column: list[str] | None,
) -> tuple[LoadedPlan, Panel, Evaluation]:
    """What ``check`` and ``report`` share: options checked before anything is read, the plan,
    references and panel loaded (keeping only the columns the figures need: names are checked
    but not held), every indicator evaluated, and its notes and warnings said on stderr."""
    from jingan_kpi.compute.evaluate import evaluate, figure_columns

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
        year=year,
        output=output,
    )
    ev = evaluate(panel, plan=loaded, reference=refs, as_of=year, publish=publish)
    for note in ev.filter_notes:
        err(f"note: {note}")
    for warning in ev.warnings:
        err(f"warning: {warning}")
    return loaded, panel, ev


@app.command(short_help="Compute every indicator and assess every target.")
@guarded
def check(
    files: PanelFiles,
    reference: ReferenceOption = None,
    year: YearOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
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
    from jingan_kpi.render.formats import resolve_format, write_output

    statuses = _fail_on(fail_on)
    out_format = resolve_format("evaluation", fmt, output)
    _, _, ev = evaluate_files(
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
    write_output("evaluation", out_format, ev, output)
    if output is not None:
        err(f"wrote {output}")
    if _report_fail_on(ev, statuses):
        raise typer.Exit(EXIT_PROBLEMS)


@app.command(short_help="How one figure was computed, year by year (internal).")
@guarded
def explain(
    indicator: Annotated[str, typer.Argument(help="The indicator id, e.g. lbs_top20_share.")],
    files: PanelFiles,
    reference: ReferenceOption = None,
    year: YearOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
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
    from jingan_kpi.render.formats import resolve_format, write_output

    out_format = resolve_format("explanation", fmt, output)
    loaded, panel, refs = _load(
        files,
        plan,
        unit,
        encoding,
        sheet,
        False,
        None,
        reference,
        year=year,
        indicator=indicator,
        column_option=column,
        output=output,
    )
    ex = explain_indicator(indicator, panel, plan=loaded, reference=refs, as_of=year)
    write_output("explanation", out_format, ex, output)
    if output is not None:
        err(f"wrote {output}")


@app.command("audit-disclosure", short_help="Which cells --publish withholds, and why (internal).")
@guarded
def audit_disclosure(
    files: PanelFiles,
    fmt: FormatOption = None,
    output: OutputOption = None,
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
    from jingan_kpi.render.formats import resolve_format, write_output

    out_format = resolve_format("audit", fmt, output)
    loaded, panel, _ = _load(
        files, plan, unit, encoding, sheet, False, None, column_option=column, output=output
    )
    report = audit(panel, plan=loaded)
    write_output("audit", out_format, report, output)
    if output is not None:
        err(f"wrote {output}")
