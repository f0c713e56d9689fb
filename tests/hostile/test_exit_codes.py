"""A bug in the tool (issue 6, part 5): one line saying so, how to report it, exit 3; with
``--debug`` the traceback, still exit 3 (or 2 for an input error). Real processes, real stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
PANEL = str(HERE.parent / "cli" / "small_panel.csv")
PLAN = str(HERE.parent / "compute" / "plan_small.yaml")

# Runs the console entry point with the calculator replaced by one that fails.
BROKEN_TOOL = """
import sys
import jingan_kpi.compute.evaluate as evaluate

def boom(*args, **kwargs):
    raise ZeroDivisionError("synthetic failure\\nsecond line of the message")

evaluate.compute_series = boom
from jingan_kpi.cli import main
sys.argv = ["jingan-kpi", *sys.argv[1:]]
main()
"""


def _run(*args: str, broken: bool = False) -> subprocess.CompletedProcess[str]:
    command = (
        [sys.executable, "-c", BROKEN_TOOL] if broken else [sys.executable, "-m", "jingan_kpi"]
    )
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_an_internal_error_is_one_line_and_exit_3() -> None:
    done = _run("check", PANEL, "--plan", PLAN, "--unit", "万元", "-f", "json", broken=True)
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert line.startswith("internal error (a bug in jingan-kpi, not in your data): ")
    assert "ZeroDivisionError: synthetic failure." in line  # the summary's first line only
    assert "Please report it on" in line
    assert "--debug" in line
    assert "Traceback" not in done.stderr


def test_debug_shows_the_traceback_and_keeps_exit_3() -> None:
    done = _run("--debug", "check", PANEL, "--plan", PLAN, broken=True)
    assert done.returncode == 3
    assert "Traceback (most recent call last)" in done.stderr
    assert "ZeroDivisionError: synthetic failure" in done.stderr


def test_debug_on_an_input_error_shows_the_traceback_and_keeps_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    quiet = _run("inspect", str(empty))
    assert quiet.returncode == 2
    assert "Traceback" not in quiet.stderr
    loud = _run("--debug", "inspect", str(empty))
    assert loud.returncode == 2
    assert "Traceback (most recent call last)" in loud.stderr
    assert f"PanelError: {empty}: is empty" in loud.stderr


def test_the_three_failure_codes_are_distinct(tmp_path: Path) -> None:
    broken_plan = HERE.parent / "plan" / "broken" / "unknown_sector.yaml"
    found_problems = _run("validate", str(broken_plan))
    bad_input = _run("check", str(tmp_path / "missing.csv"))
    bug = _run("check", PANEL, "--plan", PLAN, broken=True)
    assert (found_problems.returncode, bad_input.returncode, bug.returncode) == (1, 2, 3)
