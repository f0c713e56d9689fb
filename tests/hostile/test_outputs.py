"""Outputs are safe (issue 6, part 4): ``--output`` and ``--rejects`` are written whole or not at
all, the tool writes nowhere else, and it opens no network connection."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from jingan_kpi.cli import app

HERE = Path(__file__).parent
REPO = HERE.parent.parent
PANEL = str(HERE.parent / "cli" / "small_panel.csv")
PLAN = str(HERE.parent / "compute" / "plan_small.yaml")
DIRTY = str(HERE / "files" / "bad_revenue.csv")
SAMPLES = REPO / "data" / "samples"
runner = CliRunner()
ENV = {"NO_COLOR": "1", "COLUMNS": "120"}
OLD = "the previous report\n"


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=ENV)
    return result.exit_code, result.stdout, result.stderr


def _only(directory: Path, *names: str) -> None:
    assert sorted(p.name for p in directory.iterdir()) == sorted(names)


def test_a_renderer_failing_mid_write_leaves_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jingan_kpi.render.xlsx as xlsx

    target = tmp_path / "report.xlsx"
    target.write_text(OLD, encoding="utf-8")
    written_to: list[Path] = []

    def half_then_fail(ev: object, path: Path) -> None:
        written_to.append(Path(path))
        Path(path).write_bytes(b"PK\x03\x04 half a workbook")
        raise RuntimeError("synthetic failure while writing")

    monkeypatch.setattr(xlsx, "write_xlsx", half_then_fail)
    code, _, err = _invoke("check", PANEL, "--plan", PLAN, "-f", "xlsx", "-o", str(target))
    assert code == 3
    assert "RuntimeError: synthetic failure while writing" in err
    assert "Traceback" not in err
    # The writer never had the target itself: a temporary file beside it, then a rename.
    assert written_to and written_to[0] != target and written_to[0].parent == tmp_path
    assert target.read_text(encoding="utf-8") == OLD
    _only(tmp_path, "report.xlsx")


def test_an_interrupt_mid_write_leaves_no_report_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    real_write_text = Path.write_text

    def half_then_interrupt(self: Path, data: str, *args: object, **kwargs: object) -> int:
        real_write_text(self, data[: len(data) // 2], encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", half_then_interrupt)
    code, _out, err = _invoke("check", PANEL, "--plan", PLAN, "-f", "json", "-o", str(target))
    monkeypatch.undo()
    assert code == 130
    assert "interrupted" in err
    assert not target.exists()
    _only(tmp_path)


def test_rejects_are_written_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "rejects.csv"
    target.write_text(OLD, encoding="utf-8")
    real_write_csv = pl.DataFrame.write_csv

    def half_then_disk_full(self: pl.DataFrame, file: object = None, **kwargs: object) -> None:
        real_write_csv(self.head(1), file)  # type: ignore[arg-type]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_csv", half_then_disk_full)
    for command in (["inspect", DIRTY], ["check", DIRTY]):
        code, _, err = _invoke(*command, "--rejects", str(target))
        assert code == 2, err
        assert f"{target}: cannot write the reject report: No space left on device" in err
        assert target.read_text(encoding="utf-8") == OLD
        _only(tmp_path, "rejects.csv")


@pytest.mark.parametrize("option", ["--output", "--rejects"])
def test_an_output_in_a_missing_directory_is_exit_2(tmp_path: Path, option: str) -> None:
    target = tmp_path / "no" / "such" / "dir" / "out.json"
    code, out, err = _invoke("check", DIRTY, "-f", "json", option, str(target))
    assert code == 2
    assert "does not exist" in err
    assert "Traceback" not in out + err
    _only(tmp_path)


def test_the_tool_writes_nowhere_but_its_outputs(tmp_path: Path) -> None:
    """A real process, with its working directory, HOME, TMPDIR and caches in empty directories;
    the GB18030 sample is transcoded through a temporary file, which must be gone."""
    places = {name: tmp_path / name for name in ("cwd", "home", "tmp", "cache", "out")}
    for place in places.values():
        place.mkdir()
    env = {
        **os.environ,
        "HOME": str(places["home"]),
        "TMPDIR": str(places["tmp"]),
        "XDG_CACHE_HOME": str(places["cache"]),
        "NO_COLOR": "1",
    }
    out = places["out"]
    runs = [
        [
            "check",
            str(SAMPLES / "panel_2024_2026_gb18030.csv"),
            "--reference",
            str(SAMPLES / "reference.csv"),
            "-f",
            "json",
            "-o",
            str(out / "r.json"),
            "--rejects",
            str(out / "rejects.csv"),
        ],
        ["check", str(SAMPLES / "panel_2024_2026.csv"), "-f", "xlsx", "-o", str(out / "r.xlsx")],
        ["inspect", str(SAMPLES / "panel_2024_2026.csv"), "--rejects", str(out / "i.csv")],
        ["sample", "-o", str(out / "s.parquet"), "--enterprises", "50"],
        ["validate"],
    ]
    for args in runs:
        done = subprocess.run(
            [sys.executable, "-m", "jingan_kpi", *args],
            cwd=places["cwd"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    for name in ("cwd", "home", "tmp", "cache"):
        _only(places[name])
    _only(out, "r.json", "rejects.csv", "r.xlsx", "i.csv", "s.parquet")


def test_no_command_opens_a_network_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a network connection was attempted")

    for target, name in (
        (socket.socket, "connect"),
        (socket.socket, "connect_ex"),
        (socket.socket, "sendto"),
        (socket, "create_connection"),
        (socket, "getaddrinfo"),
    ):
        monkeypatch.setattr(target, name, refuse)
    panel = str(SAMPLES / "panel_2024_2026.csv")
    reference = str(SAMPLES / "reference.csv")
    runs = [
        ["validate"],
        ["schema"],
        ["inspect", panel, "--format", "json"],
        ["sample", "-o", str(tmp_path / "s.xlsx"), "--enterprises", "20"],
        ["explain", "lbs_top20_share", panel, "--reference", reference],
        ["audit-disclosure", panel],
        *(
            ["check", panel, "--reference", reference, "-f", fmt]
            for fmt in ("table", "json", "csv", "markdown")
        ),
        ["check", panel, "--publish", "-f", "xlsx", "-o", str(tmp_path / "r.xlsx")],
    ]
    for args in runs:
        code, _out, err = _invoke(*args)
        assert code == 0, (args, err)
        assert "network" not in err
