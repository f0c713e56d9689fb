"""Synthetic enterprise panels: seeded, vectorised, realistic in shape (not in any real figure).

The shape follows what the plan describes for Jing'an: section L dominated by HR services,
organisation management/HQ, consulting and advertising, a small legal sector, a heavy-tailed
revenue distribution (the top 20 enterprises hold about half of section L), enterprises entering
and leaving between years, functional zones and HQ designations, and a share of enterprises
outside section L (out of the plan's scope). Section L revenue comes to roughly 1800–2000 亿元 a
year at ~3000 enterprises and scales with ``enterprises``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from jingan_kpi.atomic import write_atomically
from jingan_kpi.columns import CANONICAL_COLUMNS, COLUMNS
from jingan_kpi.panel.credit_code import CHARSET, WEIGHTS
from jingan_kpi.panel.units import YUAN_PER_UNIT

if TYPE_CHECKING:
    from jingan_kpi.plan import LoadedPlan

# (class code, weight in enterprise counts). Weights: HR, org/HQ, consulting, advertising big;
# legal small; leasing and other section L services medium; some non-L codes out of scope.
CLASS_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("7261", 4),
    ("7262", 3),
    ("7263", 5),
    ("7264", 2),
    ("7269", 3),  # 726 HR
    ("7211", 6),
    ("7212", 4),
    ("7213", 1),
    ("7214", 1),
    ("7215", 1),
    ("7219", 2),  # 721 org/HQ
    ("7241", 3),
    ("7242", 2),
    ("7243", 4),
    ("7244", 3),
    ("7245", 1),
    ("7246", 1),
    ("7249", 3),  # 724
    ("7251", 8),
    ("7259", 3),  # 725 advertising
    ("7231", 1.5),
    ("7232", 0.3),
    ("7239", 0.4),  # 723 legal
    ("7221", 1),
    ("7222", 1),
    ("7224", 0.5),
    ("7229", 1),  # 722
    ("7271", 1),
    ("7281", 0.5),
    ("7284", 1),
    ("7289", 1),
    ("7291", 1),
    ("7294", 0.5),
    ("7297", 0.5),
    ("7299", 1),
    ("7111", 1),
    ("7114", 0.5),
    ("7121", 0.3),  # 71 leasing
    ("6513", 3),
    ("7020", 2),
    ("5191", 2),
    ("7484", 1),  # out of scope
)
ZONES: tuple[tuple[str, float], ...] = (
    ("南京西路", 0.35),
    ("苏河湾", 0.2),
    ("市北高新", 0.2),
    ("大宁", 0.15),
    ("其他", 0.1),
)
HQ_TYPES: tuple[str, ...] = ("跨国公司地区总部", "民营企业总部", "国有企业总部", "外资研发中心")
_NAME_HEADS = (
    "静安",
    "申城",
    "沪北",
    "南京",
    "苏河",
    "大宁",
    "华夏",
    "东方",
    "新城",
    "安联",
    "博远",
    "恒丰",
)
_NAME_TAILS = {
    "726": "人力资源服务有限公司",
    "721": "企业管理有限公司",
    "724": "咨询有限公司",
    "725": "广告有限公司",
    "723": "律师事务所",
    "722": "商业管理有限公司",
    "71": "租赁有限公司",
}
CANONICAL_HEADERS = CANONICAL_COLUMNS
CHINESE_HEADERS = tuple(COLUMNS[c].headers[0] for c in CANONICAL_COLUMNS)
"""The first Chinese header of each column in the catalogue (contract §1's)."""
REVENUE_AT = CANONICAL_COLUMNS.index("revenue")


def _pick(weights: Sequence[tuple[str, float]], u: pl.Expr) -> pl.Expr:
    """Categorical draw from ``u`` ~ U(0,1) by cumulative weights (vectorised)."""
    total = sum(w for _, w in weights)
    expr = pl.lit(weights[-1][0])
    cumulative = 0.0
    bounds = []
    for value, weight in weights:
        cumulative += weight / total
        bounds.append((cumulative, value))
    for bound, value in reversed(bounds[:-1]):
        expr = pl.when(u < bound).then(pl.lit(value)).otherwise(expr)
    return expr


def _credit_codes(n: int, seed: int) -> pl.Series:
    """n distinct valid codes: 9 (market regulation) 1 (enterprise) 310106, a 9-character
    organisation code (digits and letters), and the GB 32100-2015 check character."""
    ids = pl.int_range(0, n, eager=True).cast(pl.Int64)
    # A seeded bijective scramble of 0..n-1 into 0..31^9, so codes look random but stay distinct.
    mixed = (ids * 1_000_003 + (seed % 997) * 7919) % (31**8) + (ids % 30 + 1) * 31**8
    frame = pl.DataFrame({"x": mixed})
    chars = []
    digit_values = []
    table = pl.Series(list(CHARSET))
    for position in range(9):
        value = (pl.col("x") // (31 ** (8 - position))) % 31
        digit_values.append(value)
        chars.append(pl.lit(table).gather(value))
    prefix_values = [CHARSET.index(c) for c in "91310106"]
    prefix_sum = sum(v * w for v, w in zip(prefix_values, WEIGHTS[:8], strict=True))
    total = pl.lit(prefix_sum) + pl.sum_horizontal(
        v * w for v, w in zip(digit_values, WEIGHTS[8:], strict=True)
    )
    check = pl.lit(table).gather((31 - total % 31) % 31)
    return frame.select(
        pl.concat_str([pl.lit("91310106"), *chars, check]).alias("credit_code")
    ).to_series()


@dataclass(frozen=True, slots=True)
class PanelShape:
    """What a synthetic panel is drawn over: class codes (with weights), zones, HQ types, and
    the code prefixes of the plan's scope (calibrated to ≈ 1850 亿元 per 3000 enterprises in the
    first year)."""

    classes: tuple[tuple[str, float], ...]
    zones: tuple[tuple[str, float], ...]
    hq_types: tuple[str, ...]
    scope: tuple[str, ...]
    sector_weights: bool = False
    """Apply the shipped plan's revenue weights by sector (HR and advertising heavy)."""

    @staticmethod
    def of(plan: LoadedPlan | None) -> PanelShape:
        """The shipped plan's shape (None), or one over any plan's sectors, zones, HQ types."""
        if plan is None:
            return PanelShape(CLASS_WEIGHTS, ZONES, HQ_TYPES, ("71", "72"), sector_weights=True)
        from jingan_kpi.plan.industry import class_codes

        scope = plan.scope_prefixes
        known = dict(CLASS_WEIGHTS)
        inside = sorted(c for c in class_codes() if c.startswith(scope))
        classes = [(c, known.get(c, 1.0)) for c in inside]
        # About 10% of the enterprises outside the plan's scope: every 97th other class.
        outside = sorted(c for c in class_codes() if not c.startswith(scope))[::97]
        weight = 0.1 * sum(w for _, w in classes) / max(len(outside), 1)
        classes += [(c, weight) for c in outside]
        zones, hq_types = _plan_values(plan)
        return PanelShape(
            tuple(classes),
            tuple((z, 1.0) for z in zones),
            hq_types or HQ_TYPES,
            scope,
        )


def _plan_values(plan: LoadedPlan) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The zones and HQ types a plan names: in its groups and in its formulas' filters."""
    from jingan_kpi.plan.functions import FILTERS, collect_calls

    named: dict[str, set[str]] = {"zone": set(), "hq_type": set()}
    for members in plan.model.zones.values():
        named["zone"].update(members)
    for members in plan.model.hq_types.values():
        named["hq_type"].update(members)
    for call in collect_calls(plan.formulas, plan.model).values():
        for keyword, values in call.cell.values:
            named.setdefault(FILTERS[keyword].column, set()).update(values)
    return tuple(sorted(named["zone"])), tuple(sorted(named["hq_type"]))


def generate_panel(
    enterprises: int,
    years: range | Sequence[int],
    seed: int,
    *,
    plan: LoadedPlan | None = None,
) -> pl.DataFrame:
    """A clean synthetic panel: one row per enterprise and year it is active, revenue in 万元.

    Columns: ``credit_code, name, industry_code, year, revenue, zone, hq_type`` (revenue Float64
    in 万元, year Int32, the rest String). Deterministic for a given ``seed``. With ``plan``, the
    panel covers that plan's sectors, zones and HQ types (the shipped plan's without).
    """
    shape = PanelShape.of(plan)
    year_list = sorted(int(y) for y in years)
    if enterprises < 1 or not year_list:
        msg = "generate_panel needs at least one enterprise and one year"
        raise ValueError(msg)
    first, last = year_list[0], year_list[-1]
    n = enterprises
    base = pl.DataFrame({"id": pl.int_range(0, n, eager=True)}).with_columns(
        credit_code=_credit_codes(n, seed)
    )

    def u(k: int) -> pl.Expr:
        return pl.int_range(0, n).cast(pl.Float64).sample(n, seed=seed * 31 + k, shuffle=True) / n

    # Pareto(α≈0.98) sizes, so the top 20 of ~3000 hold about half of the revenue.
    size = (1 - u(1) * 0.999_999).pow(-1 / 0.98)
    # Entry and exit: ~8% enter after the first year, ~6% leave before the last (HQs stay).
    entry = (
        pl.when(u(5) < 0.08)
        .then(pl.lit(first) + 1 + (u(6) * max(last - first, 1)).floor().cast(pl.Int32))
        .otherwise(first)
    )
    exit_ = (
        pl.when(u(7) < 0.06)
        .then(pl.lit(last) - 1 - (u(8) * max(last - first, 1)).floor().cast(pl.Int32))
        .otherwise(last)
    )
    firms = base.with_columns(
        industry_code=_pick(shape.classes, u(2)),
        zone=_pick(shape.zones, u(3)) if shape.zones else pl.lit(None, pl.String),
        size=size,
        hq_u=u(4),
        entry=entry.cast(pl.Int32),
        exit=exit_.cast(pl.Int32),
        head=_pick([(h, 1.0) for h in _NAME_HEADS], u(9)),
        growth=pl.when(u(11) < HIGH_GROWTH_SHARE)
        .then(0.22 + u(12) * 0.4)
        .otherwise(u(10) * 0.16 - 0.03),
        **_moves(u, first, last, shape),
    ).with_columns(
        hq_type=pl.when((pl.col("hq_u") < 0.05) & _hq_eligible(shape)).then(
            pl.when(_private_hq_cluster(shape))
            .then(pl.lit(PRIVATE_HQ))
            .otherwise(_pick([(h, 1.0) for h in shape.hq_types], pl.col("hq_u") / 0.05))
        ),
        name=pl.concat_str(
            pl.col("head"),
            pl.col("id").cast(pl.String).str.zfill(6),
            _tail(pl.col("industry_code")),
        ),
    )
    # Large enterprises skew to HQ, HR and advertising (the plan's heavyweights).
    return (
        firms.join(pl.DataFrame({"year": year_list}, schema={"year": pl.Int32}), how="cross")
        .filter(
            pl.col("year").is_between(pl.col("entry"), pl.col("exit")),
            pl.col("year") != pl.col("away"),
        )
        .with_columns(
            industry_code=pl.when(pl.col("year") >= pl.col("move_year"))
            .then(pl.col("new_code"))
            .otherwise(pl.col("industry_code")),
            zone=pl.when(pl.col("year") >= pl.col("move_year"))
            .then(pl.col("new_zone"))
            .otherwise(pl.col("zone")),
        )
        .with_columns(
            revenue=pl.col("size")
            * (_sector_weight(pl.col("industry_code")) if shape.sector_weights else 1.0)
            * (1 + pl.col("growth")).pow(pl.col("year") - first)
        )
        .with_columns(
            # Calibrate: section L in the first year ≈ 1850 亿元 per 3000 enterprises.
            revenue=(
                pl.col("revenue")
                * (1850 * 10_000 * n / 3000)
                / pl.col("revenue")
                .filter(
                    pl.col("year") == first,
                    pl.col("industry_code").str.starts_with(shape.scope[0])
                    if len(shape.scope) == 1
                    else pl.any_horizontal(
                        pl.col("industry_code").str.starts_with(p) for p in shape.scope
                    ),
                )
                .sum()
            ).round(1)
        )
        .select(list(CANONICAL_HEADERS))
        .sort("credit_code", "year")
    )


HIGH_GROWTH_SHARE = 0.02
"""Enterprises growing 22–62% a year (high-growth in the OECD-Eurostat sense: above 20% a year)."""
MOVE_SHARE = 0.03
"""Enterprises that change class code (and zone) from some year on, and, as many, enterprises
absent for one year in the middle of the panel that come back (contract §8's histories)."""
PRIVATE_HQ, PRIVATE_HQ_ZONE = "民营企业总部", "市北高新"
"""Plan 三.7: the private-enterprise HQ cluster (half of 市北高新's HQs, where a plan has both)."""


def _moves(
    u: Callable[[int], pl.Expr], first: int, last: int, shape: PanelShape
) -> dict[str, pl.Expr]:
    """When an enterprise moves (``move_year``; after the panel: never) and where to, and the
    one year it is away (``away``; outside the panel: never)."""
    span = max(last - first, 1)
    never = pl.lit(last + 1, dtype=pl.Int32)
    later = (pl.lit(first) + 1 + (u(14) * span).floor()).cast(pl.Int32)
    middle = (pl.lit(first) + 1 + (u(16) * max(span - 1, 1)).floor()).cast(pl.Int32)
    return {
        "move_year": pl.when(u(13) < MOVE_SHARE).then(later).otherwise(never),
        "new_code": _pick(shape.classes, u(15)),
        "new_zone": _pick(shape.zones, u(17)) if shape.zones else pl.lit(None, pl.String),
        "away": pl.when((u(18) < MOVE_SHARE) & pl.lit(last - first >= 2))
        .then(middle)
        .otherwise(never),
    }


def _private_hq_cluster(shape: PanelShape) -> pl.Expr:
    zones = {z for z, _ in shape.zones}
    here = PRIVATE_HQ in shape.hq_types and PRIVATE_HQ_ZONE in zones
    return (pl.col("zone") == PRIVATE_HQ_ZONE) & (pl.col("hq_u") < 0.025) & pl.lit(here)


def _hq_eligible(shape: PanelShape) -> pl.Expr:
    if shape.sector_weights:
        # The shipped plan's HQs are in division 72 (business services).
        return pl.col("industry_code").str.starts_with("72")
    return pl.any_horizontal(pl.col("industry_code").str.starts_with(p) for p in shape.scope)


_SECTOR_WEIGHTS = {"726": 1.8, "725": 2.6, "721": 1.0, "724": 1.0, "723": 0.4, "7": 0.5}


def _sector_weight(code: pl.Expr) -> pl.Expr:
    expr = pl.lit(1.0)
    for prefix, weight in reversed(_SECTOR_WEIGHTS.items()):
        expr = pl.when(code.str.starts_with(prefix)).then(pl.lit(weight)).otherwise(expr)
    return expr


def _tail(code: pl.Expr) -> pl.Expr:
    expr = pl.lit("有限公司")
    for prefix, tail in _NAME_TAILS.items():
        expr = pl.when(code.str.starts_with(prefix)).then(pl.lit(tail)).otherwise(expr)
    return expr


BAD_ROW_KINDS = (
    "invalid_credit_code",
    "invalid_industry_code",
    "invalid_year",
    "invalid_revenue",
    "duplicate_record",
)


def add_bad_rows(panel: pl.DataFrame, count: int, seed: int) -> pl.DataFrame:
    """Text panel with ``count`` deliberately bad rows appended, one reason after another."""
    text = panel.with_columns(pl.col("year").cast(pl.String), pl.col("revenue").cast(pl.String))
    if count <= 0:
        return text
    picked = text.sample(min(count, text.height), seed=seed, with_replacement=count > text.height)
    kinds = pl.Series([BAD_ROW_KINDS[i % len(BAD_ROW_KINDS)] for i in range(picked.height)])
    bad = (
        picked.with_columns(kind=kinds)
        .with_columns(
            credit_code=pl.when(pl.col("kind") == "invalid_credit_code")
            .then(pl.col("credit_code").str.slice(0, 17) + pl.lit("I"))
            .otherwise(pl.col("credit_code")),
            industry_code=pl.when(pl.col("kind") == "invalid_industry_code")
            .then(pl.lit("7299X"))
            .otherwise(pl.col("industry_code")),
            year=pl.when(pl.col("kind") == "invalid_year")
            .then(pl.lit("2025.5"))
            .otherwise(pl.col("year")),
            revenue=pl.when(pl.col("kind") == "invalid_revenue")
            .then(pl.lit("-12"))
            .otherwise(pl.col("revenue")),
        )
        .drop("kind")
    )
    return pl.concat([text, bad])


def write_sample(
    path: str | Path,
    *,
    enterprises: int,
    years: range | Sequence[int],
    seed: int,
    file_format: Literal["csv", "parquet", "xlsx"] = "csv",
    chinese_headers: bool = False,
    unit: str = "万元",
    encoding: str = "utf-8",
    bad_rows: int = 0,
    plan: LoadedPlan | None = None,
) -> Path:
    """Generate a panel and write it (atomically). Revenue is written in ``unit``; with
    ``chinese_headers`` the headers are Chinese and the revenue header carries the unit; with
    ``plan``, over that plan's sectors, zones and HQ types."""
    panel = generate_panel(enterprises, years, seed, plan=plan)
    factor = YUAN_PER_UNIT["万元"] / YUAN_PER_UNIT[unit]
    if factor != 1:
        panel = panel.with_columns((pl.col("revenue") * factor).round(4))
    text = add_bad_rows(panel, bad_rows, seed)
    headers = list(CHINESE_HEADERS) if chinese_headers else list(CANONICAL_HEADERS)
    if chinese_headers:
        headers[REVENUE_AT] = f"{CHINESE_HEADERS[REVENUE_AT]}({unit})"
    elif unit != "万元":
        headers[REVENUE_AT] = f"revenue ({unit})"
    text = text.rename(dict(zip(text.columns, headers, strict=True)))

    def write(temp: Path) -> None:
        if file_format == "parquet":
            text.write_parquet(temp)
        elif file_format == "xlsx":
            text.write_excel(temp, autofit=False)
        elif encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
            text.write_csv(temp)
        else:
            _write_csv_encoded(text, temp, encoding)

    return write_atomically(path, write, what="sample")


def _write_csv_encoded(
    frame: pl.DataFrame, path: Path, encoding: str, batch: int = 500_000
) -> None:
    """CSV in another encoding, batch by batch (a million-row GB18030 file never sits in memory
    twice)."""
    with path.open("wb") as out:
        for offset in range(0, max(frame.height, 1), batch):
            part = frame.slice(offset, batch).write_csv(include_header=offset == 0)
            out.write(part.encode(encoding))
