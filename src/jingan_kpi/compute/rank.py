"""``rank(EXPR, among=GROUP)`` (contract §8): the plan's own figure ranked among other
districts' figures, supplied as the members ``GROUP[MEMBER]`` of a reference group."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING

from jingan_kpi.compute.series import Dep, YearSeries

if TYPE_CHECKING:
    from jingan_kpi.panel.types import ReferenceSeries

DECIMALS = 9
"""Both sides are compared rounded to 9 decimals (contract §5, §8), so a tie on paper is a tie."""


def rank_among(
    own: YearSeries,
    group: str,
    members: Mapping[str, ReferenceSeries],
    *,
    district: str | None = None,
    where: str = "",
) -> YearSeries:
    """In each year, 1 + the number of members whose value is greater than ``own``'s.

    ``members`` are the group's series by member name, levels already in the plan's money unit;
    the member named ``district`` (the plan's own, compared after NFKC and strip) is left out.
    No value in a year where ``own`` or any member has none. ``where`` says where the
    reference series come from (for the reason when the group is missing).

    Examples
    --------
    >>> from jingan_kpi.panel.types import ReferenceSeries as R
    >>> others = {
    ...     "黄浦区": R("g[黄浦区]", "level", {2025: 1500.0, 2026: 2100.0}, "亿元", "s"),
    ...     "静安区": R("g[静安区]", "level", {2025: 9999.0, 2026: 9999.0}, "亿元", "s"),
    ... }
    >>> rank_among(YearSeries({2025: 1900.0, 2026: 2000.0}), "g", others, district="静安区").values
    {2025: 1, 2026: 2}
    """
    own_name = _normal(district) if district else None
    others = {m: s for m, s in members.items() if _normal(m) != own_name}
    sources = tuple(dict.fromkeys(f"{group}: {s.source}" for s in others.values()))
    if not others:
        what = "has no members other than the plan's own district" if members else "not supplied"
        reason = f"reference group {group!r} {what}{where} (series {group}[MEMBER])"
        return YearSeries(values={}, missing=(*own.missing, reason), sources=own.sources)
    values: dict[int, float] = {}
    deps: dict[int, frozenset[Dep]] = {}
    missing = list(own.missing)
    for year in sorted(own.values):
        lacking = sorted(m for m, s in others.items() if year not in s.values)
        if lacking:
            missing.append(
                f"reference group {group!r}: {', '.join(lacking)} has no value in {year}"
            )
            continue
        mine = round(own.values[year], DECIMALS)
        above = sum(1 for s in others.values() if round(s.values[year], DECIMALS) > mine)
        values[year] = 1 + above  # an integer, as JSON shows ranks (contract §4)
        deps[year] = own.dep(year)
    return YearSeries(
        values=values, deps=deps, missing=tuple(missing), sources=(*own.sources, *sources)
    )


def _normal(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip()
