"""What outputs need from the plan an evaluation was computed from: its titles and document
number (contract §7: titles in outputs come from the plan), and which of its sectors partition
the revenue (to stack them in charts)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from jingan_kpi.compute.result import Evaluation, IndicatorResult


@dataclass(frozen=True, slots=True)
class PlanInfo:
    title_zh: str
    title_en: str
    document: str | None
    sector_prefixes: dict[str, tuple[str, ...]]
    """Sector key → its GB/T 4754-2017 code prefixes."""


def plan_info(ev: Evaluation) -> PlanInfo:
    """The plan ``ev`` was computed from (read from ``ev.plan_path``, once per path)."""
    found = _read(ev.plan_path)
    return found if found is not None else PlanInfo(ev.plan_id, ev.plan_id, None, {})


@lru_cache(maxsize=8)
def _read(path: str) -> PlanInfo | None:
    from jingan_kpi.errors import InputError
    from jingan_kpi.plan import load_plan

    try:
        loaded = load_plan(path)
    except (InputError, OSError):
        # The evaluation was made from this file; if it has gone since, fall back to the id.
        return None
    meta = loaded.model.plan
    return PlanInfo(meta.title_zh, meta.title_en, meta.document, loaded.sector_prefixes())


_REVENUE_OF = re.compile(r"^\s*revenue\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$")


def stackable_sectors(
    ev: Evaluation, prefixes: dict[str, tuple[str, ...]]
) -> list[IndicatorResult]:
    """The money indicators ``revenue(SECTOR)`` (no filter) whose sectors contain no other such
    sector and do not overlap one another: they partition revenue, so they can be stacked
    (for the shipped plan: the five core industries and the rest of section L). Empty when
    fewer than two are found or two of them overlap.
    """
    by_sector: dict[str, IndicatorResult] = {}
    for ind in ev.indicators:
        m = _REVENUE_OF.match(ind.formula)
        if m and ind.kind == "money" and m.group(1) in prefixes:
            by_sector.setdefault(m.group(1), ind)

    def covers(outer: str, inner: str) -> bool:
        return all(any(c.startswith(p) for p in prefixes[outer]) for c in prefixes[inner])

    leaves = [s for s in by_sector if not any(o != s and covers(s, o) for o in by_sector)]
    for i, a in enumerate(leaves):
        for b in leaves[i + 1 :]:
            if any(
                pa.startswith(pb) or pb.startswith(pa) for pa in prefixes[a] for pb in prefixes[b]
            ):
                return []
    return [by_sector[s] for s in leaves] if len(leaves) > 1 else []
