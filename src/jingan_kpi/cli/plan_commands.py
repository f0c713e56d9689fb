"""``jingan-kpi validate`` and ``jingan-kpi schema``: adapters over :mod:`jingan_kpi.plan`.

Light on imports: the plan modules (pydantic, yaml) are imported when a command runs; polars
never is.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from jingan_kpi.cli import EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS, app, err, guarded


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
@guarded
def validate(
    plans: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PLAN",
            help="Plan files (YAML) to check. Default: the plan shipped with jingan-kpi.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            "-f",
            help="text: one FILE:LINE:COL: \\[slug] message line per problem; json: the same "
            'problems as data, {"files": [{"path", "valid", "problems"}]}.',
        ),
    ] = ReportFormat.text,
) -> None:
    """Check plan files and report every problem at once.

    Exit code 0 when every plan is valid, 1 when a plan has problems, 2 when a file could not be checked at all (missing, not YAML).
    """
    from jingan_kpi.errors import PlanError
    from jingan_kpi.plan import shipped_plan_path, validate_plan

    targets: list[Path | None] = list(plans) if plans else [None]
    files: list[dict[str, Any]] = []
    unreadable = invalid = problem_count = 0
    for target in targets:
        display = str(shipped_plan_path()) if target is None else str(target)
        try:
            problems = validate_plan(target)
        except PlanError as exc:
            unreadable += 1
            files.append(
                {"path": display, "valid": False, "problems": [p.to_dict() for p in exc.problems]}
            )
            for problem in exc.problems or []:
                err(problem.format())
            if not exc.problems:
                err(f"error: {exc}")
            continue
        if problems:
            invalid += 1
            problem_count += len(problems)
        files.append(
            {"path": display, "valid": not problems, "problems": [p.to_dict() for p in problems]}
        )
        if output_format is ReportFormat.text:
            for problem in problems:
                print(problem.format())
    if output_format is ReportFormat.json:
        print(json.dumps({"files": files}, ensure_ascii=False, indent=2))

    checked = len(targets)
    noun = "plan file" if checked == 1 else "plan files"
    if unreadable:
        err(f"{unreadable} of {checked} {noun} could not be checked")
        raise typer.Exit(EXIT_INPUT)
    if invalid:
        err(
            f"{invalid} of {checked} {noun} invalid: {problem_count} "
            f"problem{'s' if problem_count != 1 else ''}"
        )
        raise typer.Exit(EXIT_PROBLEMS)
    err(f"{checked} {noun} valid" if checked > 1 else f"{files[0]['path']}: valid")
    raise typer.Exit(EXIT_OK)


@app.command()
@guarded
def schema() -> None:
    """Print the JSON Schema (Draft 2020-12) of the plan file.

    The shipped plan's $schema key points to a copy of it, for editors that complete and check YAML against a schema.
    """
    from jingan_kpi.plan import plan_json_schema

    print(json.dumps(plan_json_schema(), ensure_ascii=False, indent=2))
