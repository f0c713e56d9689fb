"""How one figure was computed, year by year: the formula, its inputs and, for a top-N share,
the N enterprises, for an enterprise count (contract §8) the enterprises counted — what a
statistician needs to audit a figure before it is published.

This is internal detail: it names enterprises, so it is never part of published output.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from jingan_kpi.compute.enterprise import ListedEnterprise, listed_enterprises
from jingan_kpi.compute.evaluate import PanelSource, as_references, evaluate_loaded
from jingan_kpi.compute.formulas import evaluate_node
from jingan_kpi.compute.result import IndicatorResult
from jingan_kpi.errors import UsageError
from jingan_kpi.panel import read_panel
from jingan_kpi.panel.types import Panel, References
from jingan_kpi.plan import LoadedPlan, ast, load_plan
from jingan_kpi.plan.functions import (
    FUNCTIONS,
    PanelCall,
    enterprise_spec,
    panel_call,
    reference_series,
)


@dataclass(frozen=True, slots=True)
class ExplainInput:
    """One input of the formula: a sub-expression and its per-year values."""

    label: str
    kind: str
    """``indicator``, ``panel``, ``reference`` or ``expression``."""
    values: dict[int, float]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class TopEnterprise:
    rank: int
    credit_code: str
    name: str | None
    revenue: float
    share: float
    cumulative_share: float
    source: str = ""
    """Where the row was read: ``file:line``."""


@dataclass(frozen=True, slots=True)
class Explanation:
    indicator: IndicatorResult
    formula: str
    inputs: tuple[ExplainInput, ...]
    top: dict[str, dict[int, tuple[TopEnterprise, ...]]] = field(default_factory=dict)
    """Per top_share call (its text), per year, the N largest enterprises."""
    money_unit: str = "亿元"
    enterprises: dict[str, dict[int, tuple[ListedEnterprise, ...]]] = field(default_factory=dict)
    """Per enterprise-function call (its text), per year, the enterprises it counts."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator.to_dict(),
            "formula": self.formula,
            "inputs": [
                {
                    "label": i.label,
                    "kind": i.kind,
                    "note": i.note,
                    "values": {str(y): v for y, v in sorted(i.values.items())},
                }
                for i in self.inputs
            ],
            "top": {
                call: {str(y): [vars_of(e) for e in rows] for y, rows in sorted(per_year.items())}
                for call, per_year in self.top.items()
            },
            "money_unit": self.money_unit,
            "enterprises": {
                call: {
                    str(y): [dataclasses.asdict(e) for e in rows]
                    for y, rows in sorted(per_year.items())
                }
                for call, per_year in self.enterprises.items()
            },
        }


def vars_of(e: TopEnterprise) -> dict[str, Any]:
    return {
        "rank": e.rank,
        "credit_code": e.credit_code,
        "name": e.name,
        "revenue": e.revenue,
        "share": e.share,
        "cumulative_share": e.cumulative_share,
        "source": e.source,
    }


def explain(
    indicator_id: str,
    panel: PanelSource,
    *,
    plan: LoadedPlan | str | Path | None = None,
    reference: References | str | Path | None = None,
    as_of: int | None = None,
) -> Explanation:
    """Explain one indicator: its formula's inputs year by year and the top-N enterprises."""
    loaded = plan if isinstance(plan, LoadedPlan) else load_plan(plan)
    model = loaded.model
    if indicator_id not in loaded.formulas:
        close = difflib.get_close_matches(indicator_id, list(loaded.formulas), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        msg = f"no indicator {indicator_id!r} in plan {loaded.path}{hint}"
        raise UsageError(msg)
    if not isinstance(panel, Panel):
        panel = read_panel(panel, plan=loaded)
    panel.require(("credit_code", "name", "source_file", "source_line"), "explain")
    refs = as_references(reference, loaded)
    ev, ctx = evaluate_loaded(loaded, panel, refs, as_of=as_of)
    node = loaded.formulas[indicator_id]
    inputs: list[ExplainInput] = []
    top: dict[str, dict[int, tuple[TopEnterprise, ...]]] = {}
    listed: dict[str, dict[int, tuple[ListedEnterprise, ...]]] = {}

    def visit(n: ast.Node) -> None:
        if isinstance(n, ast.Name):
            s = ctx.indicators[n.name]
            inputs.append(ExplainInput(n.name, "indicator", dict(s.values)))
        elif isinstance(n, ast.Call):
            s = evaluate_node(n, ctx)
            label = formula_text(n)
            function = FUNCTIONS[n.func]
            if function.panel is not None:
                inputs.append(
                    ExplainInput(label, "panel", dict(s.values), "; ".join(s.missing) or None)
                )
                call = panel_call(n, model)
                if function.panel.explain_top:
                    top[label] = _top_enterprises(panel, call)
                if function.panel.explain_enterprises and call.needs_columns() <= panel.columns:
                    listed[label] = listed_enterprises(
                        panel.frame, enterprise_spec(call), panel.years
                    )
                if function.panel.explain_total:
                    # The denominator of a share, the base of an HHI, the cell behind a count.
                    sums = ctx.cells.cell_sums(call)
                    inputs.append(ExplainInput(call.cell_key, "panel", dict(sums)))
            elif function.args == ("ref",):
                inputs.append(
                    ExplainInput(
                        label,
                        "reference",
                        dict(s.values),
                        "; ".join(s.sources or s.missing) or None,
                    )
                )
            else:
                for kind, a in zip(function.args, n.args, strict=True):
                    if kind == "expr":
                        visit(a)
                    elif kind == "ref" and isinstance(a, ast.Name):
                        # A reference series named as an argument (growth_diff's second).
                        r = reference_series(a.name, ctx)
                        note = "; ".join(r.sources or r.missing) or None
                        inputs.append(
                            ExplainInput(f"ref({a.name})", "reference", dict(r.values), note)
                        )
                for key, value in n.kwargs:
                    option = function.options.get(key)
                    if option is not None and option.kind == "ref" and isinstance(value, ast.Name):
                        # A reference group (rank's among=): each member's series.
                        for member, ref in sorted(ctx.references.members(value.name).items()):
                            inputs.append(
                                ExplainInput(
                                    f"{value.name}[{member}]",
                                    "reference",
                                    dict(ref.values),
                                    ref.source,
                                )
                            )
                inputs.append(
                    ExplainInput(label, "expression", dict(s.values), "; ".join(s.sources) or None)
                )
        elif isinstance(n, ast.BinOp):
            visit(n.left)
            visit(n.right)
        elif isinstance(n, ast.Neg):
            visit(n.operand)

    visit(node)
    return Explanation(
        indicator=ev.indicator(indicator_id),
        formula=loaded.indicator(indicator_id).formula,
        inputs=tuple(inputs),
        top=top,
        money_unit=model.plan.money_unit,
        enterprises=listed,
    )


def _top_enterprises(panel: Panel, call: PanelCall) -> dict[int, tuple[TopEnterprise, ...]]:
    if not call.needs_columns() <= panel.columns or call.n is None:
        return {}
    n = call.n
    frame = (
        panel.frame.lazy()
        .filter(call.mask())
        .with_columns(total=pl.col("revenue").sum().over("year"))
        .sort(["year", "revenue", "credit_code"], descending=[False, True, False])
        .group_by("year", maintain_order=True)
        .head(n)
        .collect()
    )
    out: dict[int, list[TopEnterprise]] = {}
    cumulative: dict[int, float] = {}
    for row in frame.iter_rows(named=True):
        y = int(row["year"])
        total = row["total"] or 0.0
        share = row["revenue"] / total if total else 0.0
        cumulative[y] = cumulative.get(y, 0.0) + share
        rows = out.setdefault(y, [])
        rows.append(
            TopEnterprise(
                len(rows) + 1,
                row["credit_code"],
                row["name"],
                row["revenue"],
                share,
                cumulative[y],
                f"{row['source_file']}:{row['source_line']}",
            )
        )
    return {y: tuple(v) for y, v in out.items()}


def formula_text(node: ast.Node) -> str:
    """Write a formula node back as text (for labels)."""
    if isinstance(node, ast.Number):
        v = node.value
        return str(int(v)) if float(v).is_integer() else repr(v)
    if isinstance(node, ast.String):
        return '"' + node.value + '"'
    if isinstance(node, ast.Name):
        return node.name
    if isinstance(node, ast.ListOf):
        return "[" + ", ".join(formula_text(i) for i in node.items) + "]"
    if isinstance(node, ast.Neg):
        return "-" + formula_text(node.operand)
    if isinstance(node, ast.BinOp):
        return f"{formula_text(node.left)} {node.op} {formula_text(node.right)}"
    args = [formula_text(a) for a in node.args] + [f"{k}={formula_text(v)}" for k, v in node.kwargs]
    return f"{node.func}({', '.join(args)})"
