"""The ``explain`` report: one indicator's inputs and, for a top-N share or an enterprise count,
its enterprises."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from jingan_kpi.compute.explain import Explanation
from jingan_kpi.render.format import fmt_value, status_label


def render_explanation(ex: Explanation, console: Console) -> None:
    ind = ex.indicator
    console.print(f"[bold]{ind.name_zh}[/bold] {ind.name_en} ({ind.id}), unit {ind.unit}")
    console.print(f"formula: {ex.formula}")
    years = sorted({y for i in ex.inputs for y in i.values} | set(ind.values))
    table = Table(title="Inputs by year", title_justify="left")
    table.add_column("input")
    table.add_column("kind")
    for y in years:
        table.add_column(str(y), justify="right")
    for inp in ex.inputs:
        table.add_row(inp.label, inp.kind, *(_num(inp.values.get(y)) for y in years))
    table.add_row(
        f"= {ind.id}", "result", *(fmt_value(ind, ind.values.get(y)) for y in years), style="bold"
    )
    console.print(table)
    for inp in ex.inputs:
        if inp.note:
            console.print(f"  {inp.label}: {inp.note}", style="dim")
    if ind.assessment is not None:
        a = ind.assessment
        console.print(
            f"status as of {a.year}: {status_label(a.status)}"
            + (f" — {a.reason}" if a.reason else "")
        )
    for call, per_year in ex.top.items():
        for y, rows in sorted(per_year.items()):
            t = Table(
                title=f"{call}, {y}: the {len(rows)} largest enterprises", title_justify="left"
            )
            for col, just in (
                ("#", "right"),
                ("credit_code", "left"),
                ("name", "left"),
                (f"revenue {ex.money_unit}", "right"),
                ("share", "right"),
                ("cumulative", "right"),
                ("source", "left"),
            ):
                t.add_column(col, justify=just)  # type: ignore[arg-type]
            for e in rows:
                t.add_row(
                    str(e.rank),
                    e.credit_code,
                    _short(e.name or ""),
                    f"{e.revenue:,.4f}",
                    f"{100 * e.share:.2f}%",
                    f"{100 * e.cumulative_share:.2f}%",
                    e.source,
                )
            console.print(t)

    for label, counted in ex.enterprises.items():
        for y, listed in sorted(counted.items()):
            if not listed:
                console.print(f"{label}, {y}: no enterprise counted", style="dim")
                continue
            t = Table(title=f"{label}, {y}: the enterprises counted", title_justify="left")
            base = "/".join(str(b) for b in sorted({item.base_year for item in listed}))
            for col, just in (
                ("credit_code", "left"),
                ("name", "left"),
                (f"revenue {y} {ex.money_unit}", "right"),
                (f"revenue {base} {ex.money_unit}", "right"),
                ("source", "left"),
            ):
                t.add_column(col, justify=just)  # type: ignore[arg-type]
            for item in listed:
                t.add_row(
                    item.credit_code,
                    _short(item.name or ""),
                    _money(item.revenue),
                    _money(item.base_revenue),
                    item.source,
                )
            console.print(t)


def _money(v: float | None) -> str:
    return "—" if v is None else f"{v:,.4f}"


def _num(v: float | None) -> str:
    if v is None:
        return "—"
    if isinstance(v, int):
        return f"{v:,}"  # a count
    return f"{v:,.6g}" if abs(v) < 1 else f"{v:,.4f}"


def _short(name: str, most: int = 60) -> str:
    """A name cut for the table: a 10 MB name in a data file must not make a 10 MB table."""
    return name if len(name) <= most else name[: most - 1] + "…"
