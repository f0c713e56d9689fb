"""Hand-made panels for the calculator, built directly as clean frames (no file reading)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from jingan_kpi.panel.types import PANEL_SCHEMA, Panel, References, ReferenceSeries, RowCounts
from jingan_kpi.plan import LoadedPlan, load_plan

HERE = Path(__file__).parent

# credit_code, industry_code, year, revenue (亿元), zone, hq_type
SMALL_ROWS = [
    ("A", "7263", 2024, 50.0, "南京西路", None),
    ("D", "7111", 2024, 50.0, "其他", None),
    ("A", "7263", 2025, 60.0, "南京西路", None),
    ("B", "7262", 2025, 30.0, "苏河湾", None),
    ("C", "7231", 2025, 10.0, "大宁", None),
    ("D", "7111", 2025, 100.0, "其他", None),
    ("A", "7263", 2026, 80.0, "南京西路", None),
    ("B", "7262", 2026, 30.0, "苏河湾", None),
    ("C", "7231", 2026, 10.0, "大宁", None),
    ("E", "7231", 2026, 5.0, "南京西路", "跨国公司地区总部"),
    ("D", "7111", 2026, 125.0, "其他", None),
]


def make_panel(
    rows: list[tuple[str, str, int, float, str | None, str | None]],
    *,
    columns: frozenset[str] = frozenset({"name", "zone", "hq_type"}),
) -> Panel:
    frame = pl.DataFrame(
        {
            "credit_code": [r[0] for r in rows],
            "name": [f"企业{r[0]}" for r in rows],
            "industry_code": [r[1] for r in rows],
            "year": [r[2] for r in rows],
            "revenue": [r[3] for r in rows],
            "zone": [r[4] for r in rows],
            "hq_type": [r[5] for r in rows],
            "source_file": ["test.csv"] * len(rows),
            "source_line": list(range(2, len(rows) + 2)),
        },
        schema=PANEL_SCHEMA,
    )
    n = len(rows)
    return Panel(
        frame=frame,
        counts=RowCounts(read=n, used=n, rejected=0, out_of_scope=0, rejected_by_reason={}),
        rejects=pl.DataFrame(),
        sources=(),
        columns=columns,
        money_unit="亿元",
    )


def make_refs(
    district: dict[int, float] | None = None, city: dict[int, float] | None = None
) -> References:
    series = {}
    if district is not None:
        series["district_economy"] = ReferenceSeries(
            "district_economy", "rate", district, "%", "test district bureau"
        )
    if city is not None:
        series["city_lbs_revenue"] = ReferenceSeries(
            "city_lbs_revenue", "level", city, "亿元", "test city bureau"
        )
    return References(series=series, path="ref.csv")


@pytest.fixture(scope="session")
def small_plan() -> LoadedPlan:
    return load_plan(HERE / "plan_small.yaml")


@pytest.fixture
def small_panel() -> Panel:
    return make_panel(SMALL_ROWS)
