"""`jingan-kpi validate` and `jingan-kpi schema`: exit codes, messages, JSON, schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from jingan_kpi.cli import app
from jingan_kpi.plan import plan_json_schema, shipped_plan_path, validate_plan

HERE = Path(__file__).parent
BROKEN = HERE / "broken"
HOSTILE = HERE / "hostile"
REPO = HERE.parent.parent

runner = CliRunner()

# file stem → (slug, line, text the message names, text found on that line of the file)
BROKEN_CASES: dict[str, tuple[str, int, str, str]] = {
    "attribute_access": ("formula_syntax", 195, "attribute access is not part", "formula:"),
    "circular_reference": (
        "circular_reference",
        237,
        "core_zone_revenue → core_zone_share → core_zone_revenue",
        "formula:",
    ),
    "dunder_import": ("formula_syntax", 211, '"__"', "__import__"),
    "duplicate_indicator": (
        "duplicate_indicator",
        183,
        'indicator id "org_revenue" is used twice',
        "id: org_revenue",
    ),
    "duplicate_key": (
        "duplicate_key",
        29,
        'key "name_zh" is given twice in sectors.lbs',
        "name_zh:",
    ),
    "formula_syntax": ("formula_syntax", 188, "revenue( is not closed", "formula: revenue(legal"),
    "hq_not_boolean": ("wrong_arguments", 158, "hq= takes true or false", "hq=yes"),
    "invalid_target_op": ("invalid_value", 168, 'indicator "hr_revenue" (target.op)', "op:"),
    "lambda_formula": ("formula_syntax", 217, '"lambda" is not part', "lambda"),
    "missing_key": (
        "missing_key",
        176,
        'missing key "name_en" in indicator "consulting_revenue"',
        "id: consulting_revenue",
    ),
    "missing_target_value": ("missing_target_value", 175, 'target op ">=" needs a value', "op:"),
    "share_target_out_of_range": (
        "share_target_out_of_range",
        150,
        "share target 60 is outside 0..1",
        "value: 60",
    ),
    "target_year_outside_period": (
        "target_year_outside_period",
        189,
        "target year 2030 is outside the plan period 2026–2028",
        "year: 2030",
    ),
    "top_level_unknown_key": (
        "unknown_key",
        69,
        'unknown key "zone" in the top level (did you mean "zones"?)',
        "zone:",
    ),
    "unit_mismatch": (
        "unit_mismatch",
        157,
        'unit is "money" but its formula gives "count"',
        "unit: money",
    ),
    "unknown_function": (
        "unknown_function",
        229,
        'unknown function "hhhi" (did you mean "hhi"?)',
        "hhhi(lbs)",
    ),
    "unknown_indicator": (
        "unknown_indicator",
        116,
        'indicator "lbs_revenu" is not defined under indicators: (did you mean "lbs_revenue"?)',
        "lbs_revenu /",
    ),
    "unknown_industry_code": (
        "unknown_industry_code",
        54,
        'code prefix "7240" matches no',
        '"7240"',
    ),
    "unknown_key": (
        "unknown_key",
        167,
        'unknown key "fromula" in indicator "hr_revenue" (did you mean "formula"?)',
        "fromula:",
    ),
    "unknown_kwarg": (
        "wrong_arguments",
        267,
        'no keyword "zones" (did you mean "zone"?)',
        "zones=",
    ),
    "unknown_reference": (
        "unknown_reference",
        102,
        'reference series "district_econmy" is not '
        'defined under references: (did you mean "district_economy"?)',
        "district_econmy",
    ),
    "unknown_sector": (
        "unknown_sector",
        181,
        'sector "consultng" is not defined under sectors: (did you mean "consulting"?)',
        "consultng",
    ),
    "unknown_zone_group": (
        "unknown_zone_group",
        237,
        'zone group "cor" is not defined under zones: (did you mean "core"?)',
        "zone=cor",
    ),
    "unquoted_code": (
        "invalid_value",
        34,
        'sectors.hr.codes[0]: expected text, got the number 726: put it in quotes ("726")',
        "[726]",
    ),
    "unsafe_tag": (
        "unsafe_tag",
        15,
        'tag "!!python/object/apply:os.system" is not allowed',
        "!!python",
    ),
    "wrong_arguments": (
        "wrong_arguments",
        149,
        "top_share() takes 2 positional arguments, 1 given",
        "top_share(lbs)",
    ),
}


def test_there_are_at_least_15_broken_plans_and_each_has_a_case() -> None:
    stems = {p.stem for p in BROKEN.glob("*.yaml")}
    assert len(stems) >= 15
    assert stems == set(BROKEN_CASES)


@pytest.mark.parametrize("stem", sorted(BROKEN_CASES))
def test_broken_plan_exits_1_naming_line_and_key(stem: str) -> None:
    slug, line, says, on_line = BROKEN_CASES[stem]
    path = BROKEN / f"{stem}.yaml"
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    hits = [x for x in lines if x.startswith(f"{path}:{line}:") and f"[{slug}]" in x]
    assert hits, result.stdout
    assert any(says in x for x in hits), hits
    source_line = path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert on_line in source_line
    assert "1 plan file invalid" in result.stderr


def test_the_shipped_plan_validates() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip().endswith(": valid")


def test_the_targets_link_is_the_shipped_plan() -> None:
    link = REPO / "targets" / "plan_2026_2028.yaml"
    assert link.resolve() == shipped_plan_path().resolve()
    result = runner.invoke(app, ["validate", str(link)])
    assert result.exit_code == 0, result.output


def test_several_files_at_once_report_every_problem() -> None:
    paths = [
        str(BROKEN / "unknown_sector.yaml"),
        str(shipped_plan_path()),
        str(BROKEN / "unknown_key.yaml"),
    ]
    result = runner.invoke(app, ["validate", *paths])
    assert result.exit_code == 1
    assert "[unknown_sector]" in result.stdout
    assert "[unknown_key]" in result.stdout
    assert "2 of 3 plan files invalid: 2 problems" in result.stderr


def test_json_format_is_the_library_result() -> None:
    path = BROKEN / "top_level_unknown_key.yaml"
    result = runner.invoke(app, ["validate", "--format", "json", str(path)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    expected = [p.to_dict() for p in validate_plan(path)]
    assert report == {"files": [{"path": str(path), "valid": False, "problems": expected}]}
    first = report["files"][0]["problems"][0]
    assert first["slug"] == "unknown_key"
    assert (first["line"], first["column"], first["key"]) == (69, 1, "zone")


def test_json_format_of_a_valid_plan() -> None:
    result = runner.invoke(app, ["validate", "-f", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["files"][0]["valid"] is True


@pytest.mark.parametrize(
    ("path", "slug"),
    [(HERE / "no_such_plan.yaml", "file_not_found"), (HOSTILE / "not_yaml.yaml", "invalid_yaml")],
)
def test_a_file_that_cannot_be_checked_exits_2(path: Path, slug: str) -> None:
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"[{slug}]" in result.stderr
    assert result.stdout == ""


def test_not_yaml_names_the_line() -> None:
    result = runner.invoke(app, ["validate", str(HOSTILE / "not_yaml.yaml")])
    assert f"{HOSTILE / 'not_yaml.yaml'}:4:1: [invalid_yaml]" in result.stderr


def test_python_tag_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    def boom(*_: object) -> int:
        raise AssertionError("os.system was called")

    monkeypatch.setattr(os, "system", boom)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", str(BROKEN / "unsafe_tag.yaml")])
    assert result.exit_code == 1
    assert not (tmp_path / "pwned.txt").exists()


def test_billion_laughs_is_refused_quickly() -> None:
    result = runner.invoke(app, ["validate", str(HOSTILE / "billion_laughs.yaml")])
    assert result.exit_code == 1
    assert "[too_many_nodes]" in result.stdout


def test_every_command_has_help() -> None:
    for command in ("validate", "schema"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert len(result.stdout) > 100
    assert "--format" in runner.invoke(app, ["validate", "--help"]).stdout


# -- schema ---------------------------------------------------------------------------------------


def test_schema_prints_a_valid_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == plan_json_schema()
    assert schema["properties"]["indicators"]["description"]


def test_committed_schema_equals_the_command_output() -> None:
    result = runner.invoke(app, ["schema"])
    committed = (REPO / "src" / "jingan_kpi" / "data" / "plan.schema.json").read_text("utf-8")
    assert committed == result.stdout, (
        "regenerate it: jingan-kpi schema > src/jingan_kpi/data/plan.schema.json"
    )
    assert (REPO / "targets" / "plan.schema.json").read_text("utf-8") == committed


def test_the_shipped_plan_points_to_its_schema_and_satisfies_it() -> None:
    data = yaml.safe_load(shipped_plan_path().read_text(encoding="utf-8"))
    assert data["$schema"] == "plan.schema.json"
    assert (shipped_plan_path().parent / data["$schema"]).is_file()
    jsonschema.Draft202012Validator(plan_json_schema()).validate(data)


def test_the_schema_rejects_an_unknown_key() -> None:
    data = yaml.safe_load((BROKEN / "unknown_key.yaml").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(plan_json_schema())
    assert not validator.is_valid(data)


def test_validate_does_not_import_polars() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from jingan_kpi.cli import app\n"
        "result = CliRunner().invoke(app, ['validate'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'polars' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
