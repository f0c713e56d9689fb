"""The ``audit-disclosure`` report: which cells ``--publish`` withholds and why (internal)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from jingan_kpi.compute.evaluate import DisclosureAudit


def render_audit(report: DisclosureAudit, console: Console) -> None:
    if not report.unsafe and not report.secondary:
        console.print("No unsafe cells: every published figure passes the disclosure rules.")
        return
    table = Table(
        title="Cells withheld under --publish (internal: do not publish this list)",
        title_justify="left",
    )
    for col in ("cell", "year", "what", "rules broken / why", "contributors"):
        table.add_column(col)
    for u in report.unsafe:
        what = u.kind if u.n is None else f"{u.kind} N={u.n}"
        table.add_row(u.key, str(u.year), what, ", ".join(u.rules), str(u.n_contributors))
    for c in report.secondary:
        table.add_row(
            c.key, str(c.year), "cell", "secondary: protects an unsafe cell", str(c.n_contributors)
        )
    console.print(table)
    if report.intervals:
        console.print(_interval_table(report))


def _interval_table(report: DisclosureAudit) -> Table:
    """Each withheld value: the protection its rules require and the interval an outsider can
    narrow it to from the published figures (the attacker's LP)."""
    table = Table(
        title=(
            f"Interval audit ({report.unit}): what the published figures leave of each "
            "withheld value"
        ),
        title_justify="left",
    )
    for col, justify in (
        ("cell", "left"),
        ("year", "left"),
        ("what", "left"),
        ("rules", "left"),
        ("value", "right"),
        ("protection ±", "right"),
        ("interval", "right"),
        ("verdict", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for w in report.intervals:
        iv = w.interval
        what = w.kind if w.n is None else f"{w.kind} N={w.n}"
        upper = "unbounded" if iv.upper is None else _number(iv.upper)
        table.add_row(
            w.key,
            str(w.year),
            what,
            ", ".join(w.rules),
            _number(iv.value),
            _number(iv.required),
            f"[{_number(iv.lower)}, {upper}]",
            "protected" if iv.protected else "SHORT",
        )
    return table


def _number(value: float) -> str:
    """Six significant digits, thousands grouped: enough to check a bound against a level."""
    return f"{value:,.6g}"
