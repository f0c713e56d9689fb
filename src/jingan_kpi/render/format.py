"""How figures are written for people: units stated, rounded for display only."""

from __future__ import annotations

from jingan_kpi.compute.result import Evaluation, IndicatorResult

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


def progress_fraction(ind: IndicatorResult, year: int) -> float | None:
    """V(t) ÷ T for a level target: how far along towards the target value."""
    t = ind.target
    v = ind.values.get(year)
    if t is None or t.op != ">=" or not t.value or v is None:
        return None
    return v / t.value
