"""One run: plan + panel + reference series → every indicator computed and assessed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from jingan_kpi.columns import FILTER_COLUMNS
from jingan_kpi.compute.assess import Assessment, assess
from jingan_kpi.compute.cells import compute_cells
from jingan_kpi.compute.disclosure import (
    RULE_SET_DESCRIPTION,
    CellAssessment,
    CellSpec,
    DisclosureResult,
    UnsafeCell,
    WithheldInterval,
    assess_cells,
)
from jingan_kpi.compute.filter_values import filter_value_notes
from jingan_kpi.compute.formulas import FormulaContext, evaluate_all, finite_or_none
from jingan_kpi.compute.plausibility import unit_warnings
from jingan_kpi.compute.result import WITHHELD_REASON, Evaluation, IndicatorResult
from jingan_kpi.compute.series import YearSeries
from jingan_kpi.errors import UsageError
from jingan_kpi.panel import read_panel, read_reference
from jingan_kpi.panel.types import Panel, References
from jingan_kpi.plan import LoadedPlan, load_plan
from jingan_kpi.plan.functions import PanelCall, collect_calls

PanelSource = Panel | pl.DataFrame | str | Path | Sequence[str | Path]


FIGURE_COLUMNS: tuple[str, ...] = ("industry_code", "year", "revenue", *FILTER_COLUMNS.values())
"""The panel columns the figures are computed from (``compute_cells``); disclosure control also
orders enterprises by credit code. Names, sources and lines are for ``explain`` and rejects."""


def figure_columns(plan: LoadedPlan | None = None, *, publish: bool) -> tuple[str, ...]:
    """The panel columns :func:`evaluate` reads from (``read_panel(columns=...)``): those of the
    figures, the credit code for disclosure control, and what the plan's functions read besides
    (the credit code for enterprise histories)."""
    extra: set[str] = {"credit_code"} if publish else set()
    if plan is not None:
        for call in collect_calls(plan.formulas, plan.model).values():
            extra |= call.rule.columns
    return (*FIGURE_COLUMNS, *sorted(extra - set(FIGURE_COLUMNS)))


def evaluate(
    panel: PanelSource,
    *,
    plan: LoadedPlan | str | Path | None = None,
    reference: References | str | Path | None = None,
    as_of: int | None = None,
    publish: bool = False,
    unit: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    strict: bool = False,
    headers: Mapping[str, str] | None = None,
) -> Evaluation:
    """Compute every indicator of the plan from the panel and assess every target.

    Parameters
    ----------
    panel
        A :class:`~jingan_kpi.panel.types.Panel` from :func:`~jingan_kpi.panel.read_panel`, or
        what ``read_panel`` takes: paths, glob patterns, or a polars frame of text columns.
    plan
        A loaded plan or a plan file; None is the shipped plan.
    reference
        Reference series (contract §2) or the path of their CSV file; None: comparisons with
        reference series are ``not_assessable``.
    as_of
        The assessment year t (contract §5); None is the latest year of the panel. It must be a
        year the panel covers. It does not filter the panel.
    publish
        Apply statistical disclosure control: withhold suppressed cells and all that derives
        from them.
    unit, encoding, sheet, strict, headers
        Passed to :func:`~jingan_kpi.panel.read_panel` when ``panel`` is not read yet.

    Returns
    -------
    Evaluation
        Its ``to_dict()`` is the JSON of ``jingan-kpi check --format json``.
    """
    loaded = plan if isinstance(plan, LoadedPlan) else load_plan(plan)
    if not isinstance(panel, Panel):
        panel = read_panel(
            panel,
            plan=loaded,
            unit=unit,
            encoding=encoding,
            sheet=sheet,
            strict=strict,
            columns=figure_columns(loaded, publish=publish),
            headers=headers,
        )
    refs = as_references(reference, loaded)
    return evaluate_loaded(loaded, panel, refs, as_of=as_of, publish=publish)[0]


def evaluate_loaded(
    loaded: LoadedPlan,
    panel: Panel,
    refs: References,
    *,
    as_of: int | None = None,
    publish: bool = False,
) -> tuple[Evaluation, FormulaContext]:
    """:func:`evaluate` on inputs already loaded; also returns the per-year values of every
    formula (``ctx``), from which :mod:`~jingan_kpi.compute.explain` shows a figure's inputs."""
    model = loaded.model
    years = tuple(panel.years)
    if not years:
        raise _no_usable_rows(panel)
    if as_of is None:
        as_of = years[-1]
    elif as_of not in years:
        msg = (
            f"as_of={as_of} is not a year the panel covers ({', '.join(map(str, years))}); "
            "give one of those years"
        )
        raise UsageError(msg)

    if publish:
        panel.require(("credit_code",), "--publish")
    ctx, calls = compute_series(loaded, panel, refs)
    disclosure = _disclosure(panel, loaded, calls) if publish else None
    results = [
        _result(loaded, ind.id, ctx.indicators[ind.id], as_of, years, disclosure)
        for ind in model.indicators
    ]
    evaluation = Evaluation(
        plan_id=model.plan.id,
        baseline_year=model.plan.baseline_year,
        target_year=model.plan.target_year,
        money_unit=model.plan.money_unit,
        as_of=as_of,
        years=years,
        rows=panel.counts,
        indicators=tuple(results),
        published=publish,
        rule_set=RULE_SET_DESCRIPTION if disclosure is not None else None,
        notes=panel.notes,
        warnings=tuple(unit_warnings(loaded, panel, results, refs)),
        filter_notes=filter_value_notes(loaded, panel),
        title_zh=model.plan.title_zh,
        title_en=model.plan.title_en,
        district=model.plan.district,
        plan_path=loaded.path,
        reference_path=refs.path,
    )
    return evaluation, ctx


def _no_usable_rows(panel: Panel) -> UsageError:
    c = panel.counts
    msg = "the panel has no usable rows, so there is nothing to compute"
    if c.read:
        reasons = ", ".join(f"{k} {v}" for k, v in c.rejected_by_reason.items() if v)
        msg += (
            f": of {c.read} rows, {c.rejected} rejected"
            f"{f' ({reasons})' if reasons else ''} and {c.out_of_scope} out of scope"
            " (outside every sector of the plan); see every rejected row with --rejects FILE"
        )
    return UsageError(msg)


def as_references(reference: References | str | Path | None, plan: LoadedPlan) -> References:
    """Reference series as given, read from a path, or none at all."""
    if reference is None:
        return References()
    if isinstance(reference, References):
        return reference
    declared = {name: decl.kind for name, decl in plan.model.references.items()}
    return read_reference(reference, money_unit=plan.model.plan.money_unit, declared=declared)


def compute_series(
    loaded: LoadedPlan, panel: Panel, refs: References
) -> tuple[FormulaContext, dict[str, PanelCall]]:
    """The one pass over the panel, then every indicator's per-year values (in ``ctx``)."""
    calls = collect_calls(loaded.formulas, loaded.model)
    table = compute_cells(panel.frame, calls, panel.columns, panel.years)
    ctx = FormulaContext(
        plan=loaded.model, cells=table, columns=panel.columns, references=refs, indicators={}
    )
    evaluate_all(loaded.order, loaded.formulas, ctx)
    return ctx, calls


def _result(
    loaded: LoadedPlan,
    ind_id: str,
    series: YearSeries,
    as_of: int,
    years: tuple[int, ...],
    disclosure: DisclosureResult | None,
) -> IndicatorResult:
    model = loaded.model
    ind = loaded.indicator(ind_id)
    values = {y: v for y, v in series.values.items() if finite_or_none(v) is not None}
    if series.const is not None:
        # A formula that is a constant has that value in every year the panel covers.
        values = dict.fromkeys(years, series.const)
    withheld: set[int] = set()
    if disclosure is not None:
        withheld = {y for y in values if _is_withheld(series, y, disclosure)}
    assessment: Assessment | None = None
    if ind.target is not None:
        missing = "; ".join(series.missing) or None
        assessment = assess(
            ind.target,
            values,
            baseline_year=model.plan.baseline_year,
            as_of=as_of,
            missing_reason=missing,
        )
        if withheld and _assessment_uses(assessment, withheld, model.plan.baseline_year):
            assessment = Assessment("not_assessable", WITHHELD_REASON, assessment.year)
    published_values = {y: v for y, v in values.items() if y not in withheld}
    unit = model.plan.money_unit if ind.unit == "money" else ind.unit
    return IndicatorResult(
        id=ind.id,
        name_zh=ind.name_zh,
        name_en=ind.name_en,
        section=ind.section,
        kind=ind.unit,
        table=ind.display_table,
        unit=unit,
        formula=ind.formula,
        values=published_values,
        target=ind.target,
        assessment=assessment,
        sources=series.sources,
        missing=series.missing,
        suppressed=tuple(sorted(withheld)) if disclosure is not None else None,
    )


def _assessment_uses(assessment: Assessment, withheld: set[int], baseline: int) -> bool:
    # A status is computed from the values of the baseline year up to the assessment year; if
    # any of those is withheld, the status (and growth figures) could narrow the value down.
    return any(baseline <= y <= assessment.year for y in withheld)


def _is_withheld(series: YearSeries, year: int, disclosure: DisclosureResult) -> bool:
    for dep in series.dep(year):
        if disclosure.is_suppressed(dep.cell, dep.year):
            return True
        if (
            dep.kind == "top"
            and dep.n is not None
            and disclosure.top_share_withheld(dep.cell, dep.n, dep.year)
        ):
            return True
        if dep.kind == "hhi" and disclosure.hhi_withheld(dep.cell, dep.year):
            return True
    return False


def _disclosure(panel: Panel, loaded: LoadedPlan, calls: dict[str, PanelCall]) -> DisclosureResult:
    cells: dict[str, CellSpec] = {}
    top_n: dict[str, list[int]] = {}
    for call in calls.values():
        kind = call.rule.disclosure
        # A count of enterprises publishes no magnitude: it defines no magnitude cell of its own.
        if kind == "none" or not call.needs_columns() <= panel.columns:
            continue
        cells.setdefault(call.cell_key, CellSpec.of(call.cell_key, call.cell))
        if kind == "top_n" and call.n is not None:
            top_n.setdefault(call.cell_key, []).append(call.n)
    return assess_cells(
        panel.frame, list(cells.values()), loaded.model.disclosure, years=panel.years, top_n=top_n
    )


@dataclass(frozen=True, slots=True)
class DisclosureAudit:
    """Why figures are withheld under ``--publish`` (internal: it tells which cells hide few or
    dominant enterprises, though it names none)."""

    unsafe: tuple[UnsafeCell, ...]
    """Primary-unsafe cells, top-N groups and HHIs with the rules broken."""
    secondary: tuple[CellAssessment, ...]
    """Cells withheld only to protect others."""
    intervals: tuple[WithheldInterval, ...] = ()
    """The interval audit: each withheld cell's rule, the protection required and the
    interval [lower, upper] the published figures leave, in ``unit``."""
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "unsafe": [u.to_dict() for u in self.unsafe],
            "secondary": [
                {"key": c.key, "year": c.year, "n_contributors": c.n_contributors}
                for c in self.secondary
            ],
            "unit": self.unit,
            "intervals": [w.to_dict() for w in self.intervals],
        }


def audit_disclosure(
    panel: PanelSource, *, plan: LoadedPlan | str | Path | None = None
) -> DisclosureAudit:
    """List each unsafe cell the plan's formulas would publish, and the rule it breaks
    (``jingan-kpi audit-disclosure``)."""
    loaded = plan if isinstance(plan, LoadedPlan) else load_plan(plan)
    if not isinstance(panel, Panel):
        panel = read_panel(panel, plan=loaded)
    if not panel.years:
        # An audit of nothing would say "no unsafe cells": refuse it as check does.
        raise _no_usable_rows(panel)
    calls = collect_calls(loaded.formulas, loaded.model)
    result = _disclosure(panel, loaded, calls)
    # An HHI is published only where the plan computes one.
    hhi_cells = {c.cell_key for c in calls.values() if c.rule.disclosure == "hhi"}
    unsafe = tuple(u for u in result.unsafe_cells() if u.kind != "hhi" or u.key in hhi_cells)
    secondary = tuple(c for c in result.suppressed_cells() if c.secondary)
    return DisclosureAudit(
        unsafe=unsafe,
        secondary=secondary,
        intervals=tuple(result.intervals),
        unit=loaded.model.plan.money_unit,
    )
