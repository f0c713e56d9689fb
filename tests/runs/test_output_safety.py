"""Issue 14 items 1, 6 and 9: no output ever overwrites an input or the other output; --strict
writes --rejects before failing; options are checked before the panel is read."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingan_kpi.cli import app

HERE = Path(__file__).parent
TESTS = HERE.parent
PANEL = TESTS / "cli" / "small_panel.csv"
REF = TESTS / "cli" / "small_reference.csv"
PLAN = TESTS / "compute" / "plan_small.yaml"
DIRTY = TESTS / "hostile" / "files" / "bad_revenue.csv"
runner = CliRunner()


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "120"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def panel(tmp_path: Path) -> Path:
    copy = tmp_path / "p.csv"
    shutil.copyfile(PANEL, copy)
    return copy


@pytest.mark.parametrize("option", ["--output", "--rejects"])
def test_an_output_that_is_the_panel_is_refused_and_the_panel_kept(
    panel: Path, option: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = panel.read_bytes()
    monkeypatch.chdir(panel.parent)
    for target in (panel, Path("./p.csv"), Path("sub/../p.csv")):
        (panel.parent / "sub").mkdir(exist_ok=True)
        code, out, err = invoke("check", panel, "--plan", PLAN, "-f", "csv", option, target)
        assert code == 2, err
        assert err == (
            f"error: {option} {target} is the panel file {panel}: writing it would destroy the "
            "input; give another file name\n"
        )
        assert out == ""
    assert panel.read_bytes() == before


def test_a_symlink_or_hard_link_to_an_input_is_caught(panel: Path) -> None:
    link = panel.parent / "link.csv"
    link.symlink_to(panel)
    hard = panel.parent / "hard.csv"
    os.link(panel, hard)
    before = panel.read_bytes()
    for target in (link, hard):
        code, _, err = invoke("check", panel, "--plan", PLAN, "-o", target)
        assert code == 2
        assert "is the panel file" in err
    assert panel.read_bytes() == before


def test_a_panel_matched_by_a_pattern_is_an_input_too(panel: Path) -> None:
    code, _, err = invoke("check", panel.parent / "*.csv", "--plan", PLAN, "-o", panel)
    assert code == 2
    assert "is the panel file" in err


def test_the_reference_and_the_plan_are_inputs(tmp_path: Path, panel: Path) -> None:
    ref = tmp_path / "ref.csv"
    plan = tmp_path / "plan.yaml"
    shutil.copyfile(REF, ref)
    shutil.copyfile(PLAN, plan)
    code, _, err = invoke("check", panel, "--plan", plan, "--reference", ref, "-o", ref)
    assert code == 2
    assert "is the reference file (--reference)" in err
    code, _, err = invoke("check", panel, "--plan", plan, "--rejects", plan)
    assert code == 2
    assert "is the plan file (--plan)" in err
    assert ref.read_bytes() == REF.read_bytes()
    assert plan.read_bytes() == PLAN.read_bytes()


def test_output_and_rejects_on_one_file_are_refused(tmp_path: Path, panel: Path) -> None:
    target = tmp_path / "x.txt"
    code, _, err = invoke("check", panel, "--plan", PLAN, "-o", target, "--rejects", target)
    assert code == 2
    assert err == (
        f"error: --rejects {target} is the same file as --output {target}: one would overwrite "
        "the other; give two different file names\n"
    )
    assert not target.exists()


def test_inspect_explain_and_validate_refuse_their_inputs_too(panel: Path) -> None:
    assert invoke("inspect", panel, "--rejects", panel)[0] == 2
    assert invoke("inspect", panel, "-o", panel)[0] == 2
    assert invoke("explain", "lbs_revenue", panel, "--plan", PLAN, "-o", panel)[0] == 2
    plan = panel.parent / "plan.yaml"
    shutil.copyfile(PLAN, plan)
    assert invoke("validate", plan, "-o", plan)[0] == 2
    assert plan.read_bytes() == PLAN.read_bytes()


def test_strict_writes_the_rejects_then_fails(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    code, out, err = invoke("check", DIRTY, "--strict", "--rejects", rejects)
    assert code == 2
    assert out == ""
    assert "--strict:" in err
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("source_file,source_line,reason,")
    assert len(lines) > 1
    assert all(",invalid_revenue," in line for line in lines[1:])


def test_inspect_strict_writes_the_rejects_too(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    code, _, _ = invoke("inspect", DIRTY, "--strict", "--rejects", rejects)
    assert code == 2
    assert rejects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--unit", "yuan"],
            'error: --unit "yuan" is not a money unit; use one of 元, 千元, 万元, 亿元\n',
        ),
        (
            ["-o", "{tmp}/nodir/x.json"],
            "error: --output {tmp}/nodir/x.json: directory {tmp}/nodir does not exist; create "
            "it or write elsewhere\n",
        ),
        (
            ["--rejects", "{tmp}/nodir/r.csv"],
            "error: --rejects {tmp}/nodir/r.csv: directory {tmp}/nodir does not exist; create "
            "it or write elsewhere\n",
        ),
        (
            ["--year", "1800"],
            "error: --year 1800 is not a year the panel covers: it is outside 1949–2100, the "
            "years a panel can hold; give a year of the panel\n",
        ),
        (["--year", "2101"], None),
    ],
)
def test_options_are_checked_before_the_panel_is_read(
    tmp_path: Path, args: list[str], message: str | None
) -> None:
    """The panel does not exist: had it been read first, the error would be about the panel."""
    missing = tmp_path / "missing.csv"
    code, _, err = invoke("check", missing, *(a.format(tmp=tmp_path) for a in args))
    assert code == 2
    assert "missing.csv" not in err
    if message is not None:
        assert err == message.format(tmp=tmp_path)


def test_an_unknown_explain_id_is_refused_before_the_panel_is_read(tmp_path: Path) -> None:
    code, _, err = invoke("explain", "lbs_revenu", tmp_path / "missing.csv", "--plan", PLAN)
    assert code == 2
    assert err == (
        f"error: no indicator 'lbs_revenu' in plan {PLAN} (did you mean 'lbs_revenue'?)\n"
    )


def test_a_year_the_panel_does_not_cover_names_the_option() -> None:
    code, _, err = invoke("check", PANEL, "--plan", PLAN, "--year", "2030")
    assert code == 2
    assert err.endswith(
        "error: --year 2030 is not a year the panel covers (2024, 2025, 2026); give one of "
        "those years\n"
    )
