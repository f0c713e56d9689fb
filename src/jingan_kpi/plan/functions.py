"""The functions of the formula language: one registry, one entry per function.

Everything about a function is in its :class:`Function` entry of :data:`FUNCTIONS`; the parser's
checks (:mod:`jingan_kpi.plan.checks`), the one pass over the panel
(:mod:`jingan_kpi.compute.cells`), the evaluation (:mod:`jingan_kpi.compute.formulas`),
disclosure control (:mod:`jingan_kpi.compute.evaluate` → :mod:`jingan_kpi.compute.disclosure`)
and ``explain`` (:mod:`jingan_kpi.compute.explain`) walk the registry and never name a function.
Adding a function is one entry here, plus its docs (``docs/formulas.md``) and tests.

The fields of an entry
----------------------
``name``, ``doc``
    The word written in formulas, and one line for the docs and messages.
``args``
    The positional arguments, by kind: ``"sector"`` (a key of ``sectors:``), ``"ref"`` (a key of
    ``references:``), ``"expr"`` (any expression giving a per-year series), ``"int"`` (a positive
    whole number literal).
``filters``
    The filter keywords it takes (keys of :data:`FILTERS`: ``zone=``, ``hq_type=``, ``hq=``,
    ``min_revenue=``); they define the *cell*, the enterprises the call counts. Panel functions
    take all of them by default.
``options``
    Its own keywords (:class:`Option`: a number, a whole number or a reference name; required or
    with a default), e.g. ``rate=`` and ``years=``. A keyword that is an option is not a filter
    (``high_growth``'s ``min_revenue=`` judges the earlier year, not the cell).
``result``
    The unit it gives (``money``, ``count``, ``share``, ``index``, ``rate``, ``pp``, ``rank``), or
    ``"same"``: the unit of its reference argument (``ref``).
``panel``
    For a panel function (:class:`PanelRule`), how it is computed in the one pass and treated
    downstream:

    ``stats``
        The per-year statistics of its cell that it needs (:class:`Stat`), given the call. Every
        cell's revenue total and row count (:data:`CELL_SUM`, :data:`CELL_COUNT`) are always
        computed: disclosure control and ``explain`` show them. A stat says how it is computed
        from the cell's rows (``rows``), optionally from the small grouped table (``cube``, a
        performance shortcut for cells without ``min_revenue``), or, for a function that follows
        enterprises across years, from ``history``: a frame of every used row of the plan's scope
        with the enterprise ``key``, ``year``, ``revenue`` and the cell's membership, sorted by
        key and year, built only when the plan uses such a function.
    ``value``
        The value in a year from those statistics (None: no value that year).
    ``disclosure``
        What the value publishes, for ``--publish``: ``"magnitude"`` (the cell's revenue total),
        ``"none"`` (a count of enterprises: no magnitude), ``"top_n"`` (the total and the N
        largest enterprises' sum), ``"hhi"`` (the total and the sum of squares).
    ``explain_total``, ``explain_top``
        What ``explain`` shows besides the value: the cell's revenue total (the denominator of a
        share, the base of an HHI, the cell behind a count), and the N largest enterprises.
    ``columns``
        Panel columns it reads besides the cell's (``credit_key``, the compact enterprise key,
        for enterprise histories).
    ``needs_history``
        True when a year's value needs earlier years of the panel (no value in a year whose
        predecessor the panel does not cover is the entry's own rule, in ``value``).
``evaluate``
    For every other function: the per-year series from its evaluated arguments (an ``"expr"``
    argument as a :class:`~jingan_kpi.compute.series.YearSeries`, a name as text, a number as a
    float) and options, in a :class:`~jingan_kpi.compute.formulas.FormulaContext`.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from jingan_kpi.compute import series as S
from jingan_kpi.compute.series import YearSeries
from jingan_kpi.plan import ast
from jingan_kpi.plan.formula import walk

if TYPE_CHECKING:
    # polars is imported where an expression is built, not here: validating a plan (which reads
    # this registry) stays light.
    import polars as pl

    from jingan_kpi.compute.enterprise import EnterpriseSpec
    from jingan_kpi.compute.formulas import FormulaContext
    from jingan_kpi.plan.model import Plan

ArgKind = Literal["sector", "ref", "expr", "int"]
ResultUnit = Literal["money", "count", "share", "index", "rate", "pp", "rank", "same"]
DisclosureKind = Literal["magnitude", "none", "top_n", "hhi"]

# Bare words allowed as values of ``hq=``.
BOOLEAN_WORDS: dict[str, bool] = {"true": True, "false": False}


# ----------------------------------------------------------------------------------------------
# Filters: what defines a cell
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filter:
    """A filter keyword of the panel functions.

    ``kind`` ``"values"``: a quoted value, a list of them, or the name of a group of the plan
    (``groups``: the plan's key holding the named groups) compared with ``column``;
    ``"flag"``: ``true``/``false`` (the column is not empty / empty); ``"minimum"``: a number
    compared with the revenue in the plan's money unit.
    """

    kind: Literal["values", "flag", "minimum"]
    column: str
    groups: str | None = None
    noun: str = ""
    """What one value is called in messages (``zone``, ``HQ type``)."""


FILTERS: dict[str, Filter] = {
    "zone": Filter("values", "zone", "zones", "zone"),
    "hq_type": Filter("values", "hq_type", "hq_types", "HQ type"),
    "hq": Filter("flag", "hq_type"),
    "min_revenue": Filter("minimum", "revenue"),
}
"""In the order they appear in a cell's key."""


class CellTest(Protocol):
    """How a cell's conditions are tested on a frame: directly on the panel's columns, or through
    bit sets precomputed per distinct value (:class:`jingan_kpi.compute.cells.CellMasks`)."""

    def codes(self, prefixes: tuple[str, ...]) -> pl.Expr: ...

    def values(self, column: str, values: frozenset[str]) -> pl.Expr: ...

    def flag(self, column: str) -> pl.Expr: ...


class DirectTest:
    """Tests on the panel frame's own columns."""

    def codes(self, prefixes: tuple[str, ...]) -> pl.Expr:
        import polars as pl

        return pl.any_horizontal([pl.col("industry_code").str.starts_with(p) for p in prefixes])

    def values(self, column: str, values: frozenset[str]) -> pl.Expr:
        import polars as pl

        return pl.col(column).is_in(sorted(values))

    def flag(self, column: str) -> pl.Expr:
        import polars as pl

        return pl.col(column).is_not_null()


@dataclass(frozen=True, slots=True)
class Cell:
    """The enterprise-years a panel call counts: a sector's code prefixes and the filters.

    This is the one definition of a cell's membership (:meth:`mask`): the one pass, disclosure
    control and ``explain`` all use it.
    """

    prefixes: tuple[str, ...]
    values: tuple[tuple[str, frozenset[str]], ...] = ()
    """(filter keyword, allowed values) of the ``"values"`` filters, in :data:`FILTERS` order."""
    hq: bool | None = None
    min_revenue: float | None = None

    def value_filter(self, keyword: str) -> frozenset[str] | None:
        for k, v in self.values:
            if k == keyword:
                return v
        return None

    def needs_columns(self) -> set[str]:
        cols = {FILTERS[k].column for k, _ in self.values}
        if self.hq is not None:
            cols.add(FILTERS["hq"].column)
        return cols

    def mask(self, test: CellTest | None = None) -> pl.Expr:
        """Which rows (enterprise-years) are in the cell; never null."""
        import polars as pl

        test = test or DirectTest()
        cond = test.codes(self.prefixes)
        for keyword, allowed in self.values:
            cond = cond & test.values(FILTERS[keyword].column, allowed)
        if self.hq is not None:
            flag = test.flag(FILTERS["hq"].column)
            cond = cond & (flag if self.hq else ~flag)
        if self.min_revenue is not None:
            # Contract §7: the revenue in the plan's money unit, rounded to 9 decimals.
            cond = cond & (pl.col("revenue").round(9) >= self.min_revenue)
        return cond.fill_null(False)

    def key_parts(self) -> list[str]:
        parts: list[str] = []
        for keyword, allowed in self.values:
            parts.append(f"{keyword}=" + json.dumps(sorted(allowed), ensure_ascii=False))
        if self.hq is not None:
            parts.append(f"hq={'true' if self.hq else 'false'}")
        if self.min_revenue is not None:
            parts.append(f"min_revenue={self.min_revenue:g}")
        return parts


# ----------------------------------------------------------------------------------------------
# A panel call: one panel function applied to one cell
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PanelCall:
    """One panel function applied to one sector with its filters and options."""

    func: str
    sector: str
    cell: Cell
    ints: tuple[int, ...] = ()
    """The whole-number positional arguments (``top_share``'s N)."""
    options: tuple[tuple[str, float], ...] = ()
    """The function's own keywords, defaults filled in, sorted by name."""

    @property
    def function(self) -> Function:
        return FUNCTIONS[self.func]

    @property
    def rule(self) -> PanelRule:
        rule = FUNCTIONS[self.func].panel
        assert rule is not None  # a PanelCall is made only for a panel function
        return rule

    @property
    def n(self) -> int | None:
        """The first whole-number argument (N of ``top_share``), if any."""
        return self.ints[0] if self.ints else None

    def option(self, name: str) -> float:
        for k, v in self.options:
            if k == name:
                return v
        msg = f"{self.func}() has no option {name!r}"
        raise KeyError(msg)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return self.cell.prefixes

    @property
    def zones(self) -> frozenset[str] | None:
        return self.cell.value_filter("zone")

    @property
    def hq(self) -> bool | None:
        return self.cell.hq

    @property
    def min_revenue(self) -> float | None:
        return self.cell.min_revenue

    @property
    def cell_key(self) -> str:
        """The key of the magnitude cell behind the call: ``revenue(sector, filters)``."""
        return f"revenue({', '.join([self.sector, *self.cell.key_parts()])})"

    @property
    def key(self) -> str:
        """The call's canonical text: equal keys are computed once."""
        parts = [self.sector, *map(str, self.ints), *self.cell.key_parts()]
        parts += [f"{k}={v:g}" for k, v in self.options]
        return f"{self.func}({', '.join(parts)})"

    def needs_columns(self) -> set[str]:
        """Optional panel columns without which the call has no value."""
        return self.cell.needs_columns()

    def mask(self) -> pl.Expr:
        return self.cell.mask()


def panel_call(node: ast.Call, plan: Plan) -> PanelCall:
    """Resolve a validated call of a panel function (names → prefixes, groups → values)."""
    function = FUNCTIONS[node.func]
    sector = ""
    ints: list[int] = []
    for kind, arg in zip(function.args, node.args, strict=True):
        if kind == "sector" and isinstance(arg, ast.Name):
            sector = arg.name
        elif kind == "int" and isinstance(arg, ast.Number):
            ints.append(int(arg.value))
    values: list[tuple[str, frozenset[str]]] = []
    hq: bool | None = None
    min_revenue: float | None = None
    options = {k: o.default for k, o in function.options.items() if o.default is not None}
    for keyword, value in node.kwargs:
        if keyword in function.options:
            if isinstance(value, ast.Number):
                options[keyword] = value.value
            continue
        spec = FILTERS[keyword]
        if spec.kind == "values":
            values.append((keyword, filter_values(value, _groups(plan, spec))))
        elif spec.kind == "flag" and isinstance(value, ast.Name):
            hq = BOOLEAN_WORDS[value.name]
        elif spec.kind == "minimum" and isinstance(value, ast.Number):
            min_revenue = value.value
    order = list(FILTERS)
    values.sort(key=lambda kv: order.index(kv[0]))
    return PanelCall(
        func=node.func,
        sector=sector,
        cell=Cell(tuple(plan.sectors[sector].codes), tuple(values), hq, min_revenue),
        ints=tuple(ints),
        options=tuple(sorted(options.items())),
    )


def _groups(plan: Plan, spec: Filter) -> Mapping[str, list[str]]:
    groups = getattr(plan, spec.groups, None) if spec.groups else None
    return groups if isinstance(groups, Mapping) else {}


def filter_values(value: ast.Node, groups: Mapping[str, Sequence[str]]) -> frozenset[str]:
    """The values a ``"values"`` filter names: a text, a list of texts or a group's members,
    compared after the same NFKC-and-strip as the data (contract §7)."""
    if isinstance(value, ast.String):
        raw: list[str] = [value.value]
    elif isinstance(value, ast.ListOf):
        raw = [i.value for i in value.items if isinstance(i, ast.String)]
    elif isinstance(value, ast.Name):
        raw = list(groups.get(value.name, ()))
    else:
        raw = []
    return frozenset(v for v in (normalize_filter_value(r) for r in raw) if v)


def normalize_filter_value(value: str) -> str:
    """NFKC, then surrounding white space stripped: what the panel reader does to its values."""
    return unicodedata.normalize("NFKC", value).strip()


def collect_calls(
    formulas: Iterable[ast.Node] | Mapping[str, ast.Node], plan: Plan
) -> dict[str, PanelCall]:
    """Every panel call in the formulas, keyed by :attr:`PanelCall.key` (each computed once)."""
    nodes = formulas.values() if isinstance(formulas, Mapping) else formulas
    found: dict[str, PanelCall] = {}
    for root in nodes:
        for node in walk(root):
            if isinstance(node, ast.Call) and is_panel_function(node.func):
                call = panel_call(node, plan)
                found.setdefault(call.key, call)
    return found


def is_panel_function(name: str) -> bool:
    function = FUNCTIONS.get(name)
    return function is not None and function.panel is not None


# ----------------------------------------------------------------------------------------------
# Statistics computed in the one pass
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cube:
    """The small grouped table's columns (panel grouped by year, class code, zone, HQ): the
    revenue sum, the sum of squared revenue and the row count of each group."""

    revenue: pl.Expr
    squares: pl.Expr
    rows: pl.Expr


@dataclass(frozen=True, slots=True)
class Stat:
    """A per-year statistic of a cell (or of one call of it, ``by_call``).

    ``rows(revenue, member, call)``: an aggregation within one year over the panel's rows, where
    ``revenue`` is the row's revenue inside the cell and 0 outside, ``member`` whether the row is
    in the cell. ``cube(member, cube)``: the same from the small grouped table, where a cell
    without ``min_revenue`` allows it. ``history(frame, call)``: for functions over enterprises
    across years, a frame with ``year`` and ``value`` from ``frame`` (columns ``key``, the
    enterprise key, ``year``, ``revenue`` and the boolean ``member``; every used row of the
    plan's scope, one per enterprise and year, sorted by key and year). A year the result lacks
    counts 0.
    """

    name: str
    rows: Callable[[pl.Expr, pl.Expr, PanelCall], pl.Expr] | None = None
    cube: Callable[[pl.Expr, Cube], pl.Expr] | None = None
    history: Callable[[pl.LazyFrame, PanelCall], pl.LazyFrame] | None = None
    by_call: bool = False
    """Keyed by the call (its options matter), not by the cell alone."""

    def key(self, call: PanelCall) -> str:
        return f"{self.name}|{call.key if self.by_call else call.cell_key}"


CELL_SUM = Stat(
    "sum",
    rows=lambda revenue, _member, _call: revenue.sum(),
    cube=lambda member, cube: cube.revenue.filter(member).sum(),
)


def _cube_count(member: pl.Expr, cube: Cube) -> pl.Expr:
    import polars as pl

    return cube.rows.filter(member).sum().cast(pl.Int64)


CELL_COUNT = Stat(
    "count",
    rows=lambda _revenue, member, _call: member.sum(),
    cube=_cube_count,
)
CELL_SQUARES = Stat(
    "sq",
    rows=lambda revenue, _member, _call: revenue.pow(2).sum(),
    cube=lambda member, cube: cube.squares.filter(member).sum(),
)
# Summed largest first, one after another: the top-N sums of one cell then never fall as N
# grows, not even in the last bit (a plain sum's order is unspecified). Revenue is never
# negative (contract §1), so the zeros outside the cell change no top-N sum (all of the cell's
# enterprises where it has fewer than N).
TOP_N_SUM = Stat(
    "top",
    rows=lambda revenue, _member, call: (
        revenue.top_k(call.n or 0).sort(descending=True).cum_sum().last()
    ),
    by_call=True,
)

CELL_STATS: tuple[Stat, ...] = (CELL_SUM, CELL_COUNT)
"""Computed for every cell: its revenue total and its number of enterprises."""


class CallStats(Protocol):
    """The statistics of one call, per year (from :class:`jingan_kpi.compute.cells.CellTable`)."""

    @property
    def years(self) -> tuple[int, ...]:
        """The years the panel covers."""
        ...

    def get(self, stat: Stat, year: int) -> float: ...


@dataclass(frozen=True, slots=True)
class PanelRule:
    """How a panel function is computed and treated downstream (see the module docstring)."""

    value: Callable[[PanelCall, CallStats, int], float | None]
    stats: Callable[[PanelCall], tuple[Stat, ...]] = lambda _call: ()
    disclosure: DisclosureKind = "magnitude"
    explain_total: bool = False
    explain_top: bool = False
    columns: frozenset[str] = frozenset()
    needs_history: bool = False
    explain_enterprises: bool = False
    """``explain`` lists the enterprises behind the value (contract §8's counts)."""


@dataclass(frozen=True, slots=True)
class Option:
    """A function's own keyword: a number, a positive whole number or a reference name."""

    kind: Literal["number", "int", "ref"]
    required: bool = False
    default: float | None = None
    doc: str = ""
    ref_kind: Literal["level", "rate"] | None = None
    """For a ``ref`` option: the kind the reference must be declared with."""


Evaluator = Callable[
    [tuple["YearSeries | str | float", ...], Mapping[str, float | str], "FormulaContext"],
    YearSeries,
]


@dataclass(frozen=True, slots=True)
class Function:
    """One function of the formula language (see the module docstring for the fields)."""

    name: str
    args: tuple[ArgKind, ...]
    result: ResultUnit
    doc: str
    filters: tuple[str, ...] = ()
    options: Mapping[str, Option] = field(default_factory=dict)
    panel: PanelRule | None = None
    evaluate: Evaluator | None = None

    @property
    def keywords(self) -> frozenset[str]:
        return frozenset(self.filters) | frozenset(self.options)

    def usage(self) -> str:
        words = {"sector": "SECTOR", "ref": "REFERENCE", "expr": "EXPR", "int": "N"}
        parts = [words[a] for a in self.args] + [f"{k}=..." for k in sorted(self.keywords)]
        return f"{self.name}({', '.join(parts)})"


# ----------------------------------------------------------------------------------------------
# The panel functions' values
# ----------------------------------------------------------------------------------------------


def _revenue(_call: PanelCall, stats: CallStats, year: int) -> float:
    return stats.get(CELL_SUM, year)


def _count(_call: PanelCall, stats: CallStats, year: int) -> float:
    return stats.get(CELL_COUNT, year)


def _top_share(call: PanelCall, stats: CallStats, year: int) -> float | None:
    """The top-N sum over the total, kept to what it is on paper: exactly 1 where the cell has
    N enterprises or fewer (contract §4: all of them), and never above 1. The two sums add the
    same numbers in different orders, so they can differ in the last bit."""
    total = stats.get(CELL_SUM, year)
    if not total > 0:
        return None
    if stats.get(CELL_COUNT, year) <= (call.n or 0):
        return 1.0
    return min(1.0, stats.get(TOP_N_SUM, year) / total)


def _hhi(_call: PanelCall, stats: CallStats, year: int) -> float | None:
    total = stats.get(CELL_SUM, year)
    if not total > 0:
        return None
    return 10_000.0 * stats.get(CELL_SQUARES, year) / (total * total)


# ----------------------------------------------------------------------------------------------
# Enterprise dynamics (contract §8): counts over enterprises across years
# ----------------------------------------------------------------------------------------------

HIGH_GROWTH_RATE = 0.2
HIGH_GROWTH_YEARS = 3
"""OECD-Eurostat Manual on Business Demography Statistics (2007), turnover variant: average
annualised growth above 20% a year over three years (contract §8's defaults)."""
KEY_COLUMN = "credit_key"
"""The compact enterprise key the one pass reads (:data:`jingan_kpi.panel.types.KEY_COLUMN`;
spelled out here so that reading the registry does not import polars)."""


def _enterprise_spec(call: PanelCall, member: pl.Expr) -> EnterpriseSpec:
    """The kernel's view of a call (:mod:`jingan_kpi.compute.enterprise`): the cell's membership
    and, where the function has them, its own ``min_revenue``, ``rate`` and ``years``."""
    from jingan_kpi.compute.enterprise import EnterpriseSpec

    func = call.func
    if func == "high_growth":
        return EnterpriseSpec(
            "high_growth",
            member,
            min_revenue=call.option("min_revenue"),
            rate=call.option("rate"),
            years=int(call.option("years")),
        )
    if func == "crossed":
        return EnterpriseSpec("crossed", member, min_revenue=call.option("min_revenue"))
    if func == "exits":
        return EnterpriseSpec("exits", member)
    assert func == "entrants"
    return EnterpriseSpec("entrants", member)


def enterprise_spec(call: PanelCall) -> EnterpriseSpec:
    """The kernel's view of a call, membership tested on the panel's own columns."""
    return _enterprise_spec(call, call.cell.mask())


def _enterprise_history(frame: pl.LazyFrame, call: PanelCall) -> pl.LazyFrame:
    import polars as pl

    from jingan_kpi.compute.enterprise import counts_by_year

    # The one pass hands over the rows sorted by (key, year), shared by every call.
    return counts_by_year(frame, _enterprise_spec(call, pl.col("member")), key=pl.col("key"))


ENTERPRISE_STATS: dict[str, Stat] = {
    name: Stat(name, history=_enterprise_history, by_call=True)
    for name in ("entrants", "exits", "crossed", "high_growth")
}


def _enterprise_value(call: PanelCall, stats: CallStats, year: int) -> float | None:
    """The count in ``year``; none where the panel does not cover t−1 (``high_growth``: t−K)."""
    lag = int(call.option("years")) if call.func == "high_growth" else 1
    if year - lag not in stats.years:
        return None
    return int(stats.get(ENTERPRISE_STATS[call.func], year))


def _enterprise_rule() -> PanelRule:
    return PanelRule(
        _enterprise_value,
        stats=lambda call: (ENTERPRISE_STATS[call.func],),
        # A count of enterprises reveals no magnitude: published as count is (docs/disclosure.md).
        disclosure="none",
        columns=frozenset({KEY_COLUMN}),
        needs_history=True,
        explain_enterprises=True,
    )


def _rank(
    args: tuple[YearSeries | str | float, ...],
    options: Mapping[str, float | str],
    ctx: FormulaContext,
) -> YearSeries:
    from jingan_kpi.compute.rank import rank_among

    group = str(options["among"])
    refs = ctx.references
    where = f" in {refs.path}" if refs.path else " (no --reference file)"
    own = ctx.plan.plan.district
    return rank_among(_series(args[0]), group, refs.members(group), district=own, where=where)


# ----------------------------------------------------------------------------------------------
# The other functions' values (per-year series in, per-year series out)
# ----------------------------------------------------------------------------------------------


def _series(arg: YearSeries | str | float) -> YearSeries:
    assert isinstance(arg, YearSeries)
    return arg


def _text(arg: YearSeries | str | float) -> str:
    assert isinstance(arg, str)
    return arg


def reference_series(name: str, ctx: FormulaContext) -> YearSeries:
    """A reference series as supplied (levels in the plan's money unit, rates in %)."""
    ref = ctx.references.series.get(name)
    if ref is None:
        where = f" in {ctx.references.path}" if ctx.references.path else " (no --reference file)"
        return YearSeries(values={}, missing=(f"reference series {name!r} not supplied{where}",))
    return YearSeries(values=dict(ref.values), sources=(f"{name}: {ref.source}",))


def reference_growth(name: str, ctx: FormulaContext, base: int) -> YearSeries:
    """Compound annual growth of a reference series since the baseline (contract §4).

    For a level series, (R(t)/R(Y0))^(1/(t−Y0)) − 1; for a series of published growth rates in %,
    the geometric mean (∏ over Y0+1…t of (1 + rate/100))^(1/(t−Y0)) − 1.
    """
    ref = ctx.references.series.get(name)
    if ref is None:
        return reference_series(name, ctx)
    sources = (f"{name}: {ref.source}",)
    if ref.kind == "level":
        lv = S.cagr(YearSeries(values=dict(ref.values)), base)
        return YearSeries(values=lv.values, missing=lv.missing, sources=sources)
    values: dict[int, float] = {}
    product = 1.0
    for y in range(base + 1, max(ref.values, default=base) + 1):
        rate = ref.values.get(y)
        if rate is None:
            break
        product *= 1.0 + rate / 100.0
        if product < 0:
            break
        values[y] = product ** (1.0 / (y - base)) - 1.0
    return YearSeries(values=values, sources=sources)


def _ref(args: tuple[YearSeries | str | float, ...], _o: object, ctx: FormulaContext) -> YearSeries:
    return reference_series(_text(args[0]), ctx)


def _yoy(
    args: tuple[YearSeries | str | float, ...], _o: object, _ctx: FormulaContext
) -> YearSeries:
    return S.yoy(_series(args[0]))


def _cagr(
    args: tuple[YearSeries | str | float, ...], _o: object, ctx: FormulaContext
) -> YearSeries:
    return S.cagr(_series(args[0]), ctx.plan.plan.baseline_year)


def _growth_diff(
    args: tuple[YearSeries | str | float, ...], _o: object, ctx: FormulaContext
) -> YearSeries:
    base = ctx.plan.plan.baseline_year
    own = S.cagr(_series(args[0]), base)
    ref = reference_growth(_text(args[1]), ctx, base)
    return S.combine(own, ref, lambda a, b: 100.0 * (a - b))


# ----------------------------------------------------------------------------------------------
# The registry
# ----------------------------------------------------------------------------------------------

PANEL_FILTERS: tuple[str, ...] = tuple(FILTERS)


def _register(*functions: Function) -> dict[str, Function]:
    return {f.name: f for f in functions}


FUNCTIONS: dict[str, Function] = _register(
    Function(
        "revenue",
        ("sector",),
        "money",
        "sum of operating revenue of the sector's enterprises, per year",
        filters=PANEL_FILTERS,
        panel=PanelRule(_revenue, disclosure="magnitude"),
    ),
    Function(
        "count",
        ("sector",),
        "count",
        "number of enterprises of the sector matching the filters, per year",
        filters=PANEL_FILTERS,
        panel=PanelRule(_count, disclosure="none", explain_total=True),
    ),
    Function(
        "top_share",
        ("sector", "int"),
        "share",
        "revenue of the N largest enterprises ÷ the sector's revenue (CRn)",
        filters=PANEL_FILTERS,
        panel=PanelRule(
            _top_share,
            stats=lambda _call: (TOP_N_SUM,),
            disclosure="top_n",
            explain_total=True,
            explain_top=True,
        ),
    ),
    Function(
        "hhi",
        ("sector",),
        "index",
        "Herfindahl–Hirschman index: sum of squared % shares, 0–10,000",
        filters=PANEL_FILTERS,
        panel=PanelRule(
            _hhi, stats=lambda _call: (CELL_SQUARES,), disclosure="hhi", explain_total=True
        ),
    ),
    Function(
        "ref",
        ("ref",),
        "same",
        "a reference series: levels in the plan's money unit, or rates in %",
        evaluate=_ref,
    ),
    Function(
        "yoy",
        ("expr",),
        "rate",
        "year-on-year growth V(t)/V(t−1) − 1, as a fraction",
        evaluate=_yoy,
    ),
    Function(
        "cagr",
        ("expr",),
        "rate",
        "compound annual growth since the baseline (V(t)/V(Y0))^(1/(t−Y0)) − 1",
        evaluate=_cagr,
    ),
    Function(
        "growth_diff",
        ("expr", "ref"),
        "pp",
        "100 × (compound growth of expr − compound growth of the reference"
        " series) since the baseline, in percentage points (contract §4)",
        evaluate=_growth_diff,
    ),
    Function(
        "entrants",
        ("sector",),
        "count",
        "enterprises that are members in t and were not in t−1 (contract §8)",
        filters=PANEL_FILTERS,
        panel=_enterprise_rule(),
    ),
    Function(
        "exits",
        ("sector",),
        "count",
        "enterprises that were members in t−1 and are not in t (contract §8)",
        filters=PANEL_FILTERS,
        panel=_enterprise_rule(),
    ),
    Function(
        "crossed",
        ("sector",),
        "count",
        "members in t (revenue ≥ min_revenue) whose used row in t−1 had revenue below it (升规)",
        filters=("zone", "hq_type", "hq"),
        options={
            "min_revenue": Option(
                "number", required=True, doc="the line crossed, in the plan's money unit"
            )
        },
        panel=_enterprise_rule(),
    ),
    Function(
        "high_growth",
        ("sector",),
        "count",
        "members in t whose revenue grew more than rate a year over years years, from a used"
        " row in t−years of revenue ≥ min_revenue and > 0 (OECD-Eurostat, turnover variant)",
        filters=("zone", "hq_type", "hq"),
        options={
            "rate": Option("number", default=HIGH_GROWTH_RATE, doc="annual growth to exceed"),
            "years": Option("int", default=HIGH_GROWTH_YEARS, doc="the period K, in years"),
            "min_revenue": Option(
                "number", default=0.0, doc="minimum revenue in t−K, in the plan's money unit"
            ),
        },
        panel=_enterprise_rule(),
    ),
    Function(
        "rank",
        ("expr",),
        "rank",
        "1 + the members of a reference group (GROUP[MEMBER] series) whose value is greater,"
        " the plan's own district left out (contract §8)",
        options={
            "among": Option(
                "ref", required=True, ref_kind="level", doc="the reference group of other districts"
            )
        },
        evaluate=_rank,
    ),
)


def finite_or_none(v: float | None) -> float | None:
    if v is None or math.isnan(v) or math.isinf(v):
        return None
    return v
