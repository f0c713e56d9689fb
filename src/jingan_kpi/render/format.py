"""How figures are written for people: units stated, rounded for display only."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from jingan_kpi.compute.assess import years_held
from jingan_kpi.compute.result import Evaluation, IndicatorResult
from jingan_kpi.errors import UsageError

SUPPRESSED_MARK = "x"
NO_VALUE = "—"

STATUS_LABELS: dict[str, tuple[str, str]] = {
    # status: (中文, English)
    "met": ("已达成", "met"),
    "on_track": ("进度正常", "on track"),
    "moderate": ("进度偏慢", "moderate progress"),
    "insufficient": ("进度不足", "insufficient progress"),
    "moving_away": ("反向变动", "moving away"),
    "missed": ("未达成", "missed"),
    "not_assessable": ("无法评估", "not assessable"),
}

STATUS_STYLES: dict[str, str] = {
    "met": "bold green",
    "on_track": "green",
    "moderate": "yellow",
    "insufficient": "dark_orange",
    "moving_away": "red",
    "missed": "bold red",
    "not_assessable": "dim",
}

# What each status means, for legends (contract §5).
STATUS_MEANINGS: dict[str, str] = {
    "met": "目标已达到 the target is reached",
    "on_track": "实际增速 ≥ 所需增速的95%；比较、趋势目标暂时符合 actual growth ≥ 95% of the "
    "growth required; comparative and trend targets holding so far",
    "moderate": "实际增速为所需增速的60%–95% actual growth 60–95% of the growth required",
    "insufficient": "实际增速低于所需增速的60% actual growth below 60% of the growth required",
    "moving_away": "与目标反向变动 moving away from the target",
    "missed": "目标年未达到，或逐年提升已中断 not reached in the target year, or a rise broken",
    "not_assessable": "缺少数据，无法评估（见原因） data missing, see the reason",
}

TABLE_TITLES: dict[str, tuple[str, str]] = {
    "sectors": ("分行业营业收入", "Revenue by sector"),
    "ranks": ("区际排名", "Rank among districts"),
    "growth": ("增速", "Growth"),
    "concentration": ("集中度", "Concentration"),
    "zones": ("功能区", "Revenue by zone"),
    "enterprises": ("企业梯队与总部", "Enterprises"),
    "other": ("其他指标", "Other indicators"),
}
"""The tables of a report after the targets overview, in the order they are shown (the ranks
beside the sectors' revenue they rank)."""


def unit_label(ind: IndicatorResult) -> str:
    """The unit as shown in a column header."""
    return {
        "share": "%",
        "pp": "百分点 pp",
        "count": "家 count",
        "index": "HHI 0–10,000",
        "rate": "%",
        "ratio": "倍 ×",
        "rank": "名次 rank",
    }.get(ind.kind, ind.unit)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st…

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102, 111)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd', '111th']
    """
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fmt_value(ind: IndicatorResult, value: float | None, *, with_unit: bool = False) -> str:
    """A value rounded for display in the indicator's unit."""
    if value is None:
        return NO_VALUE
    kind = ind.kind
    if kind == "money":
        text = f"{value:,.2f}"
        return f"{text} {ind.unit}" if with_unit else text
    if kind == "share":
        return f"{100 * value:.1f}%"
    if kind == "rate":
        return f"{100 * value:+.1f}%"
    if kind == "pp":
        text = f"{value:+.2f}"
        return f"{text} pp" if with_unit else text
    if kind == "count":
        return f"{int(value):,}"
    if kind == "index":
        return f"{value:,.0f}"
    if kind == "ratio":
        return f"{value:,.2f}×"
    if kind == "rank":
        return f"第{int(value)}名 {ordinal(int(value))}"
    return f"{value:,.4g}"


def fmt_cell(ind: IndicatorResult, year: int) -> str:
    """A year's value, or the suppression mark, or a dash."""
    if ind.suppressed and year in ind.suppressed:
        return SUPPRESSED_MARK
    return fmt_value(ind, ind.values.get(year))


def fmt_target(ind: IndicatorResult) -> str:
    t = ind.target
    if t is None:
        return ""
    if t.op == "increasing":
        return "逐年提升 rising"
    if t.op == "decreasing":
        return "逐年下降 falling"
    assert t.value is not None
    op = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}[t.op]
    if ind.kind == "rank":
        # A place: "≤ 1" reads as "第1名 1st" (or better).
        text = f"{fmt_value(ind, t.value)}" if t.op == "<=" else f"{op} {fmt_value(ind, t.value)}"
    else:
        text = f"{op} {fmt_value(ind, t.value, with_unit=ind.kind in ('money', 'pp'))}"
    return f"每年 each year {text}" if t.every_year else text


def fmt_rate(x: float | None) -> str:
    return NO_VALUE if x is None else f"{100 * x:+.1f}%"


def status_label(status: str | None, *, lang: str = "both") -> str:
    if status is None:
        return ""
    zh, en = STATUS_LABELS.get(status, (status, status))
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    return f"{zh} {en}"


def target_indicators(ev: Evaluation) -> list[IndicatorResult]:
    return [i for i in ev.indicators if i.target is not None]


def table_indicators(ev: Evaluation, table: str) -> list[IndicatorResult]:
    return [i for i in ev.indicators if i.table == table]


ATTAINED_LABEL = "完成度 of target"
"""latest ÷ target (:func:`progress_fraction`), named apart from the growth ratio below."""
GROWTH_RATIO_LABEL = "增速比 growth ratio act/req"
"""achieved ÷ required growth (contract §5's ratio, ``Assessment.progress_ratio``)."""


def explained(ev: Evaluation) -> list[IndicatorResult]:
    """The indicators whose status needs its reason shown beside it (``not_assessable``)."""
    return [i for i in target_indicators(ev) if i.status == "not_assessable" and i.reason]


def progress_fraction(
    ind: IndicatorResult, year: int, baseline_year: int | None = None
) -> float | None:
    """How far along towards a level target: V(t) ÷ T for ``>=``; for ``<=`` the share of the
    required fall achieved, (V(Y0) − V(t)) ÷ (V(Y0) − T). None for other targets (trend and
    every-year targets show the years held instead, :func:`fmt_years_held`)."""
    t = ind.target
    v = ind.values.get(year)
    if t is None or t.every_year or not t.value or v is None:
        return None
    if t.op == ">=":
        return v / t.value
    if t.op == "<=" and baseline_year is not None:
        v0 = ind.values.get(baseline_year)
        if v0 is None or v0 == t.value:
            return None
        return (v0 - v) / (v0 - t.value)
    return None


def fmt_years_held(ind: IndicatorResult, baseline_year: int) -> str | None:
    """For a trend or every-year target, the years that went its way: "2/3 年 held"."""
    a, t = ind.assessment, ind.target
    if t is None or a is None:
        return None
    held = years_held(t, ind.values, baseline_year, a.year)
    if held is None:
        return None
    return f"{held[0]}/{held[1]} 年 held"


def parse_statuses(value: str, option: str = "--fail-on") -> set[str]:
    """Statuses named by slug (``missed``), Chinese label (``未达成``) or English label
    (``moving away``), comma-separated; an unknown name is refused with the nearest one."""
    import difflib

    names: dict[str, str] = {}
    for status, (zh, en) in STATUS_LABELS.items():
        for name in (status, zh, en, en.replace(" ", "_"), f"{zh} {en}"):
            names[name.casefold()] = status
    wanted: set[str] = set()
    for raw in value.replace("，", ",").split(","):
        item = " ".join(raw.split())
        if not item:
            continue
        found = names.get(item.casefold())
        if found is None:
            close = difflib.get_close_matches(item.casefold(), list(names), n=1, cutoff=0.6)
            hint = f' (did you mean "{names[close[0]]}"?)' if close else ""
            every = ", ".join(f"{s} ({zh})" for s, (zh, _) in STATUS_LABELS.items())
            msg = f"{option}: unknown status {item}{hint}; use any of {every}"
            raise UsageError(msg)
        wanted.add(found)
    return wanted


FIXED_TIME = datetime(1980, 1, 1, tzinfo=UTC)
"""The time an output states when ``SOURCE_DATE_EPOCH`` is not set: a constant (the zip epoch,
as xlsxwriter dates a workbook's parts), so that the same input gives the same bytes."""


def output_time() -> datetime:
    """The time an output may print or store (a workbook's creation date, a report's date):
    ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention), else
    :data:`FIXED_TIME`; never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return FIXED_TIME
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError):
        msg = f'SOURCE_DATE_EPOCH "{epoch}" is not a number of seconds since 1970-01-01 UTC'
        raise UsageError(msg) from None
