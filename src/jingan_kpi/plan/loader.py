"""Loading and validating a plan file: every problem at once, each with its file, line and key."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from jingan_kpi.errors import Place, PlanError, Problem
from jingan_kpi.plan import ast
from jingan_kpi.plan.checks import (
    MONEY_QUOTIENT,
    PlanNames,
    check_formula,
    check_indicator_targets,
    check_meta,
    check_sectors,
    check_zones,
    dependency_order,
    did_you_mean,
    find_cycle,
    infer_unit,
    mixed_script,
    unit_agrees,
)
from jingan_kpi.plan.formula import FormulaSyntaxError, parse_formula, walk
from jingan_kpi.plan.model import Indicator, Plan, PlanMeta, ReferenceDecl, Sector
from jingan_kpi.plan.source import Marks, PathKey, key_text, parse_document, read_text

_M = TypeVar("_M", bound=BaseModel)

SHIPPED_PLAN = "data/plan_2026_2028.yaml"
"""The plan shipped inside the package (``targets/plan_2026_2028.yaml`` links to it)."""


def shipped_plan_path() -> Path:
    """The path of the shipped plan file (静府办发〔2026〕3号, 2026–2028)."""
    return Path(str(files("jingan_kpi").joinpath(SHIPPED_PLAN)))


@dataclass(frozen=True)
class LoadedPlan:
    """A valid plan: the model, each indicator's parsed formula, and the evaluation order."""

    model: Plan
    path: str
    formulas: dict[str, ast.Node]
    """Indicator id → the root of its parsed formula."""
    order: tuple[str, ...]
    """Indicator ids, each after every indicator its formula names."""

    def sector_prefixes(self) -> dict[str, tuple[str, ...]]:
        """Sector key → its GB/T 4754-2017 code prefixes, as in the plan file."""
        return {key: tuple(sector.codes) for key, sector in self.model.sectors.items()}

    @cached_property
    def scope_prefixes(self) -> tuple[str, ...]:
        """Every code prefix of every sector, sorted: a panel row whose class code starts with
        none of them is out of scope."""
        return tuple(sorted({c for codes in self.sector_prefixes().values() for c in codes}))

    def indicator(self, indicator_id: str) -> Indicator:
        """The indicator with this id (``KeyError`` with the close names if there is none)."""
        for ind in self.model.indicators:
            if ind.id == indicator_id:
                return ind
        ids = [ind.id for ind in self.model.indicators]
        msg = f'no indicator "{indicator_id}" in the plan{did_you_mean(indicator_id, ids)}'
        raise KeyError(msg)


def load_plan(path: str | Path | None = None) -> LoadedPlan:
    """Load and validate a plan file.

    Parameters
    ----------
    path
        The plan file; ``None`` loads the plan shipped with the package.

    Returns
    -------
    LoadedPlan

    Raises
    ------
    PlanError
        When the file is missing, not YAML, unsafe or invalid; ``.problems`` lists every problem.

    Examples
    --------
    >>> plan = load_plan()
    >>> plan.indicator("lbs_revenue").target.value
    2300.0
    >>> plan.order.index("lbs_revenue") < plan.order.index("lbs_city_share")
    True
    """
    problems, loaded, display = _analyse(path)
    if loaded is None:
        n = len(problems)
        msg = f"plan file {display} is invalid ({n} problem{'s' if n != 1 else ''})"
        raise PlanError(msg, problems)
    return loaded


def validate_plan(path: str | Path | None = None) -> list[Problem]:
    """Every problem of a plan file, in file order; an empty list means the plan is valid.

    Raises
    ------
    PlanError
        Only when the file cannot be read or is not YAML at all.

    Examples
    --------
    >>> validate_plan()
    []
    """
    return _analyse(path)[0]


def _analyse(path: str | Path | None) -> tuple[list[Problem], LoadedPlan | None, str]:
    file = shipped_plan_path() if path is None else Path(path)
    display = str(file) if path is None else str(path)
    text = read_text(file, display)
    doc = parse_document(text, display)
    problems = list(doc.problems)
    data = doc.data
    if data is None and problems:
        return _sorted(problems), None, display
    if not isinstance(data, dict):
        msg = "the plan file must be a mapping with the keys plan:, sectors:, indicators:, ..."
        problems.append(Problem("invalid_value", msg, Place(display, 1, 1)))
        return _sorted(problems), None, display

    model: Plan | None = None
    try:
        model = Plan.model_validate(data, strict=True)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, data, doc.marks))

    cross, formulas, order = _cross_check(data, doc.marks)
    problems.extend(cross)
    if problems or model is None:
        return _sorted(problems), None, display
    return [], LoadedPlan(model, display, formulas, order), display


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.place.line or 0, p.place.column or 0))


# -- the cross-checks, on whatever parts of the plan are well-formed ----------------------------------


def _valid(cls: type[_M], value: Any) -> _M | None:
    try:
        return cls.model_validate(value, strict=True)
    except ValidationError:
        return None


def _cross_check(
    data: dict[str, Any], marks: Marks
) -> tuple[list[Problem], dict[str, ast.Node], tuple[str, ...]]:
    problems: list[Problem] = []
    meta = _valid(PlanMeta, data.get("plan"))
    if meta is not None:
        problems.extend(check_meta(meta, marks))

    sectors = {
        k: s
        for k, v in _mapping(data.get("sectors")).items()
        if (s := _valid(Sector, v)) is not None
    }
    problems.extend(check_sectors(sectors, marks))
    zones = {
        k: v
        for k, v in _mapping(data.get("zones")).items()
        if isinstance(v, list) and all(isinstance(z, str) for z in v)
    }
    problems.extend(check_zones(zones, marks))
    hq_types = {
        k: v
        for k, v in _mapping(data.get("hq_types")).items()
        if isinstance(v, list) and all(isinstance(z, str) for z in v)
    }
    problems.extend(check_zones(hq_types, marks, "hq_types", "HQ type"))
    references = {
        k: r
        for k, v in _mapping(data.get("references")).items()
        if (r := _valid(ReferenceDecl, v)) is not None
    }

    for section in ("sectors", "zones", "hq_types", "references"):
        for key in _mapping(data.get(section)):
            why = mixed_script(str(key))
            if why:
                problems.append(
                    Problem("mixed_script", f"{section}: {why}", marks.key((section, key)))
                )

    raw_indicators = data.get("indicators")
    raw_list: list[Any] = raw_indicators if isinstance(raw_indicators, list) else []
    # Ids and units are read from the raw items, so that one broken indicator does not make
    # every formula naming it "unknown".
    ids: dict[str, str] = {}
    first_index: dict[str, int] = {}
    for i, item in enumerate(raw_list):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        ind_id = item["id"]
        if ind_id in first_index:
            first_line = marks.value(("indicators", first_index[ind_id], "id")).line
            msg = (
                f'indicator id "{ind_id}" is used twice (first at line {first_line}); '
                "give each indicator its own id"
            )
            problems.append(
                Problem("duplicate_indicator", msg, marks.value(("indicators", i, "id")))
            )
            continue
        first_index[ind_id] = i
        unit = item.get("unit")
        ids[ind_id] = unit if isinstance(unit, str) else ""

    ctx = PlanNames(
        sectors=frozenset(_mapping(data.get("sectors"))),
        zones=frozenset(_mapping(data.get("zones"))),
        hq_types=frozenset(_mapping(data.get("hq_types"))),
        references={k: r.kind for k, r in references.items()}
        | {k: "" for k in _mapping(data.get("references")) if k not in references},
        indicators=ids,
    )
    formulas: dict[str, ast.Node] = {}
    graph: dict[str, list[str]] = {}
    for ind_id, i in first_index.items():
        text = raw_list[i].get("formula")
        if not isinstance(text, str):
            continue
        path: PathKey = ("indicators", i, "formula")
        try:
            node = parse_formula(text)
        except FormulaSyntaxError as exc:
            msg = f'indicator "{ind_id}": formula syntax: {exc.msg}'
            problems.append(Problem("formula_syntax", msg, marks.inside(path, text, exc.pos)))
            continue
        formulas[ind_id] = node
        for sub in walk(node):
            name = sub.name if isinstance(sub, ast.Name) else None
            why = mixed_script(name) if name else None
            if why:
                msg = f'indicator "{ind_id}": {why}'
                problems.append(Problem("mixed_script", msg, marks.inside(path, text, sub.pos)))
        result = check_formula(node, ctx)
        graph[ind_id] = result.depends_on
        for issue in result.issues:
            msg = f'indicator "{ind_id}": {issue.message}'
            problems.append(Problem(issue.slug, msg, marks.inside(path, text, issue.pos)))
        unit = ids.get(ind_id)
        inferred = infer_unit(node, ctx) if not result.issues else None
        if inferred and unit and not unit_agrees(unit, inferred):
            fix = "share (a part of its whole) or ratio" if inferred == MONEY_QUOTIENT else inferred
            msg = (
                f'indicator "{ind_id}": unit is "{unit}" but its formula gives "{inferred}"; '
                f"set unit: {fix}"
            )
            problems.append(Problem("unit_mismatch", msg, marks.value(("indicators", i, "unit"))))

    for cycle in find_cycle(graph):
        msg = (
            "circular reference between indicators: "
            + " → ".join(cycle)
            + "; an indicator cannot depend on itself"
        )
        start = first_index[cycle[0]]
        text = raw_list[start]["formula"]
        pos = _name_pos(formulas[cycle[0]], cycle[1])
        problems.append(
            Problem(
                "circular_reference", msg, marks.inside(("indicators", start, "formula"), text, pos)
            )
        )

    for i, item in enumerate(raw_list):
        ind = _valid(Indicator, item)
        if ind is not None:
            problems.extend(check_indicator_targets(i, ind, meta, marks))

    order = dependency_order(graph) if not problems else tuple(graph)
    return problems, formulas, order


def _name_pos(node: ast.Node, name: str) -> int:
    for sub in walk(node):
        if isinstance(sub, ast.Name) and sub.name == name:
            return sub.pos
    return 0


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# -- pydantic errors → problems with places -------------------------------------------------------------


def _pydantic_problems(exc: ValidationError, data: dict[str, Any], marks: Marks) -> list[Problem]:
    problems: list[Problem] = []
    errors = exc.errors(include_url=False)
    # A misspelt key is reported once, as unknown with its suggestion, not also as missing.
    suggested: set[PathKey] = set()
    for error in errors:
        loc: PathKey = tuple(p for p in error["loc"] if isinstance(p, str | int))
        if error["type"] == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(loc[:-1])
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            if close:
                suggested.add((*loc[:-1], close[0]))
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            listing = f"; allowed keys: {', '.join(allowed)}" if allowed and not close else ""
            msg = f'unknown key "{key}" in {_where(loc[:-1], data)}{hint}{listing}'
            problems.append(Problem("unknown_key", msg, marks.key(loc)))
    for error in errors:
        loc = tuple(p for p in error["loc"] if isinstance(p, str | int))
        kind = error["type"]
        if kind == "extra_forbidden" or (kind == "missing" and loc in suggested):
            continue
        if kind == "missing":
            msg = f'missing key "{loc[-1]}" in {_where(loc[:-1], data)}'
            problems.append(Problem("missing_key", msg, marks.key(loc[:-1])))
        else:
            given = error.get("input")
            detail = str(error["msg"])
            if (
                kind == "string_type"
                and isinstance(given, int | float)
                and not isinstance(given, bool)
            ):
                detail = f'expected text, got the number {given}: put it in quotes ("{given}")'
            elif isinstance(given, str) and given.lstrip("+-").isdigit() and len(given) > 60:
                detail = (
                    f"a whole number of {len(given.lstrip('+-')):,} digits is too long to be a "
                    "number; give the value with at most 15 significant digits"
                )
            elif kind not in {"dict_type", "list_type", "model_type"} and _short(given):
                detail = f"{detail}, got {given!r}"
            msg = f"{_where(loc, data)}: {detail}"
            problems.append(Problem("invalid_value", msg, marks.value(loc)))
    return problems


def _short(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and len(str(value)) <= 60


def _where(loc: PathKey, data: dict[str, Any]) -> str:
    if not loc:
        return "the top level"
    if len(loc) >= 2 and loc[0] == "indicators" and isinstance(loc[1], int):
        items = data.get("indicators")
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            rest = key_text(loc[2:])
            return f'indicator "{item["id"]}"' + (f" ({rest})" if rest else "")
    return key_text(loc)


def _unwrap(ann: Any) -> Any:
    if isinstance(ann, types.UnionType) or typing.get_origin(ann) is typing.Union:
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        return args[0] if args else ann
    return ann


def _allowed_keys(loc: PathKey) -> list[str]:
    """The keys the model allows in the mapping at ``loc``."""
    ann: Any = Plan
    for part in loc:
        ann = _unwrap(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            field = next((f for n, f in ann.model_fields.items() if (f.alias or n) == part), None)
            if field is None:
                return []
            ann = field.annotation
        elif typing.get_origin(ann) is dict:
            ann = typing.get_args(ann)[1]
        elif typing.get_origin(ann) is list:
            ann = typing.get_args(ann)[0]
        else:
            return []
    ann = _unwrap(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [f.alias or n for n, f in ann.model_fields.items()]
    return []
