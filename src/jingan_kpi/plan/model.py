"""The plan file's model (pydantic v2, strict: an unknown key is an error).

Field names here are the plan file's keys. Cross-checks that need the whole plan (unknown sector
in a formula, cycles, prefixes matching no GB/T 4754-2017 code, ...) live in
:mod:`jingan_kpi.plan.checks`; they return problems with places instead of raising.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MoneyUnit = Literal["元", "千元", "万元", "亿元"]
IndicatorUnit = Literal["money", "share", "pp", "count", "index", "rate"]
"""``money`` is shown as the plan's money unit (亿元 in the shipped plan); ``rate`` is a growth
rate as a fraction of 1 (YoY, CAGR)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PlanMeta(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title_zh: str
    title_en: str
    document: str | None = None
    issued: str | None = None
    period_start: int = Field(ge=1949, le=2100)
    period_end: int = Field(ge=1949, le=2100)
    baseline_year: int = Field(ge=1949, le=2100)
    target_year: int = Field(ge=1949, le=2100)
    money_unit: MoneyUnit = "亿元"
    input_unit: MoneyUnit = "万元"


class Sector(_Strict):
    name_zh: str
    name_en: str
    codes: list[str] = Field(min_length=1)
    """GB/T 4754-2017 code prefixes: a division (``"72"``), group (``"726"``) or class (``"7261"``)."""


class ReferenceDecl(_Strict):
    name_zh: str
    name_en: str
    kind: Literal["level", "rate"]
    """``level``: money amounts; ``rate``: published growth rates in %."""


class Target(_Strict):
    op: Literal[">=", ">", "increasing"]
    value: float | None = None
    year: int = Field(ge=1949, le=2100)


class Indicator(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    section: str | None = None
    """The plan section the indicator comes from, e.g. ``一(一)``."""
    unit: IndicatorUnit
    formula: str
    target: Target | None = None
    note: str | None = None


class DisclosureRules(_Strict):
    """Statistical disclosure control for ``--publish`` (reference facts, "Statistical disclosure
    control"). The parameters are confidential: they are never printed in published output."""

    min_frequency: int = Field(default=3, ge=1)
    """A cell with fewer contributors than this is unsafe."""
    dominance_n: int = Field(default=2, ge=1)
    dominance_k: float = Field(default=85.0, gt=0, le=100)
    """(n,k) dominance: unsafe when the n largest contributors exceed k% of the cell total."""
    p_percent: float = Field(default=10.0, ge=0, le=100)
    """p% rule: unsafe when total − x1 − x2 < p% of x1."""


class Plan(_Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    plan: PlanMeta
    sectors: dict[str, Sector]
    zones: dict[str, list[str]] = Field(default_factory=dict)
    """Named groups of zones, e.g. ``core: [南京西路, 苏河湾]`` (usable as ``zone=core``)."""
    references: dict[str, ReferenceDecl] = Field(default_factory=dict)
    indicators: list[Indicator]
    disclosure: DisclosureRules = Field(default_factory=DisclosureRules)
