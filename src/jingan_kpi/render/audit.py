"""The ``audit-disclosure`` report: which cells ``--publish`` withholds and why (internal)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from jingan_kpi.compute.evaluate import DisclosureAudit
from jingan_kpi.render.text import PIPED_WIDTH, plain_text


def to_text(report: DisclosureAudit, width: int = PIPED_WIDTH) -> str:
    """``audit-disclosure``'s report as plain text."""
    return plain_text(render_audit, report, width)


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
