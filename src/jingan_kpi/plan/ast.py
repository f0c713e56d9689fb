"""The formula language's syntax tree and its vocabulary.

A formula (the ``formula`` key of an indicator in the plan file) is parsed by
:mod:`jingan_kpi.plan.formula` into these nodes; :mod:`jingan_kpi.compute` evaluates them into
per-year values. Nothing here is ever handed to ``eval``: the tree can only name the functions in
:data:`FUNCTIONS`, sectors, zones, reference series and other indicators.

Every node carries ``pos``, the 0-based offset of its first character in the formula text, so a
problem can point at the exact column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    pos: int = 0


@dataclass(frozen=True, slots=True)
class String:
    value: str
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Name:
    """A bare name: an indicator id, or (as a function argument) a sector or reference key."""

    name: str
    pos: int = 0


@dataclass(frozen=True, slots=True)
class ListOf:
    """``[a, b, ...]``: only as a keyword argument value (``zone=["南京西路", "苏河湾"]``)."""

    items: tuple[Node, ...]
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Node, ...]
    kwargs: tuple[tuple[str, Node], ...] = ()
    pos: int = 0

    def kwarg(self, key: str) -> Node | None:
        for k, v in self.kwargs:
            if k == key:
                return v
        return None


@dataclass(frozen=True, slots=True)
class BinOp:
    op: Literal["+", "-", "*", "/"]
    left: Node
    right: Node
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node
    pos: int = 0


Node = Number | String | Name | ListOf | Call | BinOp | Neg


# ----------------------------------------------------------------------------------------------
# The vocabulary. Argument kinds:
#   "sector"  a bare name that is a key of the plan's ``sectors``
#   "ref"     a bare name that is a key of the plan's ``references``
#   "expr"    any expression giving a per-year series (indicator id, call, arithmetic)
#   "int"     a positive whole number literal
# Keyword filters (panel functions only) restrict the enterprises counted:
#   zone=STRING | [STRING, ...]   the enterprise's zone is one of these (exact, NFKC-normalised)
#   zone=NAME                     a key of the plan's ``zones`` (a named group of zones)
#   hq=true | false               the enterprise has (or has not) an HQ designation (hq_type)
#   min_revenue=NUMBER            revenue in the year ≥ NUMBER, in the plan's money unit
# ----------------------------------------------------------------------------------------------

ArgKind = Literal["sector", "ref", "expr", "int"]

FILTER_KWARGS: frozenset[str] = frozenset({"zone", "hq", "min_revenue"})


@dataclass(frozen=True, slots=True)
class Signature:
    args: tuple[ArgKind, ...]
    kwargs: frozenset[str]
    result: Literal["money", "count", "share", "index", "rate", "pp", "same"]
    doc: str


FUNCTIONS: dict[str, Signature] = {
    "revenue": Signature(
        ("sector",),
        FILTER_KWARGS,
        "money",
        "sum of operating revenue of the sector's enterprises, per year",
    ),
    "count": Signature(
        ("sector",),
        FILTER_KWARGS,
        "count",
        "number of enterprises of the sector matching the filters, per year",
    ),
    "top_share": Signature(
        ("sector", "int"),
        FILTER_KWARGS,
        "share",
        "revenue of the N largest enterprises ÷ the sector's revenue (CRn)",
    ),
    "hhi": Signature(
        ("sector",),
        FILTER_KWARGS,
        "index",
        "Herfindahl–Hirschman index: sum of squared % shares, 0–10,000",
    ),
    "ref": Signature(
        ("ref",),
        frozenset(),
        "same",
        "a reference series: levels in the plan's money unit, or rates in %",
    ),
    "yoy": Signature(
        ("expr",), frozenset(), "rate", "year-on-year growth V(t)/V(t−1) − 1, as a fraction"
    ),
    "cagr": Signature(
        ("expr",),
        frozenset(),
        "rate",
        "compound annual growth since the baseline (V(t)/V(Y0))^(1/(t−Y0)) − 1",
    ),
    "growth_diff": Signature(
        ("expr", "ref"),
        frozenset(),
        "pp",
        "100 × (compound growth of expr − compound growth of the reference"
        " series) since the baseline, in percentage points (contract §4)",
    ),
}

# Bare words allowed as values of ``hq=``.
BOOLEAN_WORDS: dict[str, bool] = {"true": True, "false": False}
