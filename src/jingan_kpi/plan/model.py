"""The plan file's model (pydantic v2, strict: an unknown key is an error).

Field names here are the plan file's keys. Cross-checks that need the whole plan (unknown sector
in a formula, cycles, prefixes matching no GB/T 4754-2017 code, ...) live in
:mod:`jingan_kpi.plan.checks`; they return problems with places instead of raising.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jingan_kpi.columns import CANONICAL_COLUMNS
from jingan_kpi.years import YEAR_MAX, YEAR_MIN

MoneyUnit = Literal["元", "千元", "万元", "亿元"]
IndicatorUnit = Literal["money", "share", "pp", "count", "index", "rate", "ratio", "rank"]
"""``money`` is shown as the plan's money unit (亿元 in the shipped plan); ``rate`` is a growth
rate as a fraction of 1 (YoY, CAGR); ``ratio`` a quotient that is not a part of a whole (shown
as ×); ``rank`` a place, 1 = first (contract §7)."""
TargetOp = Literal[">=", ">", "<=", "<", "increasing", "decreasing"]
LEVEL_OPS: frozenset[str] = frozenset({">=", "<="})
"""Level targets: §5's growth-rate method (mirrored for ``<=``)."""
COMPARATIVE_OPS: frozenset[str] = frozenset({">", "<"})
TREND_OPS: frozenset[str] = frozenset({"increasing", "decreasing"})


class _Strict(BaseModel):
    # Attribute docstrings become the descriptions of the JSON Schema (``jingan-kpi schema``).
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, use_attribute_docstrings=True
    )


class PlanMeta(_Strict):
    """The plan document: its identity, period, baseline and units."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    """A short machine id of the plan, e.g. ``jingan-lbs-2026-2028``."""
    title_zh: str
    """The plan's title in Chinese."""
    title_en: str
    """The plan's title in English."""
    district: str | None = None
    """The district whose plan it is, e.g. 静安区 (outputs name it only from here; ``rank``
    leaves it out of its group)."""
    document: str | None = None
    """The document number, e.g. 静府办发〔2026〕3号."""
    issued: str | None = None
    """The date of issue, ISO 8601 (quote it in YAML: ``"2026-03-30"``)."""
    period_start: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    """First year of the plan period."""
    period_end: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    """Last year of the plan period."""
    baseline_year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    """The year progress is measured from (the last year before the plan)."""
    target_year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    """The year the quantitative targets are set for."""
    money_unit: MoneyUnit = "亿元"
    """The unit of money indicators and targets."""
    input_unit: MoneyUnit = "万元"
    """The revenue unit assumed for a panel whose header and options name none."""


class Sector(_Strict):
    """A sector: a set of GB/T 4754-2017 code prefixes."""

    name_zh: str
    """Chinese name."""
    name_en: str
    """English name."""
    codes: list[str] = Field(min_length=1)
    """GB/T 4754-2017 code prefixes: a division (``"72"``), group (``"726"``) or class (``"7261"``)."""


class ReferenceDecl(_Strict):
    """A reference series the panel cannot give (supplied in a reference CSV)."""

    name_zh: str
    """Chinese name."""
    name_en: str
    """English name."""
    kind: Literal["level", "rate"]
    """``level``: money amounts; ``rate``: published growth rates in %."""


class Target(_Strict):
    """A target: a level (``>=``, ``<=``), a comparison (``>``, ``<``) or a trend
    (``increasing``, ``decreasing``); with ``every_year`` a level or comparison that must hold
    in every year (保持)."""

    op: TargetOp
    """``>=``, ``<=``, ``>`` and ``<`` need ``value``; ``increasing`` (持续提升) and
    ``decreasing`` (持续下降) take none."""
    value: float | None = None
    """The target value, in the indicator's unit (shares as fractions of 1); finite, and > 0 for
    a level target."""
    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    """The year by which the target is to be reached (within the plan period)."""
    every_year: bool = False
    """The comparison must hold in every year from the year after the baseline (保持); not for
    a trend target."""


class Indicator(_Strict):
    """An indicator: how it is computed (``formula``) and, where the plan sets one, its target."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Stable id, also the name other formulas use for this indicator."""
    name_zh: str
    """Chinese name."""
    name_en: str
    """English name."""
    section: str | None = None
    """The plan section the indicator comes from, e.g. ``一(一)``."""
    unit: IndicatorUnit
    """money (in plan.money_unit), share (fraction of 1), pp (percentage points), count, index
    (HHI, 0-10,000), rate (growth as a fraction of 1), ratio (a quotient, not a part of a whole)
    or rank (1 = first)."""
    formula: str
    """How the indicator is computed, in the formula language (docs/formulas.md)."""
    target: Target | None = None
    """The plan's target; none for a descriptive indicator."""
    note: str | None = None
    """A free note, e.g. how the plan's wording is read."""
    table: (
        Literal["sectors", "ranks", "growth", "concentration", "zones", "enterprises", "other"]
        | None
    ) = None
    """Which table of the report shows the indicator (besides the targets overview); by default
    money → sectors, rank → ranks, share and index → concentration, rate and pp → growth,
    count → other (enterprises: tiers, entries and exits, HQ counts)."""

    @property
    def display_table(self) -> str:
        if self.table is not None:
            return self.table
        return {
            "money": "sectors",
            "share": "concentration",
            "index": "concentration",
            "rate": "growth",
            "pp": "growth",
            "rank": "ranks",
        }.get(self.unit, "other")


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
    """A plan file: targets and formulas of a district plan (jingan-kpi)."""

    schema_: str | None = Field(default=None, alias="$schema")
    """The JSON Schema of this file (for editors), e.g. ``plan.schema.json``."""
    plan: PlanMeta
    """The plan document."""
    sectors: dict[str, Sector]
    """Sector key → its GB/T 4754-2017 code prefixes."""
    zones: dict[str, list[str]] = Field(default_factory=dict)
    """Named groups of zones, e.g. ``core: [南京西路, 苏河湾]`` (usable as ``zone=core``)."""
    hq_types: dict[str, list[str]] = Field(default_factory=dict)
    """Named groups of HQ types, e.g. ``major_hq: [跨国公司地区总部, 国有企业总部]`` (usable as
    ``hq_type=major_hq``)."""
    references: dict[str, ReferenceDecl] = Field(default_factory=dict)
    """Reference series the formulas may name (``ref(NAME)``, ``growth_diff(EXPR, NAME)``)."""
    indicators: list[Indicator]
    """The indicators, targeted or descriptive."""
    disclosure: DisclosureRules = Field(default_factory=DisclosureRules)
    """Disclosure control for --publish (defaults apply when omitted)."""
    columns: dict[str, list[str]] = Field(
        default_factory=dict,
        json_schema_extra={"propertyNames": {"enum": list(CANONICAL_COLUMNS)}},
    )
    """More header names for the panel's columns, besides the ones accepted out of the box,
    e.g. ``revenue: [本年营业收入]`` (a unit in brackets after it is still read)."""

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = [name for name in value if name not in CANONICAL_COLUMNS]
        if unknown:
            msg = (
                f"{', '.join(unknown)}: not a panel column; use one of "
                f"{', '.join(CANONICAL_COLUMNS)}"
            )
            raise ValueError(msg)
        # Headers compare as the panel reader compares them (NFKC, case, spaces).
        seen: dict[str, str] = {}
        for column, headers in value.items():
            for header in headers:
                key = " ".join(unicodedata.normalize("NFKC", header).casefold().split())
                if seen.setdefault(key, column) != column:
                    msg = f'header "{header}" is given for both {seen[key]} and {column}'
                    raise ValueError(msg)
        return value
