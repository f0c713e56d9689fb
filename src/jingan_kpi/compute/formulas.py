"""Evaluation of formula trees into per-year values.

Panel functions read the :class:`~jingan_kpi.compute.cells.CellTable` of the one pass; the rest
(arithmetic, ``ref``, ``yoy``, ``cagr``, ``growth_diff``) work on the few per-year values. Rules
from contract §4: a sector with no rows in a covered year has revenue 0; a ratio or growth whose
denominator or base is 0 has no value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from jingan_kpi.compute import series as S
from jingan_kpi.compute.cells import PANEL_FUNCTIONS, CellTable, PanelCall, panel_call
from jingan_kpi.compute.series import Dep, YearSeries
from jingan_kpi.panel.types import References
from jingan_kpi.plan import ast
from jingan_kpi.plan.model import Plan


@dataclass
class FormulaContext:
    plan: Plan
    cells: CellTable
    columns: frozenset[str]
    references: References
    indicators: dict[str, YearSeries]
    """Indicators already evaluated (the plan's dependency order guarantees they are there)."""


_OPS = {"+": S.add, "-": S.sub, "*": S.mul, "/": S.div}


def evaluate_node(node: ast.Node, ctx: FormulaContext) -> YearSeries:
    """Evaluate one (validated) formula node."""
    if isinstance(node, ast.Number):
        return YearSeries.constant(node.value)
    if isinstance(node, ast.Name):
        return ctx.indicators[node.name]
    if isinstance(node, ast.Neg):
        return S.combine(YearSeries.constant(-1.0), evaluate_node(node.operand, ctx), S.mul)
    if isinstance(node, ast.BinOp):
        left = evaluate_node(node.left, ctx)
        right = evaluate_node(node.right, ctx)
        return S.combine(left, right, _OPS[node.op])
    if isinstance(node, ast.Call):
        if node.func in PANEL_FUNCTIONS:
            return _panel_function(node, ctx)
        if node.func == "ref":
            return _reference(_name(node.args[0]), ctx)
        if node.func == "yoy":
            return _yoy(evaluate_node(node.args[0], ctx))
        if node.func == "cagr":
            return _cagr(evaluate_node(node.args[0], ctx), ctx.plan.plan.baseline_year)
        if node.func == "growth_diff":
            return _growth_diff(
                evaluate_node(node.args[0], ctx),
                _name(node.args[1]),
                ctx,
            )
    msg = f"cannot evaluate formula node {node!r}"  # the plan validator rules this out
    raise ValueError(msg)


def _name(node: ast.Node) -> str:
    if isinstance(node, ast.Name):
        return node.name
    if isinstance(node, ast.Call) and node.func == "ref" and isinstance(node.args[0], ast.Name):
        return node.args[0].name
    msg = f"expected a name, got {node!r}"
    raise ValueError(msg)


def _panel_function(node: ast.Call, ctx: FormulaContext) -> YearSeries:
    call = panel_call(node, ctx.plan)
    lacking = sorted(call.needs_columns() - ctx.columns)
    if lacking:
        return YearSeries(
            values={},
            missing=(
                f"the panel has no {', '.join(lacking)} column (needed by {call.key}): add it "
                "to the panel files",
            ),
        )
    cell = call.cell_key
    sums = ctx.cells.sums[cell]
    values: dict[int, float] = {}
    deps: dict[int, frozenset[Dep]] = {}
    for y in ctx.cells.years:
        total = sums[y]
        cell_dep: Dep = ("cell", cell, str(y))
        if call.func == "revenue":
            values[y] = total
            deps[y] = frozenset({cell_dep})
        elif call.func == "count":
            # A count reveals no magnitude: it depends on no magnitude cell.
            values[y] = ctx.cells.counts[cell][y]
            deps[y] = frozenset()
        elif call.func == "top_share":
            if total > 0:
                values[y] = _top_share(ctx, call, y, total)
                deps[y] = frozenset({cell_dep, ("top", cell, str(call.n), str(y))})
        elif call.func == "hhi" and total > 0:
            values[y] = 10_000.0 * ctx.cells.square_sums[cell][y] / (total * total)
            deps[y] = frozenset({cell_dep, ("hhi", cell, str(y))})
    return YearSeries(values=values, deps=deps)


def _top_share(ctx: FormulaContext, call: PanelCall, year: int, total: float) -> float:
    """The top-N sum over the total, kept to what it is on paper: exactly 1 where the cell has
    N enterprises or fewer (contract §4: all of them), and never above 1. The two sums add the
    same numbers in different orders, so they can differ in the last bit."""
    if call.n is not None and ctx.cells.counts[call.cell_key][year] <= call.n:
        return 1.0
    return min(1.0, ctx.cells.top_sums[call.key][year] / total)


def _reference(name: str, ctx: FormulaContext) -> YearSeries:
    ref = ctx.references.series.get(name)
    if ref is None:
        fix = (
            f" in {ctx.references.path}: add its rows to that file"
            if ctx.references.path
            else ": add --reference FILE (reference= in Python) with its rows"
        )
        return YearSeries(values={}, missing=(f"reference series {name!r} not supplied{fix}",))
    return YearSeries(values=dict(ref.values), sources=(f"{name}: {ref.source}",))


def _yoy(s: YearSeries) -> YearSeries:
    values: dict[int, float] = {}
    deps: dict[int, frozenset[Dep]] = {}
    for y, v in s.values.items():
        prev = s.values.get(y - 1)
        if prev is None or prev == 0:
            continue
        values[y] = v / prev - 1.0
        deps[y] = s.dep(y) | s.dep(y - 1)
    return YearSeries(values=values, deps=deps, missing=s.missing, sources=s.sources)


def _cagr(s: YearSeries, base: int) -> YearSeries:
    values: dict[int, float] = {}
    deps: dict[int, frozenset[Dep]] = {}
    v0 = s.values.get(base)
    if v0 is not None:
        for y, v in s.values.items():
            if y <= base:
                continue
            g = S.compound_growth(v, v0, y - base)
            if g is not None:
                values[y] = g
                deps[y] = s.dep(y) | s.dep(base)
    missing = s.missing if v0 is not None else (*s.missing, f"no value in the baseline year {base}")
    return YearSeries(values=values, deps=deps, missing=missing, sources=s.sources)


def reference_growth(name: str, ctx: FormulaContext, base: int) -> YearSeries:
    """Compound annual growth of a reference series since the baseline (contract §4).

    For a level series, (R(t)/R(Y0))^(1/(t−Y0)) − 1; for a series of published growth rates in %,
    the geometric mean (∏ over Y0+1…t of (1 + rate/100))^(1/(t−Y0)) − 1.
    """
    ref = ctx.references.series.get(name)
    if ref is None:
        return _reference(name, ctx)
    sources = (f"{name}: {ref.source}",)
    values: dict[int, float] = {}
    if ref.kind == "level":
        lv = _cagr(YearSeries(values=dict(ref.values)), base)
        return YearSeries(values=lv.values, missing=lv.missing, sources=sources)
    product = 1.0
    for y in range(base + 1, max(ref.values, default=base) + 1):
        rate = ref.values.get(y)
        if rate is None:
            break
        product *= 1.0 + rate / 100.0
        if product < 0:
            break
        values[y] = product ** (1.0 / (y - base)) - 1.0
    return YearSeries(values=values, sources=sources)


def _growth_diff(s: YearSeries, ref_name: str, ctx: FormulaContext) -> YearSeries:
    base = ctx.plan.plan.baseline_year
    own = _cagr(s, base)
    ref = reference_growth(ref_name, ctx, base)
    return S.combine(own, ref, lambda a, b: 100.0 * (a - b))


def finite_or_none(v: float | None) -> float | None:
    if v is None or math.isnan(v) or math.isinf(v):
        return None
    return v


def evaluate_all(
    order: tuple[str, ...],
    formulas: Mapping[str, ast.Node],
    ctx: FormulaContext,
) -> dict[str, YearSeries]:
    """Evaluate every indicator, dependencies first."""
    for ind_id in order:
        ctx.indicators[ind_id] = evaluate_node(formulas[ind_id], ctx)
    return ctx.indicators
