"""The result of a run: every indicator's values and assessment, and the account of the rows.

``Evaluation.to_dict()`` is exactly the JSON the CLI prints with ``--format json`` (contract §4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jingan_kpi.compute.assess import Assessment
from jingan_kpi.panel.types import RowCounts
from jingan_kpi.plan.model import TREND_OPS, IndicatorUnit, Target

WITHHELD_REASON = "withheld for confidentiality: derived from a suppressed cell"


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    id: str
    name_zh: str
    name_en: str
    section: str | None
    kind: IndicatorUnit
    table: str
    """The report table that shows it: sectors, concentration, zones, growth or other."""
    unit: str
    """The unit as the contract names it: the money unit (亿元), share, pp, count, index, rate,
    ratio, rank."""
    formula: str
    values: dict[int, float]
    target: Target | None
    assessment: Assessment | None
    sources: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    suppressed: tuple[int, ...] | None = None
    """Years withheld for confidentiality; None unless the run is published (``--publish``)."""

    @property
    def status(self) -> str | None:
        return self.assessment.status if self.assessment else None

    @property
    def reason(self) -> str | None:
        return self.assessment.reason if self.assessment else None

    def value(self, year: int) -> float | None:
        return self.values.get(year)

    def to_dict(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            str(y): _json_number(v, self.kind) for y, v in sorted(self.values.items())
        }
        if self.suppressed is not None:
            for y in self.suppressed:
                values[str(y)] = None
            values = dict(sorted(values.items()))
        target: dict[str, Any] | None = None
        if self.target is not None:
            target = {"op": self.target.op}
            if self.target.op not in TREND_OPS:
                target["value"] = self.target.value
            target["year"] = self.target.year
            if self.target.every_year:
                target["every_year"] = True
        out: dict[str, Any] = {
            "id": self.id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "section": self.section,
            "unit": self.unit,
            "formula": self.formula,
            "values": values,
            "target": target,
            "status": self.status,
            "reason": self.reason,
            "assessment": self.assessment.to_dict() if self.assessment else None,
            "sources": list(self.sources),
        }
        if self.suppressed is not None:
            out["suppressed"] = [str(y) for y in self.suppressed]
        return out


def _json_number(v: float, kind: str) -> float | int:
    if kind in {"count", "rank"}:
        # Counts and ranks are integers in JSON (contract §4).
        return int(v)
    return float(v)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Every indicator of a plan computed from a panel and assessed at ``as_of``."""

    plan_id: str
    baseline_year: int
    target_year: int
    money_unit: str
    as_of: int
    years: tuple[int, ...]
    rows: RowCounts
    indicators: tuple[IndicatorResult, ...]
    published: bool = False
    rule_set: str | None = None
    """Under ``--publish``: the disclosure rules applied, named without their parameters."""
    notes: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())
    """Doubts about the figures for stderr, e.g. a revenue unit the plan's own targets make
    implausible (:mod:`jingan_kpi.compute.plausibility`)."""
    filter_notes: tuple[str, ...] = field(default=())
    """Zone and HQ-type values of the data that no filter names, and values the plan names
    that the data lacks (for stderr)."""
    title_zh: str = ""
    title_en: str = ""
    district: str | None = None
    """From the plan (``plan.district``): the tool names no district of its own."""
    plan_path: str = ""
    """The plan file evaluated (the report and the workbook's overview read its title and
    document number from it)."""
    reference_path: str | None = None
    """The reference file, named in the report's and the workbook's source lines."""

    def indicator(self, indicator_id: str) -> IndicatorResult:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        import difflib

        from jingan_kpi.errors import UnknownIndicatorError

        close = difflib.get_close_matches(indicator_id, [i.id for i in self.indicators], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        msg = f"no indicator {indicator_id!r} in plan {self.plan_id}{hint}"
        raise UnknownIndicatorError(msg)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "plan": {
                "id": self.plan_id,
                "baseline_year": self.baseline_year,
                "target_year": self.target_year,
                "money_unit": self.money_unit,
                "title_zh": self.title_zh,
                "title_en": self.title_en,
                "district": self.district,
            },
            "as_of": self.as_of,
            "years": [str(y) for y in self.years],
            "rows": self.rows.to_dict(),
            "indicators": [i.to_dict() for i in self.indicators],
        }
        if self.published:
            out["disclosure"] = {"published": True, "rules": self.rule_set}
        return out
