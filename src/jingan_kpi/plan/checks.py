"""Cross-checks that need the whole plan; each returns problems with places, never raises.

* formulas: unknown function, wrong arguments, unknown keyword, unknown sector / zone group /
  reference series / indicator (with "did you mean"), whole-number arguments, ``hq=true|false``;
* circular references between indicators (the cycle is named);
* targets: year outside the plan period, missing value, share outside 0..1, unit vs formula;
* sectors: code prefixes that match no GB/T 4754-2017 class.
"""

from __future__ import annotations

import difflib
import json
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from jingan_kpi.errors import Problem
from jingan_kpi.plan.ast import (
    BinOp,
    Call,
    ListOf,
    Name,
    Neg,
    Node,
    Number,
    String,
)
from jingan_kpi.plan.functions import (
    BOOLEAN_WORDS,
    FILTERS,
    FUNCTIONS,
    Filter,
    Function,
    normalize_filter_value,
)
from jingan_kpi.plan.industry import class_codes, is_code_prefix
from jingan_kpi.plan.model import (
    LEVEL_OPS,
    TREND_OPS,
    Indicator,
    PlanMeta,
    ReferenceDecl,
    Sector,
)
from jingan_kpi.plan.source import Marks

VALUE_OPS = frozenset({">=", ">", "<=", "<"})


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


@dataclass(frozen=True, slots=True)
class FormulaIssue:
    """A problem in one formula: ``pos`` is the 0-based offset in the formula text."""

    slug: str
    message: str
    pos: int


@dataclass
class PlanNames:
    """The names a formula may use."""

    sectors: frozenset[str]
    zones: frozenset[str]
    references: Mapping[str, str]
    """Reference series name → kind (``level`` or ``rate``)."""
    indicators: Mapping[str, str]
    """Indicator id → unit."""
    hq_types: frozenset[str] = frozenset()
    """Named groups of HQ types (``hq_types:``)."""

    def groups(self, key: str) -> frozenset[str]:
        """The names of the plan's groups under ``key`` (``zones``, ``hq_types``)."""
        return {"zones": self.zones, "hq_types": self.hq_types}.get(key, frozenset())


@dataclass
class FormulaCheck:
    issues: list[FormulaIssue] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    """Indicator ids the formula names, in order of appearance (no repeats)."""


def check_formula(node: Node, ctx: PlanNames) -> FormulaCheck:
    """Check a parsed formula against the names of the plan.

    Examples
    --------
    >>> from jingan_kpi.plan.formula import parse_formula
    >>> ctx = PlanNames(frozenset({"lbs"}), frozenset(), {}, {"lbs_revenue": "money"})
    >>> [i.message for i in check_formula(parse_formula("revenue(lsb)"), ctx).issues]
    ['sector "lsb" is not defined under sectors: (did you mean "lbs"?)']
    """
    result = FormulaCheck()
    _expr(node, ctx, result)
    return result


def _expr(node: Node, ctx: PlanNames, out: FormulaCheck) -> None:
    # An explicit stack would be overkill: the parser bounds the depth at 64.
    if isinstance(node, Number):
        return
    if isinstance(node, BinOp):
        _expr(node.left, ctx, out)
        _expr(node.right, ctx, out)
    elif isinstance(node, Neg):
        _expr(node.operand, ctx, out)
    elif isinstance(node, Name):
        _indicator_name(node, ctx, out)
    elif isinstance(node, String):
        msg = (
            f'text "{node.value}" is allowed only as a filter value (zone=, hq_type=), '
            "not as a value to compute with"
        )
        out.issues.append(FormulaIssue("wrong_arguments", msg, node.pos))
    elif isinstance(node, ListOf):
        msg = "a list is allowed only as a filter value (zone=, hq_type=)"
        out.issues.append(FormulaIssue("wrong_arguments", msg, node.pos))
    else:
        _call(node, ctx, out)


def _indicator_name(node: Name, ctx: PlanNames, out: FormulaCheck) -> None:
    name = node.name
    if name in ctx.indicators:
        if name not in out.depends_on:
            out.depends_on.append(name)
        return
    if name in ctx.references:
        hint = f"; {name} is a reference series: write ref({name})"
    elif name in ctx.sectors:
        hint = f"; {name} is a sector: write revenue({name})"
    elif name in FUNCTIONS:
        hint = f"; {name} is a function: call it, {name}(...)"
    else:
        hint = did_you_mean(name, ctx.indicators)
    msg = f'indicator "{name}" is not defined under indicators:{hint}'
    out.issues.append(FormulaIssue("unknown_indicator", msg, node.pos))


def _call(node: Call, ctx: PlanNames, out: FormulaCheck) -> None:
    function = FUNCTIONS.get(node.func)
    if function is None:
        hint = did_you_mean(node.func, FUNCTIONS)
        known = ", ".join(sorted(FUNCTIONS))
        msg = f'unknown function "{node.func}"{hint}; the functions are {known}'
        out.issues.append(FormulaIssue("unknown_function", msg, node.pos))
        for arg in node.args:
            if not isinstance(arg, Name):
                _expr(arg, ctx, out)
        return
    usage = function.usage()
    if len(node.args) != len(function.args):
        n = len(function.args)
        msg = (
            f"{node.func}() takes {n} positional argument{'s' if n != 1 else ''}, "
            f"{len(node.args)} given: {usage}"
        )
        out.issues.append(FormulaIssue("wrong_arguments", msg, node.pos))
    for kind, arg in zip(function.args, node.args, strict=False):
        if kind == "expr":
            _expr(arg, ctx, out)
        elif kind == "int":
            if not (isinstance(arg, Number) and arg.value.is_integer() and arg.value >= 1):
                msg = f"{node.func}() needs a positive whole number here: {usage}"
                out.issues.append(FormulaIssue("wrong_arguments", msg, arg.pos))
        elif kind == "sector":
            _key_arg(arg, "sector", "sectors", ctx.sectors, "unknown_sector", node.func, usage, out)
        else:
            _key_arg(
                arg,
                "reference series",
                "references",
                ctx.references,
                "unknown_reference",
                node.func,
                usage,
                out,
            )
    for key, value in node.kwargs:
        if key not in function.keywords:
            if function.keywords:
                allowed = ", ".join(f"{k}=" for k in sorted(function.keywords))
                msg = (
                    f'{node.func}() has no keyword "{key}"'
                    f"{did_you_mean(key, function.keywords)}; it takes {allowed}"
                )
            else:
                msg = f'{node.func}() takes no keyword arguments ("{key}=" given): {usage}'
            out.issues.append(FormulaIssue("wrong_arguments", msg, value.pos))
        elif key in function.options:
            _option(key, value, function, ctx, out)
        else:
            _filter(key, FILTERS[key], value, ctx, out)
    given = {k for k, _ in node.kwargs}
    for key, option in function.options.items():
        if option.required and key not in given:
            msg = f"{node.func}() needs {key}=: {usage}"
            out.issues.append(FormulaIssue("wrong_arguments", msg, node.pos))


def _option(key: str, value: Node, function: Function, ctx: PlanNames, out: FormulaCheck) -> None:
    option = function.options[key]
    if option.kind == "ref":
        _key_arg(
            value,
            "reference series",
            "references",
            ctx.references,
            "unknown_reference",
            function.name,
            function.usage(),
            out,
        )
        if option.ref_kind is not None and isinstance(value, Name):
            kind = ctx.references.get(value.name)
            if kind is not None and kind != option.ref_kind:
                msg = (
                    f"{key}= needs a reference declared kind: {option.ref_kind}; "
                    f'"{value.name}" is kind: {kind}'
                )
                out.issues.append(FormulaIssue("wrong_arguments", msg, value.pos))
    elif not isinstance(value, Number) or (
        option.kind == "int" and not (value.value.is_integer() and value.value >= 1)
    ):
        what = "a positive whole number" if option.kind == "int" else "a number"
        msg = f"{key}= takes {what}: {function.usage()}"
        out.issues.append(FormulaIssue("wrong_arguments", msg, value.pos))


def _filter(key: str, spec: Filter, value: Node, ctx: PlanNames, out: FormulaCheck) -> None:
    if spec.kind == "flag":
        if not (isinstance(value, Name) and value.name in BOOLEAN_WORDS):
            msg = f"{key}= takes true or false"
            out.issues.append(FormulaIssue("wrong_arguments", msg, value.pos))
    elif spec.kind == "minimum":
        if not isinstance(value, Number):
            msg = f"{key}= takes a number (in the plan's money unit), as in {key}=0.1"
            out.issues.append(FormulaIssue("wrong_arguments", msg, value.pos))
    else:
        _values_filter(key, spec, value, ctx, out)


def _key_arg(
    arg: Node,
    what: str,
    section: str,
    names: Iterable[str],
    slug: str,
    func: str,
    usage: str,
    out: FormulaCheck,
) -> None:
    if not isinstance(arg, Name):
        msg = f"{func}() needs the name of a {what} here (a bare name, no quotes): {usage}"
        out.issues.append(FormulaIssue("wrong_arguments", msg, arg.pos))
        return
    if arg.name not in names:
        msg = f'{what} "{arg.name}" is not defined under {section}:{did_you_mean(arg.name, names)}'
        out.issues.append(FormulaIssue(slug, msg, arg.pos))


def _blank_value(key: str, noun: str, value: String, out: FormulaCheck) -> None:
    # Values are compared after NFKC and stripping, as the data's are: a blank one matches none.
    if not normalize_filter_value(value.value):
        msg = f"{key}={json.dumps(value.value, ensure_ascii=False)} names no {noun} (it is blank)"
        out.issues.append(FormulaIssue("wrong_arguments", msg, value.pos))


def _values_filter(key: str, spec: Filter, value: Node, ctx: PlanNames, out: FormulaCheck) -> None:
    noun = spec.noun
    groups = spec.groups or ""
    if isinstance(value, String):
        _blank_value(key, noun, value, out)
        return
    if isinstance(value, ListOf):
        if not value.items:
            msg = f"{key}=[] names no {noun}"
            out.issues.append(FormulaIssue("wrong_arguments", msg, value.pos))
        for item in value.items:
            if isinstance(item, String):
                _blank_value(key, noun, item, out)
            else:
                msg = f'the {noun}s in a list are texts in double quotes, as in {key}=["A", "B"]'
                out.issues.append(FormulaIssue("wrong_arguments", msg, item.pos))
        return
    if isinstance(value, Name):
        names = ctx.groups(groups)
        if value.name not in names:
            hint = did_you_mean(value.name, names)
            msg = (
                f'{noun} group "{value.name}" is not defined under {groups}:{hint} '
                f'(a single {noun} is written in quotes: {key}="{value.name}")'
            )
            out.issues.append(FormulaIssue(f"unknown_{key}_group", msg, value.pos))
        return
    msg = f"{key}= takes a {noun} in quotes, a list of them, or a {noun} group name from {groups}:"
    out.issues.append(FormulaIssue("wrong_arguments", msg, value.pos))


# -- units -----------------------------------------------------------------------------------------

MONEY_QUOTIENT = "share or ratio"
"""What money ÷ money gives: a share (a part of its whole) or a ratio; the plan says which
(contract §7), the tool does not infer it."""


def unit_agrees(declared: str, inferred: str) -> bool:
    """Does the declared unit agree with what the formula gives?"""
    if inferred == MONEY_QUOTIENT:
        return declared in {"share", "ratio"}
    return declared == inferred


_RESULT_UNIT = {
    "money": "money",
    "count": "count",
    "share": "share",
    "index": "index",
    "rate": "rate",
    "pp": "pp",
    "rank": "rank",
}


def infer_unit(node: Node, ctx: PlanNames) -> str | None:
    """The unit a formula gives, where it can be told from its shape; None where it can't.

    ``money / money`` is a share; ``+``/``-`` of two equal units keep it; a reference series of
    levels is money.
    """
    if isinstance(node, Call):
        function = FUNCTIONS.get(node.func)
        if function is None:
            return None
        if function.result == "same":
            arg = node.args[0] if node.args else None
            kind = ctx.references.get(arg.name) if isinstance(arg, Name) else None
            return "money" if kind == "level" else None
        return _RESULT_UNIT.get(function.result)
    if isinstance(node, Name):
        return ctx.indicators.get(node.name)
    if isinstance(node, Neg):
        return infer_unit(node.operand, ctx)
    if isinstance(node, BinOp):
        left, right = infer_unit(node.left, ctx), infer_unit(node.right, ctx)
        if node.op in "+-":
            return left if left == right else None
        if node.op == "/" and left == right == "money":
            return MONEY_QUOTIENT
        if node.op == "/" and right is None and isinstance(node.right, Number):
            return left
    return None


# -- indicator graph ---------------------------------------------------------------------------------


def find_cycle(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Every distinct cycle found by a depth-first walk, each as ``[a, b, ..., a]``.

    Examples
    --------
    >>> find_cycle({"a": ["b"], "b": ["a"], "c": []})
    [['a', 'b', 'a']]
    """
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    for start in graph:
        if start in state:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = [start]
        state[start] = 1
        while stack:
            node, i = stack[-1]
            children = graph.get(node, [])
            if i < len(children):
                stack[-1] = (node, i + 1)
                child = children[i]
                if child not in graph:
                    continue
                if state.get(child) == 1:
                    cycle = [*path[path.index(child) :], child]
                    key = frozenset(cycle)
                    if key not in seen:
                        seen.add(key)
                        cycles.append(cycle)
                elif child not in state:
                    state[child] = 1
                    stack.append((child, 0))
                    path.append(child)
            else:
                state[node] = 2
                stack.pop()
                path.pop()
    return cycles


def dependency_order(graph: Mapping[str, list[str]]) -> tuple[str, ...]:
    """Indicator ids with dependencies first, else in the plan's order (graph must be acyclic)."""
    done: list[str] = []
    placed: set[str] = set()

    def visit(node: str) -> None:
        stack: list[tuple[str, int]] = [(node, 0)]
        while stack:
            current, i = stack[-1]
            children = [c for c in graph.get(current, []) if c in graph]
            if i < len(children):
                stack[-1] = (current, i + 1)
                if children[i] not in placed:
                    stack.append((children[i], 0))
            else:
                stack.pop()
                if current not in placed:
                    placed.add(current)
                    done.append(current)

    for node in graph:
        if node not in placed:
            visit(node)
    return tuple(done)


# -- whole-plan checks (with places) -----------------------------------------------------------------


def check_meta(meta: PlanMeta, marks: Marks) -> list[Problem]:
    """The plan period: start ≤ end, baseline before the period, target year inside it."""
    problems: list[Problem] = []
    if meta.period_start > meta.period_end:
        msg = f"plan.period_start {meta.period_start} is after plan.period_end {meta.period_end}"
        problems.append(Problem("invalid_period", msg, marks.value(("plan", "period_end"))))
    if not meta.period_start <= meta.target_year <= meta.period_end:
        msg = (
            f"plan.target_year {meta.target_year} is outside the plan period "
            f"{meta.period_start}–{meta.period_end}"
        )
        problems.append(
            Problem("target_year_outside_period", msg, marks.value(("plan", "target_year")))
        )
    if meta.baseline_year >= meta.target_year:
        msg = (
            f"plan.baseline_year {meta.baseline_year} must be before plan.target_year "
            f"{meta.target_year}"
        )
        problems.append(Problem("invalid_period", msg, marks.value(("plan", "baseline_year"))))
    return problems


def check_sectors(sectors: Mapping[str, Sector], marks: Marks) -> list[Problem]:
    """Each code prefix must start at least one GB/T 4754-2017 class code."""
    problems: list[Problem] = []
    codes = class_codes()
    for key, sector in sectors.items():
        for i, prefix in enumerate(sector.codes):
            path = ("sectors", key, "codes", i)
            if is_code_prefix(prefix):
                continue
            if prefix[:1].isalpha() and is_code_prefix(prefix[1:]):
                hint = f' (leave out the section letter: "{prefix[1:]}")'
            elif len(prefix) == 4 and is_code_prefix(prefix[:3]):
                group = sorted(c for c in codes if c.startswith(prefix[:3]))
                hint = (
                    f" (group {prefix[:3]} has the classes {', '.join(group)}; is it a code "
                    "of the 2011 edition?)"
                )
            else:
                hint = ""
            msg = (
                f'sector "{key}": code prefix "{prefix}" matches no GB/T 4754-2017 class '
                f"code{hint}; give a division (72), group (726) or class (7261)"
            )
            problems.append(Problem("unknown_industry_code", msg, marks.value(path)))
    return problems


def check_zones(
    zones: Mapping[str, list[str]], marks: Marks, section: str = "zones", noun: str = "zone"
) -> list[Problem]:
    """A group of zones (or of HQ types, ``section="hq_types"``) names at least one value."""
    problems: list[Problem] = []
    for key, members in zones.items():
        if not members:
            msg = f'{noun} group "{key}" names no {noun}'
            problems.append(Problem("invalid_value", msg, marks.value((section, key))))
    return problems


def check_indicator_targets(
    index: int, ind: Indicator, meta: PlanMeta | None, marks: Marks
) -> list[Problem]:
    """Target year inside the period, a value where the operator needs one, shares in 0..1."""
    problems: list[Problem] = []
    target = ind.target
    if target is None:
        return problems
    base: tuple[str | int, ...] = ("indicators", index, "target")
    if meta is not None and not meta.period_start <= target.year <= meta.period_end:
        msg = (
            f'indicator "{ind.id}": target year {target.year} is outside the plan period '
            f"{meta.period_start}–{meta.period_end}"
        )
        problems.append(Problem("target_year_outside_period", msg, marks.value((*base, "year"))))
    value_path = marks.value((*base, "value"))
    if target.op in VALUE_OPS and target.value is None:
        msg = (
            f'indicator "{ind.id}": target op "{target.op}" needs a value '
            "(add value: under target:)"
        )
        problems.append(Problem("missing_target_value", msg, marks.key((*base, "op"))))
    if target.op in TREND_OPS and target.value is not None:
        msg = (
            f'indicator "{ind.id}": target op "{target.op}" takes no value '
            "(remove value:, or use >= or >)"
            if target.op == "increasing"
            else f'indicator "{ind.id}": target op "{target.op}" takes no value '
            "(remove value:, or use <= or <)"
        )
        problems.append(Problem("unexpected_target_value", msg, marks.key((*base, "value"))))
    if target.op in TREND_OPS and target.every_year:
        msg = (
            f'indicator "{ind.id}": every_year applies to a target with a value (>=, <=, >, <); '
            f'"{target.op}" already judges every year (remove every_year:)'
        )
        problems.append(Problem("invalid_value", msg, marks.key((*base, "every_year"))))
    if target.value is not None and not math.isfinite(target.value):
        msg = (
            f'indicator "{ind.id}": target value {target.value} is not a finite number; '
            "give the value the plan states"
        )
        problems.append(Problem("invalid_value", msg, value_path))
        return problems
    # The value must be above 0 where progress is measured as growth towards it; an every-year
    # target is judged by its comparison alone (e.g. a gap kept >= 0 every year).
    if (
        target.op in LEVEL_OPS
        and not target.every_year
        and target.value is not None
        and target.value <= 0
    ):
        msg = (
            f'indicator "{ind.id}": a level target ({target.op}) needs a value above 0, not '
            f"{target.value:g} (progress is measured as growth towards it); for a sign "
            'use a comparison (">" or "<")'
        )
        problems.append(Problem("invalid_value", msg, value_path))
    if ind.unit == "share" and target.value is not None and not 0 <= target.value <= 1:
        hint = f" (write {target.value / 100:g} for {target.value:g}%)" if target.value > 1 else ""
        msg = (
            f'indicator "{ind.id}": share target {target.value:g} is outside 0..1; '
            f"shares are fractions of 1{hint}"
        )
        problems.append(Problem("share_target_out_of_range", msg, marks.value((*base, "value"))))
    if ind.unit == "count" and target.value is not None and not float(target.value).is_integer():
        msg = f'indicator "{ind.id}": a count target must be a whole number, not {target.value:g}'
        problems.append(Problem("invalid_value", msg, marks.value((*base, "value"))))
    if (
        ind.unit == "rank"
        and target.value is not None
        and not (float(target.value).is_integer() and target.value >= 1)
    ):
        msg = (
            f'indicator "{ind.id}": a rank target is a place, a whole number from 1 (first), '
            f"not {target.value:g}"
        )
        problems.append(Problem("invalid_value", msg, value_path))
    if ind.unit == "ratio" and target.value is not None and target.value <= 0:
        msg = f'indicator "{ind.id}": a ratio target must be above 0, not {target.value:g}'
        problems.append(Problem("invalid_value", msg, value_path))
    return problems


def reference_kinds(references: Mapping[str, ReferenceDecl]) -> dict[str, str]:
    """Reference series name → kind."""
    return {name: ref.kind for name, ref in references.items()}


def _script(ch: str) -> str | None:
    """The script of a letter, by its Unicode name (LATIN, CYRILLIC, GREEK, CJK…)."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    word = name.split(" ", 1)[0]
    return "CJK" if word in {"CJK", "HIRAGANA", "KATAKANA"} else word or None


def mixed_script(name: str) -> str | None:
    """Why an identifier that mixes alphabets is suspect (a Cyrillic "ѕ" in "lbѕ" looks like
    Latin but is another name), or None. Chinese characters beside Latin letters are fine.

    >>> mixed_script("lbs_revenue") is None, mixed_script("核心区") is None
    (True, True)
    >>> mixed_script("lb\u0455")
    'identifier "lb\u0455" mixes scripts: "\u0455" (CYRILLIC SMALL LETTER DZE) among LATIN letters; retype it'
    """
    scripts: dict[str, str] = {}
    for ch in name:
        script = _script(ch)
        if script is not None and script != "CJK":
            scripts.setdefault(script, ch)
    if len(scripts) < 2:
        return None
    main = next(iter(scripts))
    odd = next(ch for s, ch in scripts.items() if s != main)
    return (
        f'identifier "{name}" mixes scripts: "{odd}" ({unicodedata.name(odd, "?")}) among '
        f"{main} letters; retype it"
    )
