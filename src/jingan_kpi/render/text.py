"""Rich tables for people at a terminal (plain, colourless text when piped or under NO_COLOR)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, TypeVar

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from jingan_kpi.compute.result import Evaluation, IndicatorResult
from jingan_kpi.render.format import (
    ATTAINED_LABEL,
    NO_VALUE,
    STATUS_LABELS,
    STATUS_STYLES,
    SUPPRESSED_MARK,
    TABLE_TITLES,
    explained,
    fmt_cell,
    fmt_rate,
    fmt_target,
    fmt_value,
    fmt_years_held,
    progress_fraction,
    status_label,
    table_indicators,
    target_indicators,
    unit_label,
)

BAR_WIDTH = 10
PIPED_WIDTH = 160


_R = TypeVar("_R")


def plain_text(render: Callable[[_R, Console], None], result: _R, width: int = PIPED_WIDTH) -> str:
    """What ``render`` prints, as plain text of a fixed width without rich's trailing padding
    (piped or to a file: the output does not depend on the reader's terminal)."""
    buf = io.StringIO()
    render(result, make_console(buf, width=width))
    return "".join(line.rstrip() + "\n" for line in buf.getvalue().splitlines())


def make_console(file: IO[str] | None = None, *, width: int | None = None) -> Console:
    """A console that colours only a real terminal and respects NO_COLOR (rich does)."""
    console = Console(file=file, width=width, highlight=False, soft_wrap=False)
    if not console.is_terminal and width is None:
        # Piped: a stable width, so the output does not depend on the reader's terminal.
        console = Console(file=file, width=PIPED_WIDTH, highlight=False, soft_wrap=False)
    return console


def _bar(fraction: float | None) -> Text:
    if fraction is None:
        return Text(NO_VALUE, style="dim")
    filled = max(0, min(BAR_WIDTH, round(fraction * BAR_WIDTH)))
    bar = Text("█" * filled, style="cyan")
    bar.append("░" * (BAR_WIDTH - filled), style="dim")
    bar.append(f" {100 * fraction:.0f}%")
    return bar


def _status(ind: IndicatorResult) -> Text:
    if ind.status is None:
        return Text("")
    return Text(status_label(ind.status), style=STATUS_STYLES.get(ind.status, ""))


COMPACT_BELOW = 120
"""Below this console width the overview drops its growth and projection columns."""


def _target_cell(ind: IndicatorResult) -> str:
    """The target as the overview shows it: an every-year target on two lines ("每年 each year"
    above "第1名 1st"), so the column is no wider than for the other targets."""
    text = fmt_target(ind)
    prefix = "每年 each year "
    return text.replace(prefix, prefix.rstrip() + "\n", 1) if text.startswith(prefix) else text


def overview_table(ev: Evaluation, width: int = PIPED_WIDTH) -> Table:
    """The targets overview; on a narrow console a compact form that still fits."""
    y0, t = ev.baseline_year, ev.as_of
    yt = ev.target_year
    compact = width < COMPACT_BELOW
    table = Table(
        title=f"目标进展 Progress towards the {yt} targets (as of {t})",
        title_justify="left",
        show_lines=False,
        expand=False,
        caption=(
            f"Left out at this width: id, {y0} 基期, 需/实增速 req/act, {yt} 预计 proj. "
            "(a wider terminal, or --format markdown, shows them)"
            if compact
            else None
        ),
        caption_justify="left",
    )
    table.add_column("指标 Indicator", overflow="fold", min_width=14 if compact else 24)
    if not compact:
        table.add_column(f"{y0} 基期", justify="right", no_wrap=True)
    table.add_column(f"{t} 最新", justify="right", no_wrap=True)
    table.add_column(f"{yt} 目标", justify="right", no_wrap=not compact)
    table.add_column(ATTAINED_LABEL.split()[0] if compact else ATTAINED_LABEL, no_wrap=True)
    if not compact:
        table.add_column("需/实增速 req/act", justify="right", no_wrap=True)
        table.add_column(f"{yt} 预计 proj.", justify="right", no_wrap=True)
    table.add_column("状态 Status", overflow="fold")
    notes = {ind.id: n for n, ind in enumerate(explained(ev), start=1)}
    for ind in target_indicators(ev):
        a = ind.assessment
        year = a.year if a else t
        # Narrow: the Chinese name stays (it is what readers look for), the id goes.
        name = Text(ind.name_zh)
        name.append(
            f"\n{unit_label(ind)}" if compact else f"\n{ind.id} · {unit_label(ind)}", style="dim"
        )
        status = _status(ind)
        if compact and ind.status is not None:
            status = Text(
                status_label(ind.status, lang="zh"), style=STATUS_STYLES.get(ind.status, "")
            )
        cells: list[Text | str] = [name]
        if not compact:
            cells.append(fmt_cell(ind, y0))
        held = fmt_years_held(ind, y0)
        fraction = progress_fraction(ind, year, y0)
        if held:
            progress = Text(held)
        elif compact:
            progress = Text(NO_VALUE if fraction is None else f"{100 * fraction:.0f}%")
        else:
            progress = _bar(fraction)
        cells += [fmt_cell(ind, year), _target_cell(ind), progress]
        if not compact:
            growth = ""
            if a is not None and (a.required_growth is not None or a.actual_growth is not None):
                growth = f"{fmt_rate(a.required_growth)} / {fmt_rate(a.actual_growth)}"
            cells.append(growth)
            cells.append(fmt_value(ind, a.projected) if a and a.projected is not None else "")
        if ind.id in notes:
            status.append(f" [{notes[ind.id]}]")
        cells.append(status)
        table.add_row(*cells)
    return table


def reasons(ev: Evaluation) -> Text | None:
    """Why each ``not_assessable`` target could not be assessed, and the fix, numbered as the
    marks in the overview's status column."""
    found = explained(ev)
    if not found:
        return None
    text = Text("无法评估的原因 Why not assessable:")
    for n, ind in enumerate(found, start=1):
        text.append(f"\n[{n}] {ind.name_zh} ({ind.id}): {ind.reason}")
    return text


def years_table(ev: Evaluation, kind: str) -> Table | None:
    inds = table_indicators(ev, kind)
    if not inds:
        return None
    zh, en = TABLE_TITLES[kind]
    table = Table(title=f"{zh} {en}", title_justify="left")
    table.add_column("指标 Indicator", overflow="fold")
    table.add_column("单位 Unit")
    for y in ev.years:
        table.add_column(str(y), justify="right")
    for ind in inds:
        table.add_row(ind.name_zh, unit_label(ind), *(fmt_cell(ind, y) for y in ev.years))
    return table


def legend() -> Text:
    text = Text("状态 Status: ", style="dim")
    for i, (status, (zh, en)) in enumerate(STATUS_LABELS.items()):
        if i:
            text.append(" · ", style="dim")
        text.append(f"{zh} {en}", style=STATUS_STYLES[status])
    text.append(
        f"\n{ATTAINED_LABEL} = latest ÷ target. req/act = compound annual growth required to "
        "reach the target since the baseline / achieved so far (their ratio, act ÷ req, decides "
        "the status; the workbook shows it as 增速比 growth ratio); proj. = the target-year "
        "value at the achieved pace. Growth differences (*_growth_vs_*) are in percentage "
        "points.",
        style="dim",
    )
    return text


def quality_line(ev: Evaluation) -> Text:
    r = ev.rows
    reasons = ", ".join(f"{k} {v:,}" for k, v in r.rejected_by_reason.items() if v)
    return Text(
        f"数据质量 Data: {r.read:,} rows read, {r.used:,} used, {r.rejected:,} rejected"
        f"{f' ({reasons})' if reasons else ''}, {r.out_of_scope:,} out of scope. "
        f"Money in {ev.money_unit}.",
        style="dim",
    )


def sources_line(ev: Evaluation) -> Text | None:
    sources: list[str] = []
    for ind in ev.indicators:
        sources.extend(s for s in ind.sources if s not in sources)
    if not sources:
        return None
    return Text("Reference series: " + "; ".join(sources), style="dim")


def publish_footnote(ev: Evaluation) -> Text | None:
    if not ev.published:
        return None
    return Text(
        f"{SUPPRESSED_MARK} = withheld for confidentiality (Statistics Law Art. 9, 25): the "
        f"figure, or a figure it derives from, could reveal an enterprise. Rules: {ev.rule_set}.",
        style="dim",
    )


def render_text(ev: Evaluation, console: Console) -> None:
    """Print the whole report: the plan's title, overview, tables by kind, legend, data quality."""
    parts: list[object] = [Text(ev.title_zh, style="bold")] if ev.title_zh else []
    parts.append(overview_table(ev, console.width))
    why = reasons(ev)
    if why is not None:
        parts.append(why)
    for kind in TABLE_TITLES:
        table = years_table(ev, kind)
        if table is not None:
            parts.append(table)
    parts.append(legend())
    for extra in (sources_line(ev), publish_footnote(ev), quality_line(ev)):
        if extra is not None:
            parts.append(extra)
    console.print(Group(*parts))  # type: ignore[arg-type]


def to_text(ev: Evaluation, width: int = PIPED_WIDTH) -> str:
    """The report as plain text (``check --format table`` piped or to a file)."""
    return plain_text(render_text, ev, width)
