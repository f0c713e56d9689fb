from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jingan_kpi.cli import app

from .conftest import SAMPLES

runner = CliRunner()


def test_sample_then_inspect(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    result = runner.invoke(
        app,
        [
            "sample",
            "--enterprises",
            "50",
            "--years",
            "2024-2025",
            "--seed",
            "3",
            "--output",
            str(out),
            "--bad-rows",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["inspect", str(out), "--format", "json", "--rejects", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    rows = report["rows"]
    assert rows["rejected"] == 6
    assert rows["read"] == rows["used"] + rows["rejected"] + rows["out_of_scope"]
    assert (tmp_path / "r.csv").exists()
    strict = runner.invoke(app, ["inspect", str(out), "--strict"])
    assert strict.exit_code == 2


def test_inspect_committed_gb18030() -> None:
    result = runner.invoke(app, ["inspect", str(SAMPLES / "panel_2024_2026_gb18030.csv")])
    assert result.exit_code == 0, result.output
    assert "rejected       12" in result.stdout


def test_unreadable_exit_2_no_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    result = runner.invoke(app, ["inspect", str(missing)])
    assert result.exit_code == 2
    # one line, the place once (the message's own "FILE: " prefix is not repeated after the slug)
    assert result.output == f"{missing}: [file_not_found] no such file\n"


def test_bad_option_values(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["sample", "--years", "2026-2024", "--output", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2
    result = runner.invoke(app, ["inspect", str(SAMPLES / "panel_2024_2026.csv"), "--unit", "美元"])
    assert result.exit_code == 2
