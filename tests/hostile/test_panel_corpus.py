"""Hostile panel files (issue 6, part 2): each is refused with exit 2 or its bad rows are
counted; the message names the file and, where it applies, the line; never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingan_kpi.cli import app
from tests.hostile.corpus import ALL, FILES, Case

runner = CliRunner()
ENV = {"NO_COLOR": "1", "COLUMNS": "120"}

# Every command that reads a panel, with the arguments before the file.
COMMANDS: dict[str, list[str]] = {
    "inspect": ["inspect"],
    "check": ["check", "--format", "json"],
    "explain": ["explain", "lbs_top20_share"],
    "audit-disclosure": ["audit-disclosure"],
}


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=ENV)
    return result.exit_code, result.stdout, result.stderr


def test_every_committed_file_has_a_case_and_a_readme_line() -> None:
    committed = {p.name for p in FILES.iterdir()} - {"README.md"}
    cased = {c.name for c in ALL}
    assert committed <= cased, committed - cased
    readme = (FILES / "README.md").read_text(encoding="utf-8")
    for case in ALL:
        assert f"`{case.name}`" in readme, case.name


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.name)
def test_inspect_refuses_or_counts_and_names_the_place(corpus_dir: Path, case: Case) -> None:
    path = corpus_dir / case.name
    code, out, err = _invoke("inspect", str(path), "--format", "json")
    assert code == case.exit_code, err
    assert "Traceback" not in out + err
    assert str(path) in err
    if case.line is not None:
        assert f"{path}:{case.line}:" in err, err[:2000]
    assert case.says in err, err[:2000]
    # A message is bounded however large the input (10 MB lines, 10,000 columns).
    assert len(err) < 10_000
    if case.counted:
        report = json.loads(out)
        rows = report["rows"]
        assert rows["used"] == case.used
        assert rows["rejected_by_reason"] == case.rejected
        assert rows["read"] == rows["used"] + rows["rejected"] + rows["out_of_scope"]
    else:
        assert out == ""


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", ALL, ids=lambda c: c.name)
def test_no_command_prints_a_traceback_on_any_corpus_file(
    corpus_dir: Path, case: Case, command: str
) -> None:
    path = corpus_dir / case.name
    code, out, err = _invoke(*COMMANDS[command], str(path))
    assert "Traceback" not in out + err
    assert "internal error" not in err
    # 0 where the bad rows were counted and rows remain (inspect needs none), else 2: never 3.
    if case.counted and (case.used or command == "inspect"):
        assert code == 0, err[:2000]
    else:
        assert code == 2, err[:2000]
        assert err.strip(), "an exit 2 says why"
        assert str(path) in err or "no usable rows" in err


def test_the_accepted_spellings_in_the_corpus_are_used(corpus_dir: Path) -> None:
    """１２３ (full-width digits) and 2025.0 are values, not rejects."""
    for name, line in (("bad_revenue.csv", 7), ("bad_years.csv", 6)):
        code, _out, err = _invoke("inspect", str(corpus_dir / name), "--format", "json")
        assert code == 0
        assert f"{corpus_dir / name}:{line}:" not in err


def _run_process(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "jingan_kpi", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


@pytest.mark.parametrize(
    "name", ["unclosed_quote_header.csv", "too_many_fields.csv", "truncated_utf8.csv"]
)
def test_a_real_process_prints_one_message_and_no_traceback(name: str) -> None:
    path = FILES / name
    done = _run_process("check", str(path))
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.count(str(path)) >= 1
    assert len(done.stderr.strip().splitlines()) <= 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    """Nothing ever writes to the FIFO: a tool that opened it for reading would hang, and the
    timeout would fail the test."""
    fifo = tmp_path / "panel.csv"
    os.mkfifo(fifo)
    sample = str(FILES.parent.parent.parent / "data" / "samples" / "panel_2024_2026.csv")
    runs = {
        "inspect": (["inspect", str(fifo)], "is not a regular file"),
        "check": (["check", str(fifo)], "is not a regular file"),
        "plan": (["check", sample, "--plan", str(fifo)], "is not a regular file"),
        "validate": (["validate", str(fifo)], "is not a regular file"),
        "reference": (["check", sample, "--reference", str(fifo)], "is not a regular file"),
    }
    for what, (args, says) in runs.items():
        done = _run_process(*args, timeout=60)
        assert done.returncode == 2, (what, done.stderr)
        assert says in done.stderr, (what, done.stderr)
        assert str(fifo) in done.stderr
        assert "Traceback" not in done.stderr
