"""``jingan-kpi validate`` and ``jingan-kpi schema``: adapters over :mod:`jingan_kpi.plan`.

Light on imports: the plan modules (pydantic, yaml) are imported when a command runs; polars
never is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from jingan_kpi.cli import EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS, app, err, guarded
from jingan_kpi.cli.options import FormatOption, OutputOption


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
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Check plan files and report every problem at once: table, one FILE:LINE:COL: [slug]
    message line per problem; json, the same problems as data, {"files": [{"path", "valid",
    "problems"}]}.

    Exit code 0 when every plan is valid, 1 when a plan has problems, 2 when a file could not be checked at all (missing, not YAML).
    """
    from jingan_kpi.atomic import check_outputs
    from jingan_kpi.errors import PlanError
    from jingan_kpi.plan import shipped_plan_path, validate_plan
    from jingan_kpi.render.formats import resolve_format, write_output
    from jingan_kpi.render.validation import FileValidation

    out_format = resolve_format("validation", fmt, output)
    check_outputs({"--output": output}, {"plan file": list(plans or [])})
    targets: list[Path | None] = list(plans) if plans else [None]
    files: list[FileValidation] = []
    for target in targets:
        display = str(shipped_plan_path()) if target is None else str(target)
        try:
            files.append(FileValidation(display, validate_plan(target)))
        except PlanError as exc:
            files.append(FileValidation(display, list(exc.problems), readable=False))
            for problem in exc.problems or []:
                err(problem.format())
            if not exc.problems:
                err(f"error: {exc}")
    write_output("validation", out_format, files, output)
    if output is not None:
        err(f"wrote {output}")

    checked = len(targets)
    noun = "plan file" if checked == 1 else "plan files"
    unreadable = sum(not f.readable for f in files)
    invalid = [f for f in files if f.readable and f.problems]
    problem_count = sum(len(f.problems) for f in invalid)
    if unreadable:
        err(f"{unreadable} of {checked} {noun} could not be checked")
        raise typer.Exit(EXIT_INPUT)
    if invalid:
        err(
            f"{len(invalid)} of {checked} {noun} invalid: {problem_count} "
            f"problem{'s' if problem_count != 1 else ''}"
        )
        raise typer.Exit(EXIT_PROBLEMS)
    err(f"{checked} {noun} valid" if checked > 1 else f"{files[0].path}: valid")
    raise typer.Exit(EXIT_OK)


@app.command()
@guarded
def schema() -> None:
    """Print the JSON Schema (Draft 2020-12) of the plan file.

    The shipped plan's $schema key points to a copy of it, for editors that complete and check YAML against a schema.
    """
    from jingan_kpi.plan import plan_json_schema

    print(json.dumps(plan_json_schema(), ensure_ascii=False, indent=2))
