"""Evaluation of formula trees into per-year values.

Panel functions read the :class:`~jingan_kpi.compute.cells.CellTable` of the one pass; the others
work on the few per-year values. Each function's rule is its entry in the registry
(:data:`jingan_kpi.plan.functions.FUNCTIONS`); this module only walks the tree. Rules from
contract §4: a sector with no rows in a covered year has revenue 0; a ratio or growth whose
denominator or base is 0 has no value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jingan_kpi.compute import series as S
from jingan_kpi.compute.cells import CellTable
from jingan_kpi.compute.series import Dep, YearSeries
from jingan_kpi.panel.types import References
from jingan_kpi.plan import ast
from jingan_kpi.plan.functions import (
    FUNCTIONS,
    DisclosureKind,
    PanelCall,
    finite_or_none,
    panel_call,
    reference_growth,
)
from jingan_kpi.plan.model import Plan

__all__ = [
    "FormulaContext",
    "evaluate_all",
    "evaluate_node",
    "finite_or_none",
    "panel_deps",
    "reference_growth",
]


@dataclass
class FormulaContext:
    """What evaluating a formula reads: the plan, the one pass's statistics, the panel's
    optional columns, the reference series, and the indicators evaluated so far."""

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
        function = FUNCTIONS[node.func]
        if function.panel is not None:
            return _panel_function(panel_call(node, ctx.plan), ctx)
        if function.evaluate is not None:
            args = tuple(
                _argument(kind, a, ctx) for kind, a in zip(function.args, node.args, strict=True)
            )
            options = {k: _option(v) for k, v in node.kwargs if k in function.options}
            return function.evaluate(args, options, ctx)
    msg = f"cannot evaluate formula node {node!r}"  # the plan validator rules this out
    raise ValueError(msg)


def _argument(kind: str, node: ast.Node, ctx: FormulaContext) -> YearSeries | str | float:
    if kind == "expr":
        return evaluate_node(node, ctx)
    if isinstance(node, ast.Name):
        return node.name
    if isinstance(node, ast.Number):
        return node.value
    msg = f"cannot evaluate argument {node!r}"  # the plan validator rules this out
    raise ValueError(msg)


def _option(node: ast.Node) -> float | str:
    if isinstance(node, ast.Number):
        return node.value
    if isinstance(node, ast.Name):
        return node.name
    msg = f"cannot evaluate option {node!r}"  # the plan validator rules this out
    raise ValueError(msg)


def panel_deps(kind: DisclosureKind, call: PanelCall, year: int) -> frozenset[Dep]:
    """What a panel call's value reveals in a year, by how disclosure control treats it."""
    if kind == "none":
        return frozenset()
    cell = Dep("cell", call.cell_key, year)
    if kind == "top_n":
        return frozenset({cell, Dep("top", call.cell_key, year, call.n)})
    if kind == "hhi":
        return frozenset({cell, Dep("hhi", call.cell_key, year)})
    return frozenset({cell})


def _panel_function(call: PanelCall, ctx: FormulaContext) -> YearSeries:
    lacking = sorted(call.needs_columns() - ctx.columns)
    if lacking:
        return YearSeries(
            values={},
            missing=(f"the panel has no {', '.join(lacking)} column (needed by {call.key})",),
        )
    rule = call.rule
    stats = ctx.cells.of(call)
    values: dict[int, float] = {}
    deps: dict[int, frozenset[Dep]] = {}
    for y in ctx.cells.years:
        v = rule.value(call, stats, y)
        if v is None:
            continue
        values[y] = v
        deps[y] = panel_deps(rule.disclosure, call, y)
    return YearSeries(values=values, deps=deps)


def evaluate_all(
    order: tuple[str, ...],
    formulas: Mapping[str, ast.Node],
    ctx: FormulaContext,
) -> dict[str, YearSeries]:
    """Evaluate every indicator, dependencies first."""
    for ind_id in order:
        ctx.indicators[ind_id] = evaluate_node(formulas[ind_id], ctx)
    return ctx.indicators
