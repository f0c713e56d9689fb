"""jingan-kpi: check enterprise revenue data against Jing'an district's 2026–2028 plan for
leasing and business services.

The public API (the CLI is a thin adapter over it)::

    from jingan_kpi import load_plan, read_panel, read_reference, evaluate, explain

    plan = load_plan()                                    # the shipped plan
    ev = evaluate("data/samples/panel_2024_2026.csv", plan=plan,
                  reference="data/samples/reference.csv")
    ev.indicator("lbs_revenue").values                    # {2024: ..., 2025: ..., 2026: ...}
    ev.to_dict()                                          # == jingan-kpi check --format json

Names are imported on first use, so ``import jingan_kpi`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_plan": "jingan_kpi.plan",
    "validate_plan": "jingan_kpi.plan",
    "LoadedPlan": "jingan_kpi.plan",
    "read_panel": "jingan_kpi.panel",
    "read_reference": "jingan_kpi.panel",
    "Panel": "jingan_kpi.panel.types",
    "References": "jingan_kpi.panel.types",
    "evaluate": "jingan_kpi.compute.evaluate",
    "Evaluation": "jingan_kpi.compute.result",
    "IndicatorResult": "jingan_kpi.compute.result",
    "explain": "jingan_kpi.compute.explain",
    "Problem": "jingan_kpi.errors",
    "InputError": "jingan_kpi.errors",
}

__all__ = [
    "Evaluation",
    "IndicatorResult",
    "InputError",
    "LoadedPlan",
    "Panel",
    "Problem",
    "References",
    "evaluate",
    "explain",
    "load_plan",
    "read_panel",
    "read_reference",
    "validate_plan",
]

if TYPE_CHECKING:
    from jingan_kpi.compute.evaluate import evaluate
    from jingan_kpi.compute.explain import explain
    from jingan_kpi.compute.result import Evaluation, IndicatorResult
    from jingan_kpi.errors import InputError, Problem
    from jingan_kpi.panel import read_panel, read_reference
    from jingan_kpi.panel.types import Panel, References
    from jingan_kpi.plan import LoadedPlan, load_plan, validate_plan


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'jingan_kpi' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib

    return getattr(importlib.import_module(module), name)
