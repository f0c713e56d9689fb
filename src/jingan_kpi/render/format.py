"""How figures are written for people: units stated, rounded for display only."""

from __future__ import annotations

import os
from datetime import UTC, datetime

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

TABLE_TITLES: dict[str, tuple[str, str]] = {
    "sectors": ("分行业营业收入", "Revenue by sector"),
    "concentration": ("集中度", "Concentration"),
    "zones": ("功能区", "Revenue by zone"),
    "growth": ("增速", "Growth"),
    "other": ("其他指标", "Other indicators"),
}


def unit_label(ind: IndicatorResult) -> str:
    """The unit as shown in a column header."""
    return {
        "share": "%",
        "pp": "百分点 pp",
        "count": "家 count",
        "index": "HHI 0–10,000",
        "rate": "%",
    }.get(ind.kind, ind.unit)


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
    assert t.value is not None
    op = "≥" if t.op == ">=" else ">"
    return f"{op} {fmt_value(ind, t.value, with_unit=ind.kind in ('money', 'pp'))}"


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


def progress_fraction(ind: IndicatorResult, year: int) -> float | None:
    """V(t) ÷ T for a level target: how far along towards the target value (完成度)."""
    t = ind.target
    v = ind.values.get(year)
    if t is None or t.op != ">=" or not t.value or v is None:
        return None
    return v / t.value


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
