"""Hostile plan files (issue 6, part 3), beyond what tests/plan covers already (Python tags,
billion laughs, deep nesting, an oversized file, attribute access, dunders, lambdas).

Each is refused with a message naming the file (and line), executes nothing, and never reaches
a traceback; the refusal is asserted, not its speed: the work is bounded by construction (a
size cap before parsing, nesting and alias limits, a formula length and depth limit).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from jingan_kpi.cli import app
from jingan_kpi.errors import PlanError
from jingan_kpi.plan import shipped_plan_path, validate_plan
from jingan_kpi.plan.formula import MAX_DEPTH, MAX_FORMULA_LENGTH

HERE = Path(__file__).parent
PLAN_TESTS = HERE.parent / "plan"
PANEL = str(HERE.parent / "cli" / "small_panel.csv")
runner = CliRunner()
ENV = {"NO_COLOR": "1", "COLUMNS": "120"}
SHIPPED_TEXT = shipped_plan_path().read_text(encoding="utf-8")
FORMULA_LINE = "    formula: revenue(rest_of_lbs)\n"


def _plan_with_formula(tmp_path: Path, formula: str, name: str = "plan.yaml") -> Path:
    assert SHIPPED_TEXT.count(FORMULA_LINE) == 1
    path = tmp_path / name
    path.write_text(SHIPPED_TEXT.replace(FORMULA_LINE, f"    formula: {formula}\n"), "utf-8")
    return path


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=ENV)
    return result.exit_code, result.stdout, result.stderr


def _all_plan_files() -> list[Path]:
    return sorted((PLAN_TESTS / "broken").glob("*.yaml")) + sorted(
        (PLAN_TESTS / "hostile").glob("*.yaml")
    )


@pytest.mark.parametrize("path", _all_plan_files(), ids=lambda p: p.name)
def test_check_refuses_every_broken_or_hostile_plan_with_exit_2(path: Path) -> None:
    code, out, err = _invoke("check", PANEL, "--plan", str(path))
    assert code == 2, err
    assert str(path) in err
    assert "Traceback" not in out + err
    assert out == ""


def test_a_50_mb_plan_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB of size, no disk

    def never(*_: object, **__: object) -> object:
        raise AssertionError("the file was read or parsed")

    for name in ("parse", "compose", "safe_load", "load"):
        monkeypatch.setattr(yaml, name, never)
    monkeypatch.setattr(Path, "read_bytes", never)
    monkeypatch.setattr(Path, "read_text", never)
    with pytest.raises(PlanError) as info:
        validate_plan(path)
    assert [p.slug for p in info.value.problems] == ["file_too_large"]
    assert "52,428,800 bytes" in str(info.value)


def test_a_50_mb_plan_is_exit_2_from_every_command(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    for args in (["validate", str(path)], ["check", PANEL, "--plan", str(path)]):
        code, out, err = _invoke(*args)
        assert code == 2
        assert f"plan file {path} is 52,428,800 bytes" in err
        assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("a: &a [*a]\n", "too_deep"),  # an alias that contains itself
        ("a: &a {b: *a}\n", "too_deep"),
        # shallow in the text, deep through aliases: the converter counts real depth
        ("x: &d " + "[" * 45 + "]" * 45 + "\ny: [[[[[[[[*d, *d]]]]]]]]\n", "too_deep"),
        (
            "k: &k ["
            + ", ".join(["x"] * 400)
            + "]\n"
            + "".join(f"k{i}: [*k, *k, *k]\n" for i in range(200)),
            "too_many_nodes",
        ),
    ],
    ids=["self_alias_list", "self_alias_map", "deep_through_aliases", "wide_alias_fanout"],
)
def test_alias_tricks_are_bounded(tmp_path: Path, text: str, slug: str) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text(text, encoding="utf-8")
    problems = validate_plan(path)
    assert slug in [p.slug for p in problems]
    assert all(p.place.file == str(path) for p in problems)


@pytest.mark.parametrize(
    ("formula", "says"),
    [
        # a chain of operators is one tree level per operator: bounded like nesting
        ("+".join(["revenue(rest_of_lbs)"] * 70), f"nested more than {MAX_DEPTH} levels"),
        ("*".join(["1"] * 900), f"nested more than {MAX_DEPTH} levels"),
        ("(" * 999 + "1" + ")" * 999, f"nested more than {MAX_DEPTH} levels"),
        ("yoy(" * 300 + "lbs_revenue" + ")" * 300, f"nested more than {MAX_DEPTH} levels"),
        ("1" + "+1" * MAX_FORMULA_LENGTH, f"at most {MAX_FORMULA_LENGTH}"),
        ("import os", '"import" is not part of the formula language'),
        ("__import__", 'names starting with "__"'),
        ("lbs_revenue.__class__.__mro__", "attribute access"),
        ("lbs_revenue．__class__", "unexpected character"),  # a full-width full stop
        ("(lambda: 1)()", '"lambda" is not part'),
        ("getattr(lbs_revenue, 1)", '"getattr" is not part'),
        ("exec(1)", '"exec" is not part'),
        ("revenue(lbs)[0]", "subscripts"),
        ("revenue(lbs); 1", '";"'),
        ("f'{1}'", "double quotes"),
        ("revenue(lbs, __class__=1)", 'names starting with "__"'),
    ],
)
def test_formula_tricks_are_refused_with_the_line(tmp_path: Path, formula: str, says: str) -> None:
    path = _plan_with_formula(tmp_path, f"'{formula}'" if ":" in formula else formula)
    problems = validate_plan(path)
    assert problems, formula
    assert says in problems[0].message, problems[0].message
    lines = path.read_text("utf-8").splitlines()
    rest = next(i for i, line in enumerate(lines, 1) if "id: rest_of_lbs_revenue" in line)
    assert problems[0].place.line == rest + 5  # the formula: line of that indicator
    code, out, err = _invoke("check", PANEL, "--plan", str(path))
    assert code == 2
    assert "Traceback" not in out + err


def test_yaml_escapes_cannot_smuggle_a_dunder(tmp_path: Path) -> None:
    path = _plan_with_formula(tmp_path, '"\\x5f\\x5fimport\\x5f\\x5f(1)"')
    problems = validate_plan(path)
    assert 'names starting with "__" (__import__)' in problems[0].message


def test_a_formula_at_the_depth_limit_still_computes(tmp_path: Path) -> None:
    """The bound refuses only what is beyond it: 61 levels evaluate, explain and render."""
    formula = "-".join(["-revenue(rest_of_lbs)"] * 20)  # 19 operators, 20 negations, calls
    path = _plan_with_formula(tmp_path, formula)
    assert validate_plan(path) == []
    for args in (
        ["check", PANEL, "--plan", str(path), "--format", "json"],
        ["explain", "rest_of_lbs_revenue", PANEL, "--plan", str(path)],
    ):
        code, out, err = _invoke(*args)
        assert code == 0, err
        assert "Traceback" not in out + err


def test_a_string_that_looks_like_code_is_only_a_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    def never(*_: object, **__: object) -> object:
        raise AssertionError("code from the plan file ran")

    monkeypatch.setattr(os, "system", never)
    monkeypatch.setattr(subprocess, "Popen", never)
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "pwned"
    trick = f"__import__('os').system('touch {marker}')"
    path = _plan_with_formula(tmp_path, f'"revenue(lbs, zone=\\"{trick}\\")"')
    assert validate_plan(path) == []  # a zone name is any text; it is compared, never run
    code, _out, err = _invoke("check", PANEL, "--plan", str(path), "--format", "json")
    assert code == 0, err
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "says", "line"),
    [
        (b"plan:\n  id: a\x00b\n", "character U+0000 is not allowed", 2),
        ("plan:\n  id: 静安\n".encode("gb18030"), "is not UTF-8 text", None),
        (b"\xff\xfe" + "plan: 1\n".encode("utf-16-le"), "is not UTF-8 text", None),
        (b"!!python/object/new:os.system [echo]\n", 'tag "!!python/object/new:os.system"', 1),
        (b"? !!python/name:os.system\n: 1\n", "a key must be plain text", 1),
    ],
    ids=["nul", "gb18030", "utf16", "python_tag_root", "python_tag_key"],
)
def test_undecodable_or_tagged_plans_name_the_file(
    tmp_path: Path, content: bytes, says: str, line: int | None
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(content)
    code, out, err = _invoke("validate", str(path))
    assert code in (1, 2)
    text = out + err
    assert says in text
    assert str(path) in text
    if line is not None:
        assert f"{path}:{line}:" in text
    assert "Traceback" not in text
    code, out, err = _invoke("check", PANEL, "--plan", str(path))
    assert code == 2
    assert "Traceback" not in out + err
