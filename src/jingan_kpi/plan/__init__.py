"""The plan stage: the plan file's model, its safe YAML loading and the formula language.

Public API::

    from jingan_kpi.plan import load_plan, validate_plan, plan_json_schema, LoadedPlan
"""

from __future__ import annotations

from jingan_kpi.plan.formula import FormulaSyntaxError, parse_formula
from jingan_kpi.plan.loader import LoadedPlan, load_plan, shipped_plan_path, validate_plan
from jingan_kpi.plan.schema import plan_json_schema

__all__ = [
    "FormulaSyntaxError",
    "LoadedPlan",
    "load_plan",
    "parse_formula",
    "plan_json_schema",
    "shipped_plan_path",
    "validate_plan",
]
