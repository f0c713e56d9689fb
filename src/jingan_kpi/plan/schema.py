"""The JSON Schema of the plan file, generated from the pydantic model.

The committed copy (``src/jingan_kpi/data/plan.schema.json``, linked from
``targets/plan.schema.json``) is what the plan file's ``$schema`` key points to, so editors can
complete and check it; a test keeps it equal to ``jingan-kpi schema``.
"""

from __future__ import annotations

from typing import Any

from jingan_kpi.plan.model import Plan

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def plan_json_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of a plan file.

    It checks the shape of the file (keys, types, enumerations); the cross-checks (names used in
    formulas, cycles, code prefixes) are done by ``jingan-kpi validate``.

    Examples
    --------
    >>> schema = plan_json_schema()
    >>> schema["$schema"], schema["additionalProperties"]
    ('https://json-schema.org/draft/2020-12/schema', False)
    """
    body = Plan.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": DRAFT,
        **body,
        "title": "jingan-kpi plan file",
    }
