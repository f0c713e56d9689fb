"""Machine-readable renderings: JSON (contract §4), CSV (one row per indicator-year), Markdown."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Protocol

from jingan_kpi.compute.result import Evaluation
from jingan_kpi.render.format import (
    ATTAINED_LABEL,
    STATUS_LABELS,
    STATUS_MEANINGS,
    SUPPRESSED_MARK,
    TABLE_TITLES,
    fmt_cell,
    fmt_rate,
    fmt_target,
    fmt_value,
    progress_fraction,
    status_label,
    table_indicators,
    target_indicators,
    unit_label,
)


class SupportsToDict(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


CSV_COLUMNS = (
    "id",
    "name_zh",
    "name_en",
    "unit",
    "year",
    "value",
    "suppressed",
    "target_op",
    "target_value",
    "target_year",
    "status",
    "reason",
    "as_of",
)


def dict_json(result: SupportsToDict) -> str:
    """Any result's ``to_dict()`` as JSON (UTF-8, Chinese kept readable)."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


def to_json(ev: Evaluation) -> str:
    """Exactly ``Evaluation.to_dict()`` as JSON (UTF-8, Chinese kept readable)."""
    return json.dumps(ev.to_dict(), ensure_ascii=False, indent=2) + "\n"


def to_csv(ev: Evaluation) -> str:
    """One row per indicator and year, values at full precision; status on every row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for ind in ev.indicators:
        years = sorted(set(ind.values) | set(ind.suppressed or ()))
        t = ind.target
        for y in years:
            suppressed = bool(ind.suppressed and y in ind.suppressed)
            value = (
                ""
                if suppressed
                else repr(ind.values[y])
                if ind.kind != "count"
                else str(int(ind.values[y]))
            )
            writer.writerow(
                [
                    ind.id,
                    ind.name_zh,
                    ind.name_en,
                    ind.unit,
                    y,
                    value,
                    "true" if suppressed else "false",
                    t.op if t else "",
                    "" if t is None or t.value is None else repr(t.value),
                    t.year if t else "",
                    ind.status or "",
                    ind.reason or "",
                    ev.as_of,
                ]
            )
    return buf.getvalue()


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(ev: Evaluation) -> str:
    """Tables for reports and CI summaries (GitHub-flavoured Markdown): the plan's title, the
    targets with progress, status and reason, the legend, then every other table."""
    from jingan_kpi.render.plan_info import plan_info

    y0, yt, t = ev.baseline_year, ev.target_year, ev.as_of
    titles = plan_info(ev)
    doc = f"{titles.document} · " if titles.document else ""
    out: list[str] = [
        f"## {_md_escape(titles.title_zh)}",
        "",
        f"{_md_escape(titles.title_en)}  ",
        f"{_md_escape(doc)}截至 as of {t}（基期 baseline {y0}，目标年 target year {yt}）· "
        f"`{ev.plan_id}`",
        "",
        f"### 目标进展 Progress towards the {yt} targets",
        "",
    ]
    out.append(
        f"| 指标 Indicator | 单位 Unit | {y0} 基期 | {t} 最新 | {yt} 目标 | {ATTAINED_LABEL} | "
        f"需/实增速 req/act | {yt} 预计 proj. | 状态 Status | 说明 Reason |"
    )
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---|---|")
    for ind in target_indicators(ev):
        a = ind.assessment
        year = a.year if a else t
        growth = ""
        if a is not None and (a.required_growth is not None or a.actual_growth is not None):
            growth = f"{fmt_rate(a.required_growth)} / {fmt_rate(a.actual_growth)}"
        projected = fmt_value(ind, a.projected) if a and a.projected is not None else ""
        progress = progress_fraction(ind, year)
        withheld = bool(ind.suppressed and year in ind.suppressed)
        shown = "" if progress is None or withheld else f"{progress:.0%}"
        out.append(
            f"| {_md_escape(ind.name_zh)} `{ind.id}` | {unit_label(ind)} | {fmt_cell(ind, y0)} | "
            f"{fmt_cell(ind, year)} | {_md_escape(fmt_target(ind))} | {shown} | {growth} | "
            f"{projected} | {status_label(ind.status)} | {_md_escape(ind.reason or '')} |"
        )
    out += ["", "图例 Legend:", ""]
    out += [f"- {status_label(s)}: {STATUS_MEANINGS[s]}" for s in STATUS_LABELS]
    out.append(
        f"- {ATTAINED_LABEL}: {t} 值 ÷ 目标值 (level targets) the value ÷ the target; "
        f"需/实增速: 自 {y0} 年起达标所需与实际的年均增速 growth a year required since {y0} / achieved"
    )
    for kind in TABLE_TITLES:
        inds = table_indicators(ev, kind)
        if not inds:
            continue
        zh, en = TABLE_TITLES[kind]
        out += ["", f"### {zh} {en}", ""]
        out.append("| 指标 Indicator | 单位 Unit | " + " | ".join(map(str, ev.years)) + " |")
        out.append("|---|---|" + "---:|" * len(ev.years))
        for ind in inds:
            cells = " | ".join(fmt_cell(ind, y) for y in ev.years)
            out.append(f"| {_md_escape(ind.name_zh)} | {unit_label(ind)} | {cells} |")
    r = ev.rows
    reasons = ", ".join(f"{k} {v:,}" for k, v in r.rejected_by_reason.items() if v)
    out += [
        "",
        f"Rows: {r.read:,} read, {r.used:,} used, {r.rejected:,} rejected"
        f"{f' ({reasons})' if reasons else ''}, {r.out_of_scope:,} out of scope. "
        f"Money in {ev.money_unit}; growth differences in percentage points (pp).",
    ]
    if ev.published:
        out += ["", f"{SUPPRESSED_MARK}: withheld for confidentiality. Rules: {ev.rule_set}."]
    return "\n".join(out) + "\n"
