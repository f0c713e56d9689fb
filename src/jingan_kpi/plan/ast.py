"""The formula language's syntax tree and its vocabulary.

A formula (the ``formula`` key of an indicator in the plan file) is parsed by
:mod:`jingan_kpi.plan.formula` into these nodes; :mod:`jingan_kpi.compute` evaluates them into
per-year values. Nothing here is ever handed to ``eval``: the tree can only name the functions in
:data:`jingan_kpi.plan.functions.FUNCTIONS` (the registry of the language's functions), sectors,
zones, HQ-type groups, reference series and other indicators.

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
