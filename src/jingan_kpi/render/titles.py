"""The plan's own words for an evaluation's outputs: its Chinese and English titles and its
document number (contract §7: titles in outputs come from the plan)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jingan_kpi.compute.result import Evaluation


@dataclass(frozen=True, slots=True)
class PlanTitles:
    title_zh: str
    title_en: str
    document: str | None


def plan_titles(ev: Evaluation) -> PlanTitles:
    """The titles of the plan ``ev`` was computed from (read from ``ev.plan_path``, once)."""
    found = _titles(ev.plan_path)
    return found if found is not None else PlanTitles(ev.plan_id, ev.plan_id, None)


@lru_cache(maxsize=8)
def _titles(path: str) -> PlanTitles | None:
    from jingan_kpi.errors import InputError
    from jingan_kpi.plan import load_plan

    try:
        meta = load_plan(path).model.plan
    except (InputError, OSError):
        # The evaluation was made from this file; if it has gone since, fall back to the id.
        return None
    return PlanTitles(meta.title_zh, meta.title_en, meta.document)
