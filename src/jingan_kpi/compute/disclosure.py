"""Statistical disclosure control for ``--publish``: primary and secondary cell suppression.

A *cell* is one published magnitude: the revenue total of a sector (optionally restricted by
zone, HQ designation or a revenue floor) in one year. Contributors are enterprises (the clean
panel has one row per enterprise-year). The method, why it is safe and its limits are written
up in ``docs/disclosure.md``; in short:

1. **Primary suppression** (ESS Handbook on SDC; reference facts, "Statistical disclosure
   control"): a cell-year is unsafe under the minimum-frequency rule (fewer than ``n``
   contributors), the (n,k) dominance rule (x1+…+xn > k% of X) or the p% rule
   (X − x1 − x2 < p% of x1). A cell without contributors is safe: its total, 0, is nobody's.
2. **Secondary suppression**: each year, every enterprise gets its membership signature over
   the cells; enterprises with equal signatures form an *atom*; each cell is a 0/1 vector over
   atoms. A value is recoverable by the additive relations iff its vector lies in the linear
   span of the published cells' vectors (exact rational elimination). No *sensitive* vector (a
   primary-unsafe cell, or an unsafe union of atoms that differencing could expose) may be in
   that span.
3. **Interval audit** (:mod:`jingan_kpi.compute.interval_audit`): nor may a sensitive value be
   narrowed down, given the published cells and non-negative revenue, to less than its
   protection level (τ-ARGUS's p% and (n,k) levels) above and below it. The fewest complements
   that achieve 2 and 3 are chosen by Benders cuts on the attacker's LP (Fischetti–Salazar, as
   τ-ARGUS's optimal method), then checked exactly, repaired greedily if needed, and audited.

Nothing here prints the rule parameters; :meth:`DisclosureResult.rule_set_description` names the
rules only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import polars as pl

from jingan_kpi.compute.interval_audit import (
    Interval,
    IntervalAuditor,
    fewest_withheld,
    load_solver,
    protection_level,
)
from jingan_kpi.plan.functions import Cell
from jingan_kpi.plan.model import DisclosureRules

RULE_MIN_FREQUENCY = "min_frequency"
RULE_DOMINANCE = "dominance"
RULE_P_PERCENT = "p_percent"
RULE_HHI_P_PERCENT = "hhi_p_percent"
"""The p% rule applied to squares, for a published HHI (see :func:`_hhi_unsafe`)."""
RULE_SECONDARY = "secondary"
"""Not unsafe itself: withheld so that an unsafe value cannot be recomputed or narrowed down."""

RULE_SET_DESCRIPTION = (
    "minimum frequency, (n,k) dominance and p% rules; "
    "secondary suppression by linear recoverability"
)


# ----------------------------------------------------------------------------------------------
# Public types
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellSpec:
    """One published magnitude cell, defined the same way in every year.

    ``key`` is the cell's canonical text (e.g. ``"revenue(lbs, zone=[南京西路, 苏河湾])"``); it is
    how the caller asks about the cell afterwards. An enterprise is in the cell when its
    ``industry_code`` starts with one of ``prefixes`` and it passes every filter given.
    """

    key: str
    prefixes: tuple[str, ...]
    zones: frozenset[str] | None = None
    """Only enterprises whose zone is one of these (``None``: any zone, including none)."""
    hq: bool | None = None
    """``True``: ``hq_type`` not null; ``False``: ``hq_type`` null; ``None``: either."""
    min_revenue: float | None = None
    """Only enterprises with revenue ≥ this in the year (the frame's money unit)."""

    hq_types: frozenset[str] | None = None
    """Only enterprises whose HQ type is one of these (``None``: any, including none)."""

    @classmethod
    def of(cls, key: str, cell: Cell) -> CellSpec:
        """The cell of a panel call (:class:`~jingan_kpi.plan.functions.Cell`) under ``key``."""
        return cls(
            key=key,
            prefixes=cell.prefixes,
            zones=cell.value_filter("zone"),
            hq=cell.hq,
            min_revenue=cell.min_revenue,
            hq_types=cell.value_filter("hq_type"),
        )

    def membership(self) -> pl.Expr:
        """A boolean expression over the panel frame: is the row's enterprise in the cell?"""
        values = [
            (keyword, allowed)
            for keyword, allowed in (("zone", self.zones), ("hq_type", self.hq_types))
            if allowed is not None
        ]
        return Cell(self.prefixes, tuple(values), self.hq, self.min_revenue).mask()


@dataclass(frozen=True, slots=True)
class CellAssessment:
    """The verdict on one cell in one year."""

    key: str
    year: int
    n_contributors: int
    primary_rules: tuple[str, ...]
    """The primary rules the cell breaks (slugs, in the order min_frequency, dominance,
    p_percent); empty when the cell is safe on its own."""
    secondary: bool
    """Withheld only so that a primary-suppressed value cannot be recomputed."""

    @property
    def suppressed(self) -> bool:
        return bool(self.primary_rules) or self.secondary


@dataclass(frozen=True, slots=True)
class UnsafeCell:
    """One line of the internal audit (``audit-disclosure``): never for published output."""

    kind: Literal["cell", "top_share", "hhi"]
    key: str
    year: int
    rules: tuple[str, ...]
    n_contributors: int
    n: int | None = None
    """For ``top_share``: the N of CRn."""

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "key": self.key,
            "year": self.year,
            "n": self.n,
            "rules": list(self.rules),
            "n_contributors": self.n_contributors,
        }


@dataclass(frozen=True, slots=True)
class WithheldInterval:
    """One line of the interval audit (``audit-disclosure``): never for published output.

    ``kind`` is ``cell``, ``top_share`` (the N largest of ``key``) or ``union`` (enterprises no
    cell defines that differencing two cells would single out; ``key`` says which two).
    ``rules`` are the primary rules broken, or ``("secondary",)`` for a complement.
    """

    kind: Literal["cell", "top_share", "union"]
    key: str
    year: int
    n: int | None
    rules: tuple[str, ...]
    n_contributors: int
    interval: Interval

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "key": self.key,
            "year": self.year,
            "n": self.n,
            "rules": list(self.rules),
            "n_contributors": self.n_contributors,
            **self.interval.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class TopShareAssessment:
    """The verdict on CRn of a cell in one year (``top_share(sector, n, ...)``)."""

    key: str
    n: int
    year: int
    primary_rules: tuple[str, ...]
    """Rules broken by the N largest enterprises taken as a cell of their own, or by the rest of
    the cell (its total minus theirs), which a published CRn and total would reveal."""
    withheld: bool


@dataclass(frozen=True, slots=True)
class DisclosureResult:
    """What may be published, per cell and year. Build it with :func:`assess_cells`."""

    cells: Mapping[tuple[str, int], CellAssessment]
    top_shares: Mapping[tuple[str, int, int], TopShareAssessment] = field(default_factory=dict)
    hhi_rules: Mapping[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)
    years: tuple[int, ...] = ()
    intervals: tuple[WithheldInterval, ...] = ()
    """The interval audit of the final pattern: every withheld cell and CRn group, and every
    unsafe union of enterprises that differencing would expose, with the range an outsider can
    narrow it to and the protection required (internal, like :meth:`unsafe_cells`)."""

    def record(self, key: str, year: int) -> CellAssessment:
        """The assessment of one cell-year; ``KeyError`` naming the cell if it was not assessed."""
        try:
            return self.cells[(key, year)]
        except KeyError:
            msg = f"cell {key!r} in {year} was not assessed (known years: {list(self.years)})"
            raise KeyError(msg) from None

    def is_suppressed(self, key: str, year: int) -> bool:
        """True when the cell's value must be withheld in published output."""
        return self.record(key, year).suppressed

    def suppressed_cells(self) -> list[CellAssessment]:
        """Every withheld cell-year (primary or secondary), sorted by year then key."""
        return sorted(
            (c for c in self.cells.values() if c.suppressed), key=lambda c: (c.year, c.key)
        )

    def top_share_withheld(self, key: str, n: int, year: int) -> bool:
        """True when CRn of the cell must be withheld in that year.

        Withheld when the cell's total is withheld, or when the N largest enterprises (or the
        rest of the cell) form an unsafe cell, or when secondary suppression needed it.
        """
        try:
            return self.top_shares[(key, n, year)].withheld
        except KeyError:
            msg = (
                f"top share of {key!r} with n={n} in {year} was not assessed: pass it in "
                "assess_cells(top_n=...)"
            )
            raise KeyError(msg) from None

    def hhi_withheld(self, key: str, year: int) -> bool:
        """True when the HHI of the cell must be withheld in that year.

        Withheld when the cell's total is withheld, or when the index would let the second
        largest enterprise bound the largest one's revenue within p% (the p% rule on squares).
        """
        rules = self.hhi_rules.get((key, year))
        if rules is None:
            self.record(key, year)  # raises the KeyError naming the cell
            return True
        return self.is_suppressed(key, year) or bool(rules)

    def unsafe_cells(self) -> list[UnsafeCell]:
        """Every primary-unsafe cell-year, CRn and HHI with the rules it breaks (internal audit).

        This names rules, not parameters, and no enterprise; it is still for internal use only:
        it tells which published cells hide few or dominant enterprises.
        """
        out: list[UnsafeCell] = [
            UnsafeCell("cell", c.key, c.year, c.primary_rules, c.n_contributors)
            for c in self.cells.values()
            if c.primary_rules
        ]
        for t in self.top_shares.values():
            if t.primary_rules:
                n_parent = self.cells[(t.key, t.year)].n_contributors
                out.append(UnsafeCell("top_share", t.key, t.year, t.primary_rules, n_parent, t.n))
        for (key, year), rules in self.hhi_rules.items():
            # A cell unsafe on its own is withheld with its HHI; listing the HHI adds nothing.
            if rules and not self.cells[(key, year)].primary_rules:
                n_parent = self.cells[(key, year)].n_contributors
                out.append(UnsafeCell("hhi", key, year, rules, n_parent))
        kinds = {"cell": 0, "top_share": 1, "hhi": 2}
        return sorted(out, key=lambda u: (u.year, kinds[u.kind], u.key, u.n or 0))

    def rule_set_description(self) -> str:
        """The public one-liner naming the rules used, without their parameters."""
        return RULE_SET_DESCRIPTION


# ----------------------------------------------------------------------------------------------
# Statistics of a union of atoms
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Atom:
    """The enterprises of one year sharing one membership signature."""

    signature: str
    count: int
    top: tuple[float, ...]
    """The largest contributions (absolute values), descending, at most ``_depth``."""
    rest: float
    """Sum of the contributions after ``top`` (all non-negative: no cancellation)."""
    rest_squares: float


@dataclass(frozen=True, slots=True)
class _Stats:
    count: int
    top: tuple[Fraction, ...]
    rest: Fraction
    rest_squares: Fraction

    def head(self, k: int) -> Fraction:
        return sum(self.top[:k], Fraction(0))

    def after(self, k: int) -> Fraction:
        """Sum of the contributions after the k largest (k ≤ len of the kept top)."""
        return sum(self.top[k:], Fraction(0)) + self.rest

    @property
    def total(self) -> Fraction:
        return sum(self.top, Fraction(0)) + self.rest

    @property
    def x1(self) -> Fraction:
        return self.top[0] if self.top else Fraction(0)


def _union_stats(atoms: Sequence[_Atom], members: Iterable[int], depth: int) -> _Stats:
    # Exact sums of the float inputs, so a boundary case (X − x1 − x2 = p% of x1) is decided on
    # the numbers as given, not on rounding.
    chosen = [atoms[i] for i in members]
    tops = sorted((Fraction(x) for a in chosen for x in a.top), reverse=True)
    kept, spilled = tops[:depth], tops[depth:]
    return _Stats(
        count=sum(a.count for a in chosen),
        top=tuple(kept),
        rest=sum((Fraction(a.rest) for a in chosen), Fraction(0)) + sum(spilled, Fraction(0)),
        rest_squares=sum((Fraction(a.rest_squares) for a in chosen), Fraction(0))
        + sum((x * x for x in spilled), Fraction(0)),
    )


def _primary_rules(stats: _Stats, rules: DisclosureRules) -> tuple[str, ...]:
    if stats.count == 0:
        # Nobody contributes: the total (0) reveals nothing about any enterprise.
        return ()
    broken: list[str] = []
    if stats.count < rules.min_frequency:
        broken.append(RULE_MIN_FREQUENCY)
    n = rules.dominance_n
    k = Fraction(rules.dominance_k)
    top_n, rest_n = stats.head(n), stats.after(n)
    # x1+…+xn > k/100 · (x1+…+xn + rest)  ⇔  (100 − k)·top > k·rest: no subtraction of totals.
    if (100 - k) * top_n > k * rest_n:
        broken.append(RULE_DOMINANCE)
    p = Fraction(rules.p_percent)
    if 100 * stats.after(2) < p * stats.x1:
        broken.append(RULE_P_PERCENT)
    return tuple(broken)


def _protection_needed(stats: _Stats, rules: DisclosureRules) -> Fraction:
    """τ-ARGUS's protection level of an unsafe value: how far above (and below) its value the
    published figures must leave room, the larger of the p% rule's p/100·x1 − (X − x1 − x2) and
    the (n,k) rule's 100/k·(x1 + … + xn) − X, never below 0
    (:func:`~jingan_kpi.compute.interval_audit.protection_level`)."""
    top = stats.top
    x2 = top[1] if len(top) > 1 else Fraction(0)
    return protection_level(
        stats.x1,
        x2,
        stats.head(rules.dominance_n),
        stats.total,
        Fraction(rules.p_percent),
        Fraction(rules.dominance_k),
    )


def _hhi_unsafe(stats: _Stats, rules: DisclosureRules) -> tuple[str, ...]:
    """The p% rule on squares: with X and HHI published, the second largest enterprise knows
    x1² + Σ_{i≥3} xi² and so bounds x1 ≤ √(x1² + Σ_{i≥3} xi²). That bound is within p% of x1
    when Σ_{i≥3} xi² < ((1 + p/100)² − 1)·x1²."""
    if stats.count == 0:
        return ()
    p = Fraction(rules.p_percent) / 100
    tail_squares = sum((x * x for x in stats.top[2:]), Fraction(0)) + stats.rest_squares
    if tail_squares < ((1 + p) ** 2 - 1) * stats.x1 * stats.x1:
        return (RULE_HHI_P_PERCENT,)
    return ()


# ----------------------------------------------------------------------------------------------
# Exact linear algebra over the rationals (the systems are tens of cells by tens of atoms)
# ----------------------------------------------------------------------------------------------

Vector = tuple[int, ...]


def _solve(columns: Sequence[Vector], target: Vector) -> list[Fraction] | None:
    """Coefficients c with Σ c_j·columns[j] = target (free ones 0), or ``None`` if none exist."""
    n_rows = len(target)
    n_cols = len(columns)
    matrix = [
        [Fraction(columns[j][i]) for j in range(n_cols)] + [Fraction(target[i])]
        for i in range(n_rows)
    ]
    pivots: list[int] = []
    row = 0
    for col in range(n_cols):
        pivot = next((r for r in range(row, n_rows) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[row], matrix[pivot] = matrix[pivot], matrix[row]
        lead = matrix[row][col]
        matrix[row] = [v / lead for v in matrix[row]]
        for r in range(n_rows):
            if r != row and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[row], strict=True)]
        pivots.append(col)
        row += 1
        if row == n_rows:
            break
    if any(matrix[r][n_cols] != 0 for r in range(row, n_rows)):
        return None
    solution = [Fraction(0)] * n_cols
    for r, col in enumerate(pivots):
        solution[col] = matrix[r][n_cols]
    return solution


class _Basis:
    """An echelon basis of a span, built once and asked many membership questions."""

    def __init__(self, vectors: Iterable[Vector]) -> None:
        self._rows: list[tuple[int, list[Fraction]]] = []  # (pivot column, row with 1 there)
        for v in vectors:
            self._add(v)

    def _reduce(self, vector: Vector) -> list[Fraction]:
        row = [Fraction(x) for x in vector]
        for pivot, basis_row in self._rows:
            factor = row[pivot]
            if factor != 0:
                row = [a - factor * b for a, b in zip(row, basis_row, strict=True)]
        return row

    def _add(self, vector: Vector) -> None:
        row = self._reduce(vector)
        pivot = next((i for i, x in enumerate(row) if x != 0), None)
        if pivot is None:
            return
        lead = row[pivot]
        row = [x / lead for x in row]
        # Keep the basis fully reduced so _reduce can eliminate pivots in any order.
        reduced: list[tuple[int, list[Fraction]]] = []
        for p, r in self._rows:
            factor = r[pivot]
            if factor != 0:
                r = [a - factor * b for a, b in zip(r, row, strict=True)]
            reduced.append((p, r))
        self._rows = [*reduced, (pivot, row)]

    def contains(self, vector: Vector) -> bool:
        return not any(self._reduce(vector))


def in_span(columns: Sequence[Vector], target: Vector) -> bool:
    """Is ``target`` a linear combination (rational coefficients) of ``columns``?"""
    if not any(target):
        return True
    return _solve(columns, target) is not None


# ----------------------------------------------------------------------------------------------
# Secondary suppression for one year
# ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Cell:
    key: str
    vector: Vector
    stats: _Stats
    primary: tuple[str, ...]
    is_top_group: bool
    """The N largest of another cell (CRn): cheapest to withhold."""
    maximal: bool = False
    """Not contained in any other cell this year: a top-level total, withheld last."""


@dataclass(frozen=True, slots=True)
class _Sensitive:
    """A union of atoms whose value must stay hidden, with the protection it asks for."""

    vector: Vector
    need: Fraction
    label: str
    """For the audit: the cell key, or how differencing exposes the union."""
    rules: tuple[str, ...]
    count: int


@dataclass(frozen=True, slots=True)
class _Pattern:
    """The outcome of secondary suppression for one year."""

    withheld: frozenset[str]
    """Keys withheld besides the primary ones."""
    published: frozenset[Vector]
    """The published cells' vectors (what an outsider can use)."""


def _cost(c: _Cell, need: Fraction) -> tuple[int, int, int, Fraction, int, str]:
    return (
        int(c.maximal),
        int(c.stats.total < need),
        int(not c.is_top_group),
        c.stats.total,
        c.stats.count,
        c.key,
    )


def _group_cost(
    published: Mapping[str, _Cell], groups: Mapping[Vector, list[str]]
) -> Callable[[Vector], tuple[object, ...]]:
    """Cost of withholding every published cell with one vector: top-level totals last, CRn
    groups first, then fewer cells, the smaller total, fewer contributors, the key."""

    def cost(v: Vector) -> tuple[object, ...]:
        members = [published[k] for k in groups[v]]
        worst = max(_cost(c, Fraction(0)) for c in members)
        return (worst[0], worst[2], len(members), *worst[3:])

    return cost


def _fewest(
    cells: Sequence[_Cell], sensitive: Sequence[_Sensitive], auditor: IntervalAuditor
) -> frozenset[str] | None:
    """The fewest cells to withhold (besides the primary ones) for every sensitive value to keep
    its protection (:func:`~jingan_kpi.compute.interval_audit.fewest_withheld`), or ``None``.

    Cells with the same vector are one choice. Each costs 1, plus less than 1 over all cells
    together to prefer, among patterns of the same size, keeping top-level totals, withholding
    CRn groups before revenue totals, and smaller totals."""
    if not sensitive:
        return frozenset()
    must = {s.vector for s in sensitive}
    free: dict[Vector, list[_Cell]] = {}
    for c in sorted(cells, key=lambda c: c.key):
        if not c.primary and any(c.vector) and c.vector not in must:
            free.setdefault(c.vector, []).append(c)
    vectors = sorted(free, key=lambda v: free[v][0].key)
    grand = max((float(c.stats.total) for c in cells), default=0.0) or 1.0
    n = len(vectors) + 1
    weights = []
    for rank, v in enumerate(vectors):
        group = free[v]
        tie = (
            0.5 * (not any(c.is_top_group for c in group))
            + 0.49 * float(sum(c.stats.total for c in group)) / grand / len(group)
            + 1e-4 * rank / n
        )
        # A top-level total (section L, a table's grand total) costs more than all the other
        # cells together: withheld only where nothing else protects.
        weights.append(len(group) + n * any(c.maximal for c in group) + tie / n)
    targets = [(s.vector, s.need) for s in sensitive]
    chosen = fewest_withheld(auditor, vectors, weights, targets)
    if chosen is None:
        return None
    hidden = {vectors[i] for i in chosen} | must
    return frozenset(c.key for c in cells if not c.primary and c.vector in hidden)


def _secondary(
    cells: list[_Cell], sensitive: list[_Sensitive], auditor: IntervalAuditor
) -> _Pattern:
    """The cells to withhold besides the primary ones.

    ``sensitive`` holds every vector that must not be recoverable, with the protection it asks
    for. Three passes:

    1. **Linear greedy**: while a sensitive vector lies in the span of the published cells,
       withhold one published cell of a representation of it (one needed by every
       representation when there is one), by cost.
    2. **Interval audit**: while a sensitive value's interval (the attacker's LP,
       :class:`~jingan_kpi.compute.interval_audit.IntervalAuditor`) falls short of its
       protection, or a withheld value is pinned down, withhold the cheapest published cell
       (cells with the same vector together) that gives it the protection, else the one that
       narrows the shortfall most.
    3. **Suppress less**: offer every cell withheld by 1 or 2 back, most costly first, until
       nothing changes; it is published again when no sensitive vector becomes recoverable and
       every interval keeps its protection.
    """
    published = {c.key: c for c in cells if not c.primary and any(c.vector)}
    by_key = {c.key: c for c in cells}
    withheld: list[str] = []
    fewest = _fewest(cells, sensitive, auditor)
    repaired = False
    if fewest is not None:
        for key in sorted(published):
            if key in fewest:
                del published[key]
                withheld.append(key)

    def exposed(pub: Mapping[str, _Cell]) -> _Sensitive | None:
        basis = _Basis(c.vector for c in pub.values())
        for s in sensitive:
            if basis.contains(s.vector):
                return s
        return None

    while (hit := exposed(published)) is not None:
        keys = sorted(published)
        solution = _solve([published[k].vector for k in keys], hit.vector)
        if solution is None:  # pragma: no cover - exposed() has just found it in the span
            msg = "internal error: a recoverable vector has no representation"
            raise RuntimeError(msg)
        support = [k for k, coef in zip(keys, solution, strict=True) if coef != 0]
        essential = [
            k
            for k in support
            if not in_span([published[o].vector for o in keys if o != k], hit.vector)
        ]
        pool = essential or support
        choice = min(pool, key=lambda k: _cost(published[k], hit.need))
        del published[choice]
        withheld.append(choice)
        repaired = True

    def vectors(pub: Mapping[str, _Cell]) -> frozenset[Vector]:
        return frozenset(c.vector for c in pub.values())

    def hidden(pub: Mapping[str, _Cell]) -> list[_Sensitive]:
        # Every withheld value must keep an open interval, complements included.
        return [
            _Sensitive(c.vector, Fraction(0), c.key, (), c.stats.count)
            for c in cells
            if c.key not in pub and any(c.vector) and not c.primary
        ]

    def short(pub: Mapping[str, _Cell]) -> _Sensitive | None:
        frozen = vectors(pub)
        for s in [*sensitive, *hidden(pub)]:
            if s.vector in frozen:
                continue  # a complement published again under another key: not hidden
            if not auditor.interval(frozen, s.vector, s.need).protected:
                return s
        return None

    while (gap := short(published)) is not None:
        frozen = vectors(published)
        groups: dict[Vector, list[str]] = {}
        for key in sorted(published):
            groups.setdefault(published[key].vector, []).append(key)

        group_cost = _group_cost(published, groups)

        before = auditor.shortfall(frozen, gap.vector, gap.need)
        best: tuple[float, tuple[object, ...], Vector] | None = None
        for v in sorted(groups, key=group_cost):
            after = auditor.shortfall(frozen - {v}, gap.vector, gap.need)
            if after == 0:
                best = (after, group_cost(v), v)
                break
            if after < before and (best is None or after < best[0]):
                best = (after, group_cost(v), v)
        if best is None:
            # No single group narrows the gap (two bounds of the same size): withhold the
            # cheapest group that shares an enterprise with the value, and look again.
            sharing = [
                v for v in groups if any(a and b for a, b in zip(v, gap.vector, strict=True))
            ]
            pool_vectors = sharing or list(groups)
            best = (before, (), min(pool_vectors, key=group_cost))
        for key in groups[best[2]]:
            del published[key]
            withheld.append(key)
        repaired = True

    if fewest is not None and not repaired:
        # The fewest cells already: none can be given back (that would be a smaller pattern).
        return _Pattern(frozenset(withheld), vectors(published))

    # Suppress less: give back every withheld cell that is not needed, costliest first, until
    # nothing more can be given back. At that fixed point no withheld cell lies in the span of
    # the published ones either (giving such a cell back would not change the span).
    order = sorted(withheld, key=lambda k: _cost(by_key[k], Fraction(0)), reverse=True)
    changed = True
    while changed:
        changed = False
        for key in order:
            if key in published:
                continue
            trial = dict(published)
            trial[key] = by_key[key]
            if exposed(trial) is None and short(trial) is None:
                published = trial
                changed = True
    return _Pattern(frozenset(k for k in withheld if k not in published), vectors(published))


# ----------------------------------------------------------------------------------------------
# The entry point
# ----------------------------------------------------------------------------------------------


def _top_key(key: str, n: int) -> str:
    return f"{key}\x00top{n}"


def assess_cells(
    frame: pl.DataFrame,
    cells: Sequence[CellSpec],
    rules: DisclosureRules,
    *,
    years: Sequence[int] | None = None,
    top_n: Mapping[str, Sequence[int]] | None = None,
) -> DisclosureResult:
    """Decide which cells, CRn and HHI values may be published, year by year.

    Parameters
    ----------
    frame
        The clean panel (:data:`jingan_kpi.panel.types.PANEL_SCHEMA`; ``industry_code``,
        ``year``, ``revenue``, and ``zone``/``hq_type`` where a cell filters on them).
    cells
        Every magnitude cell the output publishes (keys unique). Pass every cell a
        ``revenue``, ``top_share`` or ``hhi`` call of the plan reads: more cells mean more
        relations considered, which is the safe side.
    rules
        The plan's disclosure parameters (confidential; never printed).
    years
        The years to assess (default: the frame's years). A year without rows has only empty,
        publishable cells.
    top_n
        For each cell key whose CRn is published, the N values used (``{"revenue(lbs)": [20]}``).

    Returns
    -------
    DisclosureResult
        Deterministic: the same input gives the same pattern.
    """
    keys = [c.key for c in cells]
    if len(set(keys)) != len(keys):
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        msg = f"cell keys must be unique; repeated: {dupes}"
        raise ValueError(msg)
    for c in cells:
        if not c.prefixes:
            msg = f"cell {c.key!r} has no industry code prefix"
            raise ValueError(msg)
    top_n = {k: sorted(set(v)) for k, v in (top_n or {}).items()}
    unknown = sorted(set(top_n) - set(keys))
    if unknown:
        msg = f"top_n names cells that are not in cells: {unknown}"
        raise ValueError(msg)
    bad_n = sorted((k, n) for k, ns in top_n.items() for n in ns if n < 1)
    if bad_n:
        msg = f"top_n values must be positive whole numbers; got {bad_n}"
        raise ValueError(msg)

    year_list = (
        sorted(frame.get_column("year").unique().drop_nulls().to_list())
        if years is None
        else sorted(set(years))
    )
    depth = max(2, rules.dominance_n)

    # Membership columns: one per cell, then one per CRn group ("the N largest of the cell").
    # Ties in revenue are broken by credit code, so the same frame gives the same groups.
    spec_by_key = {c.key: c for c in cells}
    columns: dict[str, pl.Expr] = {}
    top_groups: list[tuple[str, int]] = [(k, n) for k in sorted(top_n) for n in top_n[k]]
    for c in cells:
        columns[c.key] = c.membership()
    for key, n in top_groups:
        member = spec_by_key[key].membership()
        rank = (
            pl.when(member)
            .then(pl.col("revenue").abs())
            .rank("ordinal", descending=True)
            .over("year")
        )
        columns[_top_key(key, n)] = (member & (rank <= n)).fill_null(False)
    all_keys = list(columns)

    work = (
        frame.lazy()
        .filter(pl.col("year").is_in(year_list))
        .sort("year", "credit_code")
        .select(
            pl.col("year").cast(pl.Int64),
            pl.col("revenue").abs().alias("x"),
            pl.concat_str([expr.cast(pl.UInt8).cast(pl.String) for expr in columns.values()]).alias(
                "signature"
            ),
        )
        .filter(pl.col("signature").str.contains("1"))
        .group_by("year", "signature")
        .agg(
            pl.len().alias("count"),
            pl.col("x").sort(descending=True).head(depth).alias("top"),
            pl.col("x").sort(descending=True).slice(depth).sum().alias("rest"),
            (pl.col("x") ** 2).sort(descending=True).slice(depth).sum().alias("rest_squares"),
        )
        .sort("year", "signature")
        .collect()
    )
    atoms_by_year: dict[int, list[_Atom]] = {y: [] for y in year_list}
    for row in work.iter_rows(named=True):
        atoms_by_year[row["year"]].append(
            _Atom(
                row["signature"],
                row["count"],
                tuple(row["top"]),
                float(row["rest"]),
                float(row["rest_squares"]),
            )
        )

    out_cells: dict[tuple[str, int], CellAssessment] = {}
    out_tops: dict[tuple[str, int, int], TopShareAssessment] = {}
    out_hhi: dict[tuple[str, int], tuple[str, ...]] = {}
    out_intervals: list[WithheldInterval] = []
    load_solver()  # refuse before any work rather than publish unaudited
    for year in year_list:
        atoms = atoms_by_year[year]
        year_cells = _year_cells(atoms, all_keys, top_groups, rules, depth)
        sensitive = _sensitive_vectors(atoms, year_cells, rules, depth)
        auditor = IntervalAuditor(
            [_union_stats(atoms, [i], depth).total for i in range(len(atoms))]
        )
        pattern = _secondary(year_cells, sensitive, auditor)
        secondary = pattern.withheld
        by_key = {c.key: c for c in year_cells}
        for c in cells:
            cell = by_key[c.key]
            out_cells[(c.key, year)] = CellAssessment(
                c.key, year, cell.stats.count, cell.primary, c.key in secondary
            )
            out_hhi[(c.key, year)] = _hhi_unsafe(cell.stats, rules)
        for key, n in top_groups:
            group = by_key[_top_key(key, n)]
            parent = out_cells[(key, year)]
            rest_rules = _rest_rules(by_key[key], group, atoms, rules, depth)
            broken = tuple(r for r in _RULE_ORDER if r in group.primary or r in rest_rules)
            withheld = parent.suppressed or bool(broken) or group.key in secondary
            out_tops[(key, n, year)] = TopShareAssessment(key, n, year, broken, withheld)
        out_intervals += _intervals(
            year, year_cells, sensitive, pattern, auditor, rules, top_groups
        )
    return DisclosureResult(
        out_cells, out_tops, out_hhi, tuple(year_list), intervals=tuple(out_intervals)
    )


def _intervals(
    year: int,
    cells: Sequence[_Cell],
    sensitive: Sequence[_Sensitive],
    pattern: _Pattern,
    auditor: IntervalAuditor,
    rules: DisclosureRules,
    top_groups: Sequence[tuple[str, int]],
) -> list[WithheldInterval]:
    """The interval audit of the final pattern: every withheld cell and CRn group, and every
    unsafe union of atoms that no cell defines."""
    top_of = {_top_key(k, n): (k, n) for k, n in top_groups}
    out: list[WithheldInterval] = []
    for c in cells:
        if not (c.primary or c.key in pattern.withheld):
            continue
        need = _protection_needed(c.stats, rules) if c.primary else Fraction(0)
        interval = auditor.interval(pattern.published, c.vector, need)
        kind: Literal["cell", "top_share", "union"] = "cell"
        key, n = c.key, None
        if c.key in top_of:
            kind = "top_share"
            key, n = top_of[c.key]
        rules_broken = c.primary or (RULE_SECONDARY,)
        out.append(WithheldInterval(kind, key, year, n, rules_broken, c.stats.count, interval))
    cell_vectors = {c.vector for c in cells}
    for s in sensitive:
        if s.vector in cell_vectors:
            continue
        interval = auditor.interval(pattern.published, s.vector, s.need)
        out.append(WithheldInterval("union", s.label, year, None, s.rules, s.count, interval))
    kinds = {"cell": 0, "top_share": 1, "union": 2}
    return sorted(out, key=lambda w: (w.year, kinds[w.kind], w.key, w.n or 0))


assess = assess_cells
"""The former name, for callers written before ``compute.assess.assess`` took the name."""

_RULE_ORDER = (RULE_MIN_FREQUENCY, RULE_DOMINANCE, RULE_P_PERCENT)


def _members(atoms: Sequence[_Atom], position: int) -> list[int]:
    return [i for i, a in enumerate(atoms) if a.signature[position] == "1"]


def _vector(n_atoms: int, members: Iterable[int]) -> Vector:
    chosen = set(members)
    return tuple(1 if i in chosen else 0 for i in range(n_atoms))


def _year_cells(
    atoms: Sequence[_Atom],
    all_keys: Sequence[str],
    top_groups: Sequence[tuple[str, int]],
    rules: DisclosureRules,
    depth: int,
) -> list[_Cell]:
    top_keys = {_top_key(k, n) for k, n in top_groups}
    out: list[_Cell] = []
    for position, key in enumerate(all_keys):
        members = _members(atoms, position)
        stats = _union_stats(atoms, members, depth)
        out.append(
            _Cell(
                key,
                _vector(len(atoms), members),
                stats,
                _primary_rules(stats, rules),
                key in top_keys,
            )
        )
    sets = [frozenset(i for i, v in enumerate(c.vector) if v) for c in out]
    for c, s in zip(out, sets, strict=True):
        c.maximal = bool(s) and not any(s < other for other in sets)
    return out


def _rest_rules(
    parent: _Cell, group: _Cell, atoms: Sequence[_Atom], rules: DisclosureRules, depth: int
) -> tuple[str, ...]:
    """Primary rules broken by the cell minus its N largest (revealed by CRn and the total)."""
    members = [
        i for i, (p, g) in enumerate(zip(parent.vector, group.vector, strict=True)) if p and not g
    ]
    # The group has its own membership column, so the rest is a union of whole atoms.
    return _primary_rules(_union_stats(atoms, members, depth), rules)


def _sensitive_vectors(
    atoms: Sequence[_Atom], cells: Sequence[_Cell], rules: DisclosureRules, depth: int
) -> list[_Sensitive]:
    """Vectors whose value must never be recoverable, each with the protection it asks for.

    The primary-unsafe cells; and the unions of atoms that differencing can expose although no
    cell defines them: every single atom, and every difference of two nested cells (a total
    minus a part of it). Such a union is sensitive when it breaks a primary rule itself.
    """
    out: dict[Vector, _Sensitive] = {}
    cell_vectors = {c.vector for c in cells}
    for c in sorted(cells, key=lambda c: c.key):
        if c.primary and c.vector not in out:
            out[c.vector] = _Sensitive(
                c.vector, _protection_needed(c.stats, rules), c.key, c.primary, c.stats.count
            )
    first = list(out)
    candidates: dict[Vector, str] = {}
    n = len(atoms)
    keyed = sorted(cells, key=lambda c: c.key)
    sets = [(c.key, frozenset(i for i, v in enumerate(c.vector) if v)) for c in keyed]
    for big_key, big in sets:
        for small_key, small in sets:
            if small and small < big:
                candidates.setdefault(_vector(n, big - small), f"{big_key} − {small_key}")
    for i in range(n):
        inside = [k for k, members in sets if i in members]
        candidates.setdefault(_vector(n, [i]), " ∩ ".join(inside) + " (alone)")
    for vector in sorted(set(candidates) - cell_vectors - set(out)):
        stats = _union_stats(atoms, [i for i, v in enumerate(vector) if v], depth)
        broken = _primary_rules(stats, rules)
        if broken:
            out[vector] = _Sensitive(
                vector,
                _protection_needed(stats, rules),
                candidates[vector],
                broken,
                stats.count,
            )
    # Deterministic order: unsafe cells first (by key), then derived unions by vector.
    order = list(dict.fromkeys(first + sorted(out)))
    return [out[v] for v in order]
