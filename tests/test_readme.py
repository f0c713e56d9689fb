"""The README's commands and examples are true: its excerpts are real output of this code."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from jingan_kpi.cli import app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SAMPLE = str(ROOT / "data/samples/panel_2024_2026.csv")
REFERENCE = str(ROOT / "data/samples/reference.csv")

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def block(marker: str) -> str:
    m = re.search(rf"<!-- {marker} -->\n(.*?)<!-- /{marker} -->", README, re.S)
    assert m, marker
    return m.group(1)


def test_top_commands_are_the_ones_ci_runs():
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    run_sample, run_tests = commands[0], commands[1]
    assert run_sample.endswith(
        "jingan-kpi check data/samples/panel_2024_2026.csv --reference data/samples/reference.csv"
    )
    assert run_tests.endswith('pip install -e ".[test]" && python -m pytest -q')
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert 'python -m pip install --quiet -e ".[test]"' in ci
    assert "python -m pytest -q" in ci


def test_check_excerpt_is_real_output():
    out = run("check", SAMPLE, "--reference", REFERENCE).splitlines()
    excerpt = block("check-output").split("```text\n", 1)[1].rsplit("```", 1)[0]
    for line in excerpt.splitlines():
        if line != "…":
            assert line in out, line


def test_publish_example_is_real_output(tmp_path):
    small = tmp_path / "small.csv"
    run("sample", "--enterprises", "60", "--seed", "7", "--output", str(small))
    internal = run("check", str(small), "--format", "markdown")
    published = run("check", str(small), "--format", "markdown", "--publish")
    tables = re.findall(r"(\| 指标 Indicator.*?)\n\n", block("publish-example") + "\n\n", re.S)
    assert tables[0] in internal
    assert tables[1] in published


def test_python_example_runs():
    code = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    code = code.replace('"data/samples/', f'"{ROOT}/data/samples/')
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # the README's own example
    assert namespace["lbs"].status == "on_track"
