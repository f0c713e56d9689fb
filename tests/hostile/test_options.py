"""Hostile option values: each is exit 2 with a message, never a crash (exit 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingan_kpi.cli import app

REPO = Path(__file__).parent.parent.parent
PANEL = str(REPO / "data" / "samples" / "panel_2024_2026.csv")
runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        # codecs that are not text encodings, or cannot stream a file (before: exit 3)
        (["inspect", PANEL, "--encoding", "rot13"], "is not an encoding the tool reads"),
        (["inspect", PANEL, "--encoding", "hex"], "is not an encoding the tool reads"),
        (["inspect", PANEL, "--encoding", "base64"], "is not an encoding the tool reads"),
        (["inspect", PANEL, "--encoding", "zlib"], "is not an encoding the tool reads"),
        (["inspect", PANEL, "--encoding", "utf-16"], "is not an encoding the tool reads"),
        (["inspect", PANEL, "--encoding", "idna"], "is not an encoding the tool reads"),
        (["inspect", PANEL, "--encoding", "no-such-codec"], "is not an encoding the tool reads"),
        (["check", PANEL, "--unit", "万 元"], "is not a money unit"),
        (["check", PANEL, "--year", "1900"], "is not a year the panel covers"),
        (["check", PANEL, "--year", "99999999999999999999"], "is not a year the panel covers"),
        (["check", PANEL, "--format", "JSON"], "is not one of"),
        (["check", PANEL, "--fail-on", "metx"], "unknown status metx"),
        (["explain", "", PANEL], "no indicator"),
        # seeds beyond what the generator takes (before: exit 3, an OverflowError)
        (["sample", "-o", "{tmp}/s.csv", "--seed", "-1"], "greater than or equal to 0"),
        (["sample", "-o", "{tmp}/s.csv", "--seed", "99999999999999999999"], "less than or equal"),
        (["sample", "-o", "{tmp}/s.csv", "--years", "2100-2101"], "within 1949-2100"),
    ],
)
def test_bad_option_values_are_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    result = runner.invoke(
        app, [a.format(tmp=tmp_path) for a in args], env={"NO_COLOR": "1", "COLUMNS": "200"}
    )
    assert result.exit_code == 2, result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr


def test_the_largest_seed_works(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    result = runner.invoke(
        app, ["sample", "-o", str(out), "--seed", str(2**32 - 1), "--enterprises", "5"]
    )
    assert result.exit_code == 0, result.stderr
    assert out.exists()
